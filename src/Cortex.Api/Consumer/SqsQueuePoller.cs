using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Events;
using Cortex.Api.Observability;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Cortex.Api.Consumer;

/// <summary>
/// The in-process consumer for emulators and container deployments: long-polls the queue, runs the
/// same handler as the Lambda endpoint and deletes only the messages it stored (or found already
/// stored). Failures are left alone, so they come back when their visibility timeout ends and, after
/// the queue's maxReceiveCount, move to the dead-letter queue. SQS errors back off; they never stop the host.
/// </summary>
internal sealed class SqsQueuePoller(
    IAmazonSQS sqs,
    SqsBatchHandler handler,
    IOptions<SqsPollerOptions> options,
    TimeProvider clock,
    ILogger<SqsQueuePoller> logger) : BackgroundService
{
    // Deletes run after shutdown has begun too: work already stored should not be redone.
    private static readonly TimeSpan DeleteTimeout = TimeSpan.FromSeconds(10);

    private readonly SqsPollerOptions _options = options.Value;
    private readonly ResiliencePipeline _backoff = CreateBackoff(options.Value, clock, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Polling {QueueUrl} for events", _options.QueueUrl);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _backoff.ExecuteAsync(async ct => await PollOnceAsync(ct), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        logger.LogInformation("Stopped polling {QueueUrl}", _options.QueueUrl);
    }

    /// <summary>
    /// Retries a failed round for as long as the host runs: exponential backoff with jitter from
    /// InitialBackoff up to MaxBackoff, starting again from InitialBackoff after a round succeeds.
    /// </summary>
    private static ResiliencePipeline CreateBackoff(SqsPollerOptions options, TimeProvider clock, ILogger logger) =>
        new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Randomizer = SnapshotSafeRandom.NextDouble,
                Delay = options.InitialBackoff,
                MaxDelay = options.MaxBackoff,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && !(ex is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
                OnRetry = args =>
                {
                    logger.LogError(args.Outcome.Exception, "Polling {QueueUrl} failed; trying again in {Delay}", options.QueueUrl, args.RetryDelay);
                    return default;
                },
            })
            .Build();

    /// <summary>
    /// One round: receive up to MaxMessages, handle them, delete the successes. SQS errors on receive
    /// propagate (the loop backs off); a failed delete is logged, since the message only comes back
    /// and is found to be a duplicate.
    /// </summary>
    public async Task<SqsPollResult> PollOnceAsync(CancellationToken cancellationToken)
    {
        ReceiveMessageResponse response;
        using (var activity = CortexDiagnostics.StartAwsClientSpan("SQS", "ReceiveMessage"))
        {
            try
            {
                response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = _options.QueueUrl,
                    MaxNumberOfMessages = _options.MaxMessages,
                    WaitTimeSeconds = _options.WaitTimeSeconds,
                    VisibilityTimeout = _options.VisibilityTimeoutSeconds,
                    MessageSystemAttributeNames = [SqsRecord.ReceiveCountAttribute],
                }, cancellationToken);
                activity?.SetTag("messaging.batch.message_count", response.Messages?.Count ?? 0);
            }
            catch (Exception ex)
            {
                activity.RecordFailure(ex);
                throw;
            }
        }

        // The visibility timeout runs from SQS's answer; the safety margin covers the trip back.
        var receivedAt = clock.GetUtcNow();
        var messages = response.Messages ?? [];
        if (messages.Count == 0)
        {
            return SqsPollResult.Nothing;
        }

        var batch = new SqsBatch(
            [.. messages.Select(ToRecord)],
            SqsBatch.IsFifoQueue(_options.QueueUrl),
            receivedAt + TimeSpan.FromSeconds(_options.VisibilityTimeoutSeconds));
        SqsBatchResult result;
        try
        {
            result = await handler.HandleAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Handling {Count} messages failed as a whole; none is deleted", messages.Count);
            return new SqsPollResult(messages.Count, 0, null);
        }

        var failed = result.FailedMessageIds.ToHashSet(StringComparer.Ordinal);
        var succeeded = messages.Where(m => !failed.Contains(m.MessageId)).ToList();
        var deleted = await DeleteAsync(succeeded);
        return new SqsPollResult(messages.Count, deleted, result);
    }

    private async Task<int> DeleteAsync(List<Message> messages)
    {
        var deleted = 0;
        foreach (var chunk in messages.Chunk(10))
        {
            using var timeout = new CancellationTokenSource(DeleteTimeout, clock);
            var request = new DeleteMessageBatchRequest
            {
                QueueUrl = _options.QueueUrl,
                Entries = [.. chunk.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), m.ReceiptHandle))],
            };
            using var activity = CortexDiagnostics.StartAwsClientSpan("SQS", "DeleteMessageBatch");
            try
            {
                var response = await sqs.DeleteMessageBatchAsync(request, timeout.Token);
                deleted += response.Successful?.Count ?? 0;
                if (response.Failed is { Count: > 0 })
                {
                    activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, $"{response.Failed.Count} entries failed");
                }

                foreach (var failure in response.Failed ?? [])
                {
                    var message = int.TryParse(failure.Id, out var index) && index < chunk.Length ? chunk[index].MessageId : failure.Id;
                    logger.LogWarning(
                        "Deleting stored message {MessageId} failed ({Code}: {Reason}); it will be delivered again and found to be a duplicate",
                        message, failure.Code, failure.Message);
                }
            }
            catch (Exception ex)
            {
                activity.RecordFailure(ex);
                logger.LogWarning(ex,
                    "Deleting {Count} stored messages failed; they will be delivered again and found to be duplicates", chunk.Length);
            }
        }

        return deleted;
    }

    private static SqsRecord ToRecord(Message message) =>
        new(message.MessageId, message.Body, message.Attributes ?? new Dictionary<string, string>());
}

/// <summary>One polling round: how many messages came, how many were deleted, and the handler's result.</summary>
public sealed record SqsPollResult(int Received, int Deleted, SqsBatchResult? Batch)
{
    public static readonly SqsPollResult Nothing = new(0, 0, null);
}
