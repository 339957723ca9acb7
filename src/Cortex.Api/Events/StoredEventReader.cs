using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Cortex.Api.Events;

/// <summary>
/// Reads the stored form of an event (what <see cref="EventJson"/> writes; the bus and the queue
/// carry it) with the same reader and field rules as ingestion. It accepts more than a client may
/// send, never something different: the server-owned fields, a timestamp outside the ingestion
/// window (the window held when the event arrived), and it requires what the server always writes.
/// </summary>
public static class StoredEventReader
{
    /// <summary>Reads one stored event; <paramref name="problems"/> lists every broken rule, field by field.</summary>
    public static bool TryRead(JsonElement document, [NotNullWhen(true)] out TelemetryEvent? telemetryEvent, [NotNullWhen(false)] out string? problems)
    {
        telemetryEvent = null;
        EventSubmission submission;
        string? ingestedAt, requestId, submittedBy, sourceIp, traceParent;
        long expiresAt;
        try
        {
            submission = EventReader.ReadEvent(document);
            ingestedAt = Required(document, "ingested_at", submission) is { } ingested
                && EventReader.ReadTimestamp(ingested, submission, "ingested_at") is not null
                ? ingested.GetString() : null;
            requestId = RequiredString(document, "request_id", submission);
            submittedBy = RequiredString(document, "submitted_by", submission);
            sourceIp = OptionalString(document, "source_ip", EventContract.MaxSourceIpLength, submission);
            traceParent = OptionalString(document, "traceparent", EventContract.MaxTraceParentLength, submission);
            expiresAt = ReadExpiry(document, submission);
        }
        catch (InvalidOperationException)
        {
            problems = "a string has an unpaired surrogate escape.";
            return false;
        }

        RequireClientField(submission, "event_id", submission.EventId is not null);
        RequireClientField(submission, "severity", submission.Severity is not null);
        RequireClientField(submission, "timestamp", submission.Timestamp is not null);

        var list = new List<string>();
        foreach (var (field, messages) in submission.ReadErrors)
        {
            list.AddRange(messages.Select(m => $"{field}: {m}"));
        }

        foreach (var failure in EventRules.Instance.Validate(submission).Errors)
        {
            list.Add($"{EventRules.JsonName(failure.PropertyName)}: {failure.ErrorMessage}");
        }

        if (list.Count > 0)
        {
            problems = string.Join(" ", list);
            return false;
        }

        var timestamp = submission.Timestamp!.Value;
        telemetryEvent = new TelemetryEvent
        {
            EventId = submission.EventId!.Value,
            Source = submission.Source!,
            EventType = submission.EventType!,
            Severity = submission.Severity!,
            Timestamp = Rfc3339.ToUtcString(timestamp),
            TimestampMs = timestamp.ToUnixTimeMilliseconds(),
            Data = submission.Data!,
            Hostname = submission.Hostname,
            Region = submission.Region,
            Tags = submission.Tags,
            IngestedAt = ingestedAt!,
            RequestId = requestId!,
            SourceIp = sourceIp,
            SubmittedBy = submittedBy!,
            ExpiresAt = expiresAt,
            TraceParent = traceParent,
        };
        problems = null;
        return true;
    }

    private static void RequireClientField(EventSubmission submission, string field, bool present)
    {
        if (!present && !submission.HasReadError(field))
        {
            submission.AddReadError(field, $"{field} is required in a stored event.");
        }
    }

    private static JsonElement? Required(JsonElement document, string field, EventSubmission submission)
    {
        if (document.TryGetProperty(field, out var value))
        {
            return value;
        }

        submission.AddReadError(field, $"{field} is required in a stored event.");
        return null;
    }

    private static string? RequiredString(JsonElement document, string field, EventSubmission submission)
    {
        if (Required(document, field, submission) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        submission.AddReadError(field, $"{field} must be a non-empty string.");
        return null;
    }

    private static string? OptionalString(JsonElement document, string field, int maxLength, EventSubmission submission)
    {
        if (!document.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && value.GetString() is { } text && EventRules.CodePoints(text) <= maxLength)
        {
            return text;
        }

        submission.AddReadError(field, $"{field} must be a string of at most {maxLength} characters.");
        return null;
    }

    private static long ReadExpiry(JsonElement document, EventSubmission submission)
    {
        if (Required(document, "ttl", submission) is not { } value)
        {
            return 0;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds > 0)
        {
            return seconds;
        }

        submission.AddReadError("ttl", "ttl must be a positive whole number of epoch seconds.");
        return 0;
    }
}
