using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cortex.Api.Events;

/// <summary>
/// Reads an event's <c>data</c> object into compact UTF-8, keeping every number's text as the
/// client wrote it and noting nesting and numbers a store cannot hold.
/// </summary>
internal static class EventDataReader
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,

        // The copy of data goes as deep as the reader allows (the writer's default of 1000 would
        // throw, a 500); data deeper than 30 levels is then rejected as a validation error.
        MaxDepth = 100_000,
    };

    internal static void ReadData(ref Utf8JsonReader reader, EventSubmission submission)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            submission.AddReadError("data", $"data must be a JSON object, not {StrictJson.Describe(reader.TokenType)}.");
            StrictJson.SkipChecked(ref reader);
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            CopyData(ref reader, writer, submission);
        }

        if (!submission.HasReadError("data"))
        {
            submission.Data = buffer.WrittenSpan.ToArray();
        }
    }

    /// <summary>
    /// Checks a data object that Cortex wrote itself (an agent's record mapped onto an event) by
    /// the rules <see cref="ReadData"/> applies to a client's: keys, depth and numbers. Problems
    /// are added to <paramref name="submission"/> exactly as reading them from a request would.
    /// </summary>
    internal static void CheckData(ReadOnlySpan<byte> data, EventSubmission submission)
    {
        var reader = new Utf8JsonReader(data, StrictJson.ReaderOptions);
        reader.Read();
        CopyData(ref reader, writer: null, submission);
    }

    /// <summary>Copies the data object token by token (or, without a writer, only reads it), checking keys, depth and numbers.</summary>
    private static void CopyData(ref Utf8JsonReader reader, Utf8JsonWriter? writer, EventSubmission submission)
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
        ref Utf8JsonReader reader, Utf8JsonWriter? writer, EventSubmission submission, Stack<HashSet<string>> keys, int baseDepth)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                CheckDepth(ref reader, baseDepth, submission);
                keys.Push(new HashSet<string>(StringComparer.Ordinal));
                writer?.WriteStartObject();
                break;
            case JsonTokenType.EndObject:
                keys.Pop();
                writer?.WriteEndObject();
                break;
            case JsonTokenType.StartArray:
                CheckDepth(ref reader, baseDepth, submission);
                writer?.WriteStartArray();
                break;
            case JsonTokenType.EndArray:
                writer?.WriteEndArray();
                break;
            case JsonTokenType.PropertyName:
                var name = reader.GetString()!;
                if (!keys.Peek().Add(name))
                {
                    throw StrictJson.DuplicateKey(name);
                }

                writer?.WritePropertyName(name);
                break;
            case JsonTokenType.String:
                writer?.WriteStringValue(reader.GetString());
                break;
            case JsonTokenType.Number:
                var number = reader.ValueSpan;
                if (!DynamoNumber.Fits(number))
                {
                    submission.AddReadError("data", "data has a number that does not fit a DynamoDB number "
                        + "(at most 38 significant digits, magnitude between 1E-130 and 9.99E+125).");
                }

                // The number's own text, so 87.5 stays 87.5 and 1.10 stays 1.10.
                writer?.WriteRawValue(number, skipInputValidation: true);
                break;
            case JsonTokenType.True:
                writer?.WriteBooleanValue(true);
                break;
            case JsonTokenType.False:
                writer?.WriteBooleanValue(false);
                break;
            case JsonTokenType.Null:
                writer?.WriteNullValue();
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

}
