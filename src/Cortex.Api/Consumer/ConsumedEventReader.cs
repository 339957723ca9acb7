using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Cortex.Api.Events;

namespace Cortex.Api.Consumer;

/// <summary>
/// Reads the Cortex event out of an SQS message body: the body is the EventBridge event and the
/// event is its <c>detail</c>. What the ingestion side guaranteed is checked again, because the
/// queue accepts anything anyone with send rights puts on it; a message that fails here is
/// malformed and goes to the dead-letter queue after its last receive instead of into the table.
/// </summary>
internal static class ConsumedEventReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowDuplicateProperties = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 64,
    };

    public static bool TryRead(string? body, [NotNullWhen(true)] out TelemetryEvent? telemetryEvent, [NotNullWhen(false)] out string? reason)
    {
        telemetryEvent = null;
        if (string.IsNullOrWhiteSpace(body))
        {
            reason = "The message body is empty.";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            reason = string.Create(CultureInfo.InvariantCulture,
                $"The message body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reason = "The message body is not a JSON object.";
                return false;
            }

            if (!root.TryGetProperty("detail", out var detail))
            {
                reason = "The message body has no \"detail\": it is not an EventBridge event.";
                return false;
            }

            if (detail.ValueKind != JsonValueKind.Object)
            {
                reason = "The event's \"detail\" is not a JSON object.";
                return false;
            }

            var problems = Check(detail);
            if (problems.Count > 0)
            {
                reason = "The event in \"detail\" is invalid: " + string.Join(" ", problems);
                return false;
            }

            try
            {
                telemetryEvent = EventJson.FromElement(detail);
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or KeyNotFoundException or OverflowException)
            {
                // Check() should have caught everything FromElement needs; this is the backstop.
                reason = "The event in \"detail\" cannot be read: " + ex.Message;
                return false;
            }
        }

        reason = null;
        return true;
    }

    /// <summary>Every problem with the stored form of an event, empty when it can be stored.</summary>
    internal static List<string> Check(JsonElement detail)
    {
        var problems = new List<string>();

        if (!TryGetString(detail, "event_id", out var eventId)
            || !Guid.TryParseExact(eventId, "D", out var id) || id == Guid.Empty)
        {
            problems.Add("event_id must be a UUID.");
        }

        if (!TryGetString(detail, "source", out var source)
            || EventSubmissionValidator.CodePoints(source) is < 1 or > EventContract.MaxSourceLength
            || source.EnumerateRunes().Any(r => Rune.GetUnicodeCategory(r) == UnicodeCategory.Control))
        {
            problems.Add($"source must be a string of 1 to {EventContract.MaxSourceLength} characters without control characters.");
        }

        if (!TryGetString(detail, "event_type", out var eventType) || !EventContract.EventTypeSet.Contains(eventType))
        {
            problems.Add("event_type must be one of the known event types.");
        }

        if (!TryGetString(detail, "severity", out var severity) || !EventContract.SeveritySet.Contains(severity))
        {
            problems.Add("severity must be one of info, warning, critical.");
        }

        if (!TryGetString(detail, "timestamp", out var timestamp) || !Rfc3339.TryParse(timestamp, out _))
        {
            problems.Add("timestamp must be an RFC 3339 date-time.");
        }

        if (!detail.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            problems.Add("data must be a JSON object.");
        }
        else
        {
            CheckData(data, 1, problems);
        }

        CheckOptionalString(detail, "hostname", EventContract.MaxHostnameLength, problems);
        CheckOptionalString(detail, "region", EventContract.MaxRegionLength, problems);
        CheckOptionalString(detail, "source_ip", 64, problems);
        CheckOptionalString(detail, "traceparent", 256, problems);
        CheckTags(detail, problems);

        if (!TryGetString(detail, "ingested_at", out var ingestedAt) || !Rfc3339.TryParse(ingestedAt, out _))
        {
            problems.Add("ingested_at must be an RFC 3339 date-time.");
        }

        if (!TryGetString(detail, "request_id", out var requestId) || requestId.Length == 0)
        {
            problems.Add("request_id must be a non-empty string.");
        }

        if (!TryGetString(detail, "submitted_by", out var submittedBy) || submittedBy.Length == 0)
        {
            problems.Add("submitted_by must be a non-empty string.");
        }

        if (!detail.TryGetProperty("ttl", out var ttl) || ttl.ValueKind != JsonValueKind.Number
            || !ttl.TryGetInt64(out var expiresAt) || expiresAt <= 0)
        {
            problems.Add("ttl must be a positive whole number of epoch seconds.");
        }

        return problems;
    }

    private static bool TryGetString(JsonElement element, string name, [NotNullWhen(true)] out string? value)
    {
        value = element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String
            ? property.GetString()
            : null;
        return value is not null;
    }

    private static void CheckOptionalString(JsonElement detail, string name, int maxLength, List<string> problems)
    {
        if (!detail.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.String || EventSubmissionValidator.CodePoints(value.GetString()!) > maxLength)
        {
            problems.Add($"{name} must be a string of at most {maxLength} characters.");
        }
    }

    private static void CheckTags(JsonElement detail, List<string> problems)
    {
        if (!detail.TryGetProperty("tags", out var tags) || tags.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (tags.ValueKind != JsonValueKind.Object)
        {
            problems.Add("tags must be an object of strings.");
            return;
        }

        var count = 0;
        foreach (var tag in tags.EnumerateObject())
        {
            count++;
            if (tag.Value.ValueKind != JsonValueKind.String
                || EventSubmissionValidator.CodePoints(tag.Name) > EventContract.MaxTagKeyLength
                || EventSubmissionValidator.CodePoints(tag.Value.GetString()!) > EventContract.MaxTagValueLength)
            {
                problems.Add("tags must map keys of at most 128 characters to strings of at most 256.");
                return;
            }
        }

        if (count > EventContract.MaxTags)
        {
            problems.Add($"tags must have at most {EventContract.MaxTags} entries.");
        }
    }

    /// <summary>The same depth and number rules as ingestion, so DynamoDB never refuses the item.</summary>
    private static void CheckData(JsonElement element, int level, List<string> problems)
    {
        if (level > EventContract.MaxDataDepth)
        {
            problems.Add($"data is nested deeper than {EventContract.MaxDataDepth} levels.");
            return;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!CheckChild(property.Value, level, problems))
                    {
                        return;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (!CheckChild(item, level, problems))
                    {
                        return;
                    }
                }

                break;
            default:
                break;
        }
    }

    private static bool CheckChild(JsonElement child, int level, List<string> problems)
    {
        var before = problems.Count;
        if (child.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            CheckData(child, level + 1, problems);
        }
        else if (child.ValueKind == JsonValueKind.Number && !DynamoNumber.Fits(JsonMarshal.GetRawUtf8Value(child)))
        {
            problems.Add("data has a number that does not fit a DynamoDB number.");
        }

        return problems.Count == before;
    }
}
