using System.Net;
using System.Text;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Ingestion;

/// <summary>The ingestion limits come from Cortex:Ingestion; small ones here show each is enforced as configured.</summary>
public sealed class ConfiguredLimitsApiTests : IClassFixture<ConfiguredLimitsApiTests.SmallLimitsFixture>
{
    private readonly CortexApplication _app;

    public ConfiguredLimitsApiTests(SmallLimitsFixture fixture) => _app = fixture.App;

    [Fact]
    public async Task AnEventOverTheConfiguredSizeReturns413()
    {
        var client = _app.CreateClient("agent-small");
        var source = Unique("small-event");
        var body = Event(source, data: $"{{\"pad\":\"{new string('x', 2048)}\"}}");

        var response = await client.PostAsync("/events", Json(body), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than 2048 bytes");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task ABatchOverTheConfiguredCountReturns413AndOneAtTheCountIsAccepted()
    {
        var client = _app.CreateClient("agent-small");
        var source = Unique("small-count");

        var tooMany = await client.PostAsync("/events/batch", Json("[" + string.Join(',', Enumerable.Repeat(Event(source), 4)) + "]"), Cancellation);
        var enough = await client.PostAsync("/events/batch", Json("[" + string.Join(',', Enumerable.Repeat(Event(source), 3)) + "]"), Cancellation);

        await AssertProblemAsync(tooMany, HttpStatusCode.RequestEntityTooLarge, "at most 3");
        Assert.Equal(HttpStatusCode.Accepted, enough.StatusCode);
        Assert.Equal(3, _app.CountStored(source));
    }

    [Fact]
    public async Task ABatchOverTheConfiguredSizeReturns413()
    {
        var client = _app.CreateClient("agent-small");
        var source = Unique("small-batch");
        var item = Event(source, data: $"{{\"pad\":\"{new string('x', 1500)}\"}}");
        var body = $"[{item},{item},{item}]";

        var response = await client.PostAsync("/events/batch", Json(body), Cancellation);

        Assert.True(Encoding.UTF8.GetByteCount(body) > 4096);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than 4096 bytes");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task TheConfiguredTimeWindowApplies()
    {
        var client = _app.CreateClient("agent-small");
        var source = Unique("small-window");

        var future = await client.PostAsync("/events", Json(Event(source, $"\"timestamp\":\"{TimestampFromNow(TimeSpan.FromMinutes(2))}\"")), Cancellation);
        var old = await client.PostAsync("/events", Json(Event(source, $"\"timestamp\":\"{TimestampFromNow(TimeSpan.FromHours(-2))}\"")), Cancellation);
        var recent = await client.PostAsync("/events", Json(Event(source, $"\"timestamp\":\"{TimestampFromNow(TimeSpan.FromMinutes(-30))}\"")), Cancellation);

        await AssertValidationProblemAsync(future, HttpStatusCode.UnprocessableEntity, "timestamp");
        await AssertValidationProblemAsync(old, HttpStatusCode.UnprocessableEntity, "timestamp");
        Assert.Equal(HttpStatusCode.Accepted, recent.StatusCode);
        Assert.Equal(1, _app.CountStored(source));
    }

    public sealed class SmallLimitsFixture : IDisposable
    {
        public CortexApplication App { get; } = new(new Dictionary<string, string?>
        {
            ["Cortex:Ingestion:MaxEventBytes"] = "2048",
            ["Cortex:Ingestion:MaxBatchBytes"] = "4096",
            ["Cortex:Ingestion:MaxBatchItems"] = "3",
            ["Cortex:Ingestion:MaxFutureSkew"] = "00:00:30",
            ["Cortex:Ingestion:MaxEventAge"] = "01:00:00",
        });

        public void Dispose() => App.Dispose();
    }
}
