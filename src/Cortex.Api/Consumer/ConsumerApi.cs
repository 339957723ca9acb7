using System.Text.Json;
using Cortex.Api.Hosting;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Consumer;

/// <summary>
/// The Lambda Web Adapter pass-through endpoint: the adapter POSTs the raw event of each non-HTTP
/// invocation here, and this answer becomes the function's result. An SQS event is answered with the
/// partial batch response; the data lake's Firehose transformation event (<see cref="FirehoseLakeTransform"/>)
/// with its records split into events.
/// </summary>
public static class ConsumerApi
{
    /// <summary>The adapter's copy of the API Gateway request context; the literal <c>null</c> for non-HTTP events.</summary>

    /// <summary>The adapter's copy of the Lambda invocation context, with <c>deadline</c> in epoch milliseconds.</summary>
    public const string LambdaContextHeader = "x-amzn-lambda-context";

    /// <summary>Maps the endpoint when Cortex:Lambda:Enabled is true, and nothing otherwise.</summary>
    public static IEndpointRouteBuilder MapConsumerApi(this IEndpointRouteBuilder routes)
    {
        var options = routes.ServiceProvider.GetRequiredService<IOptions<LambdaOptions>>().Value;
        if (!options.Enabled)
        {
            return routes;
        }

        // Anonymous for JWT: Lambda's invoke permission is the authentication, and the header check
        // keeps API Gateway traffic out. Not rate limited: SQS batches must never get a 429.
        routes.MapPost(options.PassThroughPath, HandleLambdaEventsAsync)
            .WithName("LambdaEvents")
            .AllowAnonymous()
            .DisableRateLimiting()
            .ExcludeFromDescription();
        return routes;
    }

    internal static async Task<IResult> HandleLambdaEventsAsync(
        HttpContext context, SqsBatchHandler handler, IEnumerable<IQueueMessageRoute> routes, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(typeof(ConsumerApi));
        if (!IsPassThroughEvent(context.Request))
        {
            logger.LogWarning("Refused a request to the Lambda pass-through path that is not a Lambda Web Adapter pass-through event");
            return Problems.Create(StatusCodes.Status404NotFound, "Not Found", "There is nothing at this path.");
        }

        // From here on every path answers 200 with a batchItemFailures body: an empty or non-JSON
        // answer would reach Lambda as null, which deletes the whole batch.
        IReadOnlyList<string> failed = [LambdaSqsEvent.WholeBatchFailed];
        try
        {
            var body = await ReadBodyAsync(context.Request, cancellationToken);
            if (FirehoseLakeTransform.IsTransformationEvent(body))
            {
                return TypedResults.Bytes(FirehoseLakeTransform.Transform(body, logger), "application/json");
            }

            var parsed = LambdaSqsEvent.Parse(body);
            if (parsed.Problem is not null)
            {
                failed = [.. parsed.MessageIds, LambdaSqsEvent.WholeBatchFailed];
                logger.LogError("The pass-through event cannot be handled ({Problem}); reporting the whole batch ({Count} message ids found) as failed",
                    parsed.Problem, parsed.MessageIds.Count);
            }
            else
            {
                failed = parsed.MessageIds;
                var deadline = ReadDeadline(context.Request);
                var (routed, events) = await RouteAsync(parsed.Records, [.. routes], deadline, cancellationToken);
                var result = events.Count == 0 ? null : await handler.HandleAsync(new SqsBatch(events, parsed.FromFifoQueue, deadline), cancellationToken);
                failed = [.. routed, .. result?.FailedMessageIds ?? []];
            }
        }
        catch (Exception ex)
        {
            // failed still holds every message id known so far (or the whole-batch marker).
            logger.LogError(ex, "Handling the SQS batch failed as a whole; reporting {Count} messages as failed", failed.Count);
        }

        return TypedResults.Bytes(LambdaSqsEvent.BatchResponse(failed), "application/json");
    }

    /// <summary>
    /// Hands each message a route claims (an S3 notification of the import inbox) to that route, one
    /// at a time; returns the ids of those that failed and the rest, the Cortex events.
    /// </summary>
    private static async Task<(List<string> Failed, List<SqsRecord> Events)> RouteAsync(
        IReadOnlyList<SqsRecord> records, IQueueMessageRoute[] routes, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        if (routes.Length == 0)
        {
            return (failed, [.. records]);
        }

        var events = new List<SqsRecord>(records.Count);
        foreach (var record in records)
        {
            var route = record.Body is null ? null : Array.Find(routes, r => r.Claims(record.Body));
            if (route is null)
            {
                events.Add(record);
            }
            else if (!await route.HandleAsync(record.Body!, deadline, cancellationToken))
            {
                failed.Add(record.MessageId);
            }
        }

        return (failed, events);
    }

    /// <summary>
    /// The adapter sets the request-context header on every request it forwards, overwriting any a
    /// caller sent: API Gateway requests carry the real context JSON, pass-through events <c>null</c>.
    /// </summary>
    internal static bool IsPassThroughEvent(HttpRequest request) =>
        request.Headers.TryGetValue(ClientAddress.RequestContextHeader, out var values)
        && values.Count == 1
        && string.Equals(values[0]?.Trim(), "null", StringComparison.Ordinal);

    /// <summary>The invocation deadline, or null when the header is missing or unreadable.</summary>
    internal static DateTimeOffset? ReadDeadline(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(LambdaContextHeader, out var values) || values.Count != 1 || values[0] is not { } json)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("deadline", out var deadline)
                && deadline.TryGetInt64(out var milliseconds)
                && milliseconds > 0
                && milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            {
                return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
            }
        }
        catch (JsonException)
        {
            // Treated as no deadline: Lambda still ends the invocation, and SQS redelivers everything.
        }

        return null;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength : 4096);
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
