using System.Net;
using System.Text;
using System.Text.Json;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Ingestion;

public sealed class BatchIngestionApiTests : IClassFixture<CortexApplicationFixture>
{
    private readonly CortexApplication _app;

    public BatchIngestionApiTests(CortexApplicationFixture fixture) => _app = fixture.App;

    [Fact]
    public async Task PostingAnAllValidBatchReturns202WithResultsInInputOrder()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-valid");
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid().ToString("D")).ToArray();
        var body = "[" + string.Join(',', ids.Select((id, i) => Event(source, $"\"event_id\":\"{id}\"", data: $"{{\"i\":{i}}}"))) + "]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);
        var result = await ReadJsonAsync(response);
        var stored = await ListBySourceAsync(client, source);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(5, result.GetProperty("accepted").GetInt32());
        Assert.Equal(0, result.GetProperty("rejected").GetInt32());
        var items = result.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(5, items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(i, items[i].GetProperty("index").GetInt32());
            Assert.Equal("accepted", items[i].GetProperty("status").GetString());
            Assert.Equal(ids[i], items[i].GetProperty("event_id").GetString());
            Assert.False(string.IsNullOrEmpty(items[i].GetProperty("message_id").GetString()));
        }

        Assert.Equal(5, stored.GetArrayLength());
        Assert.Equal(ids.Order(StringComparer.Ordinal), stored.EnumerateArray().Select(e => e.GetProperty("event_id").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PostingAMixedBatchReturns207AndStoresOnlyTheValidEvents()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-mixed");
        var badMarker = Unique("bad");
        var body = $$"""
            [
              {{Event(source)}},
              {"source":"{{source}}","event_type":"CPU_USAGE","data":{ },"hostname":"{{badMarker}}"},
              {{Event(source, "\"severity\":\"critical\"")}},
              {"source":"{{source}}","event_type":"cpu_usage","hostname":"{{badMarker}}"}
            ]
            """;

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);
        var result = await ReadJsonAsync(response);
        var stored = await ListBySourceAsync(client, source);

        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(2, result.GetProperty("accepted").GetInt32());
        Assert.Equal(2, result.GetProperty("rejected").GetInt32());
        var items = result.GetProperty("results");
        Assert.Equal(["accepted", "rejected", "accepted", "rejected"], items.EnumerateArray().Select(i => i.GetProperty("status").GetString()));
        Assert.True(items[1].GetProperty("errors").TryGetProperty("event_type", out _));
        Assert.True(items[3].GetProperty("errors").TryGetProperty("data", out _));
        Assert.False(items[1].TryGetProperty("event_id", out _));
        Assert.Equal(2, stored.GetArrayLength());
        Assert.Equal(0, _app.CountStored(badMarker));
    }

    [Fact]
    public async Task PostingABatchOfOnlyInvalidEventsReturns422ProblemWithResults()
    {
        var client = _app.CreateClient("agent-batch");
        var marker = Unique("all-bad");
        var body = $$$"""
            [{"source":"{{{marker}}}","event_type":"nope","data":{}},{"source":"{{{marker}}}","event_type":"cpu_usage","data":[]}]
            """;

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var results = problem.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.True(results[0].GetProperty("errors").TryGetProperty("event_type", out _));
        Assert.True(results[1].GetProperty("errors").TryGetProperty("data", out _));
        Assert.Equal(2, problem.GetProperty("rejected").GetInt32());
        Assert.Equal(0, _app.CountStored(marker));
    }

    [Fact]
    public async Task PostingABatchWithNonObjectItemsRejectsThoseItemsOneByOne()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-non-objects");
        var body = $"[{Event(source)},42,\"text\",null,[{Event(source)}],true]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);
        var result = await ReadJsonAsync(response);

        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        var items = result.GetProperty("results");
        Assert.Equal(["accepted", "rejected", "rejected", "rejected", "rejected", "rejected"], items.EnumerateArray().Select(i => i.GetProperty("status").GetString()));
        Assert.Contains("must be a JSON object", items[1].GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    [Fact]
    public async Task PostingTheSameEventIdTwiceInOneBatchAcceptsBothAndStoresTheFirst()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-duplicate");
        var eventId = Guid.NewGuid().ToString("D");
        var body = $"[{Event(source, $"\"event_id\":\"{eventId}\"", data: "{\"copy\":1}")},{Event(source, $"\"event_id\":\"{eventId}\"", data: "{\"copy\":2}")}]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);
        var result = await ReadJsonAsync(response);
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.All(result.GetProperty("results").EnumerateArray(), i => Assert.Equal(eventId, i.GetProperty("event_id").GetString()));
        Assert.Equal("{\"copy\":1}", stored.GetProperty("data").GetRawText());
        Assert.Equal(1, _app.CountStoredById(eventId));
        Assert.Equal(1, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    [Fact]
    public async Task PostingABatchWithAnEventLargerThan256KiBRejectsThatEvent()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-large-item");
        var body = $"[{Event(source)},{Event(source, data: $"{{\"pad\":\"{new string('x', 256 * 1024)}\"}}")}]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);
        var result = await ReadJsonAsync(response);

        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        Assert.Equal("rejected", result.GetProperty("results")[1].GetProperty("status").GetString());
        Assert.Contains("larger than", result.GetProperty("results")[1].GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    [Fact]
    public async Task PostingAnEmptyBatchReturns422()
    {
        var client = _app.CreateClient("agent-batch");

        var response = await client.PostAsync("/events/batch", Json(" [ ] "), Cancellation);

        await AssertValidationProblemAsync(response, HttpStatusCode.UnprocessableEntity, "$");
    }

    [Fact]
    public async Task PostingABatchOf500EventsIsAccepted()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-500");
        var body = "[" + string.Join(',', Enumerable.Repeat(Event(source), 500)) + "]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(500, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    [Fact]
    public async Task PostingABatchOf501EventsReturns413AndStoresNothing()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-501");
        var body = "[" + string.Join(',', Enumerable.Repeat(Event(source), 501)) + "]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "at most 500");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingABatchLargerThan5MiBReturns413AndStoresNothing()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-5mib");
        var item = Event(source, data: $"{{\"pad\":\"{new string('x', 100 * 1024)}\"}}");
        var body = "[" + string.Join(',', Enumerable.Repeat(item, 52)) + "]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);

        Assert.True(Encoding.UTF8.GetByteCount(body) > 5 * 1024 * 1024);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than 5242880 bytes");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingAGzipBatchThatDecompressesBeyond5MiBReturns413()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-bomb");
        var item = Event(source, data: $"{{\"pad\":\"{new string('0', 200 * 1024)}\"}}");

        var response = await client.PostAsync("/events/batch", IngestionApiTests.Gzip("[" + string.Join(',', Enumerable.Repeat(item, 30)) + "]"), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "decompression");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingAGzipBatchIsAccepted()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-gzip");

        var response = await client.PostAsync("/events/batch", IngestionApiTests.Gzip($"[{Event(source)},{Event(source)}]"), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(ApiCases.MalformedBatches), MemberType = typeof(ApiCases))]
    public async Task PostingAMalformedBatchReturns400AndStoresNothing(string template, string detail)
    {
        var client = _app.CreateClient("agent-batch");
        var marker = Unique("batch-malformed");

        var response = await client.PostAsync("/events/batch", Json(template.Replace("{M}", marker, StringComparison.Ordinal)), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, detail);
        Assert.Equal(0, _app.CountStored(marker));
    }

    [Fact]
    public async Task PostingABatchAsTextReturns415()
    {
        var client = _app.CreateClient("agent-batch");
        var source = Unique("batch-text");

        var response = await client.PostAsync("/events/batch", new StringContent($"[{Event(source)}]", Encoding.UTF8, "text/plain"), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "application/json");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingABatchReadsBackEachEventWithItsOwnFields()
    {
        var client = _app.CreateClient("agent-batch-fields");
        var source = Unique("batch-fields");
        var body = $"[{Event(source, "\"tags\":{\"env\":\"prod\"}", eventType: "memory_usage", data: "{\"used\":1.50}")}]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);
        var eventId = (await ReadJsonAsync(response)).GetProperty("results")[0].GetProperty("event_id").GetString()!;
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal("memory_usage", stored.GetProperty("event_type").GetString());
        Assert.Equal("{\"used\":1.50}", stored.GetProperty("data").GetRawText());
        Assert.Equal("prod", stored.GetProperty("tags").GetProperty("env").GetString());
        Assert.Equal("agent-batch-fields", stored.GetProperty("submitted_by").GetString());
        Assert.Equal(JsonValueKind.String, stored.GetProperty("request_id").ValueKind);
    }
}
