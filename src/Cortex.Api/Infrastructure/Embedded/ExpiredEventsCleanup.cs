using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>Deletes expired events and analytics jobs on a timer (DynamoDB's TTL does this in Aws mode).</summary>
internal sealed class ExpiredEventsCleanup(
    SqliteTelemetryStore store,
    SqliteAnalyticsJobStore jobs,
    IOptions<EmbeddedOptions> options,
    TimeProvider clock,
    ILogger<ExpiredEventsCleanup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, clock);
        do
        {
            try
            {
                var deleted = await store.DeleteExpiredAsync(stoppingToken);
                var deletedJobs = await jobs.DeleteExpiredAsync(stoppingToken);
                if (deleted + deletedJobs > 0)
                {
                    logger.LogInformation("Deleted {Count} expired events and {Jobs} expired analytics jobs", deleted, deletedJobs);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Deleting expired events or analytics jobs failed; retrying at the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
