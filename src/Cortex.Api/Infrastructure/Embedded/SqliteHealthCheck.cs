using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>Ready while the file opens with its events table, the writer, syncer and checkpointer run, and SQLite has reported no damage.</summary>
internal sealed class SqliteHealthCheck(SqliteDatabase database, SqliteWriter writer, WalCheckpointer checkpointer, SqliteDamage damage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (damage.Report is { } report)
        {
            return HealthCheckResult.Unhealthy($"The database file is damaged ({report}); restore it from a backup and restart.");
        }

        var problem = writer.Problem
            ?? (checkpointer.IsRunning ? null : "The WAL checkpointer has stopped; the WAL would grow without bound.");
        if (problem is not null)
        {
            return HealthCheckResult.Unhealthy(problem);
        }

        try
        {
            await using var connection = database.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'events'";
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 1
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The events table is missing.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !damage.Observe(ex))
        {
            return HealthCheckResult.Unhealthy("The SQLite store is not usable.", ex);
        }
    }
}
