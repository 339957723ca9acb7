using Cortex.Api.Infrastructure.Aws;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cortex.IntegrationTests.Operations;

/// <summary>The SQS dead-letter adapter where the API cannot easily reach: a source queue that refuses.</summary>
public sealed class SqsDeadLetterQueueTests : IClassFixture<AwsResources>
{
    private readonly AwsResources _aws;

    public SqsDeadLetterQueueTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
    }

    [Fact]
    public async Task AReplayWhoseSendFailsStopsAndLeavesEveryMessageVisibleInTheDeadLetterQueue()
    {
        var options = _aws.Options;
        var bodies = await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, options.DeadLetterQueueUrl!, 3);
        options.QueueUrl = options.QueueUrl.TrimEnd('/') + "-missing";
        var queue = new SqsDeadLetterQueue(_aws.Sqs, Options.Create(options), TimeProvider.System, NullLogger<SqsDeadLetterQueue>.Instance);

        var result = await queue.ReplayAsync(maxMessages: 100, maxPerSecond: 100, TestContext.Current.CancellationToken);
        var left = await DeadLetterQueueSeeder.DrainAsync(_aws.Sqs, options.DeadLetterQueueUrl!);

        Assert.Equal(0, result.Moved);
        Assert.Equal(1, result.Failed);
        Assert.Equal("receive-send-delete", result.Method);
        Assert.Equal(bodies.Order(), left.Select(m => m.Body).Order());
    }
}
