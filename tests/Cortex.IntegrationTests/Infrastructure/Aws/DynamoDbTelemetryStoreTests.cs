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

    [Theory]
    [InlineData("server-assigned")]
    [InlineData("client-chosen")]
    [InlineData("client-chosen version 7 of another time")]
    public async Task SavingTheSameEventTwiceStoresItOnceAndKeepsTheFirstWrite(string idKind)
    {
        var store = CreateStore();
        var first = TestEvents.Create(source: "idempotent-" + Guid.NewGuid().ToString("N")[..8], eventId: IdOf(idKind));
        var retry = first with { Data = """{"value":1}"""u8.ToArray() };

        var saved = await store.SaveAsync([first], TestContext.Current.CancellationToken);
        var again = await store.SaveAsync([retry], TestContext.Current.CancellationToken);
        var document = await store.GetAsync(first.EventId, TestContext.Current.CancellationToken);

        Assert.Equal([SaveOutcome.Stored], saved);
        Assert.Equal([SaveOutcome.Duplicate], again);
        Assert.Equal(EventJson.ToJson(first), document);
        Assert.Equal([EventJson.ToJson(first)], await ListedAsync(store, first.Source));
    }

    [Theory]
    [InlineData("client-chosen")]
    [InlineData("client-chosen version 7 of another time")]
    [InlineData("server-assigned")]
    public async Task AClientRetryWithAnotherTimestampStaysTheFirstWriteInEveryListing(string idKind)
    {
        var store = CreateStore();
        var first = TestEvents.Create(source: "retry-" + Guid.NewGuid().ToString("N")[..8], eventId: IdOf(idKind));
        var later = TestEvents.BaseTime.AddMinutes(3);
        var retry = first with { Timestamp = Rfc3339.ToUtcString(later), TimestampMs = later.ToUnixTimeMilliseconds() };

        var outcomes = await store.SaveAsync([first], TestContext.Current.CancellationToken);
        var again = await store.SaveAsync([retry], TestContext.Current.CancellationToken);

        Assert.Equal([SaveOutcome.Stored], outcomes);
        Assert.Equal([SaveOutcome.Duplicate], again);
        Assert.Equal([EventJson.ToJson(first)], await ListedAsync(store, first.Source));
        var byTime = await store.QueryAsync(
            new EventQuery(null, null, null, TestEvents.BaseTime.ToUnixTimeMilliseconds(), later.AddSeconds(1).ToUnixTimeMilliseconds(), 1000, null),
            TestContext.Current.CancellationToken);
        Assert.Single(byTime.Items, d => d.Contains(first.EventIdText, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClaimLeftWithoutItsListedItemIsCompletedByTheNextDelivery()
    {
        // The writer stopped after claiming a client-chosen id and before writing the listed item.
        var store = CreateStore();
        var first = TestEvents.Create(source: "claimed-" + Guid.NewGuid().ToString("N")[..8]);
        var item = DynamoDbItemMapper.ToItem(first, _aws.Options.WriteShards, _aws.Options.SourceShards);
        await _aws.Dynamo.PutItemAsync(_aws.Options.TableName, DynamoDbItemMapper.ToClaim(item, _aws.Options.WriteShards, first.EventId), TestContext.Current.CancellationToken);
        Assert.Empty(await ListedAsync(store, first.Source));

        var redelivered = await store.SaveAsync([first with { Data = """{"value":2}"""u8.ToArray() }], TestContext.Current.CancellationToken);

        Assert.Equal([SaveOutcome.Duplicate], redelivered);
        Assert.Equal([EventJson.ToJson(first)], await ListedAsync(store, first.Source));
        Assert.Equal(EventJson.ToJson(first), await store.GetAsync(first.EventId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ItemCarriesKeysIndexAttributesAndDataNumbersAsExactNumbers()
    {
        var store = CreateStore();
        const string data = """{"load":87.50,"big":12345678901234567890123456789012345678,"tiny":-1.5e-130,"nested":{"list":[1,2.0,"x",true,null]},"empty":{}}""";
        var e = TestEvents.Create(source: "numbers", data: data, eventId: Uuid7.New(TestEvents.BaseTime));

        await store.SaveAsync([e], TestContext.Current.CancellationToken);
        var item = (await _aws.Dynamo.GetItemAsync(
            _aws.Options.TableName, DynamoDbItemMapper.KeyOf(e.EventId, _aws.Options.WriteShards), TestContext.Current.CancellationToken)).Item;

        Assert.Equal("numbers", item["source"].S);
        Assert.Equal("cpu_usage", item["event_type"].S);
        Assert.Equal(e.EventIdText, item["event_id"].S);
        Assert.Equal($"{e.Timestamp}#{e.EventIdText}", item["ts_id"].S);
        Assert.Equal($"{DynamoDbItemMapper.ShardOf(e.EventId, _aws.Options.WriteShards)}", item["pk"].S);
        Assert.Equal($"numbers#{DynamoDbItemMapper.ShardOf(e.EventId, _aws.Options.SourceShards)}", item["source_shard"].S);
        Assert.False(item.ContainsKey("ref"));
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

    private static Guid IdOf(string kind) => kind switch
    {
        "server-assigned" => Uuid7.New(TestEvents.BaseTime),
        "client-chosen" => Guid.NewGuid(),
        _ => Uuid7.New(TestEvents.BaseTime.AddHours(-5)),
    };

    private static async Task<IReadOnlyList<string>> ListedAsync(DynamoDbTelemetryStore store, string source)
    {
        var bySource = await store.QueryAsync(new EventQuery(source, null, null, null, null, 1000, null), TestContext.Current.CancellationToken);
        var byType = await store.QueryAsync(new EventQuery(null, "cpu_usage", null, null, null, 1000, null), TestContext.Current.CancellationToken);
        Assert.Equal(bySource.Items, byType.Items.Where(d => d.Contains($"\"source\":\"{source}\"", StringComparison.Ordinal)));
        return bySource.Items;
    }

    private DynamoDbTelemetryStore CreateStore() => new(_aws.Dynamo, Options.Create(_aws.Options), _clock);
}
