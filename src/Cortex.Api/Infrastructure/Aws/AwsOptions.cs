using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>The AWS adapters (Cortex:Aws). Resource names match terraform/resources.json.</summary>
public sealed class AwsOptions
{
    public const string SectionName = "Cortex:Aws";

    /// <summary>The EventBridge bus that ingestion publishes to.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._\\-/:]{1,1600}$")]
    public string EventBusName { get; set; } = "cortex-events-bus";

    /// <summary>The SQS queue the to-sqs rule delivers to (consumed by the Lambda or the poller).</summary>
    [Required]
    public string QueueUrl { get; set; } = string.Empty;

    /// <summary>The queue's dead-letter queue, for operators.</summary>
    public string? DeadLetterQueueUrl { get; set; }

    /// <summary>The DynamoDB table of stored events.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.\\-]{3,255}$")]
    public string TableName { get; set; } = "cortex-events";

    /// <summary>
    /// How many time partitions spread the table's writes. Changing it for a table that holds data
    /// hides older items from queries until they expire: keep it equal to write_shards.
    /// </summary>
    [Range(1, 256)]
    public int WriteShards { get; set; } = 16;

    /// <summary>
    /// How many by-source partitions spread one source's writes. Keep it equal to source_shards of
    /// the table's data, as <see cref="WriteShards"/>.
    /// </summary>
    [Range(1, 64)]
    public int SourceShards { get; set; } = 4;

    /// <summary>Prefix of the EventBridge source of every published event; the rules match on it.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._\\-/]{1,64}$")]
    public string EventSourcePrefix { get; set; } = "cortex.producer.";

    /// <summary>
    /// The largest PutEvents entry (one pack of events) and call, counted as EventBridge counts it.
    /// EventBridge documents entries as less than 256 KB; raise it only where the bus and the queue
    /// (max_message_size) are known to take more.
    /// </summary>
    [Range(4096, 1_048_576)]
    public int MaxEntryBytes { get; set; } = DefaultMaxEntryBytes;

    /// <summary>EventBridge's documented PutEvents entry limit: less than 256 KB.</summary>
    public const int DefaultMaxEntryBytes = (256 * 1024) - 1;

    /// <summary>How long one publish may keep retrying throttled or failed entries before answering failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan PublishRetryBudget { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The first retry's backoff ceiling; it doubles per attempt (full jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan PublishRetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Timeout of one EventBridge HTTP call.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan EventBridgeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many PutItem calls one SaveAsync runs at once.</summary>
    [Range(1, 256)]
    public int MaxParallelWrites { get; set; } = 16;

    /// <summary>How many shard queries one listing runs at once.</summary>
    [Range(1, 256)]
    public int MaxParallelQueries { get; set; } = 16;
}
