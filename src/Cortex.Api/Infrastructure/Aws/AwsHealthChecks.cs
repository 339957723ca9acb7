using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>Readiness: the events table exists and is ACTIVE.</summary>
internal sealed class DynamoDbTableHealthCheck(DynamoDbTelemetryStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckTableAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The DynamoDB table is not usable.", ex);
        }
    }
}

/// <summary>Readiness: the events queue answers.</summary>
internal sealed class SqsQueueHealthCheck(IAmazonSQS sqs, IOptions<AwsOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await sqs.GetQueueAttributesAsync(
                new GetQueueAttributesRequest { QueueUrl = options.Value.QueueUrl, AttributeNames = ["QueueArn"] },
                cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The SQS queue is not reachable.", ex);
        }
    }
}

/// <summary>
/// Readiness: the event bus exists. PutEvents to a missing bus answers 200 and drops the event,
/// so without this check the API would acknowledge events that go nowhere.
/// </summary>
internal sealed class EventBusHealthCheck(EventBridgeClient client, IOptions<AwsOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var bus = await client.CallAsync("DescribeEventBus", new { Name = options.Value.EventBusName }, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The EventBridge bus is not reachable.", ex);
        }
    }
}
