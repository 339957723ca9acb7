using Cortex.Api.Hosting;
using Cortex.Api.Ingestion;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Benchmark;

/// <summary>
/// Benchmark-only endpoints that read a request body exactly as ingestion does (content type,
/// gzip, the same size limits) and answer 202 without auth, validation or storage. Load runs
/// compare /events with /baseline/events in the same process to price everything Cortex adds.
/// Mapped only when Cortex:Benchmark:BaselineEndpoint is true; never enable it in production.
/// </summary>
public static class BaselineApi
{
    public const string EnabledKey = "Cortex:Benchmark:BaselineEndpoint";

    public static IEndpointRouteBuilder MapBaselineApi(this IEndpointRouteBuilder routes)
    {
        var configuration = routes.ServiceProvider.GetRequiredService<IConfiguration>();
        if (!configuration.GetValue(EnabledKey, defaultValue: false))
        {
            return routes;
        }

        var group = routes.MapGroup("/baseline/events")
            .AllowAnonymous()
            .ExcludeFromDescription();
        group.MapPost("/", (HttpContext context, IOptions<IngestionOptions> options, CancellationToken cancellationToken) =>
            ReadAndAcceptAsync(context, options.Value.MaxEventBytes, cancellationToken));
        group.MapPost("/batch", (HttpContext context, IOptions<IngestionOptions> options, CancellationToken cancellationToken) =>
            ReadAndAcceptAsync(context, options.Value.MaxBatchBytes, cancellationToken));
        return routes;
    }

    internal static async Task<IResult> ReadAndAcceptAsync(HttpContext context, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            using var body = await RequestBodyReader.ReadAsync(context.Request, maxBytes, cancellationToken);
            return TypedResults.StatusCode(StatusCodes.Status202Accepted);
        }
        catch (BodyRejectedException ex)
        {
            return Problems.Create(ex.StatusCode, ex.Title, ex.Message);
        }
    }
}
