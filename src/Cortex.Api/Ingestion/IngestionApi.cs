using Cortex.Api.Events;
using Cortex.Api.Hosting;
using Cortex.Api.Observability;
using Cortex.Api.Ports;
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
        EventSubmission submission;
        try
        {
            using var body = await RequestBodyReader.ReadAsync(context.Request, options.Value.MaxEventBytes, cancellationToken);
            submission = EventReader.ReadSingle(body.Span);
        }
        catch (BodyRejectedException ex)
        {
            metrics.Rejected(1, ex.Reason);
            return Problems.Create(ex.StatusCode, ex.Title, ex.Message);
        }
        catch (MalformedJsonException ex)
        {
            metrics.Rejected(1, "malformed");
            return Problems.Create(StatusCodes.Status400BadRequest, "Malformed JSON", ex.Message);
        }

        IReadOnlyList<ItemResult> results;
        try
        {
            results = await ingestor.IngestAsync([submission], context, cancellationToken);
        }
        catch (ServiceOverloadedException ex)
        {
            return Problems.Unavailable(context, ex.Message, ex.RetryAfter);
        }

        var result = results[0];
        return result.Status switch
        {
            ItemResult.AcceptedStatus => TypedResults.Accepted(
                $"/events/{result.EventId}", new AcceptedResponse("accepted", result.EventId!, result.MessageId!)),
            ItemResult.RejectedStatus => Problems.Validation(result.Errors!),
            _ => Problems.Unavailable(context, result.Error!, TimeSpan.FromSeconds(1)),
        };
    }

    internal static async Task<Results<JsonHttpResult<BatchResponse>, ProblemHttpResult>> PostBatchAsync(
        HttpContext context, EventIngestor ingestor, IOptions<IngestionOptions> options, CortexMetrics metrics, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        List<EventSubmission> submissions;
        try
        {
            using var body = await RequestBodyReader.ReadAsync(context.Request, limits.MaxBatchBytes, cancellationToken);
            submissions = EventReader.ReadBatch(body.Span, limits.MaxBatchItems);
        }
        catch (BodyRejectedException ex)
        {
            metrics.Rejected(1, ex.Reason);
            return Problems.Create(ex.StatusCode, ex.Title, ex.Message);
        }
        catch (MalformedJsonException ex)
        {
            metrics.Rejected(1, "malformed");
            return Problems.Create(StatusCodes.Status400BadRequest, "Malformed JSON", ex.Message);
        }
        catch (BatchTooLargeException ex)
        {
            metrics.Rejected(1, "too_many_items");
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Too many events", ex.Message);
        }

        if (submissions.Count == 0)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["$"] = ["The batch must hold at least one event."] });
        }

        IReadOnlyList<ItemResult> results;
        try
        {
            results = await ingestor.IngestAsync(submissions, context, cancellationToken);
        }
        catch (ServiceOverloadedException ex)
        {
            return Problems.Unavailable(context, ex.Message, ex.RetryAfter);
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
