using System.Diagnostics;
using System.Globalization;
using Cortex.Api.Events;
using Cortex.Api.Observability;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Consumer;

/// <summary>
/// The one SQS consumer, behind both entry points (the Lambda pass-through endpoint and the
/// in-process poller): reads each message's event, stores it idempotently and reports which
/// messages failed so that only those come back. Duplicates are successes; a malformed message is
/// a failure, so SQS moves it to the dead-letter queue after its last receive and the alarm fires.
/// It never throws for a record: every problem becomes that record's failure.
/// </summary>
internal sealed class SqsBatchHandler(
    ITelemetryStore store, TimeProvider clock, IOptions<ConsumerOptions> options, CortexMetrics metrics, ILogger<SqsBatchHandler> logger)
{
    // Cortex's one ActivitySource: the tracer provider subscribes to it (a source of its own was
    // never recorded, so the consumer span was missing from every exported trace).
    public const string ActivitySourceName = CortexDiagnostics.Name;

    private static readonly ActivitySource Source = CortexDiagnostics.ActivitySource;

    // Longer than any Lambda invocation or sensible visibility timeout; keeps the timer in range.
    private static readonly TimeSpan LongestDeadline = TimeSpan.FromDays(1);

    private readonly ConsumerOptions _options = options.Value;

    public async Task<SqsBatchResult> HandleAsync(SqsBatch batch, CancellationToken cancellationToken)
    {
        var records = batch.Records;
        var outcomes = new int[records.Count];
        using var timer = DeadlineTimer(batch.Deadline);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            if (batch.FromFifoQueue)
            {
                await HandleInOrderAsync(records, outcomes, stop.Token);
            }
            else
            {
                await HandleConcurrentlyAsync(records, outcomes, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Whatever has not finished is reported as failed below.
        }

        var result = Summarise(records, outcomes);
        RecordMetrics(records.Count, result);
        if (result.Unfinished > 0 && timer.IsCancellationRequested)
        {
            logger.LogWarning(
                "The batch's deadline (less a {Margin} safety margin) came before {Unfinished} of {Count} messages were stored; they are reported as failed",
                _options.DeadlineSafetyMargin, result.Unfinished, records.Count);
        }

        var level = result.AllSucceeded ? LogLevel.Debug : LogLevel.Warning;
        logger.Log(level,
            "Consumed {Count} messages (FIFO {Fifo}): {Stored} stored, {Duplicates} duplicates, {Malformed} malformed, {StoreFailures} store failures, {Unfinished} unfinished",
            records.Count, batch.FromFifoQueue,
            result.Stored, result.Duplicates, result.Malformed, result.StoreFailures, result.Unfinished);
        return result;
    }

    private CancellationTokenSource DeadlineTimer(DateTimeOffset? deadline)
    {
        if (deadline is null)
        {
            return new CancellationTokenSource();
        }

        var remaining = deadline.Value - _options.DeadlineSafetyMargin - clock.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            var expired = new CancellationTokenSource();
            expired.Cancel();
            return expired;
        }

        return new CancellationTokenSource(remaining < LongestDeadline ? remaining : LongestDeadline, clock);
    }

    /// <summary>FIFO: one at a time in queue order, stopping at the first failure so nothing overtakes it.</summary>
    private async Task HandleInOrderAsync(IReadOnlyList<SqsRecord> records, int[] outcomes, CancellationToken cancellationToken)
    {
        for (var i = 0; i < records.Count && !cancellationToken.IsCancellationRequested; i++)
        {
            var outcome = await HandleRecordAsync(records[i], cancellationToken);
            outcomes[i] = (int)outcome;
            if (!IsSuccess(outcome))
            {
                return;
            }
        }
    }

    private async Task HandleConcurrentlyAsync(IReadOnlyList<SqsRecord> records, int[] outcomes, CancellationToken cancellationToken)
    {
        // Not disposed: a record abandoned at the deadline may still release it afterwards.
        var gate = new SemaphoreSlim(_options.MaxConcurrency);
        var tasks = new Task[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            tasks[i] = RunAsync(i);
        }

        await Task.WhenAll(tasks).WaitAsync(cancellationToken);

        async Task RunAsync(int index)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var outcome = await HandleRecordAsync(records[index], cancellationToken);
                Volatile.Write(ref outcomes[index], (int)outcome);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private async Task<RecordOutcome> HandleRecordAsync(SqsRecord record, CancellationToken cancellationToken)
    {
        if (!ConsumedEventReader.TryRead(record.Body, out var telemetryEvent, out var reason))
        {
            LogMalformed(record, reason);
            return RecordOutcome.Malformed;
        }

        using var activity = StartActivity(record, telemetryEvent);
        try
        {
            var save = store.SaveAsync([telemetryEvent], cancellationToken);

            // A store that ignores the token must not hold the batch past its deadline; if it fails
            // after being abandoned, observe the exception so it is not reported as unobserved.
            _ = save.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var outcomes = await save.WaitAsync(cancellationToken);
            if (outcomes.Count != 1)
            {
                throw new InvalidOperationException($"The store returned {outcomes.Count} outcomes for one event.");
            }

            var outcome = outcomes[0] == SaveOutcome.Duplicate ? RecordOutcome.Duplicate : RecordOutcome.Stored;
            activity?.SetTag("cortex.outcome", outcome == RecordOutcome.Duplicate ? "duplicate" : "stored");
            if (outcome == RecordOutcome.Stored)
            {
                RecordLag(telemetryEvent);
            }

            logger.LogDebug("Event {EventId} of message {MessageId} {Outcome}",
                telemetryEvent.EventIdText, record.MessageId, outcome == RecordOutcome.Duplicate ? "was already stored" : "stored");
            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "deadline");
            return RecordOutcome.Unfinished;
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            logger.LogWarning(ex,
                "Storing event {EventId} of message {MessageId} failed on receive {ReceiveCount}; SQS will deliver it again",
                telemetryEvent.EventIdText, record.MessageId, record.ReceiveCount);
            return RecordOutcome.StoreFailed;
        }
    }

    private void LogMalformed(SqsRecord record, string reason)
    {
        // The body stays out of the logs: it may be large or hold data nobody meant to log, and
        // the dead-letter queue keeps it for whoever investigates.
        var receiveCount = record.ReceiveCount;
        if (receiveCount >= _options.MaxReceiveCount)
        {
            logger.LogError(
                "Message {MessageId} is malformed and was not stored; receive {ReceiveCount} was its last, so it goes to the dead-letter queue: {Reason}",
                record.MessageId, receiveCount, reason);
            return;
        }

        logger.LogWarning("Message {MessageId} is malformed and was not stored (receive {ReceiveCount}): {Reason}",
            record.MessageId, receiveCount, reason);
    }

    /// <summary>A consumer span in the trace that began at POST /events, linked to the batch's own span.</summary>
    private static Activity? StartActivity(SqsRecord record, TelemetryEvent telemetryEvent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var links = Activity.Current is { } current ? new[] { new ActivityLink(current.Context) } : null;
        var parent = ActivityContext.TryParse(telemetryEvent.TraceParent, null, out var context) ? context : default;
        var activity = Source.StartActivity("cortex.consume", ActivityKind.Consumer, parent, links: links);
        activity?.SetTag("messaging.system", "aws_sqs");
        activity?.SetTag("messaging.message.id", record.MessageId);
        activity?.SetTag("cortex.event_id", telemetryEvent.EventIdText);
        return activity;
    }

    private void RecordMetrics(int batchSize, SqsBatchResult result)
    {
        metrics.ConsumerBatchSize.Record(batchSize);
        AddFailures(result.Malformed, "malformed");
        AddFailures(result.StoreFailures, "store");
        AddFailures(result.Unfinished, "unfinished");
        if (result.Duplicates > 0)
        {
            metrics.ConsumerDuplicates.Add(result.Duplicates);
        }

        void AddFailures(int count, string reason)
        {
            if (count > 0)
            {
                metrics.ConsumerFailures.Add(count, new KeyValuePair<string, object?>("reason", reason));
            }
        }
    }

    /// <summary>End-to-end lag: from the API accepting the event (ingested_at) to this store.</summary>
    private void RecordLag(TelemetryEvent telemetryEvent)
    {
        if (DateTimeOffset.TryParse(telemetryEvent.IngestedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ingestedAt))
        {
            metrics.EndToEndLag.Record(Math.Max(0, (clock.GetUtcNow() - ingestedAt).TotalSeconds));
        }
    }

    private static bool IsSuccess(RecordOutcome outcome) => outcome is RecordOutcome.Stored or RecordOutcome.Duplicate;

    private static SqsBatchResult Summarise(IReadOnlyList<SqsRecord> records, int[] outcomes)
    {
        var failed = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int stored = 0, duplicates = 0, malformed = 0, storeFailures = 0, unfinished = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var outcome = (RecordOutcome)Volatile.Read(ref outcomes[i]);
            switch (outcome)
            {
                case RecordOutcome.Stored: stored++; continue;
                case RecordOutcome.Duplicate: duplicates++; continue;
                case RecordOutcome.Malformed: malformed++; break;
                case RecordOutcome.StoreFailed: storeFailures++; break;
                default: unfinished++; break;
            }

            if (seen.Add(records[i].MessageId))
            {
                failed.Add(records[i].MessageId);
            }
        }

        return new SqsBatchResult(failed, stored, duplicates, malformed, storeFailures, unfinished);
    }

    private enum RecordOutcome
    {
        Unfinished = 0,
        Stored,
        Duplicate,
        Malformed,
        StoreFailed,
    }
}
