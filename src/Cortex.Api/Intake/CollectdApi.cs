using Cortex.Api.Hosting;
using Cortex.Api.Ingestion;
using Cortex.Api.Observability;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Intake;

/// <summary>
/// POST /intake/collectd: what collectd's write_http plugin sends with <c>Format "JSON"</c>.
/// collectd reads only the status code, so per-record problems are counted and logged: 200 when
/// every record is stored, also when some were rejected; 422 when none can be stored; 503 when
/// the store could not take them (the same records may be sent again: their ids are name-based).
/// </summary>
public static class CollectdApi
{
    public static RouteHandlerBuilder MapCollectdApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/intake/collectd", PostAsync)
            .WithTags("Agents")
            .RequireAuthorization(Scopes.Write)
            .WithName("PostCollectd")
            .WithSummary("Ingest the value lists and notifications of collectd's write_http plugin (Format \"JSON\")")
            .WithDescription("One event per value list or notification (docs/agents.md has the mapping). Answers 200 when "
                + "every record is stored or some were rejected (counted in the answer and logged), 422 when none can be stored.")
            .Accepts<CollectdRecord[]>("application/json")
            .Produces<IntakeResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    internal static async Task<Results<Ok<IntakeResponse>, ProblemHttpResult>> PostAsync(
        HttpContext context, AgentIngestion ingestion, IOptions<IntakeOptions> options, CortexMetrics metrics, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        AgentBody mapped;
        using (var body = await RequestBodyReader.ReadAsync(context.Request, limits.MaxBodyBytes, cancellationToken))
        {
            if (body.Rejection is { } rejected)
            {
                metrics.Rejected(1, rejected.Reason);
                return Problems.Create(rejected.StatusCode, rejected.Title, rejected.Detail);
            }

            mapped = CollectdMapper.Read(body.Memory, limits.MaxRecords);
        }

        switch (mapped.Failure)
        {
            case AgentBodyFailure.Malformed:
                metrics.Rejected(1, "malformed");
                return Problems.Create(StatusCodes.Status400BadRequest, "Malformed JSON", mapped.Error!);
            case AgentBodyFailure.TooManyRecords:
                metrics.Rejected(1, "too_many_items");
                return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Too many records", mapped.Error!);
            default:
                break;
        }

        if (mapped.Records.Count == 0)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, "Nothing to store", "The request holds no records.");
        }

        var result = await ingestion.IngestAsync("collectd", mapped.Records, context, cancellationToken);
        var response = IntakeResponse.From(result);
        if (result.Overload is { } overload)
        {
            return Problems.Unavailable(context, overload.Message, overload.RetryAfter);
        }

        if (result.Failed > 0)
        {
            return Problems.Unavailable(context, $"{result.Failed} of {result.Records} records could not be handed off; send them again.",
                TimeSpan.FromSeconds(1), response.AsExtensions());
        }

        return result.Accepted == 0
            ? Problems.Create(StatusCodes.Status422UnprocessableEntity, "Nothing can be stored",
                "No record of the request can be stored: " + string.Join("; ", result.Reasons), response.AsExtensions())
            : TypedResults.Ok(response);
    }
}

/// <summary>The answer to an agent's request: how many records it held, how many were stored and rejected.</summary>
public sealed record IntakeResponse(int Records, int Accepted, int Rejected, int Failed, IReadOnlyList<string> Reasons)
{
    internal static IntakeResponse From(AgentIngestResult result) =>
        new(result.Records, result.Accepted, result.Rejected, result.Failed, result.Reasons);

    internal Dictionary<string, object?> AsExtensions() => new()
    {
        ["records"] = Records,
        ["accepted"] = Accepted,
        ["rejected"] = Rejected,
        ["failed"] = Failed,
        ["reasons"] = Reasons,
    };
}

/// <summary>One element of collectd's write_http JSON (for the API description): a value list or a notification.</summary>
public sealed record CollectdRecord(
    double?[]? Values,
    string[]? Dstypes,
    string[]? Dsnames,
    double Time,
    double? Interval,
    string Host,
    string? Plugin,
    string? PluginInstance,
    string? Type,
    string? TypeInstance,
    string? Severity,
    string? Message);
