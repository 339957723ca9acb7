using System.Buffers;
using System.Text.Json;
using Cortex.Api.Events;
using Cortex.Api.Hosting;
using Cortex.Api.Ports;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Query;

public static class QueryApi
{
    public static RouteGroupBuilder MapQueryApi(this IEndpointRouteBuilder routes)
    {
        // No validation filter: the listing validates its own query, so it is correct however it is called.
        var group = routes.MapGroup("/events")
            .WithTags("Query")
            .RequireAuthorization(Scopes.Read);

        group.MapGet("/{event_id}", GetEventAsync)
            .WithName("GetEvent")
            .WithSummary("Read one event by its event_id")
            .Produces<StoredEventDocument>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/", ListEventsAsync)
            .WithName("ListEvents")
            .WithSummary("List events newest first, filtered by source, event_type, severity and time")
            .Produces<EventPageDocument>(StatusCodes.Status200OK)
            .ProducesValidationProblem(StatusCodes.Status400BadRequest);

        return group;
    }

    internal static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetEventAsync(
        string event_id, ITelemetryStore store, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(event_id, "D", out var id))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["event_id"] = ["event_id must be a UUID."] }, StatusCodes.Status400BadRequest);
        }

        var document = await store.GetAsync(id, cancellationToken);
        return document is null
            ? Problems.Create(StatusCodes.Status404NotFound, "Not found", $"No event with event_id {id:D}.")
            : TypedResults.Content(document, "application/json; charset=utf-8");
    }

    internal static async Task<Results<ContentHttpResult, ProblemHttpResult>> ListEventsAsync(
        QueryRequest request,
        IValidator<QueryRequest> validator,
        ITelemetryStore store,
        CursorCodec cursors,
        IOptions<QueryOptions> options,
        CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(request, cancellationToken);
        var errors = validation.ToDictionary();
        var filter = request.Filter;
        EventPosition? after = null;
        if (request.Cursor is not null)
        {
            // Decoded once, here. A cursor bound to other filters can only be told apart once the
            // filters themselves are valid.
            switch (cursors.TryDecode(request.Cursor, filter, out var position))
            {
                case CursorCheck.Valid:
                    after = position;
                    break;
                case CursorCheck.Invalid:
                    errors["cursor"] = ["cursor is not valid: pass next_cursor from a previous page unchanged."];
                    break;
                case CursorCheck.OtherQuery when validation.IsValid:
                    errors["cursor"] = ["cursor belongs to a query with other filters: repeat the same source, event_type, severity, from and to."];
                    break;
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors, StatusCodes.Status400BadRequest);
        }

        var limit = request.LimitValue ?? options.Value.DefaultLimit;
        var page = await store.QueryAsync(
            new EventQuery(filter.Source, filter.EventType, filter.Severity, filter.FromMs, filter.ToMs, limit, after), cancellationToken);

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, EventJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var item in page.Items)
            {
                writer.WriteRawValue(item, skipInputValidation: true);
            }

            writer.WriteEndArray();
            if (page.Next is { } next)
            {
                writer.WriteString("next_cursor", cursors.Encode(next, filter));
            }
            else
            {
                writer.WriteNull("next_cursor");
            }

            writer.WriteEndObject();
        }

        return TypedResults.Content(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan), "application/json; charset=utf-8");
    }
}

/// <summary>An event as reads return it (for the OpenAPI document; the body is the stored JSON).</summary>
public sealed record StoredEventDocument(
    Guid EventId, string Source, string EventType, string Severity, string Timestamp, Dictionary<string, object> Data,
    string? Hostname, string? Region, Dictionary<string, string>? Tags, string IngestedAt, string RequestId,
    string? SourceIp, string SubmittedBy, long Ttl);

public sealed record EventPageDocument(IReadOnlyList<StoredEventDocument> Items, string? NextCursor);
