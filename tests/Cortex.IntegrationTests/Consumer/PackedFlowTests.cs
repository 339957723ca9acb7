using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cortex.Api.Ports;
using Cortex.Tests.Consumer;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.IntegrationTests.Consumer;

/// <summary>
/// Packs end to end on the emulator: a request's events travel as one bus entry and one queue
/// message, and the consumer stores each event exactly once, also when a pack comes twice or
/// goes through the dead-letter queue and back. The tests here play the Lambda service by hand;
/// the one with the SQS poller has its own class, so a receive the stopped poller still has
/// open on the queue cannot take another test's message.
/// </summary>
public sealed class PackedFlowTests : IClassFixture<AwsResources>, IDisposable
{
    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;

    public PackedFlowTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARedeliveredPackStoresNothingNew()
    {
        using var factory = _app.WithLambda(inner => new FaultyStore(inner, () => new InvalidOperationException("unused")));
        var client = factory.CreateAuthorizedClient("agent-pack-twice");
        var source = "e2e-pack-twice-" + Guid.NewGuid().ToString("N")[..8];
        var ids = await PostBatchAsync(client, source, 100);
        var message = Assert.Single(await _aws.ReceiveWithoutDeletingAsync(1));
        var body = LambdaSqsEvents.Create([message], _aws.Provisioned.QueueArn);

        var first = await ConsumerHarness.PostPassThroughAsync(client, body);
        var stored = await ReadAllAsync(client, ids);
        var second = await ConsumerHarness.PostPassThroughAsync(client, body);

        Assert.Equal(100, JsonDocument.Parse(message.Body).RootElement.GetProperty("detail").GetProperty("events").GetArrayLength());
        Assert.Empty(ConsumerHarness.ReadFailures(await first.Content.ReadAsStringAsync(Cancellation)));
        Assert.Empty(ConsumerHarness.ReadFailures(await second.Content.ReadAsStringAsync(Cancellation)));
        Assert.Equal(stored, await ReadAllAsync(client, ids));
        foreach (var id in ids)
        {
            Assert.Equal(1, await _aws.CountItemsAsync(id));
        }

        await _aws.Sqs.DeleteMessageAsync(_aws.QueueUrl, message.ReceiptHandle, Cancellation);
    }

    [Fact]
    public async Task APackThatKeepsFailingGoesToTheDeadLetterQueueWholeShowsItsEventCountAndReplaysWhole()
    {
        using var factory = _app.WithLambda(inner => new FaultyStore(inner, () => new InvalidOperationException("the table is refusing (test double)")));
        var client = factory.CreateAuthorizedClient("agent-pack-dlq");
        var store = (FaultyStore)factory.Services.GetRequiredService<ITelemetryStore>();
        var source = "e2e-pack-dlq-" + Guid.NewGuid().ToString("N")[..8];
        var ids = await PostBatchAsync(client, source, 5);
        store.FailFor(Guid.Parse(ids[3]), times: 3);

        var failures = new List<HashSet<string>>();
        for (var receive = 1; receive <= 3; receive++)
        {
            var messages = await _aws.ReceiveWithoutDeletingAsync(1, visibilityTimeout: 0);
            failures.Add((await ConsumerHarness.InvokeLambdaAsync(client, _aws, messages)).Failed);
        }

        var fourth = await _aws.ReceiveWithoutDeletingAsync(1, within: TimeSpan.FromSeconds(2));
        using var peek = JsonDocument.Parse(await client.GetStringAsync("/operations/dead-letters?limit=10", Cancellation));
        var letter = Assert.Single(peek.RootElement.GetProperty("messages").EnumerateArray());
        foreach (var id in ids)
        {
            Assert.Equal(0, await _aws.CountItemsAsync(id));
        }

        var replay = await client.PostAsync("/operations/dead-letters/replay", RoundTrip.Json("""{"max_messages":10,"max_per_second":100}"""), Cancellation);
        var replayed = await replay.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var back = await _aws.ReceiveWithoutDeletingAsync(1);
        var stored = await ConsumerHarness.InvokeLambdaAsync(client, _aws, back);

        Assert.All(failures, f => Assert.Single(f));
        Assert.Empty(fourth);
        Assert.Equal(5, letter.GetProperty("event_count").GetInt32());
        Assert.Equal(ids[0], letter.GetProperty("event_id").GetString());
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(1, replayed.GetProperty("moved").GetInt32());
        Assert.Equal(5, replayed.GetProperty("events_moved").GetInt32());
        Assert.Equal(5, JsonDocument.Parse(Assert.Single(back).Body).RootElement.GetProperty("detail").GetProperty("events").GetArrayLength());
        Assert.Empty(stored.Failed);
        foreach (var id in ids)
        {
            Assert.Equal(1, await _aws.CountItemsAsync(id));
        }
    }

