namespace Cortex.IntegrationTests.Consumer;

/// <summary>
/// The poller and a poison message, on a queue of its own: when a host stops, a long poll it
/// had in flight still completes on the emulator's side and hides whatever message it caught
/// for the poller's visibility timeout, so this test must not share a queue with others.
/// </summary>
public sealed class PollerPoisonMessageTests : IClassFixture<AwsResources>, IDisposable
{
    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;

    public PollerPoisonMessageTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThePollerLeavesAPoisonMessageAloneUntilSqsMovesItToTheDeadLetterQueue()
    {
        // The shortest visibility timeout the poller accepts, so the three receives take seconds.
        using var factory = _app.WithPoller(visibilityTimeoutSeconds: 5);
        var poison = """{"poison":"e2e-poller"}""";
        _ = factory.Services; // starts the host and its poller

        await _aws.Sqs.SendMessageAsync(_aws.QueueUrl, poison, Cancellation);
        var dead = await _aws.ReceiveWithoutDeletingAsync(1, _aws.Provisioned.DeadLetterQueueUrl, within: TimeSpan.FromSeconds(60));

        Assert.Equal(poison, Assert.Single(dead).Body);
        await _aws.Sqs.DeleteMessageAsync(_aws.Provisioned.DeadLetterQueueUrl, dead[0].ReceiptHandle, Cancellation);
    }

    public void Dispose() => _app.Dispose();
}
