using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cortex.Api.Events;

namespace Cortex.Api.Consumer;

/// <summary>
/// The JSON Lambda hands to the function for an SQS event source mapping (and the Lambda Web
/// Adapter POSTs, unchanged, to the pass-through path), and the partial-batch response it expects.
/// </summary>
public static partial class LambdaSqsEvent
{
    /// <summary>
    /// An itemIdentifier Lambda cannot match. Lambda treats an empty itemIdentifier as a failure of
    /// the whole batch, which is the only safe answer when the messages cannot be told apart.
    /// </summary>
    public const string WholeBatchFailed = "";

    /// <summary>Reads the pass-through body. Never throws: a body that cannot be read comes back with a problem.</summary>
    internal static ParsedLambdaEvent Parse(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return ParsedLambdaEvent.Unreadable("The request body is empty.", []);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            return ParsedLambdaEvent.Unreadable("The request body is not valid JSON.", RecoverMessageIds(body));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("Records", out var items)
                || items.ValueKind != JsonValueKind.Array)
            {
                return ParsedLambdaEvent.Unreadable("The request body is not an SQS event (no Records array).", RecoverMessageIds(body));
            }

            var records = new List<SqsRecord>(items.GetArrayLength());
            var fifo = false;
            string? problem = null;
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("messageId", out var id)
                    || id.ValueKind != JsonValueKind.String
                    || string.IsNullOrEmpty(id.GetString()))
                {
                    problem = "A record has no messageId.";
                    continue;
                }

                records.Add(new SqsRecord(id.GetString()!, StringOrNull(item, "body"), Attributes(item)));
                fifo |= item.TryGetProperty("eventSourceARN", out var arn)
                    && arn.ValueKind == JsonValueKind.String && SqsBatch.IsFifoQueue(arn.GetString());
            }

            if (problem is not null)
            {
                return ParsedLambdaEvent.Unreadable(problem, [.. records.Select(r => r.MessageId)]);
            }

            return new ParsedLambdaEvent(records, fifo, null, [.. records.Select(r => r.MessageId)]);
        }
    }

    /// <summary>The body of the answer: <c>{"batchItemFailures":[{"itemIdentifier":"..."}]}</c>.</summary>
    public static byte[] BatchResponse(IEnumerable<string> failedMessageIds)
    {
        ArgumentNullException.ThrowIfNull(failedMessageIds);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, EventJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("batchItemFailures");
            foreach (var id in failedMessageIds.Distinct(StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("itemIdentifier", id);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Message ids found in a body that is not valid JSON, so each can still be reported as failed.</summary>
    internal static List<string> RecoverMessageIds(ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body);
        var ids = new List<string>();
        try
        {
            foreach (Match match in MessageIdPattern().Matches(text))
            {
                ids.Add(match.Groups[1].Value);
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // Report what was found; the whole-batch marker covers the rest.
        }

        return ids;
    }

    // SQS message ids are UUIDs; an escaped quote or backslash means the value is not one of them.
    [GeneratedRegex("\"messageId\"\\s*:\\s*\"([^\"\\\\]+)\"", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex MessageIdPattern();

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Dictionary<string, string> Attributes(JsonElement record)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (record.TryGetProperty("attributes", out var element) && element.ValueKind == JsonValueKind.Object)
        {
            foreach (var attribute in element.EnumerateObject())
            {
                attributes[attribute.Name] = attribute.Value.ValueKind == JsonValueKind.String
                    ? attribute.Value.GetString()!
                    : attribute.Value.GetRawText();
            }
        }

        return attributes;
    }
}

/// <summary>
/// What the pass-through body held. <see cref="Problem"/> set means the records cannot be handled one
/// by one, and <see cref="MessageIds"/> are those that could still be named.
/// </summary>
internal sealed record ParsedLambdaEvent(
    IReadOnlyList<SqsRecord> Records, bool FromFifoQueue, string? Problem, IReadOnlyList<string> MessageIds)
{
    public static ParsedLambdaEvent Unreadable(string problem, IReadOnlyList<string> messageIds) =>
        new([], false, problem, messageIds);
}
