using System.Threading.RateLimiting;

namespace Cortex.Api.Infrastructure;

/// <summary>
/// Paces a dead-letter replay at no more than a given number of messages per second: a token
/// bucket of one token, refilled once per interval by a timer of the injected
/// <see cref="TimeProvider"/> (the limiter's own refill runs on the system clock). One replay
/// uses one pacer, from one caller at a time.
/// </summary>
internal sealed class ReplayPacer : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter;
    private readonly ITimer _refill;

    public ReplayPacer(int maxPerSecond, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerSecond, 1);
        var interval = TimeSpan.FromSeconds(1.0 / maxPerSecond);
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            // Even a manual refill is refused until this much system time has passed since the
            // last one: one tick leaves the cadence to the timer below.
            ReplenishmentPeriod = TimeSpan.FromTicks(1),
            AutoReplenishment = false,
            QueueLimit = 1,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _refill = clock.CreateTimer(static limiter => ((TokenBucketRateLimiter)limiter!).TryReplenish(), _limiter, interval, interval);
    }

    /// <summary>Waits until the next message may go; the first goes at once.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("A replay pacer serves one caller at a time.");
        }
    }

    public void Dispose()
    {
        _refill.Dispose();
        _limiter.Dispose();
    }
}
