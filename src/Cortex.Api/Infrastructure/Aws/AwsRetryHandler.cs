using System.Net;
using System.Runtime.ExceptionServices;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// Retries whole EventBridge calls that failed for a transient reason (network error, timeout,
/// 5xx, 429, a throttling error type) with exponential backoff and full jitter, until a deadline.
/// It sits outside the SigV4 signing handler so every attempt is signed afresh.
/// </summary>
internal sealed class AwsRetryHandler(AwsOptions options, TimeProvider clock) : DelegatingHandler
{
    /// <summary>The absolute time after which no new attempt starts; set per request by the caller.</summary>
    public static readonly HttpRequestOptionsKey<DateTimeOffset> DeadlineKey = new("cortex.retry-deadline");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var deadline = request.Options.TryGetValue(DeadlineKey, out var d) ? d : clock.GetUtcNow() + options.PublishRetryBudget;
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage? response = null;
            ExceptionDispatchInfo? error = null;
            using (var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptTimeout.CancelAfter(options.EventBridgeTimeout);
                try
                {
                    response = await base.SendAsync(request, attemptTimeout.Token);
                    if (!await IsTransientAsync(response, attemptTimeout.Token))
                    {
                        return response;
                    }
                }
                catch (HttpRequestException ex)
                {
                    error = ExceptionDispatchInfo.Capture(ex);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The attempt timed out, not the caller.
                    error = ExceptionDispatchInfo.Capture(new TimeoutException("The EventBridge call timed out.", ex));
                }
            }

            var delay = Backoff.FullJitter(attempt, options.PublishRetryBaseDelay);
            if (clock.GetUtcNow() + delay >= deadline)
            {
                if (response is not null)
                {
                    return response;
                }

                error!.Throw();
            }

            response?.Dispose();
            await Task.Delay(delay, clock, cancellationToken);
        }
    }

    internal static async Task<bool> IsTransientAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.BadRequest)
        {
            return false;
        }

        // AWS JSON services answer throttling as a 400 with an error type; buffered so the caller can read it again.
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var error = await AwsJsonError.ReadAsync(response, cancellationToken);
        return AwsJsonError.IsThrottling(error.Type);
    }
}

/// <summary>Exponential backoff with full jitter: a uniform delay in [0, base * 2^attempt], capped.</summary>
internal static class Backoff
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(2);

    public static TimeSpan FullJitter(int attempt, TimeSpan baseDelay)
    {
        var ceiling = Math.Min(Cap.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
#pragma warning disable CA5394 // Jitter, not security.
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
#pragma warning restore CA5394
    }
}
