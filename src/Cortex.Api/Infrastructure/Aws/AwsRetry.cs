using System.Net;
using Cortex.Api.Events;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// The EventBridge adapter's retry pipelines, built once from <see cref="AwsOptions"/>: exponential
/// backoff with full jitter, bounded by a deadline that each execution carries in its context. A
/// retry whose backoff would end after the deadline is not made, so a publish answers within its
/// retry budget plus one call.
/// </summary>
internal static class AwsRetry
{
    /// <summary>The longest backoff between two attempts.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    /// <summary>The absolute time after which no new attempt starts; without it nothing is retried.</summary>
    public static readonly ResiliencePropertyKey<DateTimeOffset> Deadline = new("cortex.retry-deadline");

    private static readonly ResiliencePropertyKey<TimeSpan> NextDelay = new("cortex.retry-next-delay");

    /// <summary>
    /// Whole EventBridge calls: a network error, an attempt timeout, a 5xx, a 429 or a throttling
    /// error type is retried. It runs outside the SigV4 signing handler, so every attempt is
    /// signed afresh. The attempt timeout bounds a real network call, so it keeps the system clock.
    /// </summary>
    public static ResiliencePipeline<HttpResponseMessage> CreateCallPipeline(AwsOptions options, TimeProvider clock, ILogger logger)
    {
        var attemptTimeout = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = TimeProvider.System }
            .AddTimeout(options.EventBridgeTimeout)
            .Build();
        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddRetry(Bounded<HttpResponseMessage>(options, clock, IsTransientAsync, args =>
            {
                logger.LogWarning(args.Outcome.Exception, "EventBridge call failed ({Status}); attempt {Attempt} follows in {Delay}",
                    args.Outcome.Result?.StatusCode, args.AttemptNumber + 2, args.RetryDelay);
                return default;
            }))
            .AddPipeline(attemptTimeout)
            .Build();
    }

    /// <summary>
    /// Retries an operation whose outcome <paramref name="shouldRetry"/> calls transient (for
    /// example entries still to resend), until the execution's <see cref="Deadline"/>. The backoff
    /// is AWS's "full jitter": uniform in [0, min(MaxDelay, base * 2^attempt)]. Polly offers no hook
    /// that sees its own delay before the retry decision, so the delay is drawn in ShouldHandle
    /// (to give up when it would end after the deadline) and handed to Polly by DelayGenerator.
    /// </summary>
    public static RetryStrategyOptions<T> Bounded<T>(
        AwsOptions options,
        TimeProvider clock,
        Func<Outcome<T>, CancellationToken, ValueTask<bool>> shouldRetry,
        Func<OnRetryArguments<T>, ValueTask> onRetry) => new()
        {
            MaxRetryAttempts = int.MaxValue,
            ShouldHandle = async args =>
            {
                if (!await shouldRetry(args.Outcome, args.Context.CancellationToken))
                {
                    return false;
                }

                var delay = FullJitter(args.AttemptNumber, options.PublishRetryBaseDelay);
                args.Context.Properties.Set(NextDelay, delay);
                return clock.GetUtcNow() + delay < DeadlineOf(args.Context);
            },
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(NextDelay, TimeSpan.Zero)),
            OnRetry = onRetry,
        };

    internal static async ValueTask<bool> IsTransientAsync(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or TimeoutRejectedException;
        }

        var response = outcome.Result!;
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

    private static TimeSpan FullJitter(int attempt, TimeSpan baseDelay)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(SnapshotSafeRandom.NextDouble() * ceiling);
    }

    private static DateTimeOffset DeadlineOf(ResilienceContext context) =>
        context.Properties.TryGetValue(Deadline, out var deadline) ? deadline : DateTimeOffset.MinValue;
}
