using System.Buffers;
using System.Runtime.InteropServices;
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
        writer.WriteRawValue(e.Data.Span, skipInputValidation: true);
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

    /// <summary>Reads back a document written by <see cref="Write"/> (the dead-letter spool keeps this form).</summary>
    public static TelemetryEvent Parse(ReadOnlySpan<byte> json) =>
        StoredEventReader.TryRead(json, out var telemetryEvent, out var problems)
            ? telemetryEvent
            : throw new FormatException("The stored event is invalid: " + problems);

    /// <summary>Reads a stored event held in a parsed document; throws when it breaks a rule.</summary>
    public static TelemetryEvent FromElement(JsonElement root) => Parse(JsonMarshal.GetRawUtf8Value(root));
}
