using Cortex.Api.Events;
using Cortex.Api.Ports;
using Microsoft.Extensions.DependencyInjection;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Analytics;

/// <summary>Small data sets whose answers are worked out by hand, checked on both engines.</summary>
public sealed class AnalyticsExpectationTests : IDisposable
{
    private static readonly DateTimeOffset T0 = GoldenEvents.Start;
    private readonly CortexApplication _app = new();
    private readonly string _lakeRoot = Directory.CreateTempSubdirectory("cortex-lake-").FullName;

    [Fact]
    public async Task MetricPercentilesAreNearestRankAndNonNumbersAreSkipped()
    {
        // Values 1, 2, 3, 4, 100, a string and a missing field: n = 5, p50 = rank ceil(2.5) = 3 -> 3,
        // p95 = rank ceil(4.75) = 5 -> 100, avg = 110 / 5 = 22.
        var data = new[] { "1", "2", "3", "4", "100", "\"n/a\"", null };
        var events = data.Select((value, i) => Cpu("a", i, value)).ToList();

        var results = await RunBothAsync(events, events, new AnalyticsQuery(AnalyticsOperations.Metric, Hours(0, 1), Field: "cpu_percent"));

        foreach (var result in results)
        {
            Assert.Equal(["events", "count", "skipped", "min", "max", "avg", "p50", "p95"], result.Tables.Single().Columns);
            Assert.Equal([7L, 5L, 2L, 1.0, 100.0, 22.0, 3.0, 100.0], result.Tables.Single().Rows.Single());
        }
    }

    [Fact]
    public async Task MetricPercentilesOfTwentyValuesAreTheTenthAndNineteenth()
    {
        var events = Enumerable.Range(1, 20).Reverse().Select(v => Cpu("a", v, v.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();

        var results = await RunBothAsync(events, events, new AnalyticsQuery(AnalyticsOperations.Metric, Hours(0, 1), Field: "cpu_percent"));

        foreach (var result in results)
        {
            var row = result.Tables.Single().Rows.Single();
            Assert.Equal(10.0, row[6]);
            Assert.Equal(19.0, row[7]);
        }
    }

    [Fact]
    public async Task CountsGroupBySeverityAndHourBucket()
    {
        List<TelemetryEvent> events =
        [
            Event("a", "info", T0.AddMinutes(1)), Event("b", "info", T0.AddMinutes(59)), Event("a", "critical", T0.AddMinutes(30)),
            Event("a", "info", T0.AddMinutes(61)), Event("a", "info", T0.AddHours(3)),
        ];

        var results = await RunBothAsync(events, events,
            new AnalyticsQuery(AnalyticsOperations.Counts, Hours(0, 2), GroupBy: ["severity"], BucketMs: 3_600_000));

        foreach (var result in results)
        {
            var table = result.Tables.Single();
            Assert.Equal(["severity", "bucket", "events"], table.Columns);
            Assert.Equal(
                [["critical", "2026-11-20T00:00:00.000Z", 1L], ["info", "2026-11-20T00:00:00.000Z", 2L], ["info", "2026-11-20T01:00:00.000Z", 1L]],
                table.Rows);
        }
    }

    [Fact]
    public async Task TopSourcesRankByEventsOfTheSeverityThenByName()
    {
        List<TelemetryEvent> events =
        [
            Event("c", "critical", T0.AddMinutes(1)), Event("a", "critical", T0.AddMinutes(2)), Event("c", "critical", T0.AddMinutes(3)),
            Event("a", "critical", T0.AddMinutes(4)), Event("b", "critical", T0.AddMinutes(5)), Event("b", "info", T0.AddMinutes(6)),
            Event("b", "info", T0.AddMinutes(7)),
        ];

        var results = await RunBothAsync(events, events, new AnalyticsQuery(AnalyticsOperations.TopSources, Hours(0, 1), Severity: "critical", Limit: 2));

        foreach (var result in results)
        {
            Assert.Equal([("a", 2L), ("c", 2L)], result.Tables.Single().Rows.Select(r => ((string)r[0]!, (long)r[1]!)));
        }
    }

    [Fact]
    public async Task SilentSourcesAreThoseOfTheReferenceRangeMissingFromTheCheckedRange()
    {
        List<TelemetryEvent> events =
        [
            Event("a", "info", T0.AddMinutes(10)), Event("b", "info", T0.AddMinutes(20)), Event("c", "info", T0.AddMinutes(30)),
            Event("c", "info", T0.AddMinutes(40)), Event("b", "info", T0.AddHours(2)),
        ];

        var results = await RunBothAsync(events, events,
            new AnalyticsQuery(AnalyticsOperations.SilentSources, Hours(1, 3), Reference: Hours(0, 1)));

        foreach (var result in results)
        {
            Assert.Equal(
                [["a", 1L, "2026-11-20T00:10:00.000Z"], ["c", 2L, "2026-11-20T00:40:00.000Z"]],
                result.Tables.Single().Rows);
        }
    }

    [Fact]
    public async Task IntegrityCountsDuplicateLinesInTheLakeAndLateEvents()
    {
        var onTime = Event("a", "info", T0.AddMinutes(1));
        var late = Event("b", "info", T0.AddMinutes(2)) with { IngestedAt = Rfc3339.ToUtcString(T0.AddMinutes(12)) };
        var notLate = Event("c", "info", T0.AddMinutes(3)) with { IngestedAt = Rfc3339.ToUtcString(T0.AddMinutes(8)) };

        // The bus delivered the first event twice to the lake; the store kept it once.
        var results = await RunBothAsync([onTime, late, notLate], [onTime, onTime, late, notLate],
            new AnalyticsQuery(AnalyticsOperations.Integrity, Hours(0, 1), LateAfterMs: 300_000));

        var lake = results[0].Tables.Single();
        var embedded = results[1].Tables.Single();
        Assert.Equal(["lines", "distinct_event_ids", "duplicate_event_ids", "late_events", "max_delay_ms"], lake.Columns);
        Assert.Equal([4L, 3L, 1L, 1L, 600_000L], lake.Rows.Single());
        Assert.Equal(["lines", "distinct_event_ids", "duplicate_event_ids", "late_events", "max_delay_ms", "store_events"], embedded.Columns);
        Assert.Equal([3L, 3L, 0L, 1L, 600_000L, 3L], embedded.Rows.Single());
    }

    public void Dispose()
    {
        _app.Dispose();
        Directory.Delete(_lakeRoot, recursive: true);
    }

    private static TimeRange Hours(int from, int to) => GoldenEvents.Hours(from, to);

    private static TelemetryEvent Event(string source, string severity, DateTimeOffset at) =>
        GoldenEvents.Make(source, "cpu_usage", severity, at, "{}", "eu-west-1", at);

    private static TelemetryEvent Cpu(string source, int minute, string? value) =>
        GoldenEvents.Make(source, "cpu_usage", "info", T0.AddMinutes(minute), value is null ? "{}" : $$"""{"cpu_percent":{{value}}}""", null, T0.AddMinutes(minute));

    /// <summary>The lake's answer first, then Embedded's.</summary>
    private async Task<AnalyticsResult[]> RunBothAsync(IReadOnlyList<TelemetryEvent> stored, IReadOnlyList<TelemetryEvent> lake, AnalyticsQuery query)
    {
        await _app.Services.GetRequiredService<ITelemetryStore>().SaveAsync(stored, Cancellation);
        GoldenEvents.WriteLake(_lakeRoot, lake);
        return [new DuckDbLake(_lakeRoot).Run(query), await _app.Services.GetRequiredService<IAnalyticsEngine>().RunAsync(query, Cancellation)];
    }
}
