using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cortex.Api.Health;

/// <summary>
/// Gives a check a fixed budget. The health check service only cancels a token on timeout, which a
/// check blocked in a call that ignores cancellation never sees; this stops waiting instead.
/// </summary>
internal sealed class TimeBoxedHealthCheck(IHealthCheck inner, TimeSpan budget, TimeProvider clock) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(budget);
        try
        {
            return await inner.CheckHealthAsync(context, timeout.Token).WaitAsync(budget, clock, cancellationToken);
        }
        catch (TimeoutException)
        {
            return TimedOut(context);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TimedOut(context);
        }
    }

    private HealthCheckResult TimedOut(HealthCheckContext context) =>
        new(context.Registration.FailureStatus, $"The check did not answer within {budget.TotalMilliseconds:0} ms.");
}
