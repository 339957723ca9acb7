using System.Diagnostics.Metrics;
using Cortex.Api.Observability;
using Cortex.Api.Ports;

namespace Cortex.Api.Operations;

/// <summary>
/// Publishes the dead-letter queue's depth as the gauge <c>cortex.dlq.depth</c>. The depth is
/// refreshed on a timer so that a metrics scrape never waits on SQS or the spool file.
/// </summary>
internal sealed class DeadLetterDepthMonitor : BackgroundService
{
    private readonly IDeadLetterQueue _queue;
    private readonly TimeProvider _clock;
    private readonly ILogger<DeadLetterDepthMonitor> _logger;
    private long _depth = -1;

    public DeadLetterDepthMonitor(IDeadLetterQueue queue, CortexMetrics metrics, TimeProvider clock, ILogger<DeadLetterDepthMonitor> logger)
    {
        _queue = queue;
        _clock = clock;
        _logger = logger;
        metrics.Meter.CreateObservableGauge<long>(
            "cortex.dlq.depth",
            ObserveDepth,
            "{message}",
            "Messages waiting in the dead-letter queue.");
    }

    private IEnumerable<Measurement<long>> ObserveDepth()
    {
        var depth = Interlocked.Read(ref _depth);
        return depth < 0 ? [] : [new Measurement<long>(depth, new KeyValuePair<string, object?>("queue", _queue.Name))];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(60), _clock);
        do
        {
            try
            {
                Interlocked.Exchange(ref _depth, await _queue.CountAsync(stoppingToken) ?? -1);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Could not read the depth of dead-letter queue {Queue}", _queue.Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
