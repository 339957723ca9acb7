using Cortex.Api.Ports;

namespace Cortex.Tests.Analytics;

/// <summary>
/// The real engine behind a gate: each run waits until the test lets one run through
/// (<see cref="Open"/>), so the test sees jobs queued and running; <see cref="Failure"/> makes
/// runs fail as an engine would.
/// </summary>
internal sealed class GatedAnalyticsEngine(IAnalyticsEngine inner) : IAnalyticsEngine, IDisposable
{
    private readonly SemaphoreSlim _gate = new(0);
    private readonly SemaphoreSlim _started = new(0);

    public Exception? Failure { get; set; }

    /// <summary>Lets <paramref name="runs"/> waiting or future runs through.</summary>
    public void Open(int runs = 1000) => _gate.Release(runs);

    /// <summary>Completes when one more run has reached the gate.</summary>
    public Task StartedAsync(CancellationToken cancellationToken) => _started.WaitAsync(cancellationToken);

    public Task<ScanEstimate> EstimateAsync(AnalyticsQuery query, CancellationToken cancellationToken) => inner.EstimateAsync(query, cancellationToken);

    public async Task<AnalyticsResult> RunAsync(AnalyticsQuery query, CancellationToken cancellationToken)
    {
        _started.Release();
        await _gate.WaitAsync(cancellationToken);
        return Failure is { } failure ? throw failure : await inner.RunAsync(query, cancellationToken);
    }

    public void Dispose()
    {
        _gate.Dispose();
        _started.Dispose();
    }
}
