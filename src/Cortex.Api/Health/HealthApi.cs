using System.Text.Json;
using Cortex.Api.Hosting;
using Cortex.Api.Ports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cortex.Api.Health;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/health").WithTags("Health").AllowAnonymous();

        // Liveness: the process answers. Nothing about configuration or dependencies.
        group.MapGet("/", () => TypedResults.Ok(new HealthResponse("ok")))
            .WithName("Liveness")
            .WithSummary("Liveness");

        group.MapGet("/ready", ReadyAsync)
            .WithName("Readiness")
            .WithSummary("Readiness: the store and the event bus answer")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return routes;
    }

    internal static async Task<Results<Ok<ReadinessResponse>, ProblemHttpResult>> ReadyAsync(
        HttpContext context, HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(ReadinessCheck.Tag), cancellationToken);

        // Only names and states go out: failure details stay in the logs.
        var checks = report.Entries.ToDictionary(e => e.Key, e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.Value.Status.ToString()));
        if (report.Status == HealthStatus.Healthy)
        {
            return TypedResults.Ok(new ReadinessResponse("ready", checks));
        }

        return Problems.Unavailable(context, "A dependency is not ready.", TimeSpan.FromSeconds(5),
            new Dictionary<string, object?> { ["checks"] = checks });
    }
}

public sealed record HealthResponse(string Status);

public sealed record ReadinessResponse(string Status, IReadOnlyDictionary<string, string> Checks);
