using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Cortex.Api.Events;

/// <summary>
/// Reads request bodies into <see cref="EventSubmission"/>s in one pass with Utf8JsonReader.
/// It rejects, as malformed, what System.Text.Json would let through: invalid UTF-8, duplicate
/// keys at any depth and trailing content. It rewrites <c>data</c> compactly while keeping every
/// number's text as the client wrote it, and notes data nesting and numbers a store cannot hold.
/// </summary>
public static class EventReader
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        // Depth is checked on data (30) as a validation rule; the reader only needs a backstop.
        MaxDepth = 100_000,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,

        // The copy of data goes as deep as the reader allows (the writer's default of 1000 would
        // throw, a 500); data deeper than 30 levels is then rejected as a validation error.
        MaxDepth = 100_000,
    };

    /// <summary>Reads a body that must hold exactly one event object.</summary>
    public static EventSubmission ReadSingle(ReadOnlySpan<byte> body)
    {
        EnsureText(body);
        var reader = new Utf8JsonReader(body, ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                throw new MalformedJsonException("The request body is empty.");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new MalformedJsonException($"The request body must be a JSON object, not {Describe(reader.TokenType)}.");
            }

            var submission = ReadObject(ref reader);
            EnsureEnd(ref reader);
            return submission;
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
        catch (InvalidOperationException ex)
        {
            // GetString refuses escaped lone surrogates ("\ud800"): not text, so a 400 rather than a 500.
            throw new MalformedJsonException("The request body is not valid JSON text: a string has an unpaired surrogate escape.", ex);
        }
    }

    /// <summary>
    /// Reads a body that must hold a JSON array. Items that are not objects come back as
    /// submissions carrying a read error, so the batch can reject them one by one.
    /// </summary>
    public static List<EventSubmission> ReadBatch(ReadOnlySpan<byte> body, int maxItems)
    {
        EnsureText(body);
        var reader = new Utf8JsonReader(body, ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                throw new MalformedJsonException("The request body is empty.");
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new MalformedJsonException($"The request body must be a JSON array of events, not {Describe(reader.TokenType)}.");
            }

            var items = new List<EventSubmission>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (items.Count == maxItems)
                {
                    throw new BatchTooLargeException(maxItems);
                }

                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    items.Add(ReadObject(ref reader));
                    continue;
                }

                var notAnObject = new EventSubmission();
                notAnObject.AddReadError("$", $"Each batch item must be a JSON object, not {Describe(reader.TokenType)}.");
                reader.Skip();
                items.Add(notAnObject);
            }

            EnsureEnd(ref reader);
            return items;
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
        catch (InvalidOperationException ex)
        {
            // GetString refuses escaped lone surrogates ("\ud800"): not text, so a 400 rather than a 500.
            throw new MalformedJsonException("The request body is not valid JSON text: a string has an unpaired surrogate escape.", ex);
        }
    }

    private static void EnsureText(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty || body.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new MalformedJsonException("The request body is empty.");
        }

        if (!Utf8.IsValid(body))
        {
            throw new MalformedJsonException("The request body is not valid UTF-8.");
        }
    }

    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        // With isFinalBlock the reader throws on any non-whitespace after the root value.
        if (reader.Read())
        {
            throw new MalformedJsonException("The request body has content after the JSON value.");
        }
    }

    private static MalformedJsonException Malformed(JsonException ex) =>
        new($"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).", ex);

    private static EventSubmission ReadObject(ref Utf8JsonReader reader)
    {
        var start = reader.TokenStartIndex;
        var submission = new EventSubmission();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!seen.Add(name))
            {
                throw new MalformedJsonException($"The JSON object has a duplicate key \"{name}\".");
            }

            reader.Read();
            switch (name)
            {
                case "source":
                    submission.Source = ReadString(ref reader, submission, name);
                    break;
                case "event_type":
                    submission.EventType = ReadString(ref reader, submission, name);
                    break;
                case "severity":
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        submission.AddReadError(name, "severity must be one of info, warning, critical; null is not allowed.");
                        break;
                    }

                    submission.Severity = ReadString(ref reader, submission, name);
                    break;
                case "hostname":
                    submission.Hostname = ReadString(ref reader, submission, name, nullAllowed: true);
                    break;
                case "region":
                    submission.Region = ReadString(ref reader, submission, name, nullAllowed: true);
                    break;
                case "timestamp":
                    ReadTimestamp(ref reader, submission);
                    break;
                case "event_id":
                    ReadEventId(ref reader, submission);
                    break;
                case "tags":
                    ReadTags(ref reader, submission);
                    break;
                case "data":
                    ReadData(ref reader, submission);
                    break;
                default:
                    // Unknown fields are ignored, but still checked for duplicate keys below them.
                    SkipChecked(ref reader);
                    break;
            }
        }

        submission.SizeInBytes = (int)(reader.BytesConsumed - start);
        return submission;
    }

    private static string? ReadString(ref Utf8JsonReader reader, EventSubmission submission, string field, bool nullAllowed = false)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        if (reader.TokenType != JsonTokenType.Null || !nullAllowed)
        {
            submission.AddReadError(field, $"{field} must be a string, not {Describe(reader.TokenType)}.");
        }

        SkipChecked(ref reader);
        return null;
    }

    private static void ReadTimestamp(ref Utf8JsonReader reader, EventSubmission submission)
    {
        const string Message = "timestamp must be an RFC 3339 date-time with Z or an offset, such as 2026-11-23T10:15:30.123Z.";
        if (reader.TokenType != JsonTokenType.String)
        {
            submission.AddReadError("timestamp", Message);
            SkipChecked(ref reader);
            return;
        }

        if (Rfc3339.TryParse(reader.GetString(), out var timestamp))
        {
            submission.Timestamp = timestamp;
        }
        else
        {
            submission.AddReadError("timestamp", Message);
        }
    }

    private static void ReadEventId(ref Utf8JsonReader reader, EventSubmission submission)
    {
        if (reader.TokenType == JsonTokenType.String
            && Guid.TryParseExact(reader.GetString(), "D", out var id)
            && id != Guid.Empty)
        {
            submission.EventId = id;
            return;
        }

        submission.AddReadError("event_id", "event_id must be a UUID such as 0192f0c1-8a3e-7b6e-9d2a-5c4b3a291807.");
        SkipChecked(ref reader);
    }

    private static void ReadTags(ref Utf8JsonReader reader, EventSubmission submission)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            submission.AddReadError("tags", $"tags must be an object of string values, not {Describe(reader.TokenType)}.");
            SkipChecked(ref reader);
            return;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            if (tags.ContainsKey(key))
            {
                throw new MalformedJsonException($"The JSON object \"tags\" has a duplicate key \"{key}\".");
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                tags[key] = reader.GetString()!;
                continue;
            }

            submission.AddReadError($"tags.{key}", $"Tag values must be strings, not {Describe(reader.TokenType)}.");
            tags[key] = string.Empty;
            SkipChecked(ref reader);
        }

        submission.Tags = tags;
    }

    private static void ReadData(ref Utf8JsonReader reader, EventSubmission submission)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            submission.AddReadError("data", $"data must be a JSON object, not {Describe(reader.TokenType)}.");
            SkipChecked(ref reader);
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            CopyData(ref reader, writer, submission);
        }

        if (!submission.HasReadError("data"))
        {
            submission.Data = Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    /// <summary>Copies the data object token by token, checking keys, depth and numbers.</summary>
    private static void CopyData(ref Utf8JsonReader reader, Utf8JsonWriter writer, EventSubmission submission)
    {
        var baseDepth = reader.CurrentDepth;
        var keys = new Stack<HashSet<string>>();
        CopyToken(ref reader, writer, submission, keys, baseDepth);
        while (reader.Read())
        {
            CopyToken(ref reader, writer, submission, keys, baseDepth);
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == baseDepth)
            {
                return;
            }
        }
    }

    private static void CopyToken(
        ref Utf8JsonReader reader, Utf8JsonWriter writer, EventSubmission submission, Stack<HashSet<string>> keys, int baseDepth)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                CheckDepth(ref reader, baseDepth, submission);
                keys.Push(new HashSet<string>(StringComparer.Ordinal));
                writer.WriteStartObject();
                break;
            case JsonTokenType.EndObject:
                keys.Pop();
                writer.WriteEndObject();
                break;
            case JsonTokenType.StartArray:
                CheckDepth(ref reader, baseDepth, submission);
                writer.WriteStartArray();
                break;
            case JsonTokenType.EndArray:
                writer.WriteEndArray();
                break;
            case JsonTokenType.PropertyName:
                var name = reader.GetString()!;
                if (!keys.Peek().Add(name))
                {
                    throw new MalformedJsonException($"A JSON object inside \"data\" has a duplicate key \"{name}\".");
                }

                writer.WritePropertyName(name);
                break;
            case JsonTokenType.String:
                writer.WriteStringValue(reader.GetString());
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
            case JsonTokenType.Null:
                writer.WriteNullValue();
                break;
            default:
                break;
        }
    }

    private static void CheckDepth(ref Utf8JsonReader reader, int baseDepth, EventSubmission submission)
    {
        // data itself is level 1; each object or array inside it adds one.
        var level = reader.CurrentDepth - baseDepth + 1;
        if (level > EventContract.MaxDataDepth)
        {
            submission.AddReadError("data", $"data is nested deeper than {EventContract.MaxDataDepth} levels.");
        }
    }

    /// <summary>Skips a value while still refusing duplicate keys inside it.</summary>
    private static void SkipChecked(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        var baseDepth = reader.CurrentDepth;
        var keys = new Stack<HashSet<string>>();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            keys.Push(new HashSet<string>(StringComparer.Ordinal));
        }

        while (reader.Read() && reader.CurrentDepth > baseDepth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    keys.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.EndObject:
                    keys.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    var name = reader.GetString()!;
                    if (!keys.Peek().Add(name))
                    {
                        throw new MalformedJsonException($"A JSON object has a duplicate key \"{name}\".");
                    }

                    break;
                default:
                    break;
            }
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}

/// <summary>A batch holds more items than the configured maximum (a 413).</summary>
public sealed class BatchTooLargeException(int maxItems)
    : Exception($"The batch has more than {maxItems} events; send at most {maxItems} per request.")
{
    public int MaxItems { get; } = maxItems;
}
