using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Infrastructure.Aws;

namespace Cortex.DevTools.AwsLocal;

/// <summary>
/// Creates the resources of <see cref="AwsResourceDefinition"/> against an emulator (moto or
/// LocalStack): the queue with its redrive policy and DLQ, the bus, the to-sqs rule and its target
/// (with the target's own DLQ), the queue policies that let EventBridge deliver, and the table with
/// its indexes and TTL. Terraform does the same in AWS; the Firehose path is not emulated.
/// </summary>
internal sealed class AwsProvisioner(IAmazonDynamoDB dynamo, IAmazonSQS sqs, EventBridgeClient events)
{
    private const string TargetId = "cortex-queue";

    public async Task<ProvisionedResources> ProvisionAsync(AwsResourceDefinition definition, CancellationToken cancellationToken)
    {
        var dlqUrl = await CreateQueueAsync(definition.DeadLetterQueueName, new()
        {
            ["MessageRetentionPeriod"] = Invariant(definition.DeadLetterQueueRetentionSeconds),
        }, cancellationToken);
        var dlqArn = await QueueArnAsync(dlqUrl, cancellationToken);
        var targetDlqUrl = await CreateQueueAsync(definition.ToSqsTargetDeadLetterQueueName, new()
        {
            ["MessageRetentionPeriod"] = Invariant(definition.DeadLetterQueueRetentionSeconds),
        }, cancellationToken);
        var targetDlqArn = await QueueArnAsync(targetDlqUrl, cancellationToken);
        var redrive = new JsonObject { ["deadLetterTargetArn"] = dlqArn, ["maxReceiveCount"] = Invariant(definition.MaxReceiveCount) };
        var queueUrl = await CreateQueueAsync(definition.QueueName, new()
        {
            ["VisibilityTimeout"] = Invariant(definition.QueueVisibilityTimeoutSeconds),
            ["MessageRetentionPeriod"] = Invariant(definition.QueueMessageRetentionSeconds),
            ["ReceiveMessageWaitTimeSeconds"] = Invariant(definition.QueueReceiveWaitTimeSeconds),
            ["RedrivePolicy"] = redrive.ToJsonString(),
        }, cancellationToken);
        var queueArn = await QueueArnAsync(queueUrl, cancellationToken);

        await IgnoreAsync("ResourceAlreadyExistsException", () => events.CallAsync("CreateEventBus", new { Name = definition.EventBus }, cancellationToken));
        string ruleArn;
        using (var rule = await events.CallAsync(
            "PutRule",
            new { Name = definition.ToSqsRuleName, EventBusName = definition.EventBus, EventPattern = definition.ToSqsEventPattern, State = "ENABLED" },
            cancellationToken))
        {
            ruleArn = rule.RootElement.GetProperty("RuleArn").GetString()!;
        }

        using (var targets = await events.CallAsync(
            "PutTargets",
            new
            {
                Rule = definition.ToSqsRuleName,
                EventBusName = definition.EventBus,
                Targets = new[] { new { Id = TargetId, Arn = queueArn, DeadLetterConfig = new { Arn = targetDlqArn } } },
            },
            cancellationToken))
        {
            if (targets.RootElement.TryGetProperty("FailedEntryCount", out var failed) && failed.GetInt32() > 0)
            {
                throw new InvalidOperationException($"PutTargets failed: {targets.RootElement.GetRawText()}");
            }
        }

        // As in AWS, EventBridge may send to the queues only from this rule.
        await AllowEventBridgeAsync(queueUrl, queueArn, ruleArn, cancellationToken);
        await AllowEventBridgeAsync(targetDlqUrl, targetDlqArn, ruleArn, cancellationToken);

        await CreateTableAsync(definition, cancellationToken);
        return new ProvisionedResources(definition, queueUrl, queueArn, dlqUrl, targetDlqUrl);
    }

