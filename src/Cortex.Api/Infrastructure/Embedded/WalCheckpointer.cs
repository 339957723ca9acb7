using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// Keeps the WAL short without stalling the writer. On a timer, on its own connection, it copies
/// committed WAL pages into the database file with PASSIVE checkpoints, which never block the
/// writer or readers. Under steady writes such a pass never finishes (commits keep coming), and
/// SQLite rewinds the WAL only when a commit starts with every page copied. So once the WAL holds
/// a quarter of <see cref="EmbeddedOptions.WalLimitMiB"/>, it runs a second pass at once (leaving
/// behind only what was committed during the first) and asks the writer to checkpoint between two
/// commits: the writer then copies just that remainder, and its next commit rewinds the WAL. The
/// writer's own automatic checkpoint at the full limit stays as the bound if this falls behind.
/// </summary>
internal sealed class WalCheckpointer(
    SqliteDatabase database, SqliteWriter writer, SqliteDamage damage, IOptions<EmbeddedOptions> options, TimeProvider clock,
    ILogger<WalCheckpointer> logger) : BackgroundService
{
    /// <summary>False once the loop has ended while the app runs: the WAL would then grow up to the writer's bound on every commit.</summary>
    public bool IsRunning => ExecuteTask is not { IsCompleted: true };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rewindAt = options.Value.WalLimitMiB * 1024L * 1024L / 4;
        using var timer = new PeriodicTimer(options.Value.CheckpointInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    using var connection = database.Open();
                    using (var command = connection.CreateCommand())
                    {
                        command.CommandText = $"PRAGMA synchronous={options.Value.Synchronous};";
                        command.ExecuteNonQuery();
                    }

                    if (CheckpointPassive(connection) >= rewindAt)
                    {
                        CheckpointPassive(connection);
                        writer.RequestWalRewind();
                    }
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

    /// <summary>Copies what it can and returns the WAL's length in bytes.</summary>
    private static long CheckpointPassive(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE); PRAGMA page_size;";
        using var reader = command.ExecuteReader();
        reader.Read();
        var frames = reader.GetInt64(1);
        reader.NextResult();
        reader.Read();
        return frames * Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
    }
}
