namespace Cortex.Api.Events;

/// <summary>
/// A validated event with its server-owned fields: what every store keeps and every read returns.
/// Timestamps are the normalised UTC strings of <see cref="Rfc3339"/>.
/// </summary>
public sealed record TelemetryEvent
{
    public required Guid EventId { get; init; }

    public required string Source { get; init; }

    public required string EventType { get; init; }

    public required string Severity { get; init; }

    public required string Timestamp { get; init; }

    /// <summary>The event time in Unix milliseconds, the sort key of every query.</summary>
    public required long TimestampMs { get; init; }

    /// <summary>The data object as compact UTF-8 JSON, numbers as the client wrote them.</summary>
    public required ReadOnlyMemory<byte> Data { get; init; }

    public string? Hostname { get; init; }

    public string? Region { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public required string IngestedAt { get; init; }

    public required string RequestId { get; init; }

    public string? SourceIp { get; init; }

    public required string SubmittedBy { get; init; }

    /// <summary>When the stores may delete the event, in Unix seconds (the DynamoDB TTL attribute).</summary>
    public required long ExpiresAt { get; init; }

    /// <summary>The W3C traceparent of the request that accepted the event.</summary>
    public string? TraceParent { get; init; }

    public string EventIdText => EventId.ToString("D");
}
