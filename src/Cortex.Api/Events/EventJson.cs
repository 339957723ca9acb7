using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cortex.Api.Events;

/// <summary>
/// The JSON form of a stored event, written by hand so that <c>data</c> goes out byte for byte
/// as it was stored (exact numbers) and no reflection sits on the hot path.
/// </summary>
public static class EventJson
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>The document a read returns. <paramref name="includeTrace"/> adds the trace context for the bus.</summary>
    public static void Write(Utf8JsonWriter writer, TelemetryEvent e, bool includeTrace = false)
    {
        writer.WriteStartObject();
        writer.WriteString("event_id", e.EventIdText);
        writer.WriteString("source", e.Source);
        writer.WriteString("event_type", e.EventType);
        writer.WriteString("severity", e.Severity);
        writer.WriteString("timestamp", e.Timestamp);
        writer.WritePropertyName("data");
        writer.WriteRawValue(e.Data, skipInputValidation: true);
        if (e.Hostname is not null)
        {
            writer.WriteString("hostname", e.Hostname);
        }

        if (e.Region is not null)
        {
            writer.WriteString("region", e.Region);
        }

        if (e.Tags is not null)
        {
            writer.WriteStartObject("tags");
            foreach (var (key, value) in e.Tags)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteString("ingested_at", e.IngestedAt);
        writer.WriteString("request_id", e.RequestId);
        if (e.SourceIp is not null)
        {
            writer.WriteString("source_ip", e.SourceIp);
        }

        writer.WriteString("submitted_by", e.SubmittedBy);
        writer.WriteNumber("ttl", e.ExpiresAt);
        if (includeTrace && e.TraceParent is not null)
        {
            writer.WriteString("traceparent", e.TraceParent);
        }

        writer.WriteEndObject();
    }

    /// <summary>The document a read returns, as UTF-8 (what the embedded store keeps).</summary>
    public static byte[] ToUtf8(TelemetryEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, e);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJson(TelemetryEvent e, bool includeTrace = false)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, e, includeTrace);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // The bus may re-serialise detail with its own whitespace (moto does; "n": 0); the stored data
    // must be the same compact text ingestion writes. WriteTo keeps each number's text as it is.
    private static string Compact(JsonElement data)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            data.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads back a document written by <see cref="Write"/> (the bus and queue carry this form).</summary>
    public static TelemetryEvent Parse(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = false });
        return FromElement(document.RootElement);
    }

    public static TelemetryEvent FromElement(JsonElement root)
    {
        var timestamp = root.GetProperty("timestamp").GetString()!;
        if (!Rfc3339.TryParse(timestamp, out var parsed))
        {
            throw new FormatException("The event has an invalid timestamp.");
        }

        Dictionary<string, string>? tags = null;
        if (root.TryGetProperty("tags", out var tagsElement) && tagsElement.ValueKind == JsonValueKind.Object)
        {
            tags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var tag in tagsElement.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.GetString()!;
            }
        }

        var data = root.GetProperty("data");
        if (data.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("The event's data is not an object.");
        }

        return new TelemetryEvent
        {
            EventId = Guid.ParseExact(root.GetProperty("event_id").GetString()!, "D"),
            Source = root.GetProperty("source").GetString()!,
            EventType = root.GetProperty("event_type").GetString()!,
            Severity = root.GetProperty("severity").GetString()!,
            Timestamp = Rfc3339.ToUtcString(parsed),
            TimestampMs = parsed.ToUnixTimeMilliseconds(),
            Data = Compact(data),
            Hostname = OptionalString(root, "hostname"),
            Region = OptionalString(root, "region"),
            Tags = tags,
            IngestedAt = root.GetProperty("ingested_at").GetString()!,
            RequestId = root.GetProperty("request_id").GetString()!,
            SourceIp = OptionalString(root, "source_ip"),
            SubmittedBy = root.GetProperty("submitted_by").GetString()!,
            ExpiresAt = root.GetProperty("ttl").GetInt64(),
            TraceParent = OptionalString(root, "traceparent"),
        };
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
