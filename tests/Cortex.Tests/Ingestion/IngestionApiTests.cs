using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Cortex.Tests.Ingestion;

public sealed class IngestionApiTests : IClassFixture<CortexApplicationFixture>
{
    private const string Example =
        """{"source":"server-web-01","event_type":"cpu_usage","severity":"warning","data":{"cpu_percent":87.5,"load_avg_1m":2.3}}""";

    private readonly CortexApplication _app;

    public IngestionApiTests(CortexApplicationFixture fixture) => _app = fixture.App;

    [Fact]
    public async Task PostingTheReadmeExampleReturns202AndTheEventReadsBackWithExactNumbers()
    {
        var client = _app.CreateClient("agent-readme");

        var post = await client.PostAsync("/events", Json(Example), TestContext.Current.CancellationToken);
        var accepted = await post.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var eventId = accepted.GetProperty("event_id").GetString();
        var read = await client.GetStringAsync($"/events/{eventId}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(accepted.GetProperty("message_id").GetString()));
        Assert.Contains("\"data\":{\"cpu_percent\":87.5,\"load_avg_1m\":2.3}", read, StringComparison.Ordinal);
        Assert.Contains("\"submitted_by\":\"agent-readme\"", read, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostingMalformedJsonReturnsProblem400()
    {
        var client = _app.CreateClient("agent-malformed");

        var response = await client.PostAsync("/events", Json("{\"source\":"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    internal static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
