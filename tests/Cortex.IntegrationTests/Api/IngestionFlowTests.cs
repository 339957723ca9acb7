using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cortex.IntegrationTests.Api;

/// <summary>POST /events and /events/batch in Aws mode: accepted events go through the bus to the queue.</summary>
public sealed class IngestionFlowTests : IClassFixture<AwsResources>, IDisposable
{
    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;

    public IngestionFlowTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    [Fact]
    public async Task PostingAnEventAnswers202WithTheEventBridgeEventIdAndTheEventReachesTheQueue()
    {
        var client = _app.CreateClient("agent-single");

        var response = await client.PostAsync("/events", Json("""{"source":"flow-single","event_type":"cpu_usage","data":{"cpu":87.50}}"""), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var messages = await _aws.ReceiveAsync(1);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = JsonDocument.Parse(Assert.Single(messages).Body).RootElement;
        Assert.Equal(body.GetProperty("message_id").GetString(), message.GetProperty("id").GetString());
        var detail = Assert.Single(message.GetProperty("detail").GetProperty("events").EnumerateArray());
        Assert.Equal(body.GetProperty("event_id").GetString(), detail.GetProperty("event_id").GetString());
        Assert.Equal("agent-single", detail.GetProperty("submitted_by").GetString());
        Assert.StartsWith("00-", detail.GetProperty("traceparent").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostingABatchAnswers202AndItsEventsReachTheQueueAsOnePackUnderTheAnsweredMessageId()
    {
        var client = _app.CreateClient("agent-batch");
        var batch = "[" + string.Join(",", Enumerable.Range(0, 12).Select(i =>
            $$$"""{"source":"flow-batch-{{{i}}}","event_type":"disk_io","severity":"warning","data":{"n":{{{i}}}}}""")) + "]";

        var response = await client.PostAsync("/events/batch", Json(batch), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var messages = await _aws.ReceiveAsync(1);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(12, results.Count);
        Assert.All(results, r => Assert.Equal("accepted", r.GetProperty("status").GetString()));
        var message = JsonDocument.Parse(Assert.Single(messages).Body).RootElement;
        Assert.All(results, r => Assert.Equal(message.GetProperty("id").GetString(), r.GetProperty("message_id").GetString()));
        Assert.Equal(
            results.Select(r => r.GetProperty("event_id").GetString()),
            message.GetProperty("detail").GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event_id").GetString()));
    }

    [Fact]
    public async Task ReadinessIsReadyWhenTheTableQueueAndBusExist()
    {
        var client = _app.CreateClient();

        var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("bus").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("table").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("queue").GetString());
    }

    public void Dispose() => _app.Dispose();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
