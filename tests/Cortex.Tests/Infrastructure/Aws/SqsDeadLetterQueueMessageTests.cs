using System.Net;
using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Infrastructure.Aws;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Cortex.Tests.Infrastructure.Aws;

/// <summary>What the SQS dead-letter adapter tells an operator: reasons, times and log lines with no holes.</summary>
public sealed class SqsDeadLetterQueueMessageTests
{
    private const string QueueUrl = "http://127.0.0.1:4566/000000000000/cortex-events-queue";
    private const string DlqUrl = "http://127.0.0.1:4566/000000000000/cortex-events-dlq";
    private const string SourceArn = "arn:aws:sqs:us-east-1:000000000000:cortex-events-queue";

    private readonly IAmazonSQS _sqs = Substitute.For<IAmazonSQS>();
    private readonly FakeLogger<SqsDeadLetterQueue> _logger = new();

    [Fact]
    public async Task AMessageSentStraightToTheDeadLetterQueueIsNotReportedAsAConsumerFailure()
    {
        Receive(Message("m-1", receiveCount: 1, sourceArn: null));

        var letter = Assert.Single(await Queue().PeekAsync(10, TestContext.Current.CancellationToken));

        Assert.DoesNotContain("consumer failed", letter.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("No DeadLetterQueueSourceArn, so not known to be a consumer failure", letter.Reason, StringComparison.Ordinal);
        Assert.EndsWith("received 1 times in all, peeks included.", letter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageSqsMovedFromTheConsumerQueueNamesThatQueue()
    {
        Receive(Message("m-1", receiveCount: 4, sourceArn: SourceArn));

        var letter = Assert.Single(await Queue().PeekAsync(10, TestContext.Current.CancellationToken));

        Assert.Equal($"The consumer failed it as often as the maxReceiveCount of {SourceArn} allows; received 4 times in all, peeks included.", letter.Reason);
    }

    [Fact]
    public async Task ADeadLetteredPackShowsHowManyEventsItHoldsAndItsFirstEvent()
    {
        var pack = Message("m-1", receiveCount: 4, sourceArn: SourceArn);
        pack.Body = """{"detail":{"events":[{"event_id":"0193a8f0-0000-7000-8000-000000000002","source":"web-02","event_type":"uptime"},{"event_id":"x"},{}]}}""";
        Receive(pack, Message("m-2", receiveCount: 4, sourceArn: SourceArn));

        var letters = await Queue().PeekAsync(10, TestContext.Current.CancellationToken);

        Assert.Equal([3, 1], letters.Select(l => l.EventCount));
        Assert.Equal(("0193a8f0-0000-7000-8000-000000000002", "web-02", "uptime"), (letters[0].EventId, letters[0].Source, letters[0].EventType));
    }

    [Fact]
    public async Task AnUnreadableDeadLetterHasNoEventCount()
    {
        var broken = Message("m-1", receiveCount: 4, sourceArn: SourceArn);
        broken.Body = "{not json";
        Receive(broken);

        var letter = Assert.Single(await Queue().PeekAsync(10, TestContext.Current.CancellationToken));

        Assert.Null(letter.EventCount);
    }

    [Fact]
    public async Task TheSendTimeIsReportedAsSentAtAndNotAsTheTimeItFailed()
    {
        var sent = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
        Receive(Message("m-1", receiveCount: 4, sourceArn: SourceArn, sentAt: sent));

        var letter = Assert.Single(await Queue().PeekAsync(10, TestContext.Current.CancellationToken));

        Assert.Equal(sent, letter.SentAt);
        Assert.Null(letter.FailedAt);
    }

    [Fact]
    public async Task AMoveTaskRefusedWithoutAnErrorCodeIsLoggedWithTheStatusAndMessage()
    {
        _sqs.GetQueueAttributesAsync(Arg.Any<GetQueueAttributesRequest>(), Arg.Any<CancellationToken>())
            .Returns(new GetQueueAttributesResponse { Attributes = new() { ["ApproximateNumberOfMessages"] = "0" } });
        _sqs.GetQueueAttributesAsync(Arg.Any<string>(), Arg.Any<List<string>>(), Arg.Any<CancellationToken>())
            .Returns(new GetQueueAttributesResponse { Attributes = new() { ["QueueArn"] = SourceArn } });
        _sqs.StartMessageMoveTaskAsync(Arg.Any<StartMessageMoveTaskRequest>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new AmazonSQSException("Internal server error from the emulator") { StatusCode = HttpStatusCode.InternalServerError });
        Receive();

        await Queue().ReplayAsync(10, 10, TestContext.Current.CancellationToken);

        var line = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Message.Contains("message-move task", StringComparison.Ordinal)).Message;
        Assert.Equal("SQS could not start a message-move task (HTTP 500, Internal server error from the emulator); replaying with receive/send/delete", line);
    }

    private SqsDeadLetterQueue Queue() => new(
        _sqs,
        Options.Create(new AwsOptions { QueueUrl = QueueUrl, DeadLetterQueueUrl = DlqUrl }),
        TimeProvider.System,
        _logger);

    private void Receive(params Message[] messages) =>
        _sqs.ReceiveMessageAsync(Arg.Any<ReceiveMessageRequest>(), Arg.Any<CancellationToken>())
            .Returns(new ReceiveMessageResponse { Messages = [.. messages] }, new ReceiveMessageResponse { Messages = [] });

    private static Message Message(string id, int receiveCount, string? sourceArn, DateTimeOffset? sentAt = null)
    {
        var attributes = new Dictionary<string, string>
        {
            ["ApproximateReceiveCount"] = $"{receiveCount}",
            ["SentTimestamp"] = $"{(sentAt ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds()}",
        };
        if (sourceArn is not null)
        {
            attributes["DeadLetterQueueSourceArn"] = sourceArn;
        }

        return new Message
        {
            MessageId = id,
            ReceiptHandle = "receipt-" + id,
            Body = """{"detail":{"event_id":"0193a8f0-0000-7000-8000-000000000001","source":"web-01","event_type":"cpu_usage"}}""",
            Attributes = attributes,
        };
    }
}
