using System.Reflection;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Tests.Infrastructure.Aws;

/// <summary>Errors no emulator produces on demand, through a DynamoDB client that fails PutItem as told.</summary>
public sealed class DynamoDbTelemetryStoreTests
{
    [Fact]
    public async Task ConditionalCheckFailureIsADuplicate()
    {
        var store = CreateStore(new ConditionalCheckFailedException("exists"));

        var outcomes = await store.SaveAsync([Event()], TestContext.Current.CancellationToken);

        Assert.Equal([SaveOutcome.Duplicate], outcomes);
    }

    [Fact]
    public async Task ThrottlingPropagatesSoTheMessageIsRetried()
    {
        var store = CreateStore(new ProvisionedThroughputExceededException("slow down"));

        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(
            () => store.SaveAsync([Event()], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ServiceErrorsPropagate()
    {
        var store = CreateStore(new InternalServerErrorException("boom"));

        await Assert.ThrowsAsync<InternalServerErrorException>(
            () => store.SaveAsync([Event()], TestContext.Current.CancellationToken));
    }

    private static DynamoDbTelemetryStore CreateStore(Exception putItemError)
    {
        var dynamo = DispatchProxy.Create<IAmazonDynamoDB, FailingDynamo>();
        ((FailingDynamo)(object)dynamo).Error = putItemError;
        return new DynamoDbTelemetryStore(dynamo, Options.Create(new AwsOptions { QueueUrl = "q" }), TimeProvider.System);
    }

    private static TelemetryEvent Event() => new()
    {
        EventId = Uuid7.New(DateTimeOffset.FromUnixTimeMilliseconds(1_772_366_400_000)),
        Source = "s",
        EventType = "cpu_usage",
        Severity = "info",
        Timestamp = "2026-03-01T12:00:00.000Z",
        TimestampMs = 1_772_366_400_000,
        Data = "{}"u8.ToArray(),
        IngestedAt = "2026-03-01T12:00:00.000Z",
        RequestId = "r",
        SubmittedBy = "t",
        ExpiresAt = 1_800_000_000,
    };

    /// <summary>Every PutItemAsync fails with <see cref="Error"/>; any other call is a test bug.</summary>
    public class FailingDynamo : DispatchProxy
    {
        public Exception Error { get; set; } = new InvalidOperationException();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IAmazonDynamoDB.PutItemAsync)
                ? Task.FromException<PutItemResponse>(Error)
                : throw new NotSupportedException(targetMethod?.Name);
    }
}
