using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Cortex.Api.Events;

/// <summary>
/// Reads events from JSON: request bodies at ingestion and, through <see cref="StoredEventReader"/>,
/// the stored form at consumption, so both sides read every field the same way. Parsing is strict
/// (the runtime refuses duplicate keys at any depth, trailing content, comments and trailing
/// commas); invalid UTF-8 is refused before parsing. <c>data</c> is copied as compact UTF-8 with
/// every number's text as the client wrote it, noting nesting and numbers a store cannot hold.
/// </summary>
public static class EventReader
{
    /// <summary>Strict parsing: what System.Text.Json would otherwise let through is malformed.</summary>
    public static readonly JsonDocumentOptions StrictOptions = new()
    {
        AllowDuplicateProperties = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,

        // Depth is checked on data (30) as a validation rule; parsing only needs a backstop.
        MaxDepth = 100_000,
    };

    private static readonly JsonReaderOptions DataReaderOptions = new() { MaxDepth = 100_000 };

    private static readonly JsonWriterOptions DataWriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,

        // The copy of data goes as deep as parsing allows (the writer's default of 1000 would
        // throw, a 500); data deeper than 30 levels is then rejected as a validation error.
        MaxDepth = 100_000,
    };

    private const string LoneSurrogate = "The request body is not valid JSON text: a string has an unpaired surrogate escape.";

    /// <summary>Reads a body that must hold exactly one event object.</summary>
    public static EventRead<EventSubmission> ReadSingle(ReadOnlyMemory<byte> body)
    {
        if (!TryParse(body, "request body", out var document, out var error))
        {
            return EventRead.Malformed<EventSubmission>(error);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return EventRead.Malformed<EventSubmission>($"The request body must be a JSON object, not {Describe(root.ValueKind)}.");
            }

            try
            {
                return EventRead.Read(ReadEvent(root));
            }
            catch (InvalidOperationException)
            {
                // GetString refuses escaped lone surrogates ("\ud800"): not text, so a 400 rather than a 500.
                return EventRead.Malformed<EventSubmission>(LoneSurrogate);
            }
        }
    }

    /// <summary>
    /// Reads a body that must hold a JSON array of at most <paramref name="maxItems"/> items.
    /// Items that are not objects come back as submissions carrying a read error, so the batch
    /// can reject them one by one.
    /// </summary>
    public static EventRead<List<EventSubmission>> ReadBatch(ReadOnlyMemory<byte> body, int maxItems)
    {
        if (!TryParse(body, "request body", out var document, out var error))
        {
            return EventRead.Malformed<List<EventSubmission>>(error);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return EventRead.Malformed<List<EventSubmission>>(
                    $"The request body must be a JSON array of events, not {Describe(root.ValueKind)}.");
            }

            var count = root.GetArrayLength();
            if (count > maxItems)
            {
                return EventRead.TooManyItems<List<EventSubmission>>(
                    $"The batch has more than {maxItems} events; send at most {maxItems} per request.");
            }

            var items = new List<EventSubmission>(count);
            try
            {
                foreach (var item in root.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                    {
                        items.Add(ReadEvent(item));
                        continue;
                    }

                    var notAnObject = new EventSubmission();
                    notAnObject.AddReadError("$", $"Each batch item must be a JSON object, not {Describe(item.ValueKind)}.");
                    items.Add(notAnObject);
                }
            }
            catch (InvalidOperationException)
            {
                return EventRead.Malformed<List<EventSubmission>>(LoneSurrogate);
            }

            return EventRead.Read(items);
        }
    }

    /// <summary>
    /// Parses with <see cref="StrictOptions"/>. The error names what is wrong: a duplicate key by
    /// its name, anything else by its position (line and byte).
    /// </summary>
    public static bool TryParse(
        ReadOnlyMemory<byte> json, string what, [NotNullWhen(true)] out JsonDocument? document, [NotNullWhen(false)] out string? error)
    {
        document = null;
        var span = json.Span;
        if (span.Trim(" \t\r\n"u8).IsEmpty)
        {
            error = $"The {what} is empty.";
            return false;
        }

        if (!Utf8.IsValid(span))
        {
            error = $"The {what} is not valid UTF-8.";
            return false;
        }

        try
        {
            document = JsonDocument.Parse(json, StrictOptions);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = Describe(ex, what);
            return false;
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check reads every key, and an escaped lone surrogate is not text.
            error = $"The {what} is not valid JSON text: a key has an unpaired surrogate escape.";
            return false;
        }
    }

    /// <summary>What a parse failure means, in words a client can act on.</summary>
    public static string Describe(JsonException ex, string what)
    {
        if (ex.LineNumber is { } line && ex.BytePositionInLine is { } position)
        {
            return string.Create(CultureInfo.InvariantCulture, $"The {what} is not valid JSON (line {line + 1}, byte {position + 1}).");
        }

        // The runtime reports a duplicate key without a position, as "Duplicate property 'name' ...".
        var message = ex.Message;
        var first = message.IndexOf('\'', StringComparison.Ordinal);
        var last = message.LastIndexOf('\'');
        return message.StartsWith("Duplicate", StringComparison.Ordinal) && last > first
            ? $"The {what} has a JSON object with a duplicate key \"{message[(first + 1)..last]}\"."
            : $"The {what} is not valid JSON: {message}";
    }

    /// <summary>
    /// Reads the fields a client may send from one event object. Fields of the wrong JSON type
    /// are left unset and described in <see cref="EventSubmission.ReadErrors"/>; unknown fields
    /// are ignored. Throws <see cref="InvalidOperationException"/> on an escaped lone surrogate.
    /// </summary>
    public static EventSubmission ReadEvent(JsonElement item)
    {
        var submission = new EventSubmission { SizeInBytes = JsonMarshal.GetRawUtf8Value(item).Length };
        foreach (var property in item.EnumerateObject())
        {
            var value = property.Value;
            if (property.NameEquals("source"u8))
            {
                submission.Source = ReadString(value, submission, "source");
            }
            else if (property.NameEquals("event_type"u8))
            {
                submission.EventType = ReadString(value, submission, "event_type");
            }
            else if (property.NameEquals("severity"u8))
            {
                if (value.ValueKind == JsonValueKind.Null)
                {
                    submission.AddReadError("severity", "severity must be one of info, warning, critical; null is not allowed.");
                    continue;
                }

                submission.Severity = ReadString(value, submission, "severity");
            }
            else if (property.NameEquals("hostname"u8))
            {
                submission.Hostname = ReadString(value, submission, "hostname", nullAllowed: true);
            }
            else if (property.NameEquals("region"u8))
            {
                submission.Region = ReadString(value, submission, "region", nullAllowed: true);
            }
            else if (property.NameEquals("timestamp"u8))
            {
                submission.Timestamp = ReadTimestamp(value, submission, "timestamp");
            }
            else if (property.NameEquals("event_id"u8))
            {
                submission.EventId = ReadEventId(value, submission);
            }
            else if (property.NameEquals("tags"u8))
            {
                ReadTags(value, submission);
            }
            else if (property.NameEquals("data"u8))
            {
                ReadData(value, submission);
            }
            else
            {
                // Unknown fields are ignored, but a key that is not text (a lone surrogate) is malformed.
                _ = property.Name;
            }
        }

        return submission;
    }

    /// <summary>An RFC 3339 date-time with Z or an offset; anything else is a read error on <paramref name="field"/>.</summary>
    internal static DateTimeOffset? ReadTimestamp(JsonElement value, EventSubmission submission, string field)
    {
        if (value.ValueKind == JsonValueKind.String && Rfc3339.TryParse(value.GetString(), out var timestamp))
        {
            return timestamp;
        }

        submission.AddReadError(field, $"{field} must be an RFC 3339 date-time with Z or an offset, such as 2026-11-23T10:15:30.123Z.");
        return null;
    }

    private static string? ReadString(JsonElement value, EventSubmission submission, string field, bool nullAllowed = false)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        if (value.ValueKind != JsonValueKind.Null || !nullAllowed)
        {
            submission.AddReadError(field, $"{field} must be a string, not {Describe(value.ValueKind)}.");
        }

        return null;
    }

    private static Guid? ReadEventId(JsonElement value, EventSubmission submission)
    {
        if (value.ValueKind == JsonValueKind.String && Guid.TryParseExact(value.GetString(), "D", out var id))
        {
            if (id != Guid.Empty)
            {
                return id;
            }

            submission.AddReadError("event_id", "event_id must not be the nil UUID 00000000-0000-0000-0000-000000000000; "
                + "send a random or time-ordered UUID, or none and the server assigns one.");
            return null;
        }

        submission.AddReadError("event_id", "event_id must be a UUID such as 0192f0c1-8a3e-7b6e-9d2a-5c4b3a291807.");
        return null;
    }

    private static void ReadTags(JsonElement value, EventSubmission submission)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            submission.AddReadError("tags", $"tags must be an object of string values, not {Describe(value.ValueKind)}.");
            return;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in value.EnumerateObject())
        {
            if (tag.Value.ValueKind == JsonValueKind.String)
            {
                tags[tag.Name] = tag.Value.GetString()!;
                continue;
            }

            submission.AddReadError($"tags.{tag.Name}", $"Tag values must be strings, not {Describe(tag.Value.ValueKind)}.");
            tags[tag.Name] = string.Empty;
        }

        submission.Tags = tags;
    }

    private static void ReadData(JsonElement value, EventSubmission submission)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            submission.AddReadError("data", $"data must be a JSON object, not {Describe(value.ValueKind)}.");
            return;
        }

        var raw = JsonMarshal.GetRawUtf8Value(value);
        var buffer = new ArrayBufferWriter<byte>(raw.Length);
        using (var writer = new Utf8JsonWriter(buffer, DataWriterOptions))
        {
            CopyData(raw, writer, submission);
        }

        if (!submission.HasReadError("data"))
        {
            submission.Data = buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>Copies the data object compactly, token by token, checking depth and numbers.</summary>
    private static void CopyData(ReadOnlySpan<byte> data, Utf8JsonWriter writer, EventSubmission submission)
    {
        var reader = new Utf8JsonReader(data, DataReaderOptions);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    CheckDepth(ref reader, submission);
                    writer.WriteStartObject();
                    break;
                case JsonTokenType.EndObject:
                    writer.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    CheckDepth(ref reader, submission);
                    writer.WriteStartArray();
                    break;
                case JsonTokenType.EndArray:
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName:
                    if (reader.ValueIsEscaped)
                    {
                        writer.WritePropertyName(reader.GetString()!);
                    }
                    else
                    {
                        writer.WritePropertyName(reader.ValueSpan);
                    }

                    break;
                case JsonTokenType.String:
                    if (reader.ValueIsEscaped)
                    {
                        writer.WriteStringValue(reader.GetString());
                    }
                    else
                    {
                        writer.WriteStringValue(reader.ValueSpan);
                    }

                    break;
                case JsonTokenType.Number:
                    var number = reader.ValueSpan;
                    if (!DynamoNumber.Fits(number))
                    {
                        submission.AddReadError("data", "data has a number that does not fit a DynamoDB number "
                            + "(at most 38 significant digits, magnitude between 1E-130 and 9.99E+125).");
                    }

                    // The number's own text, so 87.5 stays 87.5 and 1.10 stays 1.10.
                    writer.WriteRawValue(number, skipInputValidation: true);
                    break;
                case JsonTokenType.True:
                    writer.WriteBooleanValue(true);
                    break;
                case JsonTokenType.False:
                    writer.WriteBooleanValue(false);
                    break;
                default:
                    writer.WriteNullValue();
                    break;
            }
        }
    }

    private static void CheckDepth(ref Utf8JsonReader reader, EventSubmission submission)
    {
        // data itself is level 1; each object or array inside it adds one.
        if (reader.CurrentDepth + 1 > EventContract.MaxDataDepth)
        {
            submission.AddReadError("data", $"data is nested deeper than {EventContract.MaxDataDepth} levels.");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}

/// <summary>What reading a request body gave: the value, or why the body as a whole is refused.</summary>
public readonly record struct EventRead<T>(T? Value, EventReadFailure Failure, string? Error)
    where T : class;

public static class EventRead
{
    public static EventRead<T> Read<T>(T value)
        where T : class => new(value, EventReadFailure.None, null);

    public static EventRead<T> Malformed<T>(string error)
        where T : class => new(null, EventReadFailure.Malformed, error);

    public static EventRead<T> TooManyItems<T>(string error)
        where T : class => new(null, EventReadFailure.TooManyItems, error);
}

public enum EventReadFailure
{
    None,

    /// <summary>Not acceptable JSON: empty, invalid UTF-8, malformed, duplicate keys, the wrong root.</summary>
    Malformed,

    /// <summary>A batch with more items than the configured maximum.</summary>
    TooManyItems,
}
