using System.Collections.Concurrent;
using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Infrastructure.Aws;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Cortex.Tests.Infrastructure.Aws;

/// <summary>The receive/send/delete replay against a scripted SQS client and a fake clock.</summary>
public sealed class SqsDeadLetterQueueTests
{
    private const string QueueUrl = "http://127.0.0.1:4566/000000000000/cortex-events-queue";
    private const string DeadLetterQueueUrl = "http://127.0.0.1:4566/000000000000/cortex-events-dlq";

    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<DateTimeOffset> _sentAt = new();

    public SqsDeadLetterQueueTests()
    {
        // More messages wait than the replay may move, so it cannot hand the job to a message-move task.
        _sqs.GetQueueAttributesAsync(Arg.Any<GetQueueAttributesRequest>(), Arg.Any<CancellationToken>())
            .Returns(new GetQueueAttributesResponse { Attributes = new Dictionary<string, string> { ["ApproximateNumberOfMessages"] = "100" } });
        _sqs.SendMessageAsync(Arg.Any<SendMessageRequest>(), Arg.Any<CancellationToken>())
            .Returns(_ =>
            {
                _sentAt.Enqueue(_clock.GetUtcNow());
                return new SendMessageResponse();
            });
        _sqs.DeleteMessageAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns(new DeleteMessageResponse());
    }

    [Fact]
    public async Task ReplayMovesNoMoreMessagesPerSecondThanAsked()
    {
        _sqs.ReceiveMessageAsync(Arg.Any<ReceiveMessageRequest>(), Arg.Any<CancellationToken>())
            .Returns(
                new ReceiveMessageResponse { Messages = [.. Enumerable.Range(0, 5).Select(Message)] },
                new ReceiveMessageResponse { Messages = [.. Enumerable.Range(5, 3).Select(Message)] });
        var queue = new SqsDeadLetterQueue(_sqs, Options.Create(new AwsOptions { QueueUrl = QueueUrl, DeadLetterQueueUrl = DeadLetterQueueUrl }),
            _clock, NullLogger<SqsDeadLetterQueue>.Instance);
        var start = _clock.GetUtcNow();

        var replay = queue.ReplayAsync(maxMessages: 8, maxPerSecond: 2, TestContext.Current.CancellationToken);
        while (!replay.IsCompleted)
        {
            // The clock moves in small steps whatever the machine's speed; only the fake time is asserted.
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        var result = await replay;
        var sentAt = _sentAt.ToArray();
        Assert.Equal(8, result.Moved);
        Assert.Equal(8, sentAt.Length);
        for (var k = 0; k < sentAt.Length; k++)
        {
            Assert.True(sentAt[k] >= start + (k * TimeSpan.FromMilliseconds(500)), $"message {k} went at +{sentAt[k] - start}");
        }
    }

    private static Message Message(int i) => new()
    {
        MessageId = $"m-{i}",
        ReceiptHandle = $"rh-{i}",
        Body = "{}",
        Attributes = [],
        MessageAttributes = [],
    };
}
