using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cortex.Api.Infrastructure.Embedded;

internal sealed class SqliteHealthCheck(SqliteTelemetryStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The SQLite store is not usable.", ex);
        }
    }
}
