using System.Net;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS.Model;
using Cortex.Api.Consumer;
using Cortex.Api.Ports;
using Cortex.Tests.Consumer;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cortex.IntegrationTests.Consumer;

/// <summary>
/// Failures on the consumer path against the emulator: transient store errors, redelivery,
/// duplicates, poison messages and throttling, through both entry points.
/// </summary>
public sealed class ConsumerFaultTests : IClassFixture<AwsResources>, IDisposable
{
    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;

    public ConsumerFaultTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARecordThatFailsOnceIsReportedAloneAndStoredExactlyOnceOnRedelivery()
    {
        using var factory = _app.WithLambda(inner => new FaultyStore(inner, () => new InvalidOperationException("transient (test double)")));
        var client = factory.CreateAuthorizedClient("agent-fault-once");
        var store = (FaultyStore)factory.Services.GetRequiredService<ITelemetryStore>();
        var source = Source("once");
        var ids = await PostAsync(client, source, 2);
        var messages = await _aws.ReceiveWithoutDeletingAsync(2);
        var failing = messages.Single(m => EventId(m) == ids[0]);
        store.FailFor(Guid.Parse(ids[0]), times: 1);

        var first = await ConsumerHarness.InvokeLambdaAsync(client, _aws, messages);
        await _aws.Sqs.ChangeMessageVisibilityAsync(_aws.QueueUrl, failing.ReceiptHandle, 0, Cancellation); // its visibility timeout ends
        var redelivered = await _aws.ReceiveWithoutDeletingAsync(1);
        var second = await ConsumerHarness.InvokeLambdaAsync(client, _aws, redelivered);
        var left = await _aws.ReceiveWithoutDeletingAsync(1, within: TimeSpan.FromSeconds(2), visibilityTimeout: 0);

        Assert.Equal([failing.MessageId], first.Failed);
        Assert.Equal(failing.MessageId, Assert.Single(redelivered).MessageId);
        Assert.Equal("2", redelivered[0].Attributes[SqsRecord.ReceiveCountAttribute]);
        Assert.Empty(second.Failed);
        Assert.Empty(left);
        Assert.Equal(1, await _aws.CountItemsAsync(ids[0]));
        Assert.Equal(1, await _aws.CountItemsAsync(ids[1]));
        await RoundTrip.AssertStoredAsync(client, source, ids);
    }

    [Fact]
    public async Task TheSameMessageDeliveredTwiceIsStoredOnceAndBothDeliveriesSucceed()
    {
        using var factory = _app.WithLambda(inner => new FaultyStore(inner, () => new InvalidOperationException("unused")));
        var client = factory.CreateAuthorizedClient("agent-duplicate");
        var store = (FaultyStore)factory.Services.GetRequiredService<ITelemetryStore>();
        var source = Source("duplicate");
        var ids = await PostAsync(client, source, 1);
        var message = Assert.Single(await _aws.ReceiveWithoutDeletingAsync(1));
        var body = LambdaSqsEvents.Create([message], _aws.Provisioned.QueueArn);

        var first = await ConsumerHarness.PostPassThroughAsync(client, body);
        var firstRead = await client.GetStringAsync($"/events/{ids[0]}", Cancellation);
        var second = await ConsumerHarness.PostPassThroughAsync(client, body);

        Assert.Empty(ConsumerHarness.ReadFailures(await first.Content.ReadAsStringAsync(Cancellation)));
        Assert.Empty(ConsumerHarness.ReadFailures(await second.Content.ReadAsStringAsync(Cancellation)));
        Assert.Equal(2, store.Saves);
        Assert.Equal(1, await _aws.CountItemsAsync(ids[0]));
        Assert.Equal(firstRead, await client.GetStringAsync($"/events/{ids[0]}", Cancellation));
        await _aws.Sqs.DeleteMessageAsync(_aws.QueueUrl, message.ReceiptHandle, Cancellation);
    }

    [Fact]
    public async Task APoisonMessageIsReportedFailedOnEveryReceiveAndReachesTheDeadLetterQueueAfterThree()
    {
        using var factory = _app.WithLambda();
        var client = factory.CreateAuthorizedClient("agent-poison");
        var poison = """{"detail":{"event_id":"not-a-uuid"},"poison":"e2e-lambda"}""";
        var sent = await _aws.Sqs.SendMessageAsync(_aws.QueueUrl, poison, Cancellation);

        var failures = new List<HashSet<string>>();
        for (var receive = 1; receive <= 3; receive++)
        {
            // Visible again at once, as if each receive's visibility timeout had run out.
            var messages = await _aws.ReceiveWithoutDeletingAsync(1, visibilityTimeout: 0);
            Assert.Equal(receive.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(messages).Attributes[SqsRecord.ReceiveCountAttribute]);
            failures.Add((await ConsumerHarness.InvokeLambdaAsync(client, _aws, messages)).Failed);
        }

        var fourth = await _aws.ReceiveWithoutDeletingAsync(1, within: TimeSpan.FromSeconds(2));
        var dead = await _aws.ReceiveWithoutDeletingAsync(1, _aws.Provisioned.DeadLetterQueueUrl);

        Assert.All(failures, f => Assert.Equal([sent.MessageId], f));
        Assert.Empty(fourth);
        Assert.Equal(poison, Assert.Single(dead).Body);
        await _aws.Sqs.DeleteMessageAsync(_aws.Provisioned.DeadLetterQueueUrl, dead[0].ReceiptHandle, Cancellation);
    }

