using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cortex.Api.Consumer;
using Cortex.Api.Events;
using Cortex.Api.Observability;
using Cortex.Api.Ports;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.Tests.Consumer;

/// <summary>Events, EventBridge envelopes and SQS records as the pipeline carries them.</summary>
internal static class ConsumerTestData
{
    public const string QueueArn = "arn:aws:sqs:us-east-1:123456789012:cortex-events-queue";
    public const string FifoQueueArn = "arn:aws:sqs:us-east-1:123456789012:cortex-events-queue.fifo";

    /// <summary>Instruments from a meter factory of their own, so tests never see each other's measurements.</summary>
    public static CortexMetrics NewMetrics(IMeterFactory? meterFactory = null) =>
        new(meterFactory ?? new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    public static TelemetryEvent NewEvent(string source = "consumer-test", string? traceParent = null)
    {
        var now = DateTimeOffset.UtcNow;
        var timestamp = Rfc3339.TruncateToMilliseconds(now);
        return new TelemetryEvent
        {
            EventId = Guid.CreateVersion7(),
            Source = source,
            EventType = "cpu_usage",
            Severity = "warning",
            Timestamp = Rfc3339.ToUtcString(timestamp),
            TimestampMs = timestamp.ToUnixTimeMilliseconds(),
            Data = """{"cpu_percent":87.5,"load_avg_1m":2.30}"""u8.ToArray(),
            Hostname = "web-01",
            Tags = new Dictionary<string, string> { ["env"] = "test" },
            IngestedAt = Rfc3339.ToUtcString(now),
            RequestId = "req-" + Guid.NewGuid().ToString("N"),
            SourceIp = "127.0.0.1",
            SubmittedBy = "agent-consumer",
            ExpiresAt = now.AddDays(30).ToUnixTimeSeconds(),
            TraceParent = traceParent,
        };
    }

    /// <summary>The SQS message body EventBridge delivers for <paramref name="e"/> published alone: a pack of one.</summary>
    public static string Envelope(TelemetryEvent e) => PackEnvelope(e);

    /// <summary>The SQS message body EventBridge delivers for one PutEvents entry packing <paramref name="events"/>.</summary>
    public static string PackEnvelope(params TelemetryEvent[] events) => EnvelopeWithDetail(PackDetail(events));

    /// <summary>The detail the publisher writes for a pack (the same bytes as EventBridgeEventPublisherTests pin).</summary>
    public static string PackDetail(IEnumerable<TelemetryEvent> events) =>
        "{\"events\":[" + string.Join(",", events.Select(e => EventJson.ToJson(e, includeTrace: true))) + "]}";

    /// <summary>The body of a message published before packing: the detail is the event itself.</summary>
    public static string SingleEventEnvelope(TelemetryEvent e) => EnvelopeWithDetail(EventJson.ToJson(e, includeTrace: true));

    public static string EnvelopeWithDetail(string detailJson) =>
        $$"""{"version":"0","id":"{{Guid.NewGuid()}}","detail-type":"TelemetryEvent","source":"cortex.producer.test","account":"123456789012","time":"2026-11-23T10:00:00Z","region":"us-east-1","resources":[],"detail":{{detailJson}}}""";

    public static SqsRecord Record(string? body, int receiveCount = 1, string? messageId = null) =>
        new(messageId ?? Guid.NewGuid().ToString(), body,
            new Dictionary<string, string> { [SqsRecord.ReceiveCountAttribute] = receiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public static SqsRecord Record(TelemetryEvent e, int receiveCount = 1) => Record(Envelope(e), receiveCount);
}

/// <summary>
/// A store in memory with the port's contract (first write wins, the rest are duplicates).
/// <see cref="OnSave"/> lets a test make a save throw or wait. Calls are recorded before any await.
/// </summary>
public sealed class InMemoryTelemetryStore : ITelemetryStore
{
    private int _inFlight;

    public ConcurrentDictionary<Guid, TelemetryEvent> Events { get; } = new();

    public ConcurrentQueue<Guid> Calls { get; } = new();

    public Func<TelemetryEvent, CancellationToken, Task>? OnSave { get; set; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public Task<IReadOnlyList<SaveOutcome>> SaveAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            Calls.Enqueue(e.EventId);
        }

        Interlocked.Increment(ref _inFlight);
        return SaveCoreAsync(events, cancellationToken);
    }

    public Task<string?> GetAsync(Guid eventId, CancellationToken cancellationToken) =>
        Task.FromResult(Events.TryGetValue(eventId, out var e) ? EventJson.ToJson(e) : null);

    public Task<EventPage> QueryAsync(EventQuery query, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The consumer tests do not query.");

    private async Task<IReadOnlyList<SaveOutcome>> SaveCoreAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            var outcomes = new List<SaveOutcome>(events.Count);
            foreach (var e in events)
            {
                if (OnSave is not null)
                {
                    await OnSave(e, cancellationToken);
                }

                outcomes.Add(Events.TryAdd(e.EventId, e) ? SaveOutcome.Stored : SaveOutcome.Duplicate);
            }

            return outcomes;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}

/// <summary>Stands in for DynamoDB's ProvisionedThroughputExceededException and friends.</summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
        : base("Throughput exceeded (test double).")
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
