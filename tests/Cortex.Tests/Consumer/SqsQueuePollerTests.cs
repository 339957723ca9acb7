using System.Collections.Concurrent;
using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Consumer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using static Cortex.Tests.Consumer.ConsumerTestData;

namespace Cortex.Tests.Consumer;

public sealed class SqsQueuePollerTests
{
    private const string QueueUrl = "http://127.0.0.1:4566/000000000000/cortex-events-queue";

    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly InMemoryTelemetryStore _store = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly FakeLogger<SqsQueuePoller> _logger = new();
    private readonly ConcurrentQueue<DeleteMessageBatchRequest> _deletes = new();

    public SqsQueuePollerTests()
    {
        _sqs.DeleteMessageBatchAsync(Arg.Any<DeleteMessageBatchRequest>(), Arg.Any<CancellationToken>())
            .Returns(call =>
            {
                var request = call.Arg<DeleteMessageBatchRequest>();
                _deletes.Enqueue(request);
                return new DeleteMessageBatchResponse
                {
                    Successful = [.. request.Entries.Select(e => new DeleteMessageBatchResultEntry { Id = e.Id })],
                    Failed = [],
                };
            });
    }

    [Fact]
    public async Task OnlyTheMessagesThatWereStoredAreDeleted()
    {
        var throttled = NewEvent(source: "fail-poller");
        _store.OnSave = (e, _) => e.Source == throttled.Source ? throw new StoreUnavailableException() : Task.CompletedTask;
        var stored = Message(Envelope(NewEvent()));
        var duplicate = Message(Envelope(NewEvent()));
        var failed = Message(Envelope(throttled));
        var malformed = Message("{\"not\":\"an event\"}");
        await _store.SaveAsync([DetailOf(duplicate)], TestContext.Current.CancellationToken);
        Receives(stored, duplicate, failed, malformed);
        var poller = CreatePoller();

        var result = await poller.PollOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(4, result.Received);
        Assert.Equal(2, result.Deleted);
        var delete = Assert.Single(_deletes);
        Assert.Equal(QueueUrl, delete.QueueUrl);
        Assert.Equal([stored.ReceiptHandle, duplicate.ReceiptHandle], delete.Entries.Select(e => e.ReceiptHandle));
        Assert.Equal([failed.MessageId, malformed.MessageId], result.Batch!.FailedMessageIds);
    }

