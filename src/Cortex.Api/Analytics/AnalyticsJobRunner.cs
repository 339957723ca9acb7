using System.Text.Json;
using System.Threading.Channels;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Analytics;

/// <summary>
/// Runs accepted jobs in the background, <see cref="AnalyticsOptions.Workers"/> at a time: each
/// goes queued -> running -> succeeded or failed, with its result inline or kept apart by size.
/// </summary>
internal sealed class AnalyticsJobRunner(
    IAnalyticsEngine engine,
    IAnalyticsJobStore store,
    IOptions<AnalyticsOptions> options,
    TimeProvider clock,
    ILogger<AnalyticsJobRunner> logger) : BackgroundService
{
    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = false });

    public void Enqueue(Guid jobId) => _queue.Writer.TryWrite(jobId);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Workers).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await foreach (var jobId in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await RunAsync(jobId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Analytics job {JobId} could not be recorded", jobId);
            }
        }
    }

    internal async Task RunAsync(Guid jobId, CancellationToken stoppingToken)
    {
        if (await store.GetAsync(jobId, stoppingToken) is not { Status: AnalyticsJobStatus.Queued } job)
        {
            return;
        }

        job = job with { Status = AnalyticsJobStatus.Running, StartedAt = clock.GetUtcNow() };
        await store.UpdateAsync(job, stoppingToken);

        var settings = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(settings.JobTimeout);
        try
        {
            var query = AnalyticsQueryParser.Parse(Request(job), settings).Query
                ?? throw new AnalyticsFailedException("The job's stored parameters are no longer valid; submit it again.");
            var result = AnalyticsResultJson.Write(await engine.RunAsync(query, timeout.Token));
            job = job with { Status = AnalyticsJobStatus.Succeeded, FinishedAt = clock.GetUtcNow(), ResultBytes = result.Length };
            if (result.Length > settings.MaxInlineResultBytes)
            {
                job = job with { ResultStoredApart = true };
                await store.SaveResultAsync(job, result, stoppingToken);
            }
            else
            {
                job = job with { ResultJson = System.Text.Encoding.UTF8.GetString(result) };
            }
        }
        catch (AnalyticsFailedException ex)
        {
            job = Failed(job, ex.Message);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            job = Failed(job, $"The job ran longer than {settings.JobTimeout.TotalSeconds:0} s and was stopped; narrow the range or the filters.");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Analytics job {JobId} ({Operation}) failed", job.JobId, job.Operation);
            job = Failed(job, "The analytics engine failed while running the job; it was logged. Try again later.");
        }

        await store.UpdateAsync(job, stoppingToken);
        logger.LogInformation("Analytics job {JobId} ({Operation}) {Status}", job.JobId, job.Operation, job.Status);
    }

    private AnalyticsJob Failed(AnalyticsJob job, string error) =>
        job with { Status = AnalyticsJobStatus.Failed, FinishedAt = clock.GetUtcNow(), Error = error };

    private static AnalyticsRequest Request(AnalyticsJob job)
    {
        using var document = JsonDocument.Parse(job.ParametersJson);
        var parameters = document.RootElement.Clone();
        return new AnalyticsRequest(job.Operation, parameters);
    }
}
