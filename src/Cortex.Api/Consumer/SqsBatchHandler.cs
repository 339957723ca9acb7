using System.Diagnostics;
using System.Globalization;
using Cortex.Api.Events;
using Cortex.Api.Observability;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Consumer;

/// <summary>
/// The one SQS consumer, behind both entry points (the Lambda pass-through endpoint and the
/// in-process poller): reads each message's pack of events, stores them idempotently and reports
/// which messages failed so that only those come back. A message succeeds only when every event of
/// its pack is stored or was already there; otherwise the whole pack comes back, and the conditional
/// put makes its already stored events duplicates. A malformed message (any event in it invalid) is
/// a failure, so SQS moves the whole pack to the dead-letter queue after its last receive and the
/// alarm fires. It never throws for a record: every problem becomes that record's failure.
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
        var counts = new EventCounts();
        using var timer = DeadlineTimer(batch.Deadline);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            if (batch.FromFifoQueue)
            {
                await HandleInOrderAsync(records, outcomes, counts, stop.Token);
            }
            else
            {
                await HandleConcurrentlyAsync(records, outcomes, counts, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Whatever has not finished is reported as failed below.
        }

        var result = Summarise(records, outcomes, counts);
        RecordMetrics(records.Count, result);
        if (result.Unfinished > 0 && timer.IsCancellationRequested)
        {
            logger.LogWarning(
                "The batch's deadline (less a {Margin} safety margin) came before {Unfinished} of {Count} messages were stored; they are reported as failed",
                _options.DeadlineSafetyMargin, result.Unfinished, records.Count);
        }

        var level = result.AllSucceeded ? LogLevel.Debug : LogLevel.Warning;
        logger.Log(level,
            "Consumed {Count} messages (FIFO {Fifo}): events {Stored} stored and {Duplicates} duplicates; messages {Malformed} malformed, {StoreFailures} store failures, {Unfinished} unfinished",
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
    private async Task HandleInOrderAsync(IReadOnlyList<SqsRecord> records, int[] outcomes, EventCounts counts, CancellationToken cancellationToken)
    {
        for (var i = 0; i < records.Count && !cancellationToken.IsCancellationRequested; i++)
        {
            var outcome = await HandleRecordAsync(records[i], counts, cancellationToken);
            outcomes[i] = (int)outcome;
            if (!IsSuccess(outcome))
            {
                return;
            }
        }
    }

    private async Task HandleConcurrentlyAsync(IReadOnlyList<SqsRecord> records, int[] outcomes, EventCounts counts, CancellationToken cancellationToken)
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
                var outcome = await HandleRecordAsync(records[index], counts, cancellationToken);
                Volatile.Write(ref outcomes[index], (int)outcome);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private async Task<RecordOutcome> HandleRecordAsync(SqsRecord record, EventCounts counts, CancellationToken cancellationToken)
    {
        if (!ConsumedEventReader.TryRead(record.Body, out var events, out var reason))
        {
            LogMalformed(record, reason);
            return RecordOutcome.Malformed;
        }

        using var activity = StartActivity(record, events);
        try
        {
            var save = store.SaveAsync(events, cancellationToken);

            // A store that ignores the token must not hold the batch past its deadline; if it fails
            // after being abandoned, observe the exception so it is not reported as unobserved.
            _ = save.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var outcomes = await save.WaitAsync(cancellationToken);
            if (outcomes.Count != events.Count)
            {
                throw new InvalidOperationException($"The store returned {outcomes.Count} outcomes for {events.Count} events.");
            }

            var duplicates = outcomes.Count(o => o == SaveOutcome.Duplicate);
            var stored = outcomes.Count - duplicates;
            counts.Add(stored, duplicates);
            activity?.SetTag("cortex.stored", stored);
            activity?.SetTag("cortex.duplicates", duplicates);
            for (var i = 0; i < events.Count; i++)
            {
                if (outcomes[i] == SaveOutcome.Stored)
                {
                    RecordLag(events[i]);
                }

                logger.LogDebug("Event {EventId} of message {MessageId} {Outcome}",
                    events[i].EventIdText, record.MessageId, outcomes[i] == SaveOutcome.Duplicate ? "was already stored" : "stored");
            }

            return RecordOutcome.Stored;
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
                "Storing the {Count} events of message {MessageId} failed on receive {ReceiveCount}; SQS will deliver the whole pack again",
                events.Count, record.MessageId, record.ReceiveCount);
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

    /// <summary>
    /// A consumer span in the trace that began at the POST of the pack's first event (one request's
    /// events share it), linked to the batch's own span.
    /// </summary>
    private static Activity? StartActivity(SqsRecord record, IReadOnlyList<TelemetryEvent> events)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var links = Activity.Current is { } current ? new[] { new ActivityLink(current.Context) } : null;
        var parent = ActivityContext.TryParse(events[0].TraceParent, null, out var context) ? context : default;
        var activity = Source.StartActivity("cortex.consume", ActivityKind.Consumer, parent, links: links);
        activity?.SetTag("messaging.system", "aws_sqs");
        activity?.SetTag("messaging.message.id", record.MessageId);
        activity?.SetTag("messaging.batch.message_count", events.Count);
        activity?.SetTag("cortex.event_id", events[0].EventIdText);
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

    private static bool IsSuccess(RecordOutcome outcome) => outcome == RecordOutcome.Stored;

    private static SqsBatchResult Summarise(IReadOnlyList<SqsRecord> records, int[] outcomes, EventCounts counts)
    {
        var failed = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int malformed = 0, storeFailures = 0, unfinished = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var outcome = (RecordOutcome)Volatile.Read(ref outcomes[i]);
            switch (outcome)
            {
                case RecordOutcome.Stored: continue;
                case RecordOutcome.Malformed: malformed++; break;
                case RecordOutcome.StoreFailed: storeFailures++; break;
                default: unfinished++; break;
            }

            if (seen.Add(records[i].MessageId))
            {
                failed.Add(records[i].MessageId);
            }
        }

        return new SqsBatchResult(failed, counts.Stored, counts.Duplicates, malformed, storeFailures, unfinished);
    }

    /// <summary>Events stored and found already stored, over the messages that succeeded (added concurrently).</summary>
    private sealed class EventCounts
    {
        private int _stored;
        private int _duplicates;

        public int Stored => Volatile.Read(ref _stored);

        public int Duplicates => Volatile.Read(ref _duplicates);

        public void Add(int stored, int duplicates)
        {
            Interlocked.Add(ref _stored, stored);
            Interlocked.Add(ref _duplicates, duplicates);
        }
    }

    private enum RecordOutcome
    {
        Unfinished = 0,
        Stored,
        Malformed,
        StoreFailed,
    }
}
