using Cortex.Api.Hosting;
using Cortex.Api.Ingestion;
using Cortex.Api.Intake.Otlp.Proto;
using Cortex.Api.Observability;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Intake.Otlp;

/// <summary>
/// OTLP/HTTP: POST /v1/logs and POST /v1/metrics, in binary protobuf or JSON. Answers as the
/// OTLP/HTTP specification asks: 200 with an Export*ServiceResponse in the request's encoding,
/// carrying partial_success when records were rejected (the client must not send those again);
/// 503 with Retry-After when they could not be handed off (the client retries; ids are name-based,
/// so nothing is stored twice); 400 for a body that cannot be decoded.
/// </summary>
public static class OtlpApi
{
    public const string ProtobufMediaType = "application/x-protobuf";

    public static IEndpointRouteBuilder MapOtlpApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1")
            .WithTags("Agents")
            .RequireAuthorization(Scopes.Write);

        Describe(group.MapPost("/logs", PostLogsAsync), "PostOtlpLogs", "Ingest OTLP/HTTP logs: one event per log record")
            .Accepts<OtlpExportRequest>(ProtobufMediaType, "application/json");
        Describe(group.MapPost("/metrics", PostMetricsAsync), "PostOtlpMetrics",
                "Ingest OTLP/HTTP metrics: one event per gauge, sum or histogram data point")
            .Accepts<OtlpExportRequest>(ProtobufMediaType, "application/json");
        return routes;
    }

    internal static Task<IResult> PostLogsAsync(
        HttpContext context, AgentIngestion ingestion, IOptions<IntakeOptions> options, CortexMetrics metrics, CancellationToken cancellationToken) =>
        ExportAsync(
            context, ingestion, options.Value, metrics, ExportLogsServiceRequest.Parser, OtlpLogMapper.CountRecords, OtlpLogMapper.Map,
            (rejected, message) => new ExportLogsServiceResponse
            {
                PartialSuccess = rejected == 0 ? null : new ExportLogsPartialSuccess { RejectedLogRecords = rejected, ErrorMessage = message },
            },
            "OTLP logs", cancellationToken);

    internal static Task<IResult> PostMetricsAsync(
        HttpContext context, AgentIngestion ingestion, IOptions<IntakeOptions> options, CortexMetrics metrics, CancellationToken cancellationToken) =>
        ExportAsync(
            context, ingestion, options.Value, metrics, ExportMetricsServiceRequest.Parser, OtlpMetricMapper.CountDataPoints, OtlpMetricMapper.Map,
            (rejected, message) => new ExportMetricsServiceResponse
            {
                PartialSuccess = rejected == 0 ? null : new ExportMetricsPartialSuccess { RejectedDataPoints = rejected, ErrorMessage = message },
            },
            "OTLP metrics", cancellationToken);

    private static async Task<IResult> ExportAsync<TRequest>(
        HttpContext context,
        AgentIngestion ingestion,
        IntakeOptions limits,
        CortexMetrics metrics,
        MessageParser<TRequest> parser,
        Func<TRequest, int> count,
        Func<TRequest, List<MappedRecord>> map,
        Func<long, string, IMessage> respond,
        string agent,
        CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>, new()
    {
        if (OtlpDecoder.EncodingOf(context.Request.ContentType) is not { } encoding)
        {
            metrics.Rejected(1, "unsupported_media_type");
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send Content-Type: {ProtobufMediaType} or application/json (OTLP/HTTP).");
        }

        TRequest? request;
        string? error;
        using (var body = await RequestBodyReader.ReadCheckedMediaTypeAsync(context.Request, limits.MaxBodyBytes, cancellationToken))
        {
            if (body.Rejection is { } rejected)
            {
                metrics.Rejected(1, rejected.Reason);
                return Problems.Create(rejected.StatusCode, rejected.Title, rejected.Detail);
            }

            request = OtlpDecoder.Decode(parser, body.Memory.Span, encoding, out error);
        }

        if (request is null)
        {
            metrics.Rejected(1, "malformed");
            return Problems.Create(StatusCodes.Status400BadRequest, "Malformed OTLP body", error!);
        }

        if (count(request) > limits.MaxRecords)
        {
            metrics.Rejected(1, "too_many_items");
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Too many records",
                $"The request has more than {limits.MaxRecords} records; send at most {limits.MaxRecords} per request.");
        }

        var records = map(request);
        var result = records.Count == 0
            ? new AgentIngestResult(0, 0, 0, 0, [], null)
            : await ingestion.IngestAsync(agent, records, context, cancellationToken);
        if (result.Overload is { } overload)
        {
            return Problems.Unavailable(context, overload.Message, overload.RetryAfter);
        }

        if (result.Failed > 0)
        {
            return Problems.Unavailable(context, $"{result.Failed} of {result.Records} records could not be handed off; send the request again.",
                TimeSpan.FromSeconds(1));
        }

        var response = respond(result.Rejected, result.Rejected == 0 ? string.Empty : string.Join("; ", result.Reasons));
        return encoding == OtlpEncoding.Protobuf
            ? TypedResults.Bytes(response.ToByteArray(), ProtobufMediaType)
            : TypedResults.Text(JsonFormatter.Default.Format(response), "application/json");
    }

    private static RouteHandlerBuilder Describe(RouteHandlerBuilder endpoint, string name, string summary) =>
        endpoint.WithName(name)
            .WithSummary(summary)
            .WithDescription("OTLP/HTTP export (docs/agents.md has the mapping). The body is an Export*ServiceRequest in binary protobuf "
                + "(application/x-protobuf) or the OTLP JSON mapping (application/json); gzip allowed. 200 answers an "
                + "Export*ServiceResponse in the request's encoding, with partial_success when records were rejected.")
            .Produces<OtlpExportResponse>(StatusCodes.Status200OK, ProtobufMediaType, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}

/// <summary>
/// The shape of an OTLP export request for the API description: ExportLogsServiceRequest
/// (resourceLogs) or ExportMetricsServiceRequest (resourceMetrics), in protobuf or OTLP JSON.
/// </summary>
public sealed record OtlpExportRequest(object[]? ResourceLogs, object[]? ResourceMetrics);

/// <summary>The shape of an OTLP export response for the API description.</summary>
public sealed record OtlpExportResponse(OtlpPartialSuccess? PartialSuccess);

/// <summary>Set when records were rejected: how many (rejectedLogRecords or rejectedDataPoints) and why.</summary>
public sealed record OtlpPartialSuccess(long RejectedLogRecords, long RejectedDataPoints, string ErrorMessage);
