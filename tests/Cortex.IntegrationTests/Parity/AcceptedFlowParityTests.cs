using System.Globalization;
using System.Net;
using System.Text.Json;
using Cortex.IntegrationTests.Consumer;
using static Cortex.Tests.Api;

namespace Cortex.IntegrationTests.Parity;

/// <summary>
/// A few accepted flows of the API suite, sent to both modes: the same statuses and the same answers,
/// apart from what the server generates per request. In Aws mode the events go through the bus, the
/// queue and the poller before they can be read, so each test uses a handful of events.
/// </summary>
public sealed class AcceptedFlowParityTests : IClassFixture<ParityApps>
{
    // Generated per request or per ingestion, so different in each mode by design.
    private static readonly string[] Generated = ["event_id", "message_id", "ingested_at", "request_id", "ttl"];

    private readonly ParityApps _apps;

    public AcceptedFlowParityTests(ParityApps apps)
    {
        apps.Resources.Emulator.EnsureAvailable();
        _apps = apps;
    }

    [Fact]
    public async Task PostingOneEventAnswersTheSame202InBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-single");
        var body = Event(Unique("parity-single"));

        var fromEmbedded = await embedded.PostAsync("/events", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/events", Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, fromAws.StatusCode);
        var eventId = (await ReadJsonAsync(fromAws)).GetProperty("event_id").GetString();
        Assert.Equal($"/events/{eventId}", fromAws.Headers.Location?.OriginalString);
        Assert.Matches("^/events/[0-9a-f-]{36}$", fromEmbedded.Headers.Location?.OriginalString ?? string.Empty);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws, Generated);
    }

    [Fact]
    public async Task PostingAMixedBatchAnswersTheSame207WithTheSameResultsInBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-batch");
        var source = Unique("parity-mixed");
        var body = $"[{Event(source)},{Event(source, "\"severity\":\"fatal\"")},{Event(source, eventType: "disk_io")},42]";

        var fromEmbedded = await embedded.PostAsync("/events/batch", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/events/batch", Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.MultiStatus, fromAws.StatusCode);
        var results = (await ReadJsonAsync(fromAws)).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()).ToList();
        Assert.Equal(["accepted", "rejected", "accepted", "rejected"], results);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws, Generated);
    }

    [Fact]
    public async Task RetryingAnEventWithItsEventIdIsAcceptedTwiceAndStoredOnceInBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-retry");
        var source = Unique("parity-retry");
        var eventId = Guid.CreateVersion7().ToString();
        var body = Event(source, $"\"event_id\":\"{eventId}\",\"timestamp\":\"{Timestamp(1)}\"");

        var answers = new List<(HttpResponseMessage Embedded, HttpResponseMessage Aws)>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            answers.Add((await embedded.PostAsync("/events", Json(body), Cancellation), await aws.PostAsync("/events", Json(body), Cancellation)));
        }

        await WaitUntilStoredAsync(aws, [eventId]);
        var readEmbedded = await embedded.GetAsync($"/events/{eventId}", Cancellation);
        var readAws = await aws.GetAsync($"/events/{eventId}", Cancellation);
        var listEmbedded = await embedded.GetAsync($"/events?source={source}", Cancellation);
        var listAws = await aws.GetAsync($"/events?source={source}", Cancellation);

        foreach (var (fromEmbedded, fromAws) in answers)
        {
            Assert.Equal(HttpStatusCode.Accepted, fromAws.StatusCode);
            Assert.Equal(eventId, (await ReadJsonAsync(fromAws)).GetProperty("event_id").GetString());
            await ParityApps.AssertSameAsync(fromEmbedded, fromAws, "message_id");
        }

        await ParityApps.AssertSameAsync(readEmbedded, readAws, "ingested_at", "request_id", "ttl");
        Assert.Equal(1, (await ReadJsonAsync(listAws)).GetProperty("items").GetArrayLength());
        await ParityApps.AssertSameAsync(listEmbedded, listAws, "ingested_at", "request_id", "ttl");
        Assert.Equal(1, await _apps.Resources.CountItemsAsync(eventId));
    }

    [Fact]
    public async Task ListingWithACursorPagesTheSameEventsInTheSameOrderInBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-list");
        var source = Unique("parity-list");
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.CreateVersion7().ToString()).ToList();
        var body = "[" + string.Join(",", ids.Select((id, i) =>
            Event(source, $"\"event_id\":\"{id}\",\"timestamp\":\"{Timestamp(i + 1)}\"", data: $$"""{"n":{{i}},"ratio":0.25}"""))) + "]";
        Assert.Equal(HttpStatusCode.Accepted, (await embedded.PostAsync("/events/batch", Json(body), Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await aws.PostAsync("/events/batch", Json(body), Cancellation)).StatusCode);
        await WaitUntilStoredAsync(aws, ids);

        var firstEmbedded = await embedded.GetAsync($"/events?source={source}&limit=2", Cancellation);
        var firstAws = await aws.GetAsync($"/events?source={source}&limit=2", Cancellation);
        var cursorEmbedded = (await ReadJsonAsync(firstEmbedded)).GetProperty("next_cursor").GetString();
        var cursorAws = (await ReadJsonAsync(firstAws)).GetProperty("next_cursor").GetString();
        var secondEmbedded = await embedded.GetAsync($"/events?source={source}&limit=2&cursor={cursorEmbedded}", Cancellation);
        var secondAws = await aws.GetAsync($"/events?source={source}&limit=2&cursor={cursorAws}", Cancellation);

        Assert.NotNull(cursorAws);
        Assert.NotNull(cursorEmbedded);
        var pages = (await ReadJsonAsync(firstAws)).GetProperty("items").EnumerateArray()
            .Concat((await ReadJsonAsync(secondAws)).GetProperty("items").EnumerateArray())
            .Select(i => i.GetProperty("event_id").GetString());
        Assert.Equal([ids[0], ids[1], ids[2]], pages); // newest first: the first is an hour old, the last three
        Assert.Equal(JsonValueKind.Null, (await ReadJsonAsync(secondAws)).GetProperty("next_cursor").ValueKind);
        await ParityApps.AssertSameAsync(firstEmbedded, firstAws, "next_cursor", "ingested_at", "request_id", "ttl");
        await ParityApps.AssertSameAsync(secondEmbedded, secondAws, "ingested_at", "request_id", "ttl");
    }

    /// <summary>Millisecond RFC 3339 UTC, <paramref name="hoursAgo"/> hours back from now (inside the accepted window).</summary>
    private static string Timestamp(int hoursAgo) =>
        DateTimeOffset.UtcNow.AddHours(-hoursAgo).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static async Task WaitUntilStoredAsync(HttpClient aws, IReadOnlyList<string> ids)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        foreach (var id in ids)
        {
            while ((await aws.GetAsync($"/events/{id}", Cancellation)).StatusCode == HttpStatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, Cancellation);
            }
        }
    }
}
