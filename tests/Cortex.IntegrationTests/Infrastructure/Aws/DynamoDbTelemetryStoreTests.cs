using Amazon.DynamoDBv2.Model;
using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.IntegrationTests.Infrastructure.Aws;

public sealed class DynamoDbTelemetryStoreTests : IClassFixture<AwsResources>
{
    private static readonly DateTimeOffset Now = TestEvents.BaseTime.AddDays(1);
    private readonly AwsResources _aws;
    private readonly FakeTimeProvider _clock = new(Now);

    public DynamoDbTelemetryStoreTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
    }

    [Fact]
    public async Task SavingTheSameEventTwiceStoresItOnceAndKeepsTheFirstWrite()
    {
        var store = CreateStore();
        var first = TestEvents.Create(source: "idempotent");
        var retry = first with { Data = """{"value":1}"""u8.ToArray() };

        var saved = await store.SaveAsync([first], TestContext.Current.CancellationToken);
        var again = await store.SaveAsync([retry], TestContext.Current.CancellationToken);
        var document = await store.GetAsync(first.EventId, TestContext.Current.CancellationToken);

        Assert.Equal([SaveOutcome.Stored], saved);
        Assert.Equal([SaveOutcome.Duplicate], again);
        Assert.Equal(EventJson.ToJson(first), document);
    }

    [Fact]
    public async Task ItemCarriesKeysIndexAttributesAndDataNumbersAsExactNumbers()
    {
        var store = CreateStore();
        const string data = """{"load":87.50,"big":12345678901234567890123456789012345678,"tiny":-1.5e-130,"nested":{"list":[1,2.0,"x",true,null]},"empty":{}}""";
        var e = TestEvents.Create(source: "numbers", data: data);

        await store.SaveAsync([e], TestContext.Current.CancellationToken);
        var item = (await _aws.Dynamo.GetItemAsync(
            _aws.Options.TableName,
            new Dictionary<string, AttributeValue> { ["event_id"] = new() { S = e.EventIdText } },
            TestContext.Current.CancellationToken)).Item;

        Assert.Equal("numbers", item["source"].S);
        Assert.Equal($"{e.Timestamp}#{e.EventIdText}", item["ts_id"].S);
        var shard = DynamoDbItemMapper.ShardOf(e.EventId, _aws.Options.WriteShards);
        Assert.Equal($"cpu_usage#{shard}", item["type_shard"].S);
        Assert.Equal($"{shard}", item["time_shard"].S);
        Assert.Equal(e.ExpiresAt.ToString(System.Globalization.CultureInfo.InvariantCulture), item["ttl"].N);
        Assert.Equal(EventJson.ToJson(e), item["doc"].S);
        var map = item["data"].M;
        Assert.Equal(87.50m, decimal.Parse(map["load"].N, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("12345678901234567890123456789012345678", map["big"].N);
        Assert.Equal(-1.5e-130, double.Parse(map["tiny"].N, System.Globalization.CultureInfo.InvariantCulture));
        var list = map["nested"].M["list"].L;
        Assert.Equal(["1", "2.0"], list.Take(2).Select(v => v.N));
        Assert.Equal("x", list[2].S);
        Assert.True(list[3].BOOL);
        Assert.True(list[4].NULL);
        Assert.Empty(map["empty"].M);
    }

    [Fact]
    public async Task GetHidesAnExpiredEventThatTtlHasNotDeletedYet()
    {
        var store = CreateStore();
        var expired = TestEvents.Create(source: "expired", expiresAt: Now.ToUnixTimeSeconds());
        var live = TestEvents.Create(source: "expired", expiresAt: Now.ToUnixTimeSeconds() + 1);
        await store.SaveAsync([expired, live], TestContext.Current.CancellationToken);

        var hidden = await store.GetAsync(expired.EventId, TestContext.Current.CancellationToken);
        var shown = await store.GetAsync(live.EventId, TestContext.Current.CancellationToken);
        var missing = await store.GetAsync(Guid.NewGuid(), TestContext.Current.CancellationToken);

        Assert.Null(hidden);
        Assert.NotNull(shown);
        Assert.Null(missing);
    }

    private DynamoDbTelemetryStore CreateStore() => new(_aws.Dynamo, Options.Create(_aws.Options), _clock);
}
