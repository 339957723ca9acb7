using Cortex.Api.Ports;
using Microsoft.Extensions.DependencyInjection;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Analytics;

/// <summary>
/// Every operation on the golden data set (<see cref="GoldenEvents"/>) answers the same in
/// Embedded mode (SQL over SQLite) and on the lake engine's SQL over lake-formatted files
/// (DuckDB), row for row.
/// </summary>
public sealed class AnalyticsGoldenTests : IClassFixture<AnalyticsGoldenTests.GoldenData>
{
    private readonly GoldenData _data;

    public AnalyticsGoldenTests(GoldenData data)
    {
        _data = data;
    }

    public static TheoryData<string> Queries => [.. GoldenQueries.Keys];

    private static readonly Dictionary<string, AnalyticsQuery> GoldenQueries = new()
    {
        ["summary"] = new(AnalyticsOperations.Summary, GoldenEvents.Hours(0, 72)),
        ["summary of one region's warnings"] = new(AnalyticsOperations.Summary, GoldenEvents.Hours(5, 50), Severity: "warning", Region: "eu-west-1"),
        ["counts without groups"] = new(AnalyticsOperations.Counts, GoldenEvents.Hours(0, 72)),
        ["counts by source and severity per hour"] = new(AnalyticsOperations.Counts, GoldenEvents.Hours(0, 72), GroupBy: ["source", "severity"], BucketMs: 3_600_000),
        ["counts by region per day"] = new(AnalyticsOperations.Counts, GoldenEvents.Hours(0, 72), GroupBy: ["region"], BucketMs: 86_400_000),
        ["counts by type per minute for one source"] = new(AnalyticsOperations.Counts, GoldenEvents.Hours(10, 30), Source: "host-03", GroupBy: ["event_type"], BucketMs: 60_000),
        ["metric overall"] = new(AnalyticsOperations.Metric, GoldenEvents.Hours(0, 72), Field: "cpu_percent"),
        ["metric by region per hour"] = new(AnalyticsOperations.Metric, GoldenEvents.Hours(0, 72), GroupBy: ["region"], BucketMs: 3_600_000, Field: "cpu_percent"),
        ["metric by source and type"] = new(AnalyticsOperations.Metric, GoldenEvents.Hours(0, 48), EventType: "cpu_usage", GroupBy: ["source", "event_type"], Field: "cpu_percent"),
        ["metric of a field no event has"] = new(AnalyticsOperations.Metric, GoldenEvents.Hours(0, 72), GroupBy: ["severity"], Field: "missing"),
        ["top critical sources"] = new(AnalyticsOperations.TopSources, GoldenEvents.Hours(0, 72), Severity: "critical", Limit: 5),
        ["top warning sources of one type"] = new(AnalyticsOperations.TopSources, GoldenEvents.Hours(0, 72), EventType: "disk_io", Severity: "warning", Limit: 20),
        ["silent sources"] = new(AnalyticsOperations.SilentSources, GoldenEvents.Hours(70, 72), EventType: "uptime", Reference: GoldenEvents.Hours(0, 48)),
        ["integrity"] = new(AnalyticsOperations.Integrity, GoldenEvents.Hours(0, 72), LateAfterMs: 300_000),
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task EveryOperationAnswersTheSameInEmbeddedModeAndOnTheLake(string name)
    {
        var query = GoldenQueries[name];

        var embedded = await _data.Engine.RunAsync(query, Cancellation);
        var lake = _data.Lake.Run(query);

        AnalyticsAssert.SameTables(lake, embedded);
        Assert.Contains(embedded.Tables, t => t.Rows.Count > 0);
    }

    [Fact]
    public async Task TheGoldenSummaryCountsEveryEventOnce()
    {
        var result = await _data.Engine.RunAsync(GoldenQueries["summary"], Cancellation);

        var totals = result.Tables.Single(t => t.Name == "totals").Rows.Single();
        Assert.Equal((long)GoldenEvents.Count, totals[0]);
        Assert.Equal(12L, totals[1]);
        Assert.Equal((long)GoldenEvents.Count, result.Tables.Single(t => t.Name == "by_type_and_severity").Rows.Sum(r => (long)r[2]!));
    }

    /// <summary>The golden events, once in a SQLite store (through the app) and once as lake files.</summary>
    public sealed class GoldenData : IDisposable
    {
        private readonly CortexApplication _app = new();
        private readonly string _lakeRoot = Directory.CreateTempSubdirectory("cortex-lake-").FullName;

        public GoldenData()
        {
            var events = GoldenEvents.Generate();
            var store = _app.Services.GetRequiredService<ITelemetryStore>();
            foreach (var chunk in events.Chunk(200))
            {
                store.SaveAsync(chunk, CancellationToken.None).GetAwaiter().GetResult();
            }

            GoldenEvents.WriteLake(_lakeRoot, events);
            Engine = _app.Services.GetRequiredService<IAnalyticsEngine>();
            Lake = new DuckDbLake(_lakeRoot);
        }

        public IAnalyticsEngine Engine { get; }

        public DuckDbLake Lake { get; }

        public void Dispose()
        {
            _app.Dispose();
            Directory.Delete(_lakeRoot, recursive: true);
        }
    }
}
