using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cortex.Api.Events;
using Cortex.Api.Ingestion;
using Cortex.Api.Intake;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Import;

/// <summary>
/// Imports one file: checks it whole (<see cref="ImportFileCheck"/>), then reads it again event
/// by event, reads each exactly as a POST /events body, and hands them in batches to
/// <see cref="EventIngestor"/>, the path every request takes (validation, server fields, the
/// publisher). An event without an event_id gets one derived from the file and its line, so a
/// second import of the same file stores nothing new; a client's event_id keeps first-write-wins.
/// </summary>
internal sealed partial class EventImporter(
    EventIngestor ingestor,
    IOptions<ImportOptions> options,
    IOptions<IngestionOptions> ingestion,
    TimeProvider clock,
    ILogger<EventImporter> logger)
{
    private const int MaxOverloadWaits = 120;
    private readonly ImportOptions _options = options.Value;
    private readonly int _maxItemBytes = ingestion.Value.MaxEventBytes;

    public async Task<ImportReport> ImportAsync(ImportSource source, ImportRun? run, CancellationToken cancellationToken)
    {
        run ??= new ImportRun();
        var report = run.Resume ?? new ImportReport { File = source.Identity, StartedAt = Now() };
        report.Status = ImportReport.InProgressStatus;
        if (run.Resume is null)
        {
            if (await ImportFileCheck.CheckAsync(source, _options.MaxFileBytes, _maxItemBytes, cancellationToken) is { } refusal)
            {
                report.Refuse(refusal);
                report.FinishedAt = Now();
                LogRefused(report.File.Name, refusal);
                return report;
            }

            report.RequestId = RequestIdOf(report.File);
            LogStarted(report.File.Name, report.File.Format!, report.File.UncompressedBytes ?? 0, report.RequestId);
        }
        else
        {
            LogResumed(report.File.Name, report.LinesRead);
        }

        await ReadAndIngestAsync(source, report, run, cancellationToken);
        return report;
    }

    private async Task ReadAndIngestAsync(ImportSource source, ImportReport report, ImportRun run, CancellationToken cancellationToken)
    {
        var origin = new IngestOrigin(report.RequestId!, source.SourceIp, source.SubmittedBy);
        var inFlight = new Queue<(Batch Batch, Task<IngestResult?> Published)>();
        var batch = new Batch(_options.BatchSize);
        var resumeAfter = report.LinesRead;
        var lastLog = clock.GetTimestamp();
        var lastCheckpoint = lastLog;

        await using var content = await ImportStreams.OpenAsync(source, cancellationToken);
        var items = EventItemReader.Create(report.File.Format!, content.Decompressed, _maxItemBytes);
        while (await items.ReadAsync(cancellationToken))
        {
            var line = items.Line;
            if (line <= resumeAfter)
            {
                continue;
            }

            if (items.Problem is { } problem)
            {
                report.Reject(line, Errors(problem));
            }
            else
            {
                Add(items.Item.Span, line, report, batch);
            }

            if (batch.Count < _options.BatchSize)
            {
                continue;
            }

            // Several batches in flight let the store commit one while the next is read and validated.
            inFlight.Enqueue((batch, PublishAsync(batch, origin, cancellationToken)));
            batch = new Batch(_options.BatchSize);
            if (inFlight.Count >= _options.MaxBatchesInFlight)
            {
                var (done, published) = inFlight.Dequeue();
                Tally(done, await published, report);
            }

            run.Progress?.Report(new ImportProgress(content.RawBytesRead, report));
            if (clock.GetElapsedTime(lastLog) >= _options.ProgressInterval)
            {
                lastLog = clock.GetTimestamp();
                LogProgress(report.File.Name, line, report.Accepted, report.Rejected, report.Failed);
            }

            var stop = run.StopAt is { } stopAt && clock.GetUtcNow() >= stopAt;
            if (stop || (run.SaveAsync is not null && clock.GetElapsedTime(lastCheckpoint) >= _options.CheckpointInterval))
            {
                // A checkpoint says every line up to it is accounted for: nothing may still be in flight.
                await DrainAsync(inFlight, report);
                report.LinesRead = line;
                report.SortRejections();
                lastCheckpoint = clock.GetTimestamp();
                await SaveAsync(run, report, cancellationToken);
                if (stop)
                {
                    LogPaused(report.File.Name, report.LinesRead);
                    return;
                }
            }
        }

        if (batch.Count > 0)
        {
            inFlight.Enqueue((batch, PublishAsync(batch, origin, cancellationToken)));
        }

        await DrainAsync(inFlight, report);
        report.LinesRead = Math.Max(items.Line, report.LinesRead);
        report.SortRejections();
        if (items.FileProblem is { } fileProblem)
        {
            // Only a file that changed since its check gets here: what was stored stays, and says so.
            report.Refuse(fileProblem);
        }
        else
        {
            report.Status = ImportReport.CompletedStatus;
        }

        report.FinishedAt = Now();
        run.Progress?.Report(new ImportProgress(content.RawBytesRead, report));
        LogFinished(report.File.Name, report.LinesRead, report.Accepted, report.Rejected, report.Failed);
    }

    private static async Task DrainAsync(Queue<(Batch Batch, Task<IngestResult?> Published)> inFlight, ImportReport report)
    {
        while (inFlight.TryDequeue(out var next))
        {
            Tally(next.Batch, await next.Published, report);
        }
    }

    private static void Add(ReadOnlySpan<byte> json, long line, ImportReport report, Batch batch)
    {
        var read = EventReader.ReadSingle(json);
        if (read.Value is not { } submission)
        {
            report.Reject(line, Errors(read.Error!));
            return;
        }

        if (submission.EventId is null && !submission.HasReadError("event_id"))
        {
            submission.EventId = AgentEvent.NameBasedId(
                submission.Timestamp, "import", report.File.IdSeed, line.ToString(CultureInfo.InvariantCulture));
        }

        batch.Add(submission, line);
    }

    /// <summary>Ingests a batch, waiting out an overloaded store; null when it stayed overloaded.</summary>
    private async Task<IngestResult?> PublishAsync(Batch batch, IngestOrigin origin, CancellationToken cancellationToken)
    {
        for (var wait = 0; wait < MaxOverloadWaits; wait++)
        {
            var ingested = await ingestor.IngestAsync(batch.Submissions, origin, cancellationToken);
            if (ingested.Overload is not { } overload)
            {
                return ingested;
            }

            await Task.Delay(overload.RetryAfter, clock, cancellationToken);
        }

        return null;
    }

    private static void Tally(Batch batch, IngestResult? ingested, ImportReport report)
    {
        if (ingested is null)
        {
            report.Failed += batch.Count;
            return;
        }

        for (var i = 0; i < ingested.Items.Count; i++)
        {
            var result = ingested.Items[i];
            switch (result.Status)
            {
                case ItemResult.AcceptedStatus: report.Accepted++; break;
                case ItemResult.RejectedStatus: report.Reject(batch.Lines[i], result.Errors!); break;
                default: report.Failed++; break;
            }
        }
    }

    private static async Task SaveAsync(ImportRun run, ImportReport report, CancellationToken cancellationToken)
    {
        if (run.SaveAsync is not null)
        {
            await run.SaveAsync(report, cancellationToken);
        }
    }

    private static Dictionary<string, string[]> Errors(string problem) => new(StringComparer.Ordinal) { ["$"] = [problem] };

    /// <summary>The request_id every event of the file is stored with: the same for every import of the same file.</summary>
    private static string RequestIdOf(ImportFileIdentity file) =>
        "import-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.IdSeed)).AsSpan(0, 8));

    private string Now() => Rfc3339.ToUtcString(clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Import of {File} started: {Format}, {Bytes} bytes, request_id {RequestId}")]
    private partial void LogStarted(string file, string format, long bytes, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import of {File} resumes after line {Line}")]
    private partial void LogResumed(string file, long line);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import of {File}: {Lines} lines read, {Accepted} accepted, {Rejected} rejected, {Failed} failed")]
    private partial void LogProgress(string file, long lines, long accepted, long rejected, long failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import of {File} paused after line {Line}; the next delivery continues from there")]
    private partial void LogPaused(string file, long line);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import of {File} finished: {Lines} lines read, {Accepted} accepted, {Rejected} rejected, {Failed} failed")]
    private partial void LogFinished(string file, long lines, long accepted, long rejected, long failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import of {File} refused: {Reason}")]
    private partial void LogRefused(string file, string reason);

    /// <summary>The events waiting to be handed off, with the line each came from.</summary>
    private sealed class Batch(int capacity)
    {
        public List<EventSubmission> Submissions { get; } = new(capacity);

        public List<long> Lines { get; } = new(capacity);

        public int Count => Submissions.Count;

        public void Add(EventSubmission submission, long line)
        {
            Submissions.Add(submission);
            Lines.Add(line);
        }
    }
}

/// <summary>
/// How one run of an import goes: from scratch or from a checkpoint (<see cref="Resume"/>), where
/// it saves its checkpoint, when it must stop (an invocation deadline) and whom it tells its progress.
/// </summary>
internal sealed class ImportRun
{
    public ImportReport? Resume { get; init; }

    public Func<ImportReport, CancellationToken, Task>? SaveAsync { get; init; }

    public DateTimeOffset? StopAt { get; init; }

    public IProgress<ImportProgress>? Progress { get; init; }
}

/// <summary>Where an import is: raw bytes read so far and the report's counts.</summary>
internal readonly record struct ImportProgress(long RawBytesRead, ImportReport Report);
