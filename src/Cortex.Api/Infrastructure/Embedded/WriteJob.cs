using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>One request's events on their way through the writer: committed, then synced, then answered.</summary>
internal sealed class WriteJob(IReadOnlyList<TelemetryEvent> events, byte[][] documents, long? deleteExpiredBefore = null)
{
    public IReadOnlyList<TelemetryEvent> Events { get; } = events;

    /// <summary>Each event's stored JSON document, UTF-8.</summary>
    public byte[][] Documents { get; } = documents;

    public long? DeleteExpiredBefore { get; } = deleteExpiredBefore;

    public SaveOutcome[]? Outcomes { get; set; }

    public int Deleted { get; set; }

    public TaskCompletionSource<IReadOnlyList<SaveOutcome>> Completion { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
