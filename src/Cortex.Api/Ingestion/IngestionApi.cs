using Cortex.Api.Events;
using Cortex.Api.Hosting;
using Cortex.Api.Observability;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Ingestion;

public static class IngestionApi
{
    public static RouteGroupBuilder MapIngestionApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/events")
            .WithTags("Ingestion")
            .RequireAuthorization(Scopes.Write);

        group.MapPost("/", PostEventAsync)
            .WithName("PostEvent")
            .WithSummary("Ingest one telemetry event")
            .Accepts<EventRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/batch", PostBatchAsync)
            .WithName("PostEventBatch")
            .WithSummary("Ingest up to 500 telemetry events with a result per item")
            .Accepts<EventRequest[]>("application/json")
            .Produces<BatchResponse>(StatusCodes.Status207MultiStatus)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return group;
    }

    internal static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> PostEventAsync(
        HttpContext context, EventIngestor ingestor, IOptions<IngestionOptions> options, CortexMetrics metrics, CancellationToken cancellationToken)
    {
        var (results, problem) = await IngestBodyAsync(context, ingestor, metrics, options.Value.MaxEventBytes, ReadSingle, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var result = results[0];
        return result.Status switch
        {
            ItemResult.AcceptedStatus => TypedResults.Accepted(
                $"/events/{result.EventId}", new AcceptedResponse("accepted", result.EventId!, result.MessageId!)),
            ItemResult.RejectedStatus => Problems.Validation(result.Errors!),
            _ => Problems.Unavailable(context, result.Error!, TimeSpan.FromSeconds(1)),
        };

        static EventRead<List<EventSubmission>> ReadSingle(ReadOnlyMemory<byte> body)
        {
            var read = EventReader.ReadSingle(body.Span);
            return read.Value is { } submission ? EventRead.Read<List<EventSubmission>>([submission]) : new(null, read.Failure, read.Error);
        }
    }

    internal static async Task<Results<JsonHttpResult<BatchResponse>, ProblemHttpResult>> PostBatchAsync(
        HttpContext context, EventIngestor ingestor, IOptions<IngestionOptions> options, CortexMetrics metrics, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var (results, problem) = await IngestBodyAsync(
            context, ingestor, metrics, limits.MaxBatchBytes, body => EventReader.ReadBatch(body.Span, limits.MaxBatchItems), cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var response = BatchResponse.From(results);
        if (response.Accepted == results.Count)
        {
            return TypedResults.Json(response, statusCode: StatusCodes.Status202Accepted);
        }

        if (response.Rejected == results.Count)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, "Every event in the batch is invalid",
                "No event was accepted; see results for each item's errors. Do not retry unchanged.", response.ToExtensions());
        }

        if (response.Failed == results.Count)
        {
            return Problems.Unavailable(context, "No event could be handed off; retry the batch.", TimeSpan.FromSeconds(1), response.ToExtensions());
        }

        return TypedResults.Json(response, statusCode: StatusCodes.Status207MultiStatus);
    }

    /// <summary>
    /// What both endpoints share: read the body, read its events, ingest them. A body refused as a
    /// whole (unreadable, malformed, too many items, an empty batch, an overloaded sink) comes back as
    /// the problem to answer; otherwise one result per event.
    /// </summary>
    private static async Task<(IReadOnlyList<ItemResult> Results, ProblemHttpResult? Problem)> IngestBodyAsync(
        HttpContext context,
        EventIngestor ingestor,
        CortexMetrics metrics,
        int maxBytes,
        Func<ReadOnlyMemory<byte>, EventRead<List<EventSubmission>>> read,
        CancellationToken cancellationToken)
    {
        EventRead<List<EventSubmission>> submissions;
        using (var body = await RequestBodyReader.ReadAsync(context.Request, maxBytes, cancellationToken))
        {
            if (body.Rejection is { } rejected)
            {
                metrics.Rejected(1, rejected.Reason);
                return ([], Problems.Create(rejected.StatusCode, rejected.Title, rejected.Detail));
            }

            submissions = read(body.Memory);
        }

        switch (submissions.Failure)
        {
            case EventReadFailure.Malformed:
                metrics.Rejected(1, "malformed");
                return ([], Problems.Create(StatusCodes.Status400BadRequest, "Malformed JSON", submissions.Error!));
            case EventReadFailure.TooManyItems:
                metrics.Rejected(1, "too_many_items");
                return ([], Problems.Create(StatusCodes.Status413PayloadTooLarge, "Too many events", submissions.Error!));
            default:
                break;
        }

        if (submissions.Value!.Count == 0)
        {
            return ([], Problems.Validation(new Dictionary<string, string[]> { ["$"] = ["The batch must hold at least one event."] }));
        }

        var ingested = await ingestor.IngestAsync(submissions.Value, context, cancellationToken);
        return ingested.Overload is { } overload
            ? ([], Problems.Unavailable(context, overload.Message, overload.RetryAfter))
            : (ingested.Items, null);
    }
}

public sealed record AcceptedResponse(string Status, string EventId, string MessageId);

public sealed record BatchItemResponse(
    int Index, string Status, string? EventId, string? MessageId, IDictionary<string, string[]>? Errors, string? Error);

public sealed record BatchResponse(int Accepted, int Rejected, int Failed, IReadOnlyList<BatchItemResponse> Results)
{
    internal static BatchResponse From(IReadOnlyList<ItemResult> results)
    {
        var items = new BatchItemResponse[results.Count];
        int accepted = 0, rejected = 0, failed = 0;
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            items[i] = new BatchItemResponse(i, r.Status, r.EventId, r.MessageId, r.Errors, r.Error);
            switch (r.Status)
            {
                case ItemResult.AcceptedStatus: accepted++; break;
                case ItemResult.RejectedStatus: rejected++; break;
                default: failed++; break;
            }
        }

        return new BatchResponse(accepted, rejected, failed, items);
    }

    internal Dictionary<string, object?> ToExtensions() => new()
    {
        ["accepted"] = Accepted,
        ["rejected"] = Rejected,
        ["failed"] = Failed,
        ["results"] = Results,
    };
}

/// <summary>The request body of POST /events, for the OpenAPI document (the handler reads the raw body).</summary>
public sealed record EventRequest(
    string Source,
    string EventType,
    string? Severity,
    Dictionary<string, object> Data,
    string? Timestamp,
    string? Hostname,
    string? Region,
    Dictionary<string, string>? Tags,
    Guid? EventId);