    /// <summary>Deletes what <see cref="ProvisionAsync"/> created; missing resources are ignored.</summary>
    public async Task DeleteAsync(AwsResourceDefinition definition, CancellationToken cancellationToken)
    {
        await IgnoreAsync("ResourceNotFoundException", () => events.CallAsync(
            "RemoveTargets", new { Rule = definition.ToSqsRuleName, EventBusName = definition.EventBus, Ids = new[] { TargetId } }, cancellationToken));
        await IgnoreAsync("ResourceNotFoundException", () => events.CallAsync(
            "DeleteRule", new { Name = definition.ToSqsRuleName, EventBusName = definition.EventBus }, cancellationToken));
        await IgnoreAsync("ResourceNotFoundException", () => events.CallAsync("DeleteEventBus", new { Name = definition.EventBus }, cancellationToken));
        foreach (var name in new[] { definition.QueueName, definition.DeadLetterQueueName, definition.ToSqsTargetDeadLetterQueueName })
        {
            try
            {
                var url = await sqs.GetQueueUrlAsync(name, cancellationToken);
                await sqs.DeleteQueueAsync(url.QueueUrl, cancellationToken);
            }
            catch (QueueDoesNotExistException)
            {
            }
        }

        try
        {
            await dynamo.DeleteTableAsync(definition.TableName, cancellationToken);
        }
        catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
        {
        }
    }

    private async Task<string> CreateQueueAsync(string name, Dictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        var response = await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes }, cancellationToken);
        return response.QueueUrl;
    }

    private async Task<string> QueueArnAsync(string queueUrl, CancellationToken cancellationToken)
    {
        var response = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queueUrl, AttributeNames = ["QueueArn"] }, cancellationToken);
        return response.QueueARN;
    }

    private async Task AllowEventBridgeAsync(string queueUrl, string queueArn, string ruleArn, CancellationToken cancellationToken)
    {
        var policy = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject
            {
                ["Sid"] = "AllowCortexRule",
                ["Effect"] = "Allow",
                ["Principal"] = new JsonObject { ["Service"] = "events.amazonaws.com" },
                ["Action"] = "sqs:SendMessage",
                ["Resource"] = queueArn,
                ["Condition"] = new JsonObject { ["ArnEquals"] = new JsonObject { ["aws:SourceArn"] = ruleArn } },
            }),
        };
        await sqs.SetQueueAttributesAsync(
            new SetQueueAttributesRequest { QueueUrl = queueUrl, Attributes = new() { ["Policy"] = policy.ToJsonString() } },
            cancellationToken);
    }

    private async Task CreateTableAsync(AwsResourceDefinition definition, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = definition.TableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    KeySchema = [new KeySchemaElement(definition.HashKey, KeyType.HASH), new KeySchemaElement(definition.RangeKey, KeyType.RANGE)],
                    AttributeDefinitions = [.. definition.Attributes.Select(a => new AttributeDefinition(a.Key, new ScalarAttributeType(a.Value)))],
                    GlobalSecondaryIndexes =
                    [
                        .. definition.Indexes.Select(i => new GlobalSecondaryIndex
                        {
                            IndexName = i.Name,
                            KeySchema = [new KeySchemaElement(i.HashKey, KeyType.HASH), new KeySchemaElement(i.RangeKey, KeyType.RANGE)],
                            Projection = new Projection
                            {
                                ProjectionType = new ProjectionType(i.Projection),
                                NonKeyAttributes = i.NonKeyAttributes.Count > 0 ? [.. i.NonKeyAttributes] : null,
                            },
                        }),
                    ],
                },
                cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // Already there (a second run against the same emulator).
        }

        for (var attempt = 0; ; attempt++)
        {
            var table = await dynamo.DescribeTableAsync(definition.TableName, cancellationToken);
            if (table.Table.TableStatus == TableStatus.ACTIVE)
            {
                break;
            }

            if (attempt == 300)
            {
                throw new TimeoutException($"Table {definition.TableName} did not become ACTIVE.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        var ttl = await dynamo.DescribeTimeToLiveAsync(definition.TableName, cancellationToken);
        if (ttl.TimeToLiveDescription?.TimeToLiveStatus == TimeToLiveStatus.ENABLED)
        {
            return;
        }

        await dynamo.UpdateTimeToLiveAsync(
            new UpdateTimeToLiveRequest
            {
                TableName = definition.TableName,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = definition.TtlAttribute, Enabled = true },
            },
            cancellationToken);
    }

    private static async Task IgnoreAsync(string errorType, Func<Task<JsonDocument>> call)
    {
        try
        {
            using var _ = await call();
        }
        catch (EventBridgeException ex) when (ex.ErrorType == errorType)
        {
        }
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
