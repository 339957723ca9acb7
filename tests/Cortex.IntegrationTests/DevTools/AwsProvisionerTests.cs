using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.SQS.Model;
using Cortex.Api.Infrastructure.Aws;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.IntegrationTests.DevTools;

/// <summary>What the provisioner created matches terraform/resources.json.</summary>
public sealed class AwsProvisionerTests : IClassFixture<AwsResources>
{
    private readonly AwsResources _aws;

    public AwsProvisionerTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
    }

    [Fact]
    public async Task TableHasTheKeySchemaIndexesAndTtlOfTheDefinition()
    {
        var definition = _aws.Definition;

        var table = (await _aws.Dynamo.DescribeTableAsync(definition.TableName, TestContext.Current.CancellationToken)).Table;
        var ttl = await _aws.Dynamo.DescribeTimeToLiveAsync(definition.TableName, TestContext.Current.CancellationToken);

        Assert.Equal(
            [$"{definition.HashKey}:HASH", $"{definition.RangeKey}:RANGE"],
            table.KeySchema.Select(k => $"{k.AttributeName}:{k.KeyType}"));
        Assert.Equal(
            definition.Indexes.Select(i => $"{i.Name}:{i.HashKey}/{i.RangeKey}:{i.Projection}:{string.Join(',', i.NonKeyAttributes.Order())}").Order(),
            table.GlobalSecondaryIndexes.Select(i =>
                $"{i.IndexName}:{i.KeySchema[0].AttributeName}/{i.KeySchema[1].AttributeName}:{i.Projection.ProjectionType}:{string.Join(',', (i.Projection.NonKeyAttributes ?? []).Order())}").Order());
        Assert.Equal(TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
        Assert.Equal("ttl", ttl.TimeToLiveDescription.AttributeName);
        Assert.Equal(new AwsOptions().WriteShards, definition.WriteShards);
        Assert.Equal(new AwsOptions().SourceShards, definition.SourceShards);
    }

    [Fact]
    public async Task QueueRedrivesToTheDeadLetterQueueAfterTheConfiguredReceives()
    {
        var attributes = await _aws.Sqs.GetQueueAttributesAsync(
            new GetQueueAttributesRequest { QueueUrl = _aws.QueueUrl, AttributeNames = ["All"] },
            TestContext.Current.CancellationToken);
        var dlq = await _aws.Sqs.GetQueueAttributesAsync(
            new GetQueueAttributesRequest { QueueUrl = _aws.Provisioned.DeadLetterQueueUrl, AttributeNames = ["QueueArn"] },
            TestContext.Current.CancellationToken);

        var redrive = JsonDocument.Parse(attributes.Attributes["RedrivePolicy"]).RootElement;
        Assert.Equal(dlq.QueueARN, redrive.GetProperty("deadLetterTargetArn").GetString());
        Assert.Equal("3", redrive.GetProperty("maxReceiveCount").ToString());
        Assert.Equal("180", attributes.Attributes["VisibilityTimeout"]);
    }

    [Fact]
    public async Task MessageReceivedThreeTimesWithoutDeleteMovesToTheDeadLetterQueue()
    {
        var ct = TestContext.Current.CancellationToken;
        await _aws.Sqs.SendMessageAsync(_aws.QueueUrl, "{\"poison\":true}", ct);

        for (var receive = 0; receive < 3; receive++)
        {
            var received = await _aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = _aws.QueueUrl, WaitTimeSeconds = 5 }, ct);
            var message = Assert.Single(received.Messages);
            await _aws.Sqs.ChangeMessageVisibilityAsync(_aws.QueueUrl, message.ReceiptHandle, 0, ct);
        }

        var fourth = await _aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = _aws.QueueUrl, WaitTimeSeconds = 1 }, ct);
        var dead = await _aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = _aws.Provisioned.DeadLetterQueueUrl, WaitTimeSeconds = 5 }, ct);

        Assert.Empty(fourth.Messages ?? []);
        Assert.Equal("{\"poison\":true}", Assert.Single(dead.Messages).Body);
    }

    [Fact]
    public async Task RuleOnTheBusHasThePatternOfTheDefinitionAndTargetsTheQueue()
    {
        var events = _aws.Services.GetRequiredService<EventBridgeClient>();
        var definition = _aws.Definition;

        using var rule = await events.CallAsync("DescribeRule", new { Name = definition.ToSqsRuleName, EventBusName = definition.EventBus }, TestContext.Current.CancellationToken);
        using var targets = await events.CallAsync("ListTargetsByRule", new { Rule = definition.ToSqsRuleName, EventBusName = definition.EventBus }, TestContext.Current.CancellationToken);

        var pattern = JsonDocument.Parse(rule.RootElement.GetProperty("EventPattern").GetString()!).RootElement;
        Assert.Equal(definition.EventSourcePrefix, pattern.GetProperty("source")[0].GetProperty("prefix").GetString());
        Assert.Equal(new AwsOptions().EventSourcePrefix, definition.EventSourcePrefix);
        Assert.Equal(_aws.Provisioned.QueueArn, Assert.Single(targets.RootElement.GetProperty("Targets").EnumerateArray()).GetProperty("Arn").GetString());
    }
}