    [Fact]
    public async Task TheReceiveAsksForLongPollingAndTheReceiveCount()
    {
        ReceiveMessageRequest? received = null;
        _sqs.ReceiveMessageAsync(Arg.Do<ReceiveMessageRequest>(r => received = r), Arg.Any<CancellationToken>())
            .Returns(new ReceiveMessageResponse { Messages = [] });
        var poller = CreatePoller(new SqsPollerOptions { Enabled = true, QueueUrl = QueueUrl, MaxMessages = 7, WaitTimeSeconds = 15, VisibilityTimeoutSeconds = 90 });

        var result = await poller.PollOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Received);
        Assert.NotNull(received);
        Assert.Equal(QueueUrl, received.QueueUrl);
        Assert.Equal(7, received.MaxNumberOfMessages);
        Assert.Equal(15, received.WaitTimeSeconds);
        Assert.Equal(90, received.VisibilityTimeout);
        Assert.Contains("ApproximateReceiveCount", received.MessageSystemAttributeNames);
        Assert.Empty(_deletes);
    }

    [Fact]
    public async Task NothingIsDeletedWhenEveryMessageFails()
    {
        Receives(Message("garbage"), Message(string.Empty));
        var poller = CreatePoller();

        var result = await poller.PollOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Deleted);
        Assert.Empty(_deletes);
    }

    [Fact]
    public async Task AMessageSqsRefusesToDeleteIsLoggedAndTheRoundStillSucceeds()
    {
        var first = Message(Envelope(NewEvent()));
        var second = Message(Envelope(NewEvent()));
        Receives(first, second);
        _sqs.DeleteMessageBatchAsync(Arg.Any<DeleteMessageBatchRequest>(), Arg.Any<CancellationToken>())
            .Returns(new DeleteMessageBatchResponse
            {
                Successful = [new DeleteMessageBatchResultEntry { Id = "0" }],
                Failed = [new BatchResultErrorEntry { Id = "1", Code = "ReceiptHandleIsInvalid", Message = "expired", SenderFault = true }],
            });
        var poller = CreatePoller();

        var result = await poller.PollOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Deleted);
        var log = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains(second.MessageId, log.Message, StringComparison.Ordinal);
        Assert.Contains("ReceiptHandleIsInvalid", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeleteCallThatThrowsIsLoggedAndDoesNotFailTheRound()
    {
        Receives(Message(Envelope(NewEvent())));
        _sqs.DeleteMessageBatchAsync(Arg.Any<DeleteMessageBatchRequest>(), Arg.Any<CancellationToken>())
            .Returns<DeleteMessageBatchResponse>(_ => throw new AmazonSQSException("Service unavailable"));
        var poller = CreatePoller();

        var result = await poller.PollOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Received);
        Assert.Equal(0, result.Deleted);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Exception is AmazonSQSException);
    }

    [Fact]
    public async Task AFifoQueueStopsAtTheFirstFailureAndDeletesOnlyWhatCameBefore()
    {
        var throttled = NewEvent(source: "fail-fifo");
        _store.OnSave = (e, _) => e.Source == throttled.Source ? throw new StoreUnavailableException() : Task.CompletedTask;
        var before = Message(Envelope(NewEvent()));
        var after = Message(Envelope(NewEvent()));
        Receives(before, Message(Envelope(throttled)), after);
        var poller = CreatePoller(new SqsPollerOptions { Enabled = true, QueueUrl = QueueUrl + ".fifo" });

        var result = await poller.PollOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Deleted);
        Assert.Equal([before.ReceiptHandle], Assert.Single(_deletes).Entries.Select(e => e.ReceiptHandle));
        Assert.Equal(2, _store.Calls.Count);
    }

    [Fact]
    public async Task AMessageStillUnstoredWhenItsVisibilityTimeoutRunsOutIsNeitherDeletedNorCountedAsStored()
    {
        var slow = NewEvent(source: "slow-visibility");
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.OnSave = async (e, cancellationToken) =>
        {
            if (e.Source == slow.Source)
            {
                entered.SetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        };
        var stored = Message(Envelope(NewEvent()));
        Receives(stored, Message(Envelope(slow)));
        var poller = CreatePoller(new SqsPollerOptions { Enabled = true, QueueUrl = QueueUrl, VisibilityTimeoutSeconds = 30 });

        var polling = poller.PollOnceAsync(TestContext.Current.CancellationToken);
        await entered.Task.WaitAsync(TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromSeconds(27));
        var result = await polling.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Deleted);
        Assert.Equal([stored.ReceiptHandle], Assert.Single(_deletes).Entries.Select(e => e.ReceiptHandle));
        Assert.Equal(1, result.Batch!.Unfinished);
    }

    [Fact]
    public async Task ShutdownDuringABatchStillDeletesWhatWasStored()
    {
        using var shutdown = new CancellationTokenSource();
        var slow = NewEvent(source: "slow-shutdown");
        _store.OnSave = async (e, cancellationToken) =>
        {
            if (e.Source == slow.Source)
            {
                await shutdown.CancelAsync();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        };
        var stored = Message(Envelope(NewEvent()));
        var interrupted = Message(Envelope(slow));
        Receives(stored, interrupted);
        var poller = CreatePoller();

        var result = await poller.PollOnceAsync(shutdown.Token).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Deleted);
        Assert.Equal([stored.ReceiptHandle], Assert.Single(_deletes).Entries.Select(e => e.ReceiptHandle));
        Assert.Equal([interrupted.MessageId], result.Batch!.FailedMessageIds);
    }

    [Fact]
    public async Task TheServiceBacksOffAfterAnSqsErrorKeepsPollingAndStopsCleanly()
    {
        var message = Message(Envelope(NewEvent()));
        var receives = 0;
        _sqs.ReceiveMessageAsync(Arg.Any<ReceiveMessageRequest>(), Arg.Any<CancellationToken>())
            .Returns(call => Interlocked.Increment(ref receives) switch
            {
                1 => Task.FromException<ReceiveMessageResponse>(new AmazonSQSException("Throttled")),
                2 => Task.FromResult(new ReceiveMessageResponse { Messages = [message] }),
                _ => WaitForShutdownAsync(call.Arg<CancellationToken>()),
            });
        using var poller = CreatePoller();

        await poller.StartAsync(TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => Volatile.Read(ref receives) >= 1);
        await WaitUntilAsync(() => !_deletes.IsEmpty, () => _clock.Advance(TimeSpan.FromMilliseconds(500)));
        await poller.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(poller.ExecuteTask!.IsCompletedSuccessfully);
        Assert.Equal([message.ReceiptHandle], Assert.Single(_deletes).Entries.Select(e => e.ReceiptHandle));
        var error = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.IsType<AmazonSQSException>(error.Exception);
    }

    private SqsQueuePoller CreatePoller(SqsPollerOptions? options = null)
    {
        var handler = new SqsBatchHandler(_store, _clock, Options.Create(new ConsumerOptions()), ConsumerTestData.NewMetrics(), new FakeLogger<SqsBatchHandler>());
        return new SqsQueuePoller(_sqs, handler,
            Options.Create(options ?? new SqsPollerOptions { Enabled = true, QueueUrl = QueueUrl, InitialBackoff = TimeSpan.FromSeconds(1) }),
            _clock, _logger);
    }

    private void Receives(params Message[] messages) =>
        _sqs.ReceiveMessageAsync(Arg.Any<ReceiveMessageRequest>(), Arg.Any<CancellationToken>())
            .Returns(new ReceiveMessageResponse { Messages = [.. messages] });

    private static Message Message(string body) => new()
    {
        MessageId = Guid.NewGuid().ToString(),
        ReceiptHandle = "rh-" + Guid.NewGuid().ToString("N"),
        Body = body,
        Attributes = new Dictionary<string, string> { ["ApproximateReceiveCount"] = "1" },
    };

    private static Cortex.Api.Events.TelemetryEvent DetailOf(Message message)
    {
        using var document = System.Text.Json.JsonDocument.Parse(message.Body);
        return Cortex.Api.Events.EventJson.FromElement(document.RootElement.GetProperty("detail").GetProperty("events")[0]);
    }

    private static async Task<ReceiveMessageResponse> WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return new ReceiveMessageResponse();
    }

    /// <summary>Waits (bounded) for something another thread does; <paramref name="nudge"/> moves the fake clock.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, Action? nudge = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            nudge?.Invoke();
            await Task.Delay(10, timeout.Token);
        }
    }
}
