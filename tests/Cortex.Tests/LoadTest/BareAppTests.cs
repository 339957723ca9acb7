using System.Net;
using System.Text;
using Cortex.Bare;

namespace Cortex.Tests.LoadTest;

/// <summary>The benchmark's floor: the bare app answers 202 to whatever body it is sent on Cortex's ingestion paths.</summary>
public sealed class BareAppTests
{
    private const string Example =
        """{"source":"server-web-01","event_type":"cpu_usage","severity":"warning","data":{"cpu_percent":87.5,"load_avg_1m":2.3}}""";

    [Theory]
    [InlineData("/events")]
    [InlineData("/events/batch")]
    public async Task TheBareAppReadsTheBodyAndAnswers202WithoutAToken(string path)
    {
        await using var app = BareApp.Build(["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var response = await client.PostAsync(path, new StringContent($"[{Example},{Example}]", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task TheBareAppServesNothingElse()
    {
        await using var app = BareApp.Build(["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var health = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
