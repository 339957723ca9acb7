using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cortex.IntegrationTests.Consumer;

/// <summary>The HTTP half of the end-to-end tests: what is posted, and what must read back.</summary>
internal static class RoundTrip
{
    /// <summary>
    /// Numbers a long or a decimal cannot hold, or whose text a careless conversion would change; they
    /// must come back exactly as written. Only texts that moto's Python JSON re-serialises unchanged:
    /// moto rewrites 87.50 as 87.5 on its bus (docs/aws-local.md), which AWS is not known to do.
    /// </summary>
    public const string Data = """{"cpu_percent":87.5,"big":123456789012345678901234567890,"past_long":9223372036854775808,"neg":-0.0001,"tiny":1e-130,"ratio":0.1}""";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static string Event(string source, int n) =>
        $$$"""{"source":"{{{source}}}","event_type":"cpu_usage","severity":"warning","data":{"n":{{{n}}},"values":{{{Data}}}}}""";

    /// <summary>POSTs one event and one batch of two for <paramref name="source"/>; returns the three event ids.</summary>
    public static async Task<List<string>> PostSingleAndBatchAsync(HttpClient client, string source)
    {
        var single = await client.PostAsync("/events", Json(Event(source, 0)), Cancellation);
        var batch = await client.PostAsync("/events/batch", Json($"[{Event(source, 1)},{Event(source, 2)}]"), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        var ids = new List<string> { (await single.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("event_id").GetString()! };
        var results = (await batch.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("results");
        ids.AddRange(results.EnumerateArray().Select(r => r.GetProperty("event_id").GetString()!));
        return ids;
    }

    /// <summary>Each id reads back by GET /events/{id} and in GET /events?source=, with its numbers as written.</summary>
    public static async Task AssertStoredAsync(HttpClient client, string source, IReadOnlyList<string> ids, Func<Task>? whileWaiting = null)
    {
        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
            HttpResponseMessage response;
            while (true)
            {
                response = await client.GetAsync($"/events/{id}", Cancellation);
                if (response.StatusCode != HttpStatusCode.NotFound || DateTime.UtcNow >= deadline)
                {
                    break;
                }

                if (whileWaiting is not null)
                {
                    await whileWaiting();
                }
                else
                {
                    await Task.Delay(200, Cancellation);
                }
            }

            var text = await response.Content.ReadAsStringAsync(Cancellation);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /events/{id}: {(int)response.StatusCode} {text}");
            Assert.True(text.Contains($"\"data\":{{\"n\":{n},\"values\":{Data}}}", StringComparison.Ordinal), text);
            Assert.Contains($"\"event_id\":\"{id}\"", text, StringComparison.Ordinal);
        }

        var listing = await client.GetAsync($"/events?source={source}", Cancellation);
        var listed = await listing.Content.ReadAsStringAsync(Cancellation);
        Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        using var document = JsonDocument.Parse(listed);
        var items = document.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), items.Select(i => i.GetProperty("event_id").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(items, i => Assert.Contains($"\"values\":{Data}", i.GetRawText(), StringComparison.Ordinal));
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
