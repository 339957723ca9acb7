using System.Globalization;
using System.Net;
using System.Text.Json;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Query;

public sealed class QueryApiTests : IClassFixture<CortexApplicationFixture>
{
    private readonly CortexApplication _app;
    private readonly HttpClient _client;

    public QueryApiTests(CortexApplicationFixture fixture)
    {
        _app = fixture.App;
        _client = _app.CreateClient("agent-query");
    }

    [Fact]
    public async Task GettingAStoredEventByIdReturnsIt()
    {
        var source = Unique("get");
        var eventId = await PostAcceptedAsync(_client, Event(source));

        var response = await _client.GetAsync($"/events/{eventId}", Cancellation);
        var stored = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(eventId, stored.GetProperty("event_id").GetString());
        Assert.Equal(source, stored.GetProperty("source").GetString());
    }

    [Fact]
    public async Task GettingAnUnknownEventIdReturns404Problem()
    {
        var response = await _client.GetAsync($"/events/{Guid.NewGuid():D}", Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "No event");
    }

    [Theory]
    [MemberData(nameof(ApiCases.NonUuidEventIds), MemberType = typeof(ApiCases))]
    public async Task GettingANonUuidEventIdReturns400Problem(string eventId)
    {
        var response = await _client.GetAsync($"/events/{Uri.EscapeDataString(eventId)}", Cancellation);

        await AssertValidationProblemAsync(response, HttpStatusCode.BadRequest, "event_id");
    }

    [Fact]
    public async Task ListingReturnsEventsNewestFirstWithTiesBrokenByEventIdDescending()
    {
        var source = Unique("order");
        var t = BaseTime(TimeSpan.FromHours(-2));
        var tiedIds = new[] { Guid.NewGuid().ToString("D"), Guid.NewGuid().ToString("D") };
        await PostAtAsync(source, t.AddSeconds(3));
        await PostAtAsync(source, t.AddSeconds(1));
        await PostAtAsync(source, t.AddSeconds(2), $"\"event_id\":\"{tiedIds[0]}\"");
        await PostAtAsync(source, t.AddSeconds(5));
        await PostAtAsync(source, t.AddSeconds(2), $"\"event_id\":\"{tiedIds[1]}\"");

        var items = (await ListBySourceAsync(_client, source)).EnumerateArray().ToArray();

        Assert.Equal(5, items.Length);
        var keys = items.Select(i => (i.GetProperty("timestamp").GetString()!, i.GetProperty("event_id").GetString()!)).ToArray();
        var expected = keys.OrderByDescending(k => k.Item1, StringComparer.Ordinal).ThenByDescending(k => k.Item2, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, keys);
        Assert.Equal(Ts(t.AddSeconds(5)), keys[0].Item1);
        Assert.Equal(Ts(t.AddSeconds(1)), keys[4].Item1);
    }

