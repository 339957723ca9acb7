using System.Text;
using Amazon.SQS.Model;
using Cortex.Api.Consumer;
using static Cortex.Tests.Consumer.ConsumerTestData;

namespace Cortex.Tests.Consumer;

public sealed class LambdaSqsEventTests
{
    [Fact]
    public void AnEventBuiltFromReceivedMessagesReadsBackAsTheSameRecords()
    {
        var messages = new[]
        {
            new Message
            {
                MessageId = "059f36b4-87a3-44ab-83d2-661975830a7d",
                ReceiptHandle = "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
                Body = Envelope(NewEvent()),
                Attributes = new Dictionary<string, string> { ["ApproximateReceiveCount"] = "2", ["SentTimestamp"] = "1545082649183" },
            },
            new Message { MessageId = "2e1424d4-f796-459a-8184-9c92662be6da", ReceiptHandle = "AQEBzWwaftRI0KuVm4tP", Body = "{}" },
        };

        var json = LambdaSqsEvents.Create(messages, QueueArn);
        var parsed = LambdaSqsEvent.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(parsed.Problem);
        Assert.False(parsed.FromFifoQueue);
        Assert.Equal(messages.Select(m => m.MessageId), parsed.Records.Select(r => r.MessageId));
        Assert.Equal(messages.Select(m => m.Body), parsed.Records.Select(r => r.Body));
        Assert.Equal(2, parsed.Records[0].ReceiveCount);
        Assert.Contains("\"eventSource\":\"aws:sqs\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"eventSourceARN\":\"{QueueArn}\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEventFromAFifoQueueIsRecognisedByItsArn()
    {
        var json = LambdaSqsEvents.Create([Record("{}")], FifoQueueArn);

        var parsed = LambdaSqsEvent.Parse(Encoding.UTF8.GetBytes(json));

        Assert.True(parsed.FromFifoQueue);
    }

    [Fact]
    public void TheBatchResponseHasTheShapeLambdaExpects()
    {
        var body = Encoding.UTF8.GetString(LambdaSqsEvent.BatchResponse(["a-1", "b-2", "a-1"]));

        Assert.Equal("""{"batchItemFailures":[{"itemIdentifier":"a-1"},{"itemIdentifier":"b-2"}]}""", body);
    }

    [Fact]
    public void AnEmptyBatchResponseIsStillAnObjectWithAnArray()
    {
        var body = Encoding.UTF8.GetString(LambdaSqsEvent.BatchResponse([]));

        Assert.Equal("""{"batchItemFailures":[]}""", body);
    }

    [Fact]
    public void MessageIdsAreRecoveredFromATruncatedBody()
    {
        var json = LambdaSqsEvents.Create([Record("{}", messageId: "id-one"), Record("{}", messageId: "id-two")], QueueArn);

        var parsed = LambdaSqsEvent.Parse(Encoding.UTF8.GetBytes(json[..(json.Length - 10)]));

        Assert.NotNull(parsed.Problem);
        Assert.Equal(["id-one", "id-two"], parsed.MessageIds);
    }

    [Fact]
    public void ARecordWithoutAMessageIdMakesTheEventUnreadableButKeepsTheOtherIds()
    {
        var parsed = LambdaSqsEvent.Parse("""{"Records":[{"messageId":"m-1","body":"{}"},{"body":"{}"}]}"""u8);

        Assert.NotNull(parsed.Problem);
        Assert.Equal(["m-1"], parsed.MessageIds);
    }
}
