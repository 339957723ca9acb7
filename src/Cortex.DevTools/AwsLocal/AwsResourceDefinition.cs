using System.Text.Json.Nodes;

namespace Cortex.DevTools.AwsLocal;

/// <summary>
/// The AWS resources of terraform/resources.json, the single definition that Terraform, the local
/// runner and the integration tests share. <see cref="WithSuffix"/> renames everything for test isolation.
/// </summary>
internal sealed record AwsResourceDefinition
{
    public const string RelativePath = "terraform/resources.json";

    public required string EventBus { get; init; }

    public required string EventSourcePrefix { get; init; }

    public required string ToSqsRuleName { get; init; }

    /// <summary>The to-sqs rule's event pattern, as JSON text.</summary>
    public required string ToSqsEventPattern { get; init; }

    public required string QueueName { get; init; }

    public required int QueueVisibilityTimeoutSeconds { get; init; }

    public required int QueueMessageRetentionSeconds { get; init; }

    public required int QueueReceiveWaitTimeSeconds { get; init; }

    public required string DeadLetterQueueName { get; init; }

    public required int MaxReceiveCount { get; init; }

    public required int DeadLetterQueueRetentionSeconds { get; init; }

    public required string ToSqsTargetDeadLetterQueueName { get; init; }

    public required string TableName { get; init; }

    public required string HashKey { get; init; }

    public required string RangeKey { get; init; }

    public required string TtlAttribute { get; init; }

    public required int WriteShards { get; init; }

    public required int SourceShards { get; init; }

    public required IReadOnlyDictionary<string, string> Attributes { get; init; }

    public required IReadOnlyList<IndexDefinition> Indexes { get; init; }

    public static AwsResourceDefinition Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        var toSqs = root["rules"]!["to_sqs"]!;
        var queue = root["queue"]!;
        var dlq = root["dead_letter_queue"]!;
        var table = root["table"]!;
        return new AwsResourceDefinition
        {
            EventBus = Text(root["event_bus"]),
            EventSourcePrefix = Text(root["event_source_prefix"]),
            ToSqsRuleName = Text(toSqs["name"]),
            ToSqsEventPattern = toSqs["event_pattern"]!.ToJsonString(),
            QueueName = Text(queue["name"]),
            QueueVisibilityTimeoutSeconds = queue["visibility_timeout_seconds"]!.GetValue<int>(),
            QueueMessageRetentionSeconds = queue["message_retention_seconds"]!.GetValue<int>(),
            QueueReceiveWaitTimeSeconds = queue["receive_wait_time_seconds"]!.GetValue<int>(),
            DeadLetterQueueName = Text(dlq["name"]),
            MaxReceiveCount = dlq["max_receive_count"]!.GetValue<int>(),
            DeadLetterQueueRetentionSeconds = dlq["message_retention_seconds"]!.GetValue<int>(),
            ToSqsTargetDeadLetterQueueName = Text(root["rule_target_dead_letter_queues"]!["to_sqs"]),
            TableName = Text(table["name"]),
            HashKey = Text(table["hash_key"]),
            RangeKey = Text(table["range_key"]),
            TtlAttribute = Text(table["ttl_attribute"]),
            WriteShards = table["write_shards"]!.GetValue<int>(),
            SourceShards = table["source_shards"]!.GetValue<int>(),
            Attributes = table["attributes"]!.AsObject().ToDictionary(p => p.Key, p => Text(p.Value), StringComparer.Ordinal),
            Indexes =
            [
                .. table["global_secondary_indexes"]!.AsArray().Select(i => new IndexDefinition(
                    Text(i!["name"]), Text(i["hash_key"]), Text(i["range_key"]), Text(i["projection"]),
                    [.. i["non_key_attributes"]?.AsArray().Select(Text) ?? []])),
            ],
        };
    }

    /// <summary>Finds terraform/resources.json above the working directory or the app's directory.</summary>
    public static string Locate()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"Could not find {RelativePath} above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}.");
    }

    /// <summary>The same resources with <paramref name="suffix"/> appended to every name.</summary>
    public AwsResourceDefinition WithSuffix(string suffix) => suffix.Length == 0 ? this : this with
    {
        EventBus = EventBus + suffix,
        ToSqsRuleName = ToSqsRuleName + suffix,
        QueueName = QueueName + suffix,
        DeadLetterQueueName = DeadLetterQueueName + suffix,
        ToSqsTargetDeadLetterQueueName = ToSqsTargetDeadLetterQueueName + suffix,
        TableName = TableName + suffix,
    };

    private static string Text(JsonNode? node) =>
        node?.GetValue<string>() ?? throw new InvalidDataException($"A required field of {RelativePath} is missing.");
}

internal sealed record IndexDefinition(string Name, string HashKey, string RangeKey, string Projection, IReadOnlyList<string> NonKeyAttributes);

/// <summary>What provisioning created: the names and addresses the app's configuration needs.</summary>
internal sealed record ProvisionedResources(
    AwsResourceDefinition Definition, string QueueUrl, string QueueArn, string DeadLetterQueueUrl, string TargetDeadLetterQueueUrl)
{
    /// <summary>The Cortex:Aws settings that point the app at these resources.</summary>
    public IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["Cortex:Aws:EventBusName"] = Definition.EventBus,
        ["Cortex:Aws:QueueUrl"] = QueueUrl,
        ["Cortex:Aws:DeadLetterQueueUrl"] = DeadLetterQueueUrl,
        ["Cortex:Aws:TableName"] = Definition.TableName,
        ["Cortex:Aws:WriteShards"] = Definition.WriteShards.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Cortex:Aws:SourceShards"] = Definition.SourceShards.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Cortex:Aws:EventSourcePrefix"] = Definition.EventSourcePrefix,
    };
}
