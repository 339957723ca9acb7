using System.Diagnostics;
using System.Security.Claims;
using Cortex.Api.Events;
using Cortex.Api.Observability;
using Cortex.Api.Ports;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Ingestion;

/// <summary>
/// The ingestion use case shared by single and batch requests: validate each submission,
/// add the server-owned fields, publish the valid ones and report one result per item.
/// </summary>
internal sealed class EventIngestor(
    IEventPublisher publisher,
    IValidator<EventSubmission> validator,
    TimeProvider clock,
    IOptions<IngestionOptions> options,
    CortexMetrics metrics)
{
    private readonly IngestionOptions _options = options.Value;

    public Task<IngestResult> IngestAsync(
        IReadOnlyList<EventSubmission> submissions, HttpContext context, CancellationToken cancellationToken) =>
        IngestAsync(submissions, IngestOrigin.From(context), cancellationToken);

    /// <summary>As for a request, for events that arrive without one (a file import): the origin names who sent them.</summary>
    public async Task<IngestResult> IngestAsync(
        IReadOnlyList<EventSubmission> submissions, IngestOrigin origin, CancellationToken cancellationToken)
    {
        var results = new ItemResult[submissions.Count];
        var valid = new List<TelemetryEvent>(submissions.Count);
        var validIndexes = new List<int>(submissions.Count);
        var now = clock.GetUtcNow();
        var server = ServerFields.From(origin, now, _options.Retention);

        for (var i = 0; i < submissions.Count; i++)
        {
            var errors = Validate(submissions[i]);
            if (errors is not null)
            {
                results[i] = ItemResult.Rejected(errors);
                continue;
            }

            valid.Add(Enrich(submissions[i], server, now));
            validIndexes.Add(i);
        }

        if (valid.Count < submissions.Count)
        {
            metrics.Rejected(submissions.Count - valid.Count, "validation");
        }

        if (valid.Count == 0)
        {
            return new IngestResult(results, null);
        }

        var started = clock.GetTimestamp();
        var published = await publisher.PublishAsync(valid, cancellationToken);
        if (published.Overload is { } overload)
        {
            metrics.EventsFailed.Add(valid.Count, new KeyValuePair<string, object?>("reason", "overloaded"));
            return new IngestResult([], overload);
        }

        metrics.PublishDuration.Record(clock.GetElapsedTime(started).TotalSeconds);
        var outcomes = published.Outcomes;
        for (var j = 0; j < valid.Count; j++)
        {
            var outcome = outcomes[j];
            results[validIndexes[j]] = outcome.Status switch
            {
                PublishStatus.Accepted => ItemResult.Accepted(valid[j].EventIdText, outcome.MessageId!),
                PublishStatus.Rejected => ItemResult.Rejected(new Dictionary<string, string[]> { ["$"] = [outcome.Error ?? "Rejected by the event bus."] }),
                _ => ItemResult.Failed(valid[j].EventIdText, outcome.Error ?? "The event could not be handed off; retry."),
            };
            switch (outcome.Status)
            {
                case PublishStatus.Accepted: metrics.EventsAccepted.Add(1); break;
                case PublishStatus.Rejected: metrics.Rejected(1, "bus"); break;
                default: metrics.EventsFailed.Add(1, new KeyValuePair<string, object?>("reason", "unavailable")); break;
            }
        }

        return new IngestResult(results, null);
    }

    private Dictionary<string, string[]>? Validate(EventSubmission submission)
    {
        Dictionary<string, string[]>? errors = null;
        if (submission.SizeInBytes > _options.MaxEventBytes)
        {
            errors = new() { ["$"] = [$"The event is larger than {_options.MaxEventBytes} bytes."] };
        }

        foreach (var (field, messages) in submission.ReadErrors)
        {
            errors ??= new(StringComparer.Ordinal);
            errors[field] = [.. messages];
        }

        if (submission.HasReadError("$"))
        {
            return errors; // Not an object: field rules have nothing to look at.
        }

        var result = validator.Validate(submission);
        foreach (var failure in result.Errors)
        {
            errors ??= new(StringComparer.Ordinal);
            var field = EventRules.JsonName(failure.PropertyName);
            errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, failure.ErrorMessage] : [failure.ErrorMessage];
        }

        return errors;
    }

    private static TelemetryEvent Enrich(EventSubmission s, ServerFields server, DateTimeOffset now)
    {
        var timestamp = Rfc3339.TruncateToMilliseconds(s.Timestamp ?? now);
        return new TelemetryEvent
        {
            // The id starts with the event's own millisecond: the DynamoDB store keys the item by it (docs/dynamodb.md).
            EventId = s.EventId ?? Uuid7.New(timestamp),
            Source = s.Source!,
            EventType = s.EventType!,
            Severity = s.Severity ?? EventContract.DefaultSeverity,
            Timestamp = Rfc3339.ToUtcString(timestamp),
            TimestampMs = timestamp.ToUnixTimeMilliseconds(),
            Data = s.Data!,
            Hostname = s.Hostname,
            Region = s.Region,
            Tags = s.Tags,
            IngestedAt = server.IngestedAt,
            RequestId = server.RequestId,
            SourceIp = server.SourceIp,
            SubmittedBy = server.SubmittedBy,
            ExpiresAt = server.ExpiresAt,
            TraceParent = server.TraceParent,
        };
    }

    /// <summary>The fields the server owns, the same for every event of one request.</summary>
    private sealed record ServerFields(string IngestedAt, string RequestId, string? SourceIp, string SubmittedBy, long ExpiresAt, string? TraceParent)
    {
        public static ServerFields From(IngestOrigin origin, DateTimeOffset now, TimeSpan retention)
        {
            var activity = Activity.Current;
            return new ServerFields(
                Rfc3339.ToUtcString(now),
                origin.RequestId,
                origin.SourceIp,
                origin.SubmittedBy,
                (now + retention).ToUnixTimeSeconds(),
                activity is null ? null : $"00-{activity.TraceId}-{activity.SpanId}-{(activity.Recorded ? "01" : "00")}");
        }
    }
}

/// <summary>Who handed the events in: the server-owned fields request_id, source_ip and submitted_by.</summary>
internal sealed record IngestOrigin(string RequestId, string? SourceIp, string SubmittedBy)
{
    public static IngestOrigin From(HttpContext context) => new(
        context.TraceIdentifier,
        context.Connection.RemoteIpAddress?.ToString(),
        context.User.FindFirstValue("sub") ?? "unknown");
}

/// <summary>One result per submitted event, or the publisher's overload (then nothing was taken).</summary>
internal sealed record IngestResult(IReadOnlyList<ItemResult> Items, Overload? Overload);

/// <summary>The result for one submitted event.</summary>
internal sealed record ItemResult(string Status, string? EventId, string? MessageId, IDictionary<string, string[]>? Errors, string? Error)
{
    public const string AcceptedStatus = "accepted";
    public const string RejectedStatus = "rejected";
    public const string FailedStatus = "failed";

    public static ItemResult Accepted(string eventId, string messageId) => new(AcceptedStatus, eventId, messageId, null, null);

    public static ItemResult Rejected(IDictionary<string, string[]> errors) => new(RejectedStatus, null, null, errors, null);

    public static ItemResult Failed(string eventId, string error) => new(FailedStatus, eventId, null, null, error);
}
