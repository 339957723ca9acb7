using System.Text.Json;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Import;

/// <summary>
/// The S3 inbox (Aws mode): an object created under the inbox prefix sends an S3 notification to
/// the import queue, whose messages reach the pass-through endpoint beside the event queue's.
/// Each object is imported by <see cref="EventImporter"/> and its report written to
/// <c>reports/&lt;key&gt;.json</c>. The report is the checkpoint too: an import that nears the
/// invocation deadline saves it (<c>in_progress</c>, with the line reached) and leaves the message
/// on the queue, and the next delivery continues after that line. A finished report for the same
/// ETag makes a re-delivered notification a no-op; ids derived from bucket, key and ETag make even
/// a second import of the same object store nothing new.
/// </summary>
internal sealed partial class S3InboxImport(
    EventImporter importer,
    IOptions<ImportOptions> options,
    TimeProvider clock,
    ILogger<S3InboxImport> logger,
    IImportObjects? objects = null) : IQueueMessageRoute
{
    private const string SubmittedBy = "s3-import";
    private readonly ImportOptions _options = options.Value;

    public bool Claims(string body) => objects is not null && S3Notification.IsNotification(body);

    public async Task<bool> HandleAsync(string body, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var (created, problem) = S3Notification.Parse(body);
        if (problem is not null)
        {
            LogUnreadable(problem);
            return false;
        }

        foreach (var item in created)
        {
            if (!await ImportAsync(item, deadline, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    private async Task<bool> ImportAsync(S3ObjectCreated created, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        if (!created.Key.StartsWith(_options.InboxPrefix, StringComparison.Ordinal))
        {
            LogOutsideInbox(created.Bucket, created.Key);
            return true;
        }

        var info = await objects!.HeadAsync(created.Bucket, created.Key, cancellationToken);
        var eTag = info?.ETag.Trim('"');
        if (info is null || (created.ETag is { } notified && notified != eTag))
        {
            // Gone, or replaced: the replacement's own notification imports it.
            LogSuperseded(created.Bucket, created.Key);
            return true;
        }

        var reportKey = ReportKey(created.Key);
        var previous = await ReadReportAsync(created.Bucket, reportKey, cancellationToken);
        if (previous is not null && previous.File.ETag == eTag && previous.Status != ImportReport.InProgressStatus)
        {
            LogAlreadyImported(created.Bucket, created.Key, eTag!);
            return true;
        }

        var source = new ImportSource
        {
            Identity = new ImportFileIdentity { Name = created.Key, Bucket = created.Bucket, ETag = eTag, VersionId = info.VersionId, Bytes = info.Size },
            OpenAsync = token => objects.OpenAsync(created.Bucket, created.Key, eTag, token),
            Compression = created.Key.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? ImportCompression.Gzip : ImportCompression.Detect,
            SubmittedBy = SubmittedBy,
        };
        var resume = previous is { Status: ImportReport.InProgressStatus } && previous.File.ETag == eTag ? previous : null;
        var run = new ImportRun
        {
            Resume = resume,
            SaveAsync = (report, token) => WriteReportAsync(created.Bucket, reportKey, report, token),
            StopAt = deadline - _options.DeadlineMargin,
        };

        try
        {
            var report = await importer.ImportAsync(resume is null ? source : WithIdentity(source, resume.File), run, cancellationToken);
            await WriteReportAsync(created.Bucket, reportKey, report, cancellationToken);
            return report.Status != ImportReport.InProgressStatus;
        }
        catch (ImportObjectChangedException ex)
        {
            LogChanged(ex.Message);
            return true;
        }
    }

    /// <summary><c>inbox/a/b.ndjson</c> reports to <c>reports/a/b.ndjson.json</c>.</summary>
    internal string ReportKey(string key) => _options.ReportPrefix + key[_options.InboxPrefix.Length..] + ".json";

    private async Task<ImportReport?> ReadReportAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var text = await objects!.ReadTextAsync(bucket, key, cancellationToken);
        if (text is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ImportReport>(text, ImportReport.Json);
        }
        catch (JsonException)
        {
            return null; // Not a report Cortex wrote: import from the start and replace it.
        }
    }

    private Task WriteReportAsync(string bucket, string key, ImportReport report, CancellationToken cancellationToken)
    {
        report.CheckpointedAt = Rfc3339Now();
        return objects!.WriteJsonAsync(bucket, key, JsonSerializer.Serialize(report, ImportReport.Json), cancellationToken);
    }

    private string Rfc3339Now() => Events.Rfc3339.ToUtcString(clock.GetUtcNow());

    private static ImportSource WithIdentity(ImportSource source, ImportFileIdentity identity) => new()
    {
        Identity = identity,
        OpenAsync = source.OpenAsync,
        Compression = source.Compression,
        SubmittedBy = source.SubmittedBy,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "An import queue message is not a readable S3 notification ({Problem}); it stays on the queue and reaches the DLQ")]
    private partial void LogUnreadable(string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "s3://{Bucket}/{Key} is outside the inbox prefix; not imported")]
    private partial void LogOutsideInbox(string bucket, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "s3://{Bucket}/{Key} is gone or was replaced since the notification; its own notification imports the new object")]
    private partial void LogSuperseded(string bucket, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "s3://{Bucket}/{Key} (ETag {ETag}) was imported already; the report stands")]
    private partial void LogAlreadyImported(string bucket, string key, string eTag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import stopped: {Message}")]
    private partial void LogChanged(string message);
}
