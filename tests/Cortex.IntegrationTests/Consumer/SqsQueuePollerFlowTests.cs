namespace Cortex.IntegrationTests.Consumer;

/// <summary>End to end through the in-process poller: HTTP -> EventBridge -> SQS -> poller -> DynamoDB -> HTTP.</summary>
public sealed class SqsQueuePollerFlowTests : IClassFixture<AwsResources>, IDisposable
{
    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;

    public SqsQueuePollerFlowTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    [Fact]
    public async Task EventsPostedSinglyAndInABatchAreStoredByThePollerAndReadBackWithExactNumbers()
    {
        using var factory = _app.WithPoller();
        var client = factory.CreateAuthorizedClient("agent-poller");
        var source = "e2e-poller-" + Guid.NewGuid().ToString("N")[..8];

        var ids = await RoundTrip.PostSingleAndBatchAsync(client, source);

        await RoundTrip.AssertStoredAsync(client, source, ids);
        foreach (var id in ids)
        {
            Assert.Equal(1, await _aws.CountItemsAsync(id));
        }
    }

    public void Dispose() => _app.Dispose();
}
