using System.Net;
using System.Text;
using Cortex.Api.Benchmark;

namespace Cortex.Tests.LoadTest;

public sealed class BaselineApiTests
{
    private const string Example =
        """{"source":"server-web-01","event_type":"cpu_usage","severity":"warning","data":{"cpu_percent":87.5,"load_avg_1m":2.3}}""";

    [Fact]
    public async Task BaselineEndpointIsNotMappedByDefault()
    {
        using var app = new CortexApplication();
        var client = app.CreateClient();

        var response = await client.PostAsync("/baseline/events", Json(Example), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task EnabledBaselineEndpointAnswers202WithoutAToken()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { [BaselineApi.EnabledKey] = "true" });
        var client = app.CreateClient();

        var single = await client.PostAsync("/baseline/events", Json(Example), TestContext.Current.CancellationToken);
        var batch = await client.PostAsync("/baseline/events/batch", Json($"[{Example},{Example}]"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
    }

    [Fact]
    public async Task EnabledBaselineEndpointEnforcesTheIngestionBodyRules()
    {
        using var app = new CortexApplication(new Dictionary<string, string?>
        {
            [BaselineApi.EnabledKey] = "true",
            ["Cortex:Ingestion:MaxEventBytes"] = "1024",
        });
        var client = app.CreateClient();

        var tooLarge = await client.PostAsync("/baseline/events", Json(new string(' ', 2048) + Example), TestContext.Current.CancellationToken);
        var notJson = await client.PostAsync("/baseline/events",
            new StringContent(Example, Encoding.UTF8, "text/plain"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