    [Fact]
    public async Task ListingFiltersByEventTypeAndSeverityWithinASource()
    {
        var source = Unique("filters");
        await PostAcceptedAsync(_client, Event(source, "\"severity\":\"critical\"", eventType: "disk_io"));
        await PostAcceptedAsync(_client, Event(source, "\"severity\":\"warning\"", eventType: "disk_io"));
        await PostAcceptedAsync(_client, Event(source, "\"severity\":\"critical\"", eventType: "uptime"));
        await PostAcceptedAsync(_client, Event(source));

        var byType = await ListAsync($"source={source}&event_type=disk_io");
        var bySeverity = await ListAsync($"source={source}&severity=critical");
        var byBoth = await ListAsync($"source={source}&event_type=disk_io&severity=critical");
        var bySource = await ListAsync($"source={source}");

        Assert.Equal(2, byType.Items.Length);
        Assert.All(byType.Items, i => Assert.Equal("disk_io", i.GetProperty("event_type").GetString()));
        Assert.Equal(2, bySeverity.Items.Length);
        Assert.All(bySeverity.Items, i => Assert.Equal("critical", i.GetProperty("severity").GetString()));
        Assert.Single(byBoth.Items);
        Assert.Equal(4, bySource.Items.Length);
        Assert.All(bySource.Items, i => Assert.Equal(source, i.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task ListingByTimeRangeIncludesFromAndExcludesTo()
    {
        var source = Unique("range");
        var t = BaseTime(TimeSpan.FromHours(-3));
        await PostAtAsync(source, t);
        var inside = await PostAtAsync(source, t.AddSeconds(1));
        await PostAtAsync(source, t.AddSeconds(2));

        var page = await ListAsync($"source={source}&from={Ts(t.AddSeconds(1))}&to={Ts(t.AddSeconds(2))}");
        var withOffset = await ListAsync($"source={source}&from={Uri.EscapeDataString(t.AddSeconds(1).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture))}");

        Assert.Equal([inside], page.Items.Select(i => i.GetProperty("event_id").GetString()));
        Assert.Equal(2, withOffset.Items.Length);
    }

    [Fact]
    public async Task ListingByEventTypeAloneAndByTimeAloneUsesTheWholeStore()
    {
        var window = BaseTime(TimeSpan.FromDays(-3)).AddMilliseconds(Random.Shared.Next(1, 999));
        var ids = new List<string>
        {
            await PostAtAsync(Unique("type-only-a"), window, eventType: "network_latency"),
            await PostAtAsync(Unique("type-only-b"), window.AddMilliseconds(1), eventType: "network_latency"),
        };
        var other = await PostAtAsync(Unique("type-only-c"), window.AddMilliseconds(2), eventType: "uptime");
        var range = $"from={Ts(window)}&to={Ts(window.AddMilliseconds(3))}";

        var byType = await ListAsync($"event_type=network_latency&{range}");
        var byTime = await ListAsync(range);

        Assert.Equal(ids.AsEnumerable().Reverse(), byType.Items.Select(i => i.GetProperty("event_id").GetString()));
        Assert.Equal([other, ids[1], ids[0]], byTime.Items.Select(i => i.GetProperty("event_id").GetString()));
    }

    [Fact]
    public async Task ListingByEventTypeOrdersEventsByTimestampWhateverOrderTheyArrivedIn()
    {
        // The type index keeps a second's events in arrival (event id) order; the listing must
        // still be newest first by timestamp, within a second, across seconds and across pages,
        // also for an id the client chose.
        var second = BaseTime(TimeSpan.FromDays(-4) - TimeSpan.FromMinutes(Random.Shared.Next(0, 24 * 60)));
        int[] arrivalOffsetsMs = [900, 100, 500, 500, 999, 1000, -1, 0, 250];
        var posted = new List<(string Timestamp, string EventId, string Severity)>();
        for (var i = 0; i < arrivalOffsetsMs.Length; i++)
        {
            var at = second.AddMilliseconds(arrivalOffsetsMs[i]);
            var severity = i % 2 == 0 ? "critical" : "info";
            var extra = $"\"severity\":\"{severity}\"" + (i == 3 ? $",\"event_id\":\"{Guid.NewGuid()}\"" : string.Empty);
            posted.Add((Ts(at), await PostAtAsync(Unique("arrival"), at, extra, "process_count"), severity));
        }

        var range = $"from={Ts(second.AddSeconds(-1))}&to={Ts(second.AddSeconds(2))}";
        var (seen, pages) = await ListEveryPageAsync($"event_type=process_count&{range}&limit=2");
        var critical = await ListAsync($"event_type=process_count&{range}&severity=critical");
        var allTypes = await ListAsync(range);
        var firstSecondOnly = await ListAsync($"event_type=process_count&from={Ts(second)}&to={Ts(second.AddMilliseconds(999))}");

        var newestFirst = posted.OrderByDescending(p => p.Timestamp, StringComparer.Ordinal).ThenByDescending(p => p.EventId, StringComparer.Ordinal).ToList();
        Assert.Equal(5, pages);
        Assert.Equal(newestFirst.Select(p => (p.Timestamp, p.EventId)), seen);
        Assert.Equal(newestFirst.Where(p => p.Severity == "critical").Select(p => p.EventId), critical.Items.Select(i => i.GetProperty("event_id").GetString()));
        Assert.Equal(newestFirst.Select(p => p.EventId), allTypes.Items.Select(i => i.GetProperty("event_id").GetString()));
        Assert.Equal(
            newestFirst.Where(p => string.CompareOrdinal(p.Timestamp, Ts(second)) >= 0 && string.CompareOrdinal(p.Timestamp, Ts(second.AddMilliseconds(999))) < 0).Select(p => p.EventId),
            firstSecondOnly.Items.Select(i => i.GetProperty("event_id").GetString()));
    }

    [Fact]
    public async Task ListingWithoutSourceOrTypeMergesEveryTypeNewestFirstAcrossPages()
    {
        // Every event type, pairs of equal timestamps, two severities: the pages must interleave
        // the types by time and break ties by event id, whichever type each event has.
        var window = BaseTime(TimeSpan.FromDays(-5) - TimeSpan.FromMinutes(Random.Shared.Next(0, 24 * 60)));
        var posted = new List<(string Timestamp, string EventId, string Severity)>();
        for (var i = 0; i < 11; i++)
        {
            var at = window.AddMilliseconds(i / 2);
            var severity = i % 3 == 0 ? "critical" : "info";
            var type = Cortex.Api.Events.EventContract.EventTypes[i % Cortex.Api.Events.EventContract.EventTypes.Length];
            var id = await PostAtAsync(Unique("all-types"), at, $"\"severity\":\"{severity}\"", type);
            posted.Add((Ts(at), id, severity));
        }

        var range = $"from={Ts(window)}&to={Ts(window.AddSeconds(1))}";
        var (seen, pages) = await ListEveryPageAsync($"{range}&limit=4");
        var critical = await ListAsync($"{range}&severity=critical");

        var newestFirst = posted.OrderByDescending(p => p.Timestamp, StringComparer.Ordinal).ThenByDescending(p => p.EventId, StringComparer.Ordinal).ToList();
        Assert.Equal(3, pages);
        Assert.Equal(newestFirst.Select(p => (p.Timestamp, p.EventId)), seen);
        Assert.Equal(newestFirst.Where(p => p.Severity == "critical").Select(p => p.EventId), critical.Items.Select(i => i.GetProperty("event_id").GetString()));
    }

    [Fact]
    public async Task PagingWithALimitVisitsEveryEventExactlyOnce()
    {
        var source = Unique("pages");
        var t = BaseTime(TimeSpan.FromHours(-4));
        var posted = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            // Pairs share a timestamp so pages also split between equal timestamps.
            posted.Add(await PostAtAsync(source, t.AddSeconds(i / 2)));
        }

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await ListAsync($"source={source}&limit=2" + (cursor is null ? string.Empty : $"&cursor={cursor}"));
            Assert.True(page.Items.Length <= 2);
            seen.AddRange(page.Items.Select(i => i.GetProperty("event_id").GetString()!));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 20);

        Assert.Equal(5, pages);
        Assert.Equal(posted.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task ListingWithoutALimitReturns100AndACursor()
    {
        var source = Unique("default-limit");
        var batch = "[" + string.Join(',', Enumerable.Repeat(Event(source), 101)) + "]";
        var posted = await _client.PostAsync("/events/batch", Json(batch), Cancellation);

        var first = await ListAsync($"source={source}");
        var second = await ListAsync($"source={source}&cursor={first.NextCursor}");

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        Assert.Equal(100, first.Items.Length);
        Assert.NotNull(first.NextCursor);
        Assert.Single(second.Items);
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task AnEmptyResultHasNoItemsAndANullCursor()
    {
        var response = await _client.GetAsync($"/events?source={Unique("nothing")}", Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"items":[],"next_cursor":null}""", body);
    }

    [Theory]
    [MemberData(nameof(ApiCases.BadQueries), MemberType = typeof(ApiCases))]
    public async Task ListingWithABadQueryReturns400NamingTheParameter(string query, string field)
    {
        var response = await _client.GetAsync($"/events?{query}", Cancellation);

        await AssertValidationProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task ListingWithATamperedCursorReturns400()
    {
        var source = Unique("tamper");
        await PostAcceptedAsync(_client, Event(source));
        await PostAcceptedAsync(_client, Event(source));
        var cursor = (await ListAsync($"source={source}&limit=1")).NextCursor!;
        var tampered = cursor[..10] + (cursor[10] == 'A' ? 'B' : 'A') + cursor[11..];

        var response = await _client.GetAsync($"/events?source={source}&limit=1&cursor={tampered}", Cancellation);

        await AssertValidationProblemAsync(response, HttpStatusCode.BadRequest, "cursor");
    }

    [Theory]
    [InlineData("&event_type=cpu_usage")]
    [InlineData("&severity=info")]
    [InlineData("&from=2026-01-01T00:00:00Z")]
    [InlineData("-other")]
    public async Task ReusingACursorWithOtherFiltersReturns400(string change)
    {
        var source = Unique("reuse");
        await PostAcceptedAsync(_client, Event(source));
        await PostAcceptedAsync(_client, Event(source));
        var cursor = (await ListAsync($"source={source}&limit=1")).NextCursor!;

        var response = await _client.GetAsync($"/events?source={source}{change}&limit=1&cursor={cursor}", Cancellation);
        var sameFiltersOtherLimit = await _client.GetAsync($"/events?source={source}&limit=5&cursor={cursor}", Cancellation);

        var errors = await AssertValidationProblemAsync(response, HttpStatusCode.BadRequest, "cursor");
        Assert.Contains("other filters", errors.GetProperty("cursor")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, sameFiltersOtherLimit.StatusCode);
    }

    private static DateTimeOffset BaseTime(TimeSpan fromNow) =>
        DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow + fromNow).ToUnixTimeSeconds());

    private static string Ts(DateTimeOffset value) => Cortex.Api.Events.Rfc3339.ToUtcString(value);

    private Task<string> PostAtAsync(string source, DateTimeOffset timestamp, string? extra = null, string eventType = "cpu_usage") =>
        PostAcceptedAsync(_client, Event(source, $"\"timestamp\":\"{Ts(timestamp)}\"" + (extra is null ? string.Empty : "," + extra), eventType));

    /// <summary>Follows the cursor from the first page to the last (at most 10 pages): every (timestamp, event_id) listed, in order.</summary>
    private async Task<(List<(string Timestamp, string EventId)> Seen, int Pages)> ListEveryPageAsync(string query)
    {
        var seen = new List<(string Timestamp, string EventId)>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await ListAsync(query + (cursor is null ? string.Empty : $"&cursor={cursor}"));
            seen.AddRange(page.Items.Select(i => (i.GetProperty("timestamp").GetString()!, i.GetProperty("event_id").GetString()!)));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);
        return (seen, pages);
    }

    private async Task<(JsonElement[] Items, string? NextCursor)> ListAsync(string query)
    {
        var response = await _client.GetAsync($"/events?{query}", Cancellation);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /events?{query}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement.Clone();
        return ([.. root.GetProperty("items").EnumerateArray()], root.GetProperty("next_cursor").GetString());
    }
}
