using Cortex.Api.Hosting;
using Cortex.Api.Ports;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cortex.Api.Operations;

/// <summary>Operator endpoints over the dead-letter queue (scope events:admin).</summary>
public static class DeadLetterApi
{
    public static RouteGroupBuilder MapDeadLetterApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/operations/dead-letters")
            .WithTags("Operations")
            .RequireAuthorization(Scopes.Admin)
            .WithValidation();

        group.MapGet("/", PeekAsync)
            .WithName("PeekDeadLetters")
            .WithSummary("List dead-lettered messages without consuming them")
            .ProducesValidationProblem();

        group.MapPost("/replay", ReplayAsync)
            .WithName("ReplayDeadLetters")
            .WithSummary("Move dead-lettered messages back into the pipeline at a bounded rate")
            .ProducesValidationProblem();

        group.MapPost("/purge", PurgeAsync)
            .WithName("PurgeDeadLetters")
            .WithSummary("Delete every dead-lettered message; confirm must be the queue name")
            .ProducesValidationProblem();

        return group;
    }

    internal static async Task<Results<Ok<DeadLetterPage>, ProblemHttpResult>> PeekAsync(
        IDeadLetterQueue queue, CancellationToken cancellationToken, int? limit = null)
    {
        if (limit is < 1 or > 100)
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["limit"] = ["limit must be from 1 to 100."] }, StatusCodes.Status400BadRequest);
        }

        var messages = await queue.PeekAsync(limit ?? 10, cancellationToken);
        return TypedResults.Ok(new DeadLetterPage(queue.Name, await queue.CountAsync(cancellationToken), messages));
    }

    internal static async Task<Ok<ReplayResult>> ReplayAsync(
        ReplayRequest? request, IDeadLetterQueue queue, ILogger<ReplayRequest> logger, CancellationToken cancellationToken)
    {
        var maxMessages = request?.MaxMessages ?? ReplayRequest.DefaultMaxMessages;
        var maxPerSecond = request?.MaxPerSecond ?? ReplayRequest.DefaultMaxPerSecond;
        var result = await queue.ReplayAsync(maxMessages, maxPerSecond, cancellationToken);
        logger.LogInformation("Replayed {Moved} dead letters from {Queue} ({Failed} failed, {Method})", result.Moved, queue.Name, result.Failed, result.Method);
        return TypedResults.Ok(result);
    }

    internal static async Task<Ok<PurgeResult>> PurgeAsync(
        PurgeRequest request, IDeadLetterQueue queue, ILogger<PurgeRequest> logger, CancellationToken cancellationToken)
    {
        var purged = await queue.PurgeAsync(cancellationToken);
        logger.LogWarning("Purged {Count} dead letters from {Queue}", purged, queue.Name);
        return TypedResults.Ok(new PurgeResult(queue.Name, purged));
    }
}

public sealed record DeadLetterPage(string Queue, long? ApproximateCount, IReadOnlyList<DeadLetter> Messages);

public sealed record PurgeResult(string Queue, long Purged);
