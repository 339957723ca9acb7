using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Consumer;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NSubstitute;

namespace Cortex.Tests.Consumer;

public sealed class ConsumerExtensionsTests
{
    private const string QueueUrl = "http://127.0.0.1:4566/000000000000/cortex-events-queue";

    [Fact]
    public void AnEnabledPollerWithoutAQueueUrlStopsTheAppFromStarting()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Aws:Poller:Enabled"] = "true" });

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Cortex:Aws:QueueUrl", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEnabledPollerRunsInTheHostAgainstTheConfiguredQueue()
    {
        var received = new TaskCompletionSource<ReceiveMessageRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sqs = Substitute.For<IAmazonSQS>();
        sqs.ReceiveMessageAsync(Arg.Any<ReceiveMessageRequest>(), Arg.Any<CancellationToken>())
            .Returns(call =>
            {
                received.TrySetResult(call.Arg<ReceiveMessageRequest>());
                return WaitForShutdownAsync(call.Arg<CancellationToken>());
            });
        using var application = new CortexApplication(new Dictionary<string, string?>
        {
            ["Cortex:Aws:Poller:Enabled"] = "true",
            ["Cortex:Aws:QueueUrl"] = QueueUrl,
            ["AWS:Region"] = "us-east-1",
        });
        using var app = application.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton(sqs)));
        _ = app.CreateClient();

        var request = await received.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(QueueUrl, request.QueueUrl);
        Assert.Contains(app.Services.GetServices<IHostedService>(), s => s is SqsQueuePoller);
    }

    private static async Task<ReceiveMessageResponse> WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return new ReceiveMessageResponse();
    }
}
