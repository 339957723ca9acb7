using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Cortex.Api.Events;

namespace Cortex.Api.Consumer;

/// <summary>
/// The data lake's Firehose transformation (docs/deploy.md, "Data lake"): the bus carries packs of
/// events, the lake keeps one JSON line per event. Firehose invokes the function with a batch of
/// records, each the EventBridge detail (a pack, or one event as sent before packing), and the
/// Lambda Web Adapter POSTs that to the pass-through path like any non-HTTP event. Each record
/// becomes its events' JSON exactly as they travelled, one per line, with the hour partition of
/// their own timestamp as the record's partition keys. A publisher never packs events of two hours
/// together; a record that does, or that cannot be read, is answered ProcessingFailed, which Firehose
/// writes unchanged under the error prefix instead of into a wrong partition.
/// </summary>
public static class FirehoseLakeTransform
{
    /// <summary>
    /// Whether <paramref name="body"/> is a Firehose data-transformation event: an object with
    /// <c>deliveryStreamArn</c> and a <c>records</c> array (an SQS event has <c>Records</c>).
    /// </summary>
    public static bool IsTransformationEvent(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var stream = false;
            var records = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("Records"))
                {
                    // An SQS event: no need to read its messages twice.
                    return false;
                }

                stream |= reader.ValueTextEquals("deliveryStreamArn");
                var isRecords = reader.ValueTextEquals("records");
                reader.Read();
                records |= isRecords && reader.TokenType == JsonTokenType.StartArray;
                reader.Skip();
            }

            return stream && records;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The transformation response: one answer per record, in order. Never throws for a record.</summary>
    public static byte[] Transform(ReadOnlySpan<byte> body, ILogger logger)
    {
        using var request = JsonDocument.Parse(body.ToArray());
        var output = new ArrayBufferWriter<byte>(body.Length + 1024);
        int ok = 0, failed = 0;
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("records");
            foreach (var record in request.RootElement.GetProperty("records").EnumerateArray())
            {
                var recordId = record.TryGetProperty("recordId", out var id) ? id.GetString() ?? string.Empty : string.Empty;
                writer.WriteStartObject();
                writer.WriteString("recordId", recordId);
                if (TryUnpack(record, out var lines, out var hour, out var problem))
                {
                    ok++;
                    writer.WriteString("result", "Ok");
                    writer.WriteBase64String("data", lines);
                    writer.WriteStartObject("metadata");
                    writer.WriteStartObject("partitionKeys");
                    writer.WriteString("year", hour[0..4]);
                    writer.WriteString("month", hour[5..7]);
                    writer.WriteString("day", hour[8..10]);
                    writer.WriteString("hour", hour[11..13]);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
                else
                {
                    failed++;
                    logger.LogWarning("Data lake record {RecordId} cannot be split into events ({Problem}); Firehose files it under the error prefix", recordId, problem);
                    writer.WriteString("result", "ProcessingFailed");
                    if (record.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String)
                    {
                        writer.WriteString("data", data.GetString());
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        logger.LogDebug("Data lake transformation: {Ok} records split into events, {Failed} failed", ok, failed);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The record's events as newline-terminated JSON lines, and their hour (<c>yyyy-MM-ddTHH</c>,
    /// the first 13 characters of the normalised UTC timestamp every stored event has).
    /// </summary>
    internal static bool TryUnpack(JsonElement record, out byte[] lines, out string hour, out string problem)
    {
        lines = [];
        hour = string.Empty;
        problem = string.Empty;
        byte[] data;
        try
        {
            data = record.GetProperty("data").GetBytesFromBase64();
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            problem = "the record has no base64 data";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(data);
        }
        catch (JsonException)
        {
            problem = "the data is not JSON";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "the data is not a JSON object";
                return false;
            }

            IEnumerable<JsonElement> events = root.TryGetProperty(EventPack.EventsProperty, out var packed) && packed.ValueKind == JsonValueKind.Array
                ? packed.EnumerateArray()
                : [root];
            var buffer = new ArrayBufferWriter<byte>(data.Length + 16);
            var count = 0;
            foreach (var e in events)
            {
                if (e.ValueKind != JsonValueKind.Object
                    || !e.TryGetProperty("timestamp", out var timestamp)
                    || timestamp.ValueKind != JsonValueKind.String
                    || timestamp.GetString() is not { Length: >= 13 } text
                    || !DateTime.TryParseExact(text[..13], "yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    problem = $"event {count} has no normalised timestamp";
                    return false;
                }

                if (count == 0)
                {
                    hour = text[..13];
                }
                else if (!string.Equals(hour, text[..13], StringComparison.Ordinal))
                {
                    problem = $"its events span more than one hour ({hour} and {text[..13]})";
                    return false;
                }

                // Compact, so one event is one line; numbers keep their text (87.50 stays 87.50).
                using (var line = new Utf8JsonWriter(buffer, EventJson.WriterOptions))
                {
                    e.WriteTo(line);
                }

                buffer.GetSpan(1)[0] = (byte)'\n';
                buffer.Advance(1);
                count++;
            }

            if (count == 0)
            {
                problem = "the pack holds no events";
                return false;
            }

            lines = buffer.WrittenSpan.ToArray();
            return true;
        }
    }
}
