using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Events;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// The consumer queue's SQS dead-letter queue. Peek receives with a short visibility timeout
/// and releases the messages at once, so nothing is consumed. Replay uses SQS's message-move
/// task when the whole queue is to move and the service supports it, and otherwise a bounded
/// loop that deletes a message from the DLQ only after SendMessage to the source queue succeeded.
/// </summary>
internal sealed class SqsDeadLetterQueue(
    IAmazonSQS sqs, IOptions<AwsOptions> options, TimeProvider clock, ILogger<SqsDeadLetterQueue> logger) : IDeadLetterQueue
{
    private readonly AwsOptions _options = options.Value;

    public string Name => _options.DeadLetterQueueUrl?.TrimEnd('/').Split('/')[^1] ?? "(Cortex:Aws:DeadLetterQueueUrl not set)";

    private string QueueUrl => _options.DeadLetterQueueUrl
        ?? throw new InvalidOperationException("Cortex:Aws:DeadLetterQueueUrl is not set.");

    public async Task<long?> CountAsync(CancellationToken cancellationToken)
    {
        var attributes = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = QueueUrl,
            AttributeNames = ["ApproximateNumberOfMessages"],
        }, cancellationToken);
        return attributes.ApproximateNumberOfMessages;
    }

    public async Task<IReadOnlyList<DeadLetter>> PeekAsync(int limit, CancellationToken cancellationToken)
    {
        var received = new List<Message>();
        try
        {
            while (received.Count < limit)
            {
                var batch = await ReceiveAsync(Math.Min(10, limit - received.Count), visibilitySeconds: 30, cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }

                received.AddRange(batch.Where(m => received.All(r => r.MessageId != m.MessageId)));
            }
        }
        finally
        {
            // Make them visible again at once: a peek must not hold or consume anything.
            await ReleaseAsync(received);
        }

        return [.. received.Select(ToDeadLetter)];
    }

    public async Task<ReplayResult> ReplayAsync(int maxMessages, int maxPerSecond, CancellationToken cancellationToken)
    {
        var waiting = await CountAsync(cancellationToken) ?? long.MaxValue;
        if (maxMessages >= waiting && await TryStartMoveTaskAsync(maxPerSecond, cancellationToken))
        {
            return new ReplayResult((int)Math.Min(waiting, int.MaxValue), 0, "sqs-message-move-task");
        }

        int moved = 0, failed = 0, events = 0;
        using var pacer = new ReplayPacer(maxPerSecond, clock);
        while (moved + failed < maxMessages && failed == 0)
        {
            var batch = await ReceiveAsync(Math.Min(10, maxMessages - moved - failed), visibilitySeconds: 120, cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            // Whatever is not moved goes back at once, also when the replay stops early. A failed
            // send stops the replay: the source queue is refusing, and retrying the same messages
            // until max_messages would only count them again and again.
            var done = 0;
            try
            {
                foreach (var message in batch)
                {
                    await pacer.WaitAsync(cancellationToken);
                    if (!await MoveAsync(message, cancellationToken))
                    {
                        failed++;
                        break;
                    }

                    moved++;
                    done++;
                    events += ToDeadLetter(message).EventCount ?? 0;
                }
            }
            finally
            {
                await ReleaseAsync(batch[done..]);
            }
        }

        return new ReplayResult(moved, failed, "receive-send-delete", events);
    }

    public async Task<long> PurgeAsync(CancellationToken cancellationToken)
    {
        var count = await CountAsync(cancellationToken) ?? 0;
        await sqs.PurgeQueueAsync(new PurgeQueueRequest { QueueUrl = QueueUrl }, cancellationToken);
        return count;
    }

    private async Task<List<Message>> ReceiveAsync(int max, int visibilitySeconds, CancellationToken cancellationToken)
    {
        var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = QueueUrl,
            MaxNumberOfMessages = max,
            VisibilityTimeout = visibilitySeconds,
            WaitTimeSeconds = 0,
            MessageSystemAttributeNames = ["All"],
            MessageAttributeNames = ["All"],
        }, cancellationToken);
        return response.Messages ?? [];
    }

    /// <summary>Send to the source queue first; delete from the DLQ only after the send succeeded.</summary>
    private async Task<bool> MoveAsync(Message message, CancellationToken cancellationToken)
    {
        try
        {
            await sqs.SendMessageAsync(new SendMessageRequest
            {
                QueueUrl = _options.QueueUrl,
                MessageBody = message.Body,
                MessageAttributes = message.MessageAttributes is { Count: > 0 } attributes ? attributes : null,
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException)
        {
            logger.LogWarning(ex, "Replaying dead letter {MessageId} failed; it (all its events) and the rest stay in the dead-letter queue", message.MessageId);
            return false;
        }

        try
        {
            await sqs.DeleteMessageAsync(QueueUrl, message.ReceiptHandle, cancellationToken);
        }
        catch (AmazonSQSException ex)
        {
            // Sent but not deleted: it would be replayed again later. The consumer stores by
            // event_id, so a second delivery cannot duplicate the event; say so loudly anyway.
            logger.LogError(ex, "Dead letter {MessageId} was replayed but could not be deleted from the dead-letter queue", message.MessageId);
        }

        return true;
    }

    private async Task<bool> TryStartMoveTaskAsync(int maxPerSecond, CancellationToken cancellationToken)
    {
        try
        {
            var source = await sqs.GetQueueAttributesAsync(QueueUrl, ["QueueArn"], cancellationToken);
            var destination = await sqs.GetQueueAttributesAsync(_options.QueueUrl, ["QueueArn"], cancellationToken);
            await sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest
            {
                SourceArn = source.QueueARN,
                DestinationArn = destination.QueueARN,
                MaxNumberOfMessagesPerSecond = maxPerSecond,
            }, cancellationToken);
            return true;
        }
        catch (AmazonServiceException ex)
        {
            // Emulators (moto) do not implement message-move tasks; the loop does the same job.
            logger.LogInformation(
                ex, "SQS could not start a message-move task (HTTP {Status}, {Error}); replaying with receive/send/delete",
                (int)ex.StatusCode, MoveTaskError(ex));
            return false;
        }
    }

    private async Task ReleaseAsync(IReadOnlyList<Message> messages)
    {
        foreach (var chunk in messages.Chunk(10))
        {
            try
            {
                await sqs.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest
                {
                    QueueUrl = QueueUrl,
                    Entries = [.. chunk.Select((m, i) => new ChangeMessageVisibilityBatchRequestEntry
                    {
                        Id = i.ToString(CultureInfo.InvariantCulture),
                        ReceiptHandle = m.ReceiptHandle,
                        VisibilityTimeout = 0,
                    })],
                }, CancellationToken.None);
            }
            catch (AmazonSQSException ex)
            {
                logger.LogWarning(ex, "Could not release {Count} dead letters; they become visible when their timeout ends", chunk.Length);
            }
        }
    }

    private static DeadLetter ToDeadLetter(Message message)
    {
        string? eventId = null, source = null, eventType = null;
        int? eventCount = null;
        try
        {
            using var document = JsonDocument.Parse(message.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("detail", out var detail)
                && detail.ValueKind == JsonValueKind.Object)
            {
                // A pack lists its events; a detail without one is a single event (sent before packing).
                var first = detail;
                eventCount = 1;
                if (detail.TryGetProperty(EventPack.EventsProperty, out var events) && events.ValueKind == JsonValueKind.Array)
                {
                    eventCount = events.GetArrayLength();
                    first = eventCount > 0 ? events[0] : default;
                }

                if (first.ValueKind == JsonValueKind.Object)
                {
                    eventId = Text(first, "event_id");
                    source = Text(first, "source");
                    eventType = Text(first, "event_type");
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // A malformed body is a likely reason it is here: list it as it is.
        }

        var system = message.Attributes ?? [];
        int? receives = system.TryGetValue("ApproximateReceiveCount", out var count) && int.TryParse(count, CultureInfo.InvariantCulture, out var n) ? n : null;
        DateTimeOffset? sent = system.TryGetValue("SentTimestamp", out var ms) && long.TryParse(ms, CultureInfo.InvariantCulture, out var epoch)
            ? DateTimeOffset.FromUnixTimeMilliseconds(epoch)
            : null;
        // SQS does not record when it moved a message here: failed_at stays unknown.
        return new DeadLetter(message.MessageId, eventId, source, eventType, receives, null, Reason(message, receives), message.Body, sent, eventCount);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// EventBridge target DLQs carry ERROR_CODE/ERROR_MESSAGE. SQS marks a message it moved here after
    /// the consumer queue's maxReceiveCount with DeadLetterQueueSourceArn; without it, nothing says the
    /// consumer failed it (it may have been sent here directly, or by an emulator that omits it).
    /// </summary>
    private static string Reason(Message message, int? receives)
    {
        var attributes = message.MessageAttributes ?? [];
        if (attributes.TryGetValue("ERROR_CODE", out var code))
        {
            var text = attributes.TryGetValue("ERROR_MESSAGE", out var detail) ? detail.StringValue : null;
            return $"{code.StringValue}: {text}".TrimEnd(' ', ':');
        }

        // ApproximateReceiveCount keeps counting in the DLQ: every peek adds one, so it is not the
        // number of consumer failures (integration tests show it growing with each peek).
        var received = receives is null ? string.Empty : $"; received {receives} times in all, peeks included";
        return (message.Attributes ?? []).TryGetValue("DeadLetterQueueSourceArn", out var arn)
            ? $"The consumer failed it as often as the maxReceiveCount of {arn} allows{received}."
            : $"No DeadLetterQueueSourceArn, so not known to be a consumer failure: sent to this queue directly, or by an emulator that does not record the source queue{received}.";
    }

    /// <summary>The error code, else the message, of a failed StartMessageMoveTask (emulators answer 500 without a code).</summary>
    private static string MoveTaskError(AmazonServiceException ex) =>
        !string.IsNullOrEmpty(ex.ErrorCode) ? ex.ErrorCode
        : !string.IsNullOrWhiteSpace(ex.Message) ? ex.Message
        : "no error code or message";
}
