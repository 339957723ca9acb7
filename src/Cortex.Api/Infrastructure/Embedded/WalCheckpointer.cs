using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// Copies committed WAL pages into the database file on a timer, on its own connection, so the
/// copy and its sync stay off the writer's path. PASSIVE never blocks the writer or readers; it
/// copies what it can and the next round continues.
/// </summary>
internal sealed class WalCheckpointer(
    SqliteDatabase database, SqliteDamage damage, IOptions<EmbeddedOptions> options, TimeProvider clock, ILogger<WalCheckpointer> logger) : BackgroundService
{
    /// <summary>False once the loop has ended while the app runs: the WAL would then grow up to the writer's bound on every commit.</summary>
    public bool IsRunning => ExecuteTask is not { IsCompleted: true };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    using var connection = database.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = $"PRAGMA synchronous={options.Value.Synchronous}; PRAGMA wal_checkpoint(PASSIVE);";
                    command.ExecuteNonQuery();
                }
                catch (SqliteException ex) when (!damage.Observe(ex))
                {
                    logger.LogWarning(ex, "WAL checkpoint failed; retrying at the next interval");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
