using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Observability;
using Cortex.Api.Ports;
using Cortex.IntegrationTests.Api;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.IntegrationTests.Infrastructure.Aws;

/// <summary>
/// What one listing page reads (docs/dynamodb.md, "Reads per listing page"): the items every Query
/// evaluated (ScannedCount, before the filter) for a page of each pattern, turned into read units
/// with the sizes of the items written. moto answers ConsumedCapacity with a constant, so the units
/// are computed here by DynamoDB's rule: per Query call, the evaluated bytes rounded up to 4 KB,
/// half a unit each for an eventually consistent read.
/// </summary>
public sealed class DynamoDbReadCostTests : IClassFixture<AwsResources>
{
    private const int Limit = 20;
    private static readonly DateTimeOffset Now = TestEvents.BaseTime.AddDays(1);
    private static readonly string[] Types = ["cpu_usage", "memory_usage", "disk_io", "network_latency", "network_throughput", "process_count", "uptime", "health_check", "custom"];
    private readonly AwsResources _aws;

    public DynamoDbReadCostTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
    }

    [Fact]
    public async Task AListingPageReadsWhatItsKeyAndFilterImplyAndNoMore()
    {
        // 9 types alike, two sources alike, one source 1 event in 27: the shares the filters meet.
        var events = Enumerable.Range(0, 27 * 12).Select(i => Event(i, source: i % 27 == 0 ? "rc-rare" : i % 2 == 0 ? "rc-a" : "rc-b", Types[i % 9])).ToList();
        var store = new DynamoDbTelemetryStore(_aws.Dynamo, Options.Create(_aws.Options), new FakeTimeProvider(Now));
        await store.SaveAsync(events, TestContext.Current.CancellationToken);
        var itemBytes = events.Average(e => (double)DynamoDbWriteUnits.ItemBytes(Wire(DynamoDbItemMapper.ToItem(e, _aws.Options.WriteShards, _aws.Options.SourceShards))));

        var byTime = await ReadAsync(store, new EventQuery(null, null, null, null, null, Limit, null), itemBytes);
        var byType = await ReadAsync(store, new EventQuery(null, "disk_io", null, null, null, Limit, null), itemBytes);
        var bySource = await ReadAsync(store, new EventQuery("rc-a", null, null, null, null, Limit, null), itemBytes);
        var byRareSource = await ReadAsync(store, new EventQuery("rc-rare", null, null, null, null, Limit, null), itemBytes);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"item {itemBytes:0} bytes; page of {Limit}: by time {byTime}; by type (1 in 9) {byType}; by source (1 in 2) {bySource}; by a rare source (1 in 27) {byRareSource}"));

        var shards = _aws.Options.WriteShards;
        var sourceShards = _aws.Options.SourceShards;

        // Time: each partition reads at most the page plus one, whatever the table holds.
        Assert.Equal(Limit, byTime.Returned);
        Assert.InRange(byTime.Scanned, Limit + 1, shards * (Limit + 1));

        // Type: the filter reads about 9 items per match in each partition (bounded by the table here).
        Assert.Equal(Limit, byType.Returned);
        Assert.InRange(byType.Scanned, Limit + 1, Math.Min(events.Count, shards * (Limit + 1) * Types.Length));

        // Source: only the source's own partitions, however rare the source.
        Assert.Equal(Limit, bySource.Returned);
        Assert.InRange(bySource.Scanned, Limit + 1, sourceShards * (Limit + 1));
        Assert.Equal(events.Count(e => e.Source == "rc-rare"), byRareSource.Returned);
        Assert.Equal(byRareSource.Returned, byRareSource.Scanned);
    }

    private static async Task<PageReads> ReadAsync(DynamoDbTelemetryStore store, EventQuery query, double itemBytes)
    {
        var reads = new List<(int Scanned, int Count)>();
        using var parent = new Activity("listing page").Start();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CortexDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == parent.TraceId && activity.GetTagItem("aws.dynamodb.scanned_count") is int scanned)
                {
                    lock (reads)
                    {
                        reads.Add((scanned, (int)activity.GetTagItem("aws.dynamodb.count")!));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var page = await store.QueryAsync(query, TestContext.Current.CancellationToken);

        var units = reads.Sum(r => Math.Max(1, Math.Ceiling(r.Scanned * itemBytes / 4096)) * 0.5);
        return new PageReads(reads.Count, reads.Sum(r => r.Scanned), page.Items.Count, units);
    }

    private static TelemetryEvent Event(int i, string source, string type)
    {
        var time = TestEvents.BaseTime.AddSeconds(i);
        return TestEvents.Create(source: source, eventType: type, timestamp: time, eventId: Uuid7.New(time), expiresAt: Now.AddDays(30).ToUnixTimeSeconds());
    }

    /// <summary>The item as the DynamoDB wire protocol carries it, for <see cref="DynamoDbWriteUnits.ItemBytes"/>.</summary>
    private static JsonElement Wire(Dictionary<string, AttributeValue> item) =>
        JsonSerializer.SerializeToElement(item.ToDictionary(a => a.Key, a => ToWire(a.Value), StringComparer.Ordinal));

    private static object ToWire(AttributeValue value) => value switch
    {
        { S: { } s } => new Dictionary<string, object> { ["S"] = s },
        { N: { } n } => new Dictionary<string, object> { ["N"] = n },
        { M: { } m } when value.IsMSet => new Dictionary<string, object> { ["M"] = m.ToDictionary(e => e.Key, e => ToWire(e.Value), StringComparer.Ordinal) },
        { L: { } l } when value.IsLSet => new Dictionary<string, object> { ["L"] = l.Select(ToWire).ToList() },
        { NULL: true } => new Dictionary<string, object> { ["NULL"] = true },
        _ => new Dictionary<string, object> { ["BOOL"] = value.BOOL ?? false },
    };

    private sealed record PageReads(int Calls, int Scanned, int Returned, double ReadUnits)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Calls} Query calls, {Scanned} items read, {Returned} returned, {ReadUnits:0.#} read units");
    }
}
