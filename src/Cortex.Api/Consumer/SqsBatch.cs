namespace Cortex.Api.Consumer;

/// <summary>One SQS message as either entry point received it. <paramref name="Body"/> is the EventBridge event, its detail a pack of events.</summary>
public sealed record SqsRecord(string MessageId, string? Body, IReadOnlyDictionary<string, string> Attributes)
{
    public const string ReceiveCountAttribute = "ApproximateReceiveCount";

    /// <summary>How many times SQS has delivered the message, 0 when the attribute is missing.</summary>
    public int ReceiveCount =>
        Attributes.TryGetValue(ReceiveCountAttribute, out var text) && int.TryParse(text, out var count) ? count : 0;
}

/// <summary>
/// The messages of one delivery. <paramref name="FromFifoQueue"/> makes the handler keep their order and
/// stop at the first failure; <paramref name="Deadline"/> is when the caller's time runs out (Lambda's
/// invocation deadline, or the end of the poller's visibility timeout).
/// </summary>
public sealed record SqsBatch(IReadOnlyList<SqsRecord> Records, bool FromFifoQueue = false, DateTimeOffset? Deadline = null)
{
    public static bool IsFifoQueue(string? arnOrUrl) =>
        arnOrUrl is not null && arnOrUrl.EndsWith(".fifo", StringComparison.Ordinal);
}

/// <summary>
/// What became of a batch. Only <see cref="FailedMessageIds"/> drives SQS; the counts are for logs:
/// <see cref="Stored"/> and <see cref="Duplicates"/> count the events of the messages that succeeded,
/// the others count messages.
/// </summary>
public sealed record SqsBatchResult(
    IReadOnlyList<string> FailedMessageIds,
    int Stored,
    int Duplicates,
    int Malformed,
    int StoreFailures,
    int Unfinished)
{
    public bool AllSucceeded => FailedMessageIds.Count == 0;
}
