using System.Globalization;
using Cortex.Api.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Cortex.Api.Import;

/// <summary>
/// POST /events/import: a whole file of events in one request body, NDJSON or a JSON array,
/// optionally gzip-encoded. The body is spooled to a temporary file as it arrives (the import
/// reads it twice: once to check it whole, once to import it), then imported like
/// <c>cortex import FILE</c>, and answered with the same report.
/// </summary>
public static class ImportApi
{
    private const int MaxNameLength = 256;

    public static RouteHandlerBuilder MapImportApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/events/import", ImportAsync)
            .WithTags("Ingestion")
            .RequireAuthorization(Scopes.Write)
            .WithName("ImportEvents")
            .WithSummary("Import a file of events (NDJSON or a JSON array, gzip allowed) and get its report")
            .Accepts<string>("application/x-ndjson", "application/json")
            .Produces<ImportReport>()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    internal static async Task<Results<JsonHttpResult<ImportReport>, ProblemHttpResult>> ImportAsync(
        HttpContext context, EventImporter importer, IOptions<ImportOptions> options, string? name, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var request = context.Request;
        if (!IsImportMediaType(request.ContentType))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the file as Content-Type: application/x-ndjson (one event per line) or application/json (an array of events).");
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (encoding.Length > 0 && !gzip && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported content encoding", "Content-Encoding must be gzip or absent.");
        }

        if (name is { Length: > MaxNameLength })
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["name"] = [$"name must be at most {MaxNameLength} characters."] });
        }

        var identity = new ImportFileIdentity { Name = string.IsNullOrWhiteSpace(name) ? "upload" : name };
        var spoolPath = Path.Combine(limits.SpoolDirectory ?? Path.GetTempPath(), $"cortex-import-{Guid.NewGuid():N}.spool");
        try
        {
            if (!await SpoolAsync(request, spoolPath, limits.MaxFileBytes, cancellationToken))
            {
                var tooLarge = new ImportReport { File = identity };
                tooLarge.Refuse(string.Create(CultureInfo.InvariantCulture,
                    $"The file is larger than {limits.MaxFileBytes} bytes, the import limit (Cortex:Import:MaxFileBytes)."));
                return Refused(tooLarge, StatusCodes.Status413PayloadTooLarge);
            }

            var source = new ImportSource
            {
                Identity = identity,
                OpenAsync = _ => Task.FromResult<Stream>(new FileStream(spoolPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan)),
                Compression = gzip ? ImportCompression.Gzip : ImportCompression.None,
                HashContent = true,
                SubmittedBy = context.User.FindFirst("sub")?.Value ?? "unknown",
                SourceIp = context.Connection.RemoteIpAddress?.ToString(),
            };
            var report = await importer.ImportAsync(source, run: null, cancellationToken);
            if (report.Status == ImportReport.RefusedStatus)
            {
                return Refused(report, report.Reason!.Contains("import limit", StringComparison.Ordinal)
                    ? StatusCodes.Status413PayloadTooLarge
                    : StatusCodes.Status422UnprocessableEntity);
            }

            return TypedResults.Json(report, ImportReport.Json);
        }
        finally
        {
            File.Delete(spoolPath);
        }
    }

    /// <summary>Copies the body to the spool file; false when it is larger than <paramref name="maxBytes"/>.</summary>
    private static async Task<bool> SpoolAsync(HttpRequest request, string path, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return false;
        }

        // The import limit, not Kestrel's default 30 MB, bounds this body.
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        await using var spool = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        var buffer = new byte[128 * 1024];
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                return false;
            }

            await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        return true;
    }

    private static ProblemHttpResult Refused(ImportReport report, int status) =>
        Problems.Create(status, "The file cannot be imported", report.Reason!, new Dictionary<string, object?> { ["report"] = report });

    private static bool IsImportMediaType(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }

        var charset = mediaType.Charset;
        if (charset.HasValue && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return mediaType.MediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
               || mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }
}
