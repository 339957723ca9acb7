using System.Text;
using Cortex.Api.Events;

namespace Cortex.IntegrationTests;

/// <summary>Builds stored-form events directly, as the ingestion use case would after validation.</summary>
internal static class TestEvents
{
    public static readonly DateTimeOffset BaseTime = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TelemetryEvent Create(
        string source = "host-a",
        string eventType = "cpu_usage",
        string severity = "info",
        DateTimeOffset? timestamp = null,
        string data = """{"value":87.50}""",
        Guid? eventId = null,
        long? expiresAt = null)
    {
        var time = timestamp ?? BaseTime;
        return new TelemetryEvent
        {
            EventId = eventId ?? Guid.NewGuid(),
            Source = source,
            EventType = eventType,
            Severity = severity,
            Timestamp = Rfc3339.ToUtcString(time),
            TimestampMs = time.ToUnixTimeMilliseconds(),
            Data = Encoding.UTF8.GetBytes(data),
            Hostname = "web-1",
            Tags = new Dictionary<string, string> { ["env"] = "test" },
            IngestedAt = Rfc3339.ToUtcString(time),
            RequestId = "req-1",
            SourceIp = "127.0.0.1",
            SubmittedBy = "tester",
            ExpiresAt = expiresAt ?? time.AddDays(30).ToUnixTimeSeconds(),
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
    }
}
