using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.Api.Consumer;
using Cortex.Api.Infrastructure.Aws;
using Cortex.IntegrationTests.Consumer;
using Cortex.Tests.Consumer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cortex.IntegrationTests.Api;

[CollectionDefinition(nameof(AwsApiCallsCollection), DisableParallelization = true)]
public sealed class AwsApiCallsCollection;

/// <summary>
/// Counts the AWS API calls the app makes per event on each path (docs/performance.md, "AWS API
/// calls per 1,000 events"). Alone in its collection: the counter sees every call of the process.
/// Asserts the call pattern (packing: one PutEvents entry and one queue message per request of up
/// to 256 KB; one write per event) and the cost per million events computed from the calls and
/// their bodies with the dated <see cref="AwsPriceList"/>, never timings.
/// </summary>
[Collection(nameof(AwsApiCallsCollection))]
public sealed class AwsApiCallsTests : IClassFixture<AwsResources>, IDisposable
{
    private const int Singles = 10;
    private const int BatchSize = 100;

    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;
    private readonly StringBuilder _report = new();

    public AwsApiCallsTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachPathMakesTheExpectedNumberOfAwsCallsPerEvent()
    {
        using var factory = _app.WithLambda();
        var client = factory.CreateAuthorizedClient("agent-calls");
        using var counter = new AwsCallCounter(_aws.Emulator.Endpoint);
        var source = "calls-" + Guid.NewGuid().ToString("N")[..8];
        var options = factory.Services.GetRequiredService<IOptions<AwsOptions>>().Value;
        var shards = options.WriteShards;
        counter.Take();

        // Ingestion, one event per request.
        var singleBodies = Enumerable.Range(0, Singles).Select(i => RoundTrip.Event(source, i)).ToList();
        foreach (var body in singleBodies)
        {
            await PostAsync(client, "/events", body);
        }

        var singles = Record(counter.Take(), "POST /events, 1 event per request", Singles);
        var singleCalls = counter.TakenBodies;

        // The in-process poller consuming them: receive, PutItem each, delete the batch.
        await WaitForQueuedAsync(Singles);
        counter.Take();
        var poller = ActivatorUtilities.CreateInstance<SqsQueuePoller>(factory.Services, factory.Services.GetRequiredService<IAmazonSQS>(),
            Options.Create(new SqsPollerOptions { QueueUrl = _aws.QueueUrl, WaitTimeSeconds = 1, MaxMessages = 10 }));
        var consumed = 0;
        var polls = 0;
        while (consumed < Singles && polls++ < 30)
        {
            consumed += (await poller.PollOnceAsync(Cancellation)).Deleted;
        }

        var polled = Record(counter.Take(), "consumer: in-process poller (10 per receive at most)", Singles);
        var polledWrites = counter.TakenBodies;

        // Ingestion in one request of 10 (one pack: one entry, one queue message), then the Lambda
        // pass-through consuming it; the receive and delete are the event source mapping's, made
        // here as Lambda would, so not counted.
        await PostAsync(client, "/events/batch", "[" + string.Join(",", Enumerable.Range(0, 10).Select(i => RoundTrip.Event(source, 100 + i))) + "]");
        var batchOfTen = Record(counter.Take(), "POST /events/batch, 10 events", 10);
        var messages = await _aws.ReceiveWithoutDeletingAsync(1);
        counter.Take();
        var invocation = await ConsumerHarness.PostPassThroughAsync(client, LambdaSqsEvents.Create(messages, _aws.Provisioned.QueueArn));
        var lambda = Record(counter.Take(), "consumer: Lambda pass-through (SQS calls are the event source mapping's)", 10);
        var lambdaWrites = counter.TakenBodies;
        Assert.Empty(ConsumerHarness.ReadFailures(await invocation.Content.ReadAsStringAsync(Cancellation)));
        await _aws.Sqs.DeleteMessageBatchAsync(_aws.QueueUrl,
            [.. messages.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle))], Cancellation);

        // A batch of 100: the rule's target is removed first, since moto delivers each event to SQS
        // in about 0.4 s; PutEvents itself is what is counted.
        await RemoveRuleTargetsAsync();
        counter.Take();
        var batchBody = "[" + string.Join(",", Enumerable.Range(0, BatchSize).Select(i => RoundTrip.Event(source + "-big", i))) + "]";
        await PostAsync(client, "/events/batch", batchBody);
        var hundred = Record(counter.Take(), "POST /events/batch, 100 events", BatchSize);
        var hundredCalls = counter.TakenBodies;

        // Reads.
        var read = await client.GetAsync($"/events/{JsonDocument.Parse(messages[0].Body).RootElement.GetProperty("detail").GetProperty("events")[0].GetProperty("event_id").GetString()}", Cancellation);
        var getOne = Record(counter.Take(), "GET /events/{id}", null);
        var bySource = await client.GetAsync($"/events?source={source}&limit=50", Cancellation);
        var listBySource = Record(counter.Take(), "GET /events?source=...&limit=50 (one page)", null);
        var byTime = await client.GetAsync("/events?limit=50", Cancellation);
        var listByTime = Record(counter.Take(), "GET /events?limit=50 (no filter: the time partitions, one page)", null);
        var costs = CostOf(polledWrites.Concat(lambdaWrites).ToList(), polled, consumed, messages);
        var single = costs.Cost("1 event per request", Singles, singleBodies, singleCalls);
        var batched = costs.Cost("100 events per request", BatchSize, [batchBody], hundredCalls);
        _report.AppendLine(CultureInfo.InvariantCulture, $"DynamoDB write units per event: {costs.WriteUnitsPerEvent:0.##}")
            .Append(PathCost.Table(single, batched));
        TestContext.Current.TestOutputHelper?.WriteLine(_report.ToString());

        Assert.Equal(new Dictionary<string, int> { ["EventBridge.PutEvents"] = Singles }, singles);
        Assert.Equal(new Dictionary<string, int> { ["EventBridge.PutEvents"] = 1 }, batchOfTen);
        Assert.Equal(10, JsonDocument.Parse(Assert.Single(messages).Body).RootElement.GetProperty("detail").GetProperty("events").GetArrayLength());
        Assert.Equal(1, hundred["EventBridge.PutEvents"]);
        Assert.Single(hundred);
        Assert.Equal(Singles, consumed);
        Assert.Equal(Singles, polled["DynamoDB.PutItem"]);
        Assert.InRange(polled.GetValueOrDefault("SQS.DeleteMessageBatch"), 1, polled["SQS.ReceiveMessage"]);
        Assert.Equal(3, polled.Count);
        Assert.Equal(new Dictionary<string, int> { ["DynamoDB.PutItem"] = 10 }, lambda);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(new Dictionary<string, int> { ["DynamoDB.GetItem"] = 1 }, getOne);
        Assert.Equal(HttpStatusCode.OK, bySource.StatusCode);
        Assert.Equal(new Dictionary<string, int> { ["DynamoDB.Query"] = options.SourceShards }, listBySource);
        Assert.Equal(HttpStatusCode.OK, byTime.StatusCode);
        Assert.InRange(listByTime["DynamoDB.Query"], 1, shards * 2);
        Assert.Single(listByTime);

        // The targets per million events of at most 1 KB (docs/performance.md): DynamoDB and the
        // HTTP API within their share, then each path as a whole.
        Assert.InRange(costs.WriteUnitsPerEvent, 1m, 2m);
        Assert.Equal(AwsPriceList.HttpApiPerMillionRequests, single.ApiGateway);
        Assert.True(single.Total <= 4.00m, $"one event per request costs ${single.Total:0.000} per million events, over $4.00");
        Assert.True(batched.Total <= 1.50m, $"100 events per request cost ${batched.Total:0.000} per million events, over $1.50");
    }

    public void Dispose() => _app.Dispose();

    /// <summary>
    /// The inputs every path shares: write units from the items the consumer wrote (per distinct
    /// event id), the poller's receive and delete requests per message, and the envelope EventBridge
    /// puts around an entry's detail in the SQS message (measured on the received messages).
    /// </summary>
    private AwsCostModel CostOf(IReadOnlyList<AwsCall> writes, Dictionary<string, int> polled, int polledMessages, List<Message> received)
    {
        var units = new DynamoDbWriteUnits(_aws.Definition);
        var items = writes.SelectMany(DynamoDbWriteUnits.ItemsOf).ToList();
        var events = items.Select(i => i.GetProperty("event_id").GetProperty("S").GetString()).Distinct(StringComparer.Ordinal).Count();
        return new AwsCostModel
        {
            WriteUnitsPerEvent = (decimal)items.Sum(units.Of) / events,
            ReceivesPerMessage = (decimal)polled["SQS.ReceiveMessage"] / polledMessages,
            DeletesPerMessage = (decimal)polled.GetValueOrDefault("SQS.DeleteMessageBatch") / polledMessages,
            EnvelopeBytes = received.Max(m => Encoding.UTF8.GetByteCount(m.Body)
                - Encoding.UTF8.GetByteCount(JsonDocument.Parse(m.Body).RootElement.GetProperty("detail").GetRawText())),
        };
    }

    private Dictionary<string, int> Record(Dictionary<string, int> calls, string path, int? events)
    {
        _report.Append(CultureInfo.InvariantCulture, $"{path}:");
        foreach (var (operation, count) in calls.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            _report.Append(events is { } n
                ? string.Create(CultureInfo.InvariantCulture, $" {operation} {count} ({count * 1000.0 / n:0.#} per 1,000 events);")
                : string.Create(CultureInfo.InvariantCulture, $" {operation} {count};"));
        }

        _report.AppendLine();
        return calls;
    }

    private static async Task PostAsync(HttpClient client, string path, string body)
    {
        var response = await client.PostAsync(path, RoundTrip.Json(body), Cancellation);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{path}: {(int)response.StatusCode} {text}");
    }

    private async Task WaitForQueuedAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var attributes = await _aws.Sqs.GetQueueAttributesAsync(_aws.QueueUrl, ["ApproximateNumberOfMessages"], Cancellation);
            if (attributes.ApproximateNumberOfMessages >= count)
            {
                return;
            }

            await Task.Delay(200, Cancellation);
        }

        Assert.Fail($"{count} messages did not reach the queue in time.");
    }

    private async Task RemoveRuleTargetsAsync()
    {
        var events = _aws.Services.GetRequiredService<EventBridgeClient>();
        var rule = new { Rule = _aws.Definition.ToSqsRuleName, EventBusName = _aws.Definition.EventBus };
        using var targets = await events.CallAsync("ListTargetsByRule", rule, Cancellation);
        var ids = targets.RootElement.GetProperty("Targets").EnumerateArray().Select(t => t.GetProperty("Id").GetString()!).ToArray();
        using var removed = await events.CallAsync("RemoveTargets", new { rule.Rule, rule.EventBusName, Ids = ids }, Cancellation);
    }
}
