using Cortex.Api.Events;

namespace Cortex.Api.Ports;

/// <summary>
/// Hands validated events off durably: to SQLite (Embedded) or to EventBridge (Aws).
/// A result of <see cref="PublishStatus.Accepted"/> means nothing may lose the event any more.
/// </summary>
public interface IEventPublisher
{
    /// <summary>
    /// Publishes the events and returns one outcome per event, in the same order, or, when the
    /// sink cannot take more work right now, <see cref="PublishResult.Overloaded"/> for all of them.
    /// </summary>
    Task<PublishResult> PublishAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken);
}

/// <summary>What a publish call gave: one outcome per event, or an overloaded sink (nothing was taken).</summary>
public sealed record PublishResult
{
    private PublishResult(IReadOnlyList<PublishOutcome> outcomes, Overload? overload)
    {
        Outcomes = outcomes;
        Overload = overload;
    }

    /// <summary>One outcome per event, in request order; empty when <see cref="Overload"/> is set.</summary>
    public IReadOnlyList<PublishOutcome> Outcomes { get; }

    /// <summary>Set when the sink is saturated: answer 503 with Retry-After.</summary>
    public Overload? Overload { get; }

    public static PublishResult Completed(IReadOnlyList<PublishOutcome> outcomes) => new(outcomes, null);

    public static PublishResult Overloaded(string message, TimeSpan retryAfter) => new([], new Overload(message, retryAfter));
}

/// <summary>The sink is saturated; the client should retry after <paramref name="RetryAfter"/>.</summary>
public sealed record Overload(string Message, TimeSpan RetryAfter);

public enum PublishStatus
{
    /// <summary>Durably handed off.</summary>
    Accepted,

    /// <summary>Not handed off for a transient reason: the client should retry.</summary>
    Failed,

    /// <summary>Refused by the sink for a reason a retry will not fix.</summary>
    Rejected,
}

/// <summary>The outcome for one event. <paramref name="MessageId"/> is set when accepted.</summary>
public readonly record struct PublishOutcome(PublishStatus Status, string? MessageId = null, string? Error = null)
{
    public static PublishOutcome Accepted(string messageId) => new(PublishStatus.Accepted, messageId);

    public static PublishOutcome Failed(string error) => new(PublishStatus.Failed, Error: error);

    public static PublishOutcome Rejected(string error) => new(PublishStatus.Rejected, Error: error);
}