    public void Dispose() => _app.Dispose();

    internal static string Stamp(DateTimeOffset time) =>
        Uri.EscapeDataString(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));

    internal static async Task<List<string>> PostBatchAsync(HttpClient client, string source, int count)
    {
        var response = await client.PostAsync("/events/batch", RoundTrip.Json("[" + string.Join(",", Enumerable.Range(0, count).Select(i => RoundTrip.Event(source, i))) + "]"), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("event_id").GetString()!)];
    }

    internal static async Task<Dictionary<string, string>> ReadAllAsync(HttpClient client, IEnumerable<string> ids)
    {
        var documents = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            documents[id] = await client.GetStringAsync($"/events/{id}", Cancellation);
        }

        return documents;
    }

    internal static async Task WaitUntilListedAsync(HttpClient client, string listing, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while ((await ListAllAsync(client, listing)).Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, Cancellation);
        }
    }

    /// <summary>Every event id of a listing, following next_cursor with pages of 1000.</summary>
    internal static async Task<HashSet<string>> ListAllAsync(HttpClient client, string listing)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>(
                $"{listing}&limit=1000" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)), Cancellation);
            ids.UnionWith(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("event_id").GetString()!));
            cursor = page.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        return ids;
    }
}

/// <summary>Packs through the SQS poller, on a queue of their own (see <see cref="PackedFlowTests"/>).</summary>
public sealed class PackedPollerFlowTests : IClassFixture<AwsResources>, IDisposable
{
    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;

    public PackedPollerFlowTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABatchOfAHundredAndFiveHundredSinglePostsAreEachStoredExactlyOnceAndListedByEveryFilter()
    {
        using var factory = _app.WithPoller();
        var client = factory.CreateAuthorizedClient("agent-packs");
        var source = "e2e-packs-" + Guid.NewGuid().ToString("N")[..8];
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);

        var batch = await client.PostAsync("/events/batch", RoundTrip.Json("[" + string.Join(",", Enumerable.Range(0, 100).Select(i => RoundTrip.Event(source, i))) + "]"), Cancellation);
        var ids = (await batch.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("event_id").GetString()!).ToList();
        var singles = new string[500];
        await Parallel.ForAsync(0, singles.Length, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancellation }, async (i, ct) =>
        {
            var response = await client.PostAsync("/events", RoundTrip.Json(RoundTrip.Event(source, 100 + i)), ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            singles[i] = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("event_id").GetString()!;
        });
        ids.AddRange(singles);

        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        await PackedFlowTests.WaitUntilListedAsync(client, $"/events?source={source}", ids.Count);
        foreach (var id in ids)
        {
            Assert.Equal(1, await _aws.CountItemsAsync(id));
        }

        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        var time = $"from={PackedFlowTests.Stamp(from)}&to={PackedFlowTests.Stamp(to)}";
        foreach (var listing in new[]
        {
            $"/events?source={source}",
            $"/events?source={source}&event_type=cpu_usage",
            $"/events?source={source}&severity=warning",
            $"/events?event_type=cpu_usage&{time}",
            $"/events?severity=warning&{time}",
            $"/events?{time}",
        })
        {
            var listed = await PackedFlowTests.ListAllAsync(client, listing);
            Assert.True(ids.All(listed.Contains), $"{listing}: {ids.Count(listed.Contains)} of {ids.Count} events listed");
        }
    }

    public void Dispose() => _app.Dispose();
}
