using Cortex.Api.Events;

namespace Cortex.Api.Ports;

/// <summary>
/// Where events live for queries: SQLite (Embedded) or DynamoDB (Aws). Both keep events by
/// <c>event_id</c> (first write wins) and answer queries newest first with the same cursor.
/// </summary>
public interface ITelemetryStore
{
    /// <summary>Stores events idempotently; one outcome per event, in order.</summary>
    Task<IReadOnlyList<SaveOutcome>> SaveAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken);

    /// <summary>The stored JSON document of an unexpired event, or null.</summary>
    Task<string?> GetAsync(Guid eventId, CancellationToken cancellationToken);

    /// <summary>One page of unexpired events matching the query, newest first.</summary>
    Task<EventPage> QueryAsync(EventQuery query, CancellationToken cancellationToken);
}

public enum SaveOutcome
{
    Stored,
    Duplicate,
}

/// <summary>
/// A listing query. Time bounds are Unix milliseconds, <see cref="FromMs"/> inclusive and
/// <see cref="ToMs"/> exclusive; <see cref="After"/> resumes after the last item of a previous page.
/// </summary>
public sealed record EventQuery(
    string? Source,
    string? EventType,
    string? Severity,
    long? FromMs,
    long? ToMs,
    int Limit,
    EventPosition? After);

/// <summary>A place in the newest-first order: (timestamp, event_id) descending.</summary>
public readonly record struct EventPosition(long TimestampMs, Guid EventId);

/// <summary>The JSON documents of one page and, when more may follow, where the next page starts.</summary>
public sealed record EventPage(IReadOnlyList<string> Items, EventPosition? Next);