    [Fact]
    public async Task ThrottlingIsABatchItemFailureOnThePassThroughEndpointAndTheMessageStaysQueued()
    {
        using var factory = _app.WithLambda(inner => new FaultyStore(inner, () => new ProvisionedThroughputExceededException("Rate of requests exceeds the allowed throughput (test double).")));
        var client = factory.CreateAuthorizedClient("agent-throttled");
        var store = (FaultyStore)factory.Services.GetRequiredService<ITelemetryStore>();
        var ids = await PostAsync(client, Source("throttle-lambda"), 2);
        var messages = await _aws.ReceiveWithoutDeletingAsync(2);
        var throttled = messages.Single(m => EventId(m) == ids[1]);
        store.FailFor(Guid.Parse(ids[1]), times: 1);

        var invocation = await ConsumerHarness.InvokeLambdaAsync(client, _aws, messages);
        await _aws.Sqs.ChangeMessageVisibilityAsync(_aws.QueueUrl, throttled.ReceiptHandle, 0, Cancellation);
        var stillQueued = await _aws.ReceiveWithoutDeletingAsync(1);

        Assert.Equal([throttled.MessageId], invocation.Failed);
        Assert.Equal(throttled.MessageId, Assert.Single(stillQueued).MessageId);
        Assert.Equal(0, await _aws.CountItemsAsync(ids[1]));
        Assert.Equal(1, await _aws.CountItemsAsync(ids[0]));
        await ConsumerHarness.InvokeLambdaAsync(client, _aws, stillQueued);
    }

    [Fact]
    public async Task ThePollerDoesNotDeleteAThrottledMessageAndStoresItOnTheNextReceive()
    {
        using var factory = _app.WithLambda(inner => new FaultyStore(inner, () => new ProvisionedThroughputExceededException("Rate of requests exceeds the allowed throughput (test double).")));
        var client = factory.CreateAuthorizedClient("agent-throttled-poller");
        var store = (FaultyStore)factory.Services.GetRequiredService<ITelemetryStore>();
        var poller = ActivatorUtilities.CreateInstance<SqsQueuePoller>(factory.Services, _aws.Sqs, Options.Create(new SqsPollerOptions
        {
            QueueUrl = _aws.QueueUrl,
            WaitTimeSeconds = 1,
            VisibilityTimeoutSeconds = 5,
        }));
        var ids = await PostAsync(client, Source("throttle-poller"), 1);
        store.FailFor(Guid.Parse(ids[0]), times: 1);

        var first = await PollUntilReceivedAsync(poller);
        var second = await PollUntilReceivedAsync(poller); // after the 5 s visibility timeout

        Assert.Equal((1, 0, 1), (first.Received, first.Deleted, first.Batch!.StoreFailures));
        Assert.Equal((1, 1, 1), (second.Received, second.Deleted, second.Batch!.Stored));
        Assert.Equal(1, await _aws.CountItemsAsync(ids[0]));
    }

    [Fact]
    public async Task WhenTheHandlerFailsAsAWholeThePassThroughEndpointReportsEveryMessageAsFailedInJson()
    {
        var clock = new FailingClock();
        using var factory = _app.WithLambda().WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)));
        var client = factory.CreateAuthorizedClient("agent-handler-fails");
        var ids = await PostAsync(client, Source("handler"), 2);
        var messages = await _aws.ReceiveWithoutDeletingAsync(2);
        clock.Fail = true;

        var response = await ConsumerHarness.PostPassThroughAsync(client, LambdaSqsEvents.Create(messages, _aws.Provisioned.QueueArn));
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        clock.Fail = false;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(messages.Select(m => m.MessageId).Order(StringComparer.Ordinal), ConsumerHarness.ReadFailures(text).Order(StringComparer.Ordinal));
        foreach (var id in ids)
        {
            Assert.Equal(0, await _aws.CountItemsAsync(id));
        }

        foreach (var message in messages)
        {
            await _aws.Sqs.DeleteMessageAsync(_aws.QueueUrl, message.ReceiptHandle, Cancellation);
        }
    }

    public void Dispose() => _app.Dispose();

    private static string Source(string name) => $"e2e-{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string EventId(Message message) =>
        JsonDocument.Parse(message.Body).RootElement.GetProperty("detail").GetProperty("events")[0].GetProperty("event_id").GetString()!;

    private static async Task<List<string>> PostAsync(HttpClient client, string source, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var response = await client.PostAsync("/events", RoundTrip.Json(RoundTrip.Event(source, i)), Cancellation);
            var text = await response.Content.ReadAsStringAsync(Cancellation);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
            ids.Add(JsonDocument.Parse(text).RootElement.GetProperty("event_id").GetString()!);
        }

        return ids;
    }

    private static async Task<SqsPollResult> PollUntilReceivedAsync(SqsQueuePoller poller)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        SqsPollResult result;
        do
        {
            result = await poller.PollOnceAsync(Cancellation);
        }
        while (result.Received == 0 && DateTime.UtcNow < deadline);

        return result;
    }
}
