using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Cortex.Api.Events;

/// <summary>
/// Reads the stored form of an event (what <see cref="EventJson"/> writes; the bus and the queue
/// carry it) with the same reader and field rules as ingestion. It accepts more than a client may
/// send, never something different: the server-owned fields, and a timestamp outside the ingestion
/// window (the window held when the event arrived); it requires what the server always writes.
/// </summary>
public static class StoredEventReader
{
    /// <summary>Reads a document that is one stored event.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, [NotNullWhen(true)] out TelemetryEvent? telemetryEvent, [NotNullWhen(false)] out string? problems)
    {
        telemetryEvent = null;
        problems = StrictJson.CheckText(json, "stored event");
        if (problems is not null)
        {
            return false;
        }

        var reader = new Utf8JsonReader(json, StrictJson.ReaderOptions);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problems = "The stored event is not a JSON object.";
                return false;
            }

            var read = TryRead(ref reader, out telemetryEvent, out problems);
            StrictJson.EnsureEnd(ref reader);
            return read;
        }
        catch (JsonException ex)
        {
            telemetryEvent = null;
            problems = StrictJson.Describe(ex, "stored event");
            return false;
        }
        catch (InvalidOperationException)
        {
            telemetryEvent = null;
            problems = StrictJson.LoneSurrogate("stored event");
            return false;
        }
    }

    /// <summary>
    /// Reads one stored event, the reader on its StartObject; <paramref name="problems"/> lists every
    /// broken rule, field by field. Malformed JSON throws as it does for <see cref="Utf8JsonReader"/>.
    /// </summary>
    internal static bool TryRead(ref Utf8JsonReader reader, [NotNullWhen(true)] out TelemetryEvent? telemetryEvent, [NotNullWhen(false)] out string? problems)
    {
        telemetryEvent = null;
        var stored = new StoredFields();
        var submission = EventReader.ReadObject(ref reader, stored);
        Require(submission, "event_id", submission.EventId is not null);
        Require(submission, "severity", submission.Severity is not null);
        Require(submission, "timestamp", submission.Timestamp is not null);
        Require(submission, "ingested_at", stored.IngestedAt is not null);
        Require(submission, "request_id", stored.RequestId is not null);
        Require(submission, "submitted_by", stored.SubmittedBy is not null);
        Require(submission, "ttl", stored.ExpiresAt is not null);

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
            IngestedAt = stored.IngestedAt!,
            RequestId = stored.RequestId!,
            SourceIp = stored.SourceIp,
            SubmittedBy = stored.SubmittedBy!,
            ExpiresAt = stored.ExpiresAt!.Value,
            TraceParent = stored.TraceParent,
        };
        problems = null;
        return true;
    }

    private static void Require(EventSubmission submission, string field, bool present)
    {
        if (!present && !submission.HasReadError(field))
        {
            submission.AddReadError(field, $"{field} is required in a stored event.");
        }
    }
}
