using System.Net;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Health;

[Collection(SharedApplicationCollection.Name)]
public sealed class HealthApiTests(CortexApplicationFixture fixture)
{
    private readonly CortexApplication _app = fixture.App;

    [Fact]
    public async Task LivenessAnswersOkWithoutATokenAndEchoesNothingElse()
    {
        var client = _app.CreateClient();

        var response = await client.GetAsync("/health", Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok"}""", body);
    }

    [Fact]
    public async Task ReadinessChecksTheStoreWithoutAToken()
    {
        var client = _app.CreateClient();

        var response = await client.GetAsync("/health/ready", Cancellation);
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("store").GetString());
        Assert.DoesNotContain(_app.DatabasePath, body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostingToHealthReturns405Problem()
    {
        var client = _app.CreateClient();

        var response = await client.PostAsync("/health", Json("{}"), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "not allowed");
    }
}
