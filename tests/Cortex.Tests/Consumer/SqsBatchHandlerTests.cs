using System.Diagnostics;
using Cortex.Api.Consumer;
using Cortex.Api.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static Cortex.Tests.Consumer.ConsumerTestData;

namespace Cortex.Tests.Consumer;

public sealed class SqsBatchHandlerTests
{
    private readonly InMemoryTelemetryStore _store = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly FakeLogger<SqsBatchHandler> _logger = new();

    [Fact]
    public async Task ValidMessagesAreStoredAndNoneIsReportedAsFailed()
    {
        var events = new[] { NewEvent(), NewEvent(), NewEvent() };
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([.. events.Select(e => Record(e))]), TestContext.Current.CancellationToken);

        Assert.Empty(result.FailedMessageIds);
        Assert.Equal(3, result.Stored);
        Assert.All(events, e => Assert.Equal(EventJson.ToJson(e), EventJson.ToJson(_store.Events[e.EventId])));
    }

    [Fact]
    public async Task TheStoredEventKeepsDataNumbersAndTraceContextAsPublished()
    {
        var e = NewEvent(traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([Record(e)]), TestContext.Current.CancellationToken);

        var stored = _store.Events[e.EventId];
        Assert.Equal("""{"cpu_percent":87.5,"load_avg_1m":2.30}""", System.Text.Encoding.UTF8.GetString(stored.Data.Span));
        Assert.Equal(e.TraceParent, stored.TraceParent);
        Assert.Equal(e.Timestamp, stored.Timestamp);
    }

    [Fact]
    public async Task ADuplicateIsASuccess()
    {
        var e = NewEvent();
        _store.Events[e.EventId] = e;
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([Record(e, receiveCount: 2)]), TestContext.Current.CancellationToken);

        Assert.Empty(result.FailedMessageIds);
        Assert.Equal(1, result.Duplicates);
    }

    [Fact]
    public async Task TheSameEventTwiceInOneBatchIsStoredOnceAndBothMessagesSucceed()
    {
        var e = NewEvent();
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([Record(e), Record(e)]), TestContext.Current.CancellationToken);

        Assert.Empty(result.FailedMessageIds);
        Assert.Equal(1, result.Stored);
        Assert.Equal(1, result.Duplicates);
    }

    [Fact]
    public async Task AStoreFailureFailsOnlyThatMessage()
    {
        var good = NewEvent();
        var throttled = NewEvent();
        _store.OnSave = (e, _) => e.EventId == throttled.EventId ? throw new StoreUnavailableException() : Task.CompletedTask;
        var goodRecord = Record(good);
        var throttledRecord = Record(throttled);
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([goodRecord, throttledRecord]), TestContext.Current.CancellationToken);

        Assert.Equal([throttledRecord.MessageId], result.FailedMessageIds);
        Assert.Equal(1, result.StoreFailures);
        Assert.True(_store.Events.ContainsKey(good.EventId));
        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Exception is StoreUnavailableException);
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Contains(throttledRecord.MessageId, log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryEventOfAPackIsStoredAndCounted()
    {
        var events = Enumerable.Range(0, 100).Select(_ => NewEvent()).ToArray();
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([Record(PackEnvelope(events))]), TestContext.Current.CancellationToken);

        Assert.Empty(result.FailedMessageIds);
        Assert.Equal(100, result.Stored);
        Assert.All(events, e => Assert.Equal(EventJson.ToJson(e), EventJson.ToJson(_store.Events[e.EventId])));
    }

    [Fact]
    public async Task APackWhoseEventsPartlyFailToStoreIsRetriedWholeAndItsRedeliveryStoresOnlyTheRest()
    {
        var events = Enumerable.Range(0, 10).Select(_ => NewEvent()).ToArray();
        var body = PackEnvelope(events);
        var failing = events[4].EventId;
        _store.OnSave = (e, _) => e.EventId == failing ? throw new StoreUnavailableException() : Task.CompletedTask;
        var first = Record(body);
        var handler = CreateHandler();

        var failed = await handler.HandleAsync(new SqsBatch([first]), TestContext.Current.CancellationToken);
        var storedBefore = _store.Events.Count;
        _store.OnSave = null;
        var again = await handler.HandleAsync(new SqsBatch([Record(body, receiveCount: 2, messageId: first.MessageId)]), TestContext.Current.CancellationToken);

        Assert.Equal([first.MessageId], failed.FailedMessageIds);
        Assert.Equal(1, failed.StoreFailures);
        Assert.Equal(0, failed.Stored);
        Assert.Empty(again.FailedMessageIds);
        Assert.Equal(events.Length - storedBefore, again.Stored);
        Assert.Equal(storedBefore, again.Duplicates);
        Assert.All(events, e => Assert.True(_store.Events.ContainsKey(e.EventId)));
    }

    [Fact]
    public async Task ARedeliveredPackStoresNothingNew()
    {
        var events = Enumerable.Range(0, 20).Select(_ => NewEvent()).ToArray();
        var body = PackEnvelope(events);
        var handler = CreateHandler();
        await handler.HandleAsync(new SqsBatch([Record(body)]), TestContext.Current.CancellationToken);
        var stored = _store.Events.ToDictionary(p => p.Key, p => EventJson.ToJson(p.Value));

        var again = await handler.HandleAsync(new SqsBatch([Record(body, receiveCount: 2)]), TestContext.Current.CancellationToken);

        Assert.Empty(again.FailedMessageIds);
        Assert.Equal(0, again.Stored);
        Assert.Equal(20, again.Duplicates);
        Assert.Equal(stored, _store.Events.ToDictionary(p => p.Key, p => EventJson.ToJson(p.Value)));
    }

    [Fact]
    public async Task APackWithOneInvalidEventIsMalformedWholeAndNoneOfItsEventsIsStored()
    {
        var events = Enumerable.Range(0, 3).Select(_ => NewEvent()).ToArray();
        var detail = PackDetail(events).Replace("\"cpu_usage\"", "\"CPU\"", StringComparison.Ordinal);
        var poison = Record(EnvelopeWithDetail(detail), receiveCount: 3);
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([poison, Record(NewEvent())]), TestContext.Current.CancellationToken);

        Assert.Equal([poison.MessageId], result.FailedMessageIds);
        Assert.Equal(1, result.Malformed);
        Assert.All(events, e => Assert.False(_store.Events.ContainsKey(e.EventId)));
    }

    [Fact]
    public async Task AStoreThatThrowsSynchronouslyFailsTheMessageInsteadOfTheBatch()
    {
        var store = new SynchronouslyThrowingStore();
        var handler = new SqsBatchHandler(store, _clock, Options.Create(new ConsumerOptions()), NewMetrics(), _logger);
        var records = new[] { Record(NewEvent()), Record(NewEvent()) };

        var result = await handler.HandleAsync(new SqsBatch(records), TestContext.Current.CancellationToken);

        Assert.Equal(records.Select(r => r.MessageId), result.FailedMessageIds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{\"detail\":")]
    [InlineData("[1,2]")]
    [InlineData("{\"version\":\"0\",\"source\":\"cortex.producer.x\"}")]
    [InlineData("{\"detail\":\"{}\"}")]
    [InlineData("{\"detail\":{},\"detail\":{}}")]
    public async Task AMalformedBodyFailsTheMessageWithoutTouchingTheStore(string body)
    {
        var record = Record(body);
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        Assert.Equal([record.MessageId], result.FailedMessageIds);
        Assert.Equal(1, result.Malformed);
        Assert.Empty(_store.Calls);
    }

    [Fact]
    public async Task AMessageWithoutABodyIsMalformed()
    {
        var record = Record(body: null);
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        Assert.Equal([record.MessageId], result.FailedMessageIds);
        Assert.Equal(1, result.Malformed);
    }

    [Theory]
    [InlineData("event_id", "\"not-a-uuid\"")]
    [InlineData("event_id", "\"00000000-0000-0000-0000-000000000000\"")]
    [InlineData("source", "\"\"")]
    [InlineData("source", "42")]
    [InlineData("event_type", "\"CPU_USAGE\"")]
    [InlineData("severity", "\"debug\"")]
    [InlineData("timestamp", "\"2026-11-23T10:00:00\"")]
    [InlineData("data", "[1]")]
    [InlineData("data", "{\"n\":1e200}")]
    [InlineData("tags", "{\"env\":1}")]
    [InlineData("hostname", "7")]
    [InlineData("ingested_at", "\"yesterday\"")]
    [InlineData("ttl", "\"soon\"")]
    [InlineData("ttl", "1.5")]
    public async Task ADetailWithAnInvalidFieldIsMalformed(string field, string value)
    {
        var detail = ReplaceField(EventJson.ToJson(NewEvent(), includeTrace: true), field, value);
        var record = Record(EnvelopeWithDetail(detail));
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        Assert.Equal([record.MessageId], result.FailedMessageIds);
        Assert.Empty(_store.Calls);
        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Message.Contains("is malformed", StringComparison.Ordinal));
        Assert.Contains(field, log.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("event_id")]
    [InlineData("source")]
    [InlineData("event_type")]
    [InlineData("severity")]
    [InlineData("timestamp")]
    [InlineData("data")]
    [InlineData("ingested_at")]
    [InlineData("request_id")]
    [InlineData("submitted_by")]
    [InlineData("ttl")]
    public async Task ADetailWithoutARequiredFieldIsMalformed(string field)
    {
        var detail = System.Text.Json.Nodes.JsonNode.Parse(EventJson.ToJson(NewEvent()))!.AsObject();
        detail.Remove(field);
        var record = Record(EnvelopeWithDetail(detail.ToJsonString()));
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        Assert.Equal([record.MessageId], result.FailedMessageIds);
        Assert.Empty(_store.Calls);
    }

    [Fact]
    public async Task DataNestedDeeperThanTheContractAllowsIsMalformed()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 31)) + "1" + new string('}', 31);
        var record = Record(EnvelopeWithDetail(ReplaceField(EventJson.ToJson(NewEvent()), "data", deep)));
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Malformed);
    }

    [Fact]
    public async Task DataNestedExactlyAsDeepAsTheContractAllowsIsStored()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 30)) + "1" + new string('}', 30);
        var record = Record(EnvelopeWithDetail(ReplaceField(EventJson.ToJson(NewEvent()), "data", deep)));
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Stored);
    }

    [Fact]
    public async Task AMalformedMessageIsLoggedWithItsIdAndReasonButNotItsBody()
    {
        const string Secret = "s3cr3t-payload-that-must-not-be-logged";
        var record = Record("{\"detail\":{\"source\":\"" + Secret + "\"}", receiveCount: 1);
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Message.Contains("is malformed", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Contains(record.MessageId, log.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", log.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_logger.Collector.GetSnapshot(), r => r.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMessageWithADuplicateKeyIsLoggedWithTheKeysNameNotAnEmptyPosition()
    {
        var record = Record(EnvelopeWithDetail(EventJson.ToJson(NewEvent()).Insert(1, "\"source\":\"first\",")));
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Message.Contains("is malformed", StringComparison.Ordinal));
        Assert.Contains("duplicate key \"source\"", log.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("line ,", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedMessageOnItsLastReceiveIsLoggedAsAnError()
    {
        var record = Record("not json", receiveCount: 3);
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([record]), TestContext.Current.CancellationToken);

        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Message.Contains("is malformed", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.Contains("dead-letter", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStandardQueueBatchReportsEveryFailureAndStoresTheRest()
    {
        var throttled = NewEvent();
        _store.OnSave = (e, _) => e.EventId == throttled.EventId ? throw new StoreUnavailableException() : Task.CompletedTask;
        var records = new[] { Record(NewEvent()), Record(throttled), Record("garbage"), Record(NewEvent()) };
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch(records), TestContext.Current.CancellationToken);

        Assert.Equal([records[1].MessageId, records[2].MessageId], result.FailedMessageIds);
        Assert.Equal(2, result.Stored);
    }

    [Fact]
    public async Task AFifoBatchStopsAtTheFirstFailureAndReportsItAndEveryLaterMessage()
    {
        var throttled = NewEvent();
        _store.OnSave = (e, _) => e.EventId == throttled.EventId ? throw new StoreUnavailableException() : Task.CompletedTask;
        var first = NewEvent();
        var last = NewEvent();
        var records = new[] { Record(first), Record(throttled), Record(last) };
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch(records, FromFifoQueue: true), TestContext.Current.CancellationToken);

        Assert.Equal([records[1].MessageId, records[2].MessageId], result.FailedMessageIds);
        Assert.Equal([first.EventId, throttled.EventId], _store.Calls);
        Assert.False(_store.Events.ContainsKey(last.EventId));
    }

    [Fact]
    public async Task AFifoBatchWithAMalformedFirstMessageStoresNothing()
    {
        var records = new[] { Record("{}"), Record(NewEvent()), Record(NewEvent()) };
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch(records, FromFifoQueue: true), TestContext.Current.CancellationToken);

        Assert.Equal(records.Select(r => r.MessageId), result.FailedMessageIds);
        Assert.Empty(_store.Calls);
    }

    [Fact]
    public async Task AFifoBatchIsStoredInQueueOrder()
    {
        var events = Enumerable.Range(0, 5).Select(_ => NewEvent()).ToArray();
        var handler = CreateHandler();

        var result = await handler.HandleAsync(new SqsBatch([.. events.Select(e => Record(e))], FromFifoQueue: true), TestContext.Current.CancellationToken);

        Assert.Empty(result.FailedMessageIds);
        Assert.Equal(events.Select(e => e.EventId), _store.Calls);
    }

    [Fact]
    public async Task NoMoreThanMaxConcurrencyMessagesAreStoredAtOnce()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.OnSave = (_, _) => release.Task;
        var handler = CreateHandler(new ConsumerOptions { MaxConcurrency = 2 });

        // Every record up to the bound reaches the store before HandleAsync first yields.
        var handling = handler.HandleAsync(new SqsBatch([.. Enumerable.Range(0, 5).Select(_ => Record(NewEvent()))]), TestContext.Current.CancellationToken);
        var callsWhileBlocked = _store.Calls.Count;
        release.SetResult();
        var result = await handling;

        Assert.Equal(2, callsWhileBlocked);
        Assert.Equal(5, result.Stored);
    }

    [Fact]
    public async Task MessagesNotStoredBeforeTheDeadlineLessTheMarginAreReportedAsFailed()
    {
        var slow = NewEvent();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();

        // This store ignores cancellation, like a request stuck on the network.
        _store.OnSave = (e, _) =>
        {
            if (e.EventId != slow.EventId)
            {
                return Task.CompletedTask;
            }

            entered.SetResult();
            return never.Task;
        };
        var fast = Record(NewEvent());
        var stuck = Record(slow);
        var handler = CreateHandler(new ConsumerOptions { DeadlineSafetyMargin = TimeSpan.FromSeconds(3) });
        var batch = new SqsBatch([fast, stuck], Deadline: _clock.GetUtcNow() + TimeSpan.FromSeconds(10));

        var handling = handler.HandleAsync(batch, TestContext.Current.CancellationToken);
        await entered.Task.WaitAsync(TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromSeconds(6));
        var notYet = handling.IsCompleted;
        _clock.Advance(TimeSpan.FromSeconds(1));
        var result = await handling.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.False(notYet);
        Assert.Equal([stuck.MessageId], result.FailedMessageIds);
        Assert.Equal(1, result.Stored);
        Assert.Equal(1, result.Unfinished);
    }

    [Fact]
    public async Task AFifoBatchReportsTheMessageInFlightAtTheDeadlineAndEveryLaterOne()
    {
        var slow = NewEvent();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.OnSave = async (e, cancellationToken) =>
        {
            if (e.EventId == slow.EventId)
            {
                entered.SetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        };
        var records = new[] { Record(NewEvent()), Record(slow), Record(NewEvent()) };
        var handler = CreateHandler(new ConsumerOptions { DeadlineSafetyMargin = TimeSpan.FromSeconds(1) });
        var batch = new SqsBatch(records, FromFifoQueue: true, Deadline: _clock.GetUtcNow() + TimeSpan.FromSeconds(5));

        var handling = handler.HandleAsync(batch, TestContext.Current.CancellationToken);
        await entered.Task.WaitAsync(TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromSeconds(4));
        var result = await handling.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal([records[1].MessageId, records[2].MessageId], result.FailedMessageIds);
        Assert.Equal(2, _store.Calls.Count);
    }

    [Fact]
    public async Task ABatchWhoseDeadlineHasPassedStoresNothingAndFailsEveryMessage()
    {
        var records = new[] { Record(NewEvent()), Record(NewEvent()) };
        var handler = CreateHandler();
        var batch = new SqsBatch(records, Deadline: _clock.GetUtcNow() + TimeSpan.FromSeconds(1));

        var result = await handler.HandleAsync(batch, TestContext.Current.CancellationToken);

        Assert.Equal(records.Select(r => r.MessageId), result.FailedMessageIds);
        Assert.Empty(_store.Calls);
    }

    [Fact]
    public async Task CancellationByTheCallerReportsUnfinishedMessagesAsFailedInsteadOfThrowing()
    {
        using var cancellation = new CancellationTokenSource();
        _store.OnSave = (_, token) => Task.Delay(Timeout.Infinite, token);
        var records = new[] { Record(NewEvent()), Record(NewEvent()) };
        var handler = CreateHandler();

        var handling = handler.HandleAsync(new SqsBatch(records), cancellation.Token);
        await cancellation.CancelAsync();
        var result = await handling.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(records.Select(r => r.MessageId), result.FailedMessageIds);
    }

    [Fact]
    public async Task TheConsumerSpanContinuesTheTraceOfTheRequestThatAcceptedTheEvent()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpan = ActivitySpanId.CreateRandom();
        var e = NewEvent(traceParent: $"00-{traceId}-{parentSpan}-01");
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SqsBatchHandler.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.TraceId == traceId)
                {
                    lock (spans)
                    {
                        spans.Add(a);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([Record(e)]), TestContext.Current.CancellationToken);

        var span = Assert.Single(spans);
        Assert.Equal(parentSpan, span.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal(e.EventIdText, span.GetTagItem("cortex.event_id"));
    }

    private SqsBatchHandler CreateHandler(ConsumerOptions? options = null) =>
        new(_store, _clock, Options.Create(options ?? new ConsumerOptions()), NewMetrics(), _logger);

    private static string ReplaceField(string detailJson, string field, string valueJson)
    {
        var detail = System.Text.Json.Nodes.JsonNode.Parse(detailJson)!.AsObject();
        detail[field] = System.Text.Json.Nodes.JsonNode.Parse(valueJson);
        return detail.ToJsonString();
    }

    private sealed class SynchronouslyThrowingStore : Cortex.Api.Ports.ITelemetryStore
    {
        public Task<IReadOnlyList<Cortex.Api.Ports.SaveOutcome>> SaveAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken) =>
            throw new StoreUnavailableException("Thrown before any task exists.");

        public Task<string?> GetAsync(Guid eventId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public Task<Cortex.Api.Ports.EventPage> QueryAsync(Cortex.Api.Ports.EventQuery query, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
