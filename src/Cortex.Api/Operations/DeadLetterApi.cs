using Cortex.Api.Hosting;
using Cortex.Api.Ports;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cortex.Api.Operations;

/// <summary>Operator endpoints over the dead-letter queue (scope events:admin).</summary>
public static class DeadLetterApi
{
    public static RouteGroupBuilder MapDeadLetterApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/operations/dead-letters")
            .WithTags("Operations")
            .RequireAuthorization(Scopes.Admin);

        group.MapGet("/", PeekAsync)
            .WithName("PeekDeadLetters")
            .WithSummary("List dead-lettered messages without consuming them")
            .ProducesValidationProblem();

        group.MapPost("/replay", ReplayAsync)
            .WithName("ReplayDeadLetters")
            .WithSummary("Move dead-lettered messages back into the pipeline at a bounded rate")
            .Accepts<ReplayRequest>(isOptional: true, "application/json")
            .ProducesValidationProblem();

        group.MapPost("/purge", PurgeAsync)
            .WithName("PurgeDeadLetters")
            .WithSummary("Delete every dead-lettered message; confirm must be the queue name")
            .Accepts<PurgeRequest>("application/json")
            .ProducesValidationProblem();

        return group;
    }

    internal static async Task<Results<Ok<DeadLetterPage>, ProblemHttpResult>> PeekAsync(
        IDeadLetterQueue queue, CancellationToken cancellationToken, string? limit = null)
    {
        var count = 10;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > 100))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["limit"] = ["limit must be a whole number from 1 to 100."] }, StatusCodes.Status400BadRequest);
        }

        var messages = await queue.PeekAsync(count, cancellationToken);
        return TypedResults.Ok(new DeadLetterPage(queue.Name, await queue.CountAsync(cancellationToken), messages));
    }

    internal static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayAsync(
        HttpRequest http, IDeadLetterQueue queue, IValidator<ReplayRequest> validator, ILogger<ReplayRequest> logger, CancellationToken cancellationToken)
    {
        var (request, problem) = await OperatorRequestBody.ReadAsync<ReplayRequest>(http, cancellationToken);
        problem ??= request is null ? null : await ValidateAsync(validator, request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var maxMessages = request?.MaxMessages ?? ReplayRequest.DefaultMaxMessages;
        var maxPerSecond = request?.MaxPerSecond ?? ReplayRequest.DefaultMaxPerSecond;
        var result = await queue.ReplayAsync(maxMessages, maxPerSecond, cancellationToken);
        logger.LogInformation("Replayed {Moved} dead letters holding {Events} events from {Queue} ({Failed} failed, {Method})",
            result.Moved, result.EventsMoved, queue.Name, result.Failed, result.Method);
        return TypedResults.Ok(result);
    }

    internal static async Task<Results<Ok<PurgeResult>, ProblemHttpResult>> PurgeAsync(
        HttpRequest http, IDeadLetterQueue queue, IValidator<PurgeRequest> validator, ILogger<PurgeRequest> logger, CancellationToken cancellationToken)
    {
        var (request, problem) = await OperatorRequestBody.ReadAsync<PurgeRequest>(http, cancellationToken);
        problem ??= await ValidateAsync(validator, request ?? new PurgeRequest(null), cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var purged = await queue.PurgeAsync(cancellationToken);
        logger.LogWarning("Purged {Count} dead letters from {Queue}", purged, queue.Name);
        return TypedResults.Ok(new PurgeResult(queue.Name, purged));
    }

    private static async Task<ProblemHttpResult?> ValidateAsync<T>(IValidator<T> validator, T request, CancellationToken cancellationToken)
    {
        var result = await validator.ValidateAsync(request, cancellationToken);
        return result.IsValid ? null : Problems.Validation(result.ToDictionary(), StatusCodes.Status400BadRequest);
    }
}

public sealed record DeadLetterPage(string Queue, long? ApproximateCount, IReadOnlyList<DeadLetter> Messages);

public sealed record PurgeResult(string Queue, long Purged);
