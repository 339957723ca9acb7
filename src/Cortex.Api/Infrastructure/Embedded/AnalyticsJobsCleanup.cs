using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>Deletes expired analytics jobs and their results on the events cleanup's interval (DynamoDB's TTL and S3's lifecycle do this in Aws mode).</summary>
internal sealed class AnalyticsJobsCleanup(
    SqliteAnalyticsJobStore store, IOptions<EmbeddedOptions> options, TimeProvider clock, ILogger<AnalyticsJobsCleanup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, clock);
        do
        {
            try
            {
                var deleted = await store.DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} expired analytics jobs", deleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Deleting expired analytics jobs failed; retrying at the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
