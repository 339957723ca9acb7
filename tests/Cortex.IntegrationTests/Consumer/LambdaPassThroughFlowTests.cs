namespace Cortex.IntegrationTests.Consumer;

/// <summary>
/// End to end through the Lambda pass-through endpoint, with the test playing the Lambda service:
/// receive from the queue, POST the SQS event, delete what was not reported as failed.
/// </summary>
public sealed class LambdaPassThroughFlowTests : IClassFixture<AwsResources>, IDisposable
{
    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;

    public LambdaPassThroughFlowTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    [Fact]
    public async Task EventsPostedSinglyAndInABatchAreStoredThroughThePassThroughEndpointAndReadBackWithExactNumbers()
    {
        using var factory = _app.WithLambda();
        var client = factory.CreateAuthorizedClient("agent-lambda");
        var source = "e2e-lambda-" + Guid.NewGuid().ToString("N")[..8];

        var ids = await RoundTrip.PostSingleAndBatchAsync(client, source);
        // The single event is a pack of one, the batch of two one pack: two messages.
        var messages = await _aws.ReceiveWithoutDeletingAsync(2);
        var invocation = await ConsumerHarness.InvokeLambdaAsync(client, _aws, messages);
        var left = await _aws.ReceiveWithoutDeletingAsync(1, within: TimeSpan.FromSeconds(2), visibilityTimeout: 0);

        Assert.Equal(2, messages.Count);
        Assert.Empty(invocation.Failed);
        Assert.Empty(left);
        await RoundTrip.AssertStoredAsync(client, source, ids);
    }

    public void Dispose() => _app.Dispose();
}
