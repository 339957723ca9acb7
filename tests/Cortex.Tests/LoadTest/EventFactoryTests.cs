using System.Text.Json;
using Cortex.LoadTest;

namespace Cortex.Tests.LoadTest;

public sealed class EventFactoryTests
{
    private static readonly DateTime SendTime = new(2026, 11, 23, 12, 0, 0, 123, DateTimeKind.Utc);

    [Fact]
    public void SingleBodyIsOneEventInTheReadmeShape()
    {
        var body = new EventFactory(7, Workload.Fleet).CreateBody(0);

        using var document = JsonDocument.Parse(body.Stamp(SendTime));
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(1, body.Events);
        Assert.StartsWith("server-web-", root.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Contains(root.GetProperty("event_type").GetString(), Cortex.Api.Events.EventContract.EventTypes);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("data").ValueKind);
    }

    [Theory]
    [InlineData("fleet")]
    [InlineData("scattered")]
    public void BatchBodyHoldsTheRequestedNumberOfVariedEvents(string workload)
    {
        var body = new EventFactory(7, Workload.Parse(workload)).CreateBody(100);

        using var document = JsonDocument.Parse(body.Stamp(SendTime));
        var items = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(100, items.Count);
        Assert.Equal(100, body.Events);
        Assert.Equal(body.JsonBytes, body.Json.Length);
        Assert.True(items.Select(e => e.GetProperty("data").GetRawText()).Distinct().Count() > 50);
        Assert.True(items.Select(e => e.GetProperty("event_type").GetString()).Distinct().Count() > 3);
    }

    [Fact]
    public void FleetBatchBodyHoldsTheEventsOfOneAgent()
    {
        var pool = new EventFactory(7, Workload.Fleet).CreatePool(50, 100);

        foreach (var body in pool)
        {
            var events = Events(body);
            var source = Assert.Single(events.Select(e => e.Source).Distinct());
            Assert.Matches("^server-web-[0-9]{3}$", source);
            Assert.Equal($"web-{source["server-web-".Length..]}.internal", Assert.Single(events.Select(e => e.Hostname).Distinct()));
            Assert.Single(events.Select(e => e.Region).Distinct());
        }
    }

    [Fact]
    public void FleetPoolSpreadsItsBatchesOverManyAgents()
    {
        var pool = new EventFactory(7, Workload.Fleet).CreatePool(200, 100);

        var sources = pool.Select(body => Events(body)[0].Source).Distinct().Count();

        // 200 random draws from 1,000 agents: about 181 distinct ones.
        Assert.True(sources > 150, $"only {sources} agents in 200 batch bodies");
    }

    [Fact]
    public void ScatteredBatchBodyMixesManyAgents()
    {
        var body = new EventFactory(7, Workload.Scattered).CreateBody(100);

        var sources = Events(body).Select(e => e.Source).Distinct().Count();

        // 100 random draws from 1,000 agents: about 95 distinct ones.
        Assert.True(sources > 80, $"only {sources} agents in one scattered batch of 100");
    }

    [Fact]
    public void PoolHoldsAboutOneBodyPerAgentButBoundsItsEvents()
    {
        Assert.Equal(Workload.Agents, EventFactory.PoolSizeFor(1));
        Assert.Equal(Workload.Agents, EventFactory.PoolSizeFor(100));
        Assert.Equal(100, EventFactory.PoolSizeFor(1_000));
        Assert.Equal(16, EventFactory.PoolSizeFor(10_000));
    }

    [Fact]
    public void FleetIsTheDefaultWorkload()
    {
        var settings = new LoadSettings { Url = new Uri("http://127.0.0.1/") };

        Assert.Same(Workload.Fleet, settings.Workload);
        Assert.Same(Workload.Scattered, Workload.Parse("scattered"));
        Assert.Throws<ArgumentException>(() => Workload.Parse("random"));
    }

    private static List<(string Source, string Hostname, string Region)> Events(RequestBody body)
    {
        using var document = JsonDocument.Parse(body.Stamp(SendTime));
        return
        [
            .. document.RootElement.EnumerateArray().Select(e => (
                e.GetProperty("source").GetString()!,
                e.GetProperty("hostname").GetString()!,
                e.GetProperty("region").GetString()!)),
        ];
    }
}
