using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Cortex.IntegrationTests.Operations;

/// <summary>Puts EventBridge-shaped messages on a queue and reads queues back without leaving anything behind.</summary>
internal static class DeadLetterQueueSeeder
{
    public static string Body(int n, string eventId) =>
        $$$"""{"version":"0","id":"msg-{{{n}}}","detail-type":"cpu_usage","source":"cortex.producer.dlq-{{{n}}}","detail":{"event_id":"{{{eventId}}}","source":"dlq-{{{n}}}","event_type":"cpu_usage","data":{"n":{{{n}}}""" + "}}}";

    /// <summary>Sends <paramref name="count"/> messages; returns their bodies.</summary>
    public static async Task<List<string>> SeedAsync(IAmazonSQS sqs, string queueUrl, int count)
    {
        var bodies = Enumerable.Range(0, count).Select(i => Body(i, Guid.NewGuid().ToString())).ToList();
        foreach (var body in bodies)
        {
            await sqs.SendMessageAsync(queueUrl, body, TestContext.Current.CancellationToken);
        }

        return bodies;
    }

    public static async Task<long> CountAsync(IAmazonSQS sqs, string queueUrl)
    {
        var attributes = await sqs.GetQueueAttributesAsync(queueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], TestContext.Current.CancellationToken);
        return attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible;
    }

    /// <summary>Receives (and deletes) every visible message until one receive comes back empty.</summary>
    public static async Task<List<Message>> DrainAsync(IAmazonSQS sqs, string queueUrl)
    {
        var drained = new List<Message>();
        while (true)
        {
            var response = await sqs.ReceiveMessageAsync(
                new ReceiveMessageRequest
                {
                    QueueUrl = queueUrl,
                    MaxNumberOfMessages = 10,
                    WaitTimeSeconds = 0,
                    VisibilityTimeout = 60,
                    MessageSystemAttributeNames = ["ApproximateReceiveCount"],
                },
                TestContext.Current.CancellationToken);
            if (response.Messages is not { Count: > 0 } messages)
            {
                return drained;
            }

            drained.AddRange(messages);
            await sqs.DeleteMessageBatchAsync(
                queueUrl,
                [.. messages.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle))],
                TestContext.Current.CancellationToken);
        }
    }
}
