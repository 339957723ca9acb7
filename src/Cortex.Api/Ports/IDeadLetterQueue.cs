namespace Cortex.Api.Ports;

/// <summary>
/// Where events that could not be stored wait for an operator: the SQS dead-letter queue (Aws)
/// or the spool file of events whose SQLite commit failed (Embedded).
/// </summary>
public interface IDeadLetterQueue
{
    /// <summary>The queue's name, which a purge must quote back as confirmation.</summary>
    string Name { get; }

    /// <summary>How many messages wait, where the backend knows it.</summary>
    Task<long?> CountAsync(CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="limit"/> messages without consuming them.</summary>
    Task<IReadOnlyList<DeadLetter>> PeekAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Moves up to <paramref name="maxMessages"/> messages back into the pipeline at no more than
    /// <paramref name="maxPerSecond"/>; a message leaves the dead-letter queue only after it is
    /// safely back, so none is lost, and each moved message is sent once.
    /// </summary>
    Task<ReplayResult> ReplayAsync(int maxMessages, int maxPerSecond, CancellationToken cancellationToken);

    /// <summary>Deletes every message. Callers must have confirmed by quoting <see cref="Name"/>.</summary>
    Task<long> PurgeAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One dead-lettered message as an operator sees it. <see cref="FailedAt"/> is when it was dead-lettered
/// where the backend records that (the embedded spool does; SQS does not). <see cref="SentAt"/> is when
/// it was first sent to the consumer queue (SQS keeps that time when it moves a message to the DLQ).
/// <see cref="EventCount"/> is how many events the message holds (a pack of events moves and replays
/// whole); <see cref="EventId"/>, <see cref="Source"/> and <see cref="EventType"/> are its first event's.
/// Null when the body cannot be read.
/// </summary>
public sealed record DeadLetter(
    string Id,
    string? EventId,
    string? Source,
    string? EventType,
    int? ReceiveCount,
    DateTimeOffset? FailedAt,
    string? Reason,
    string Body,
    DateTimeOffset? SentAt = null,
    int? EventCount = null);

/// <summary>
/// What a replay did: messages moved and failed, and the events the moved messages hold (null when
/// the backend moves messages without reading them, as an SQS message-move task does).
/// </summary>
public sealed record ReplayResult(int Moved, int Failed, string Method, int? EventsMoved = null);
