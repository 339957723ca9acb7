namespace Cortex.Api.Ports;

/// <summary>The operations an analytics job runs; <see cref="AnalyticsQuery.Operation"/> holds one of their names.</summary>
public static class AnalyticsOperations
{
    public const string Summary = "summary";
    public const string Counts = "counts";
    public const string Metric = "metric";
    public const string TopSources = "top_sources";
    public const string SilentSources = "silent_sources";
    public const string Integrity = "integrity";

    public static readonly string[] All = [Summary, Counts, Metric, TopSources, SilentSources, Integrity];

    /// <summary>The dimensions <c>counts</c> and <c>metric</c> may group by.</summary>
    public static readonly string[] GroupDimensions = ["source", "event_type", "severity", "region"];
}

/// <summary>A half-open time range of event timestamps in Unix milliseconds: <see cref="FromMs"/> inclusive, <see cref="ToMs"/> exclusive.</summary>
public readonly record struct TimeRange(long FromMs, long ToMs);

/// <summary>
/// A validated analytics question. Every engine answers it with the same tables, rows in the
/// same order, so the two modes (and the lake-format tests) can be compared row by row.
/// </summary>
/// <param name="Operation">One of <see cref="AnalyticsOperations.All"/>.</param>
/// <param name="Range">The events examined (for <c>silent_sources</c>: the checked range).</param>
/// <param name="GroupBy">Grouping dimensions of <c>counts</c> and <c>metric</c>, in the caller's order.</param>
/// <param name="BucketMs">Time bucket width of <c>counts</c> and <c>metric</c>, or null for none.</param>
/// <param name="Field">The <c>data</c> member of <c>metric</c>, as a path below <c>data</c> (for example <c>cpu_percent</c>).</param>
/// <param name="Limit">The most rows of <c>top_sources</c> and <c>silent_sources</c>.</param>
/// <param name="Reference">The reference range of <c>silent_sources</c>.</param>
/// <param name="LateAfterMs">Integrity: an event ingested more than this after its timestamp is late.</param>
public sealed record AnalyticsQuery(
    string Operation,
    TimeRange Range,
    string? Source = null,
    string? EventType = null,
    string? Severity = null,
    string? Region = null,
    IReadOnlyList<string>? GroupBy = null,
    long? BucketMs = null,
    string? Field = null,
    int Limit = 100,
    TimeRange? Reference = null,
    long LateAfterMs = 300_000)
{
    public IReadOnlyList<string> Groups => GroupBy ?? [];

    /// <summary>Every range the query reads: the range, and the reference range if any.</summary>
    public IEnumerable<TimeRange> RangesRead => Reference is { } reference ? [reference, Range] : [Range];
}

/// <summary>One named table of an answer: column names and rows of long, double, string or null values.</summary>
public sealed record AnalyticsTable(string Name, IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

/// <summary>What a job computed: one or more tables.</summary>
public sealed record AnalyticsResult(IReadOnlyList<AnalyticsTable> Tables);

/// <summary>How much a query would read, in the engine's unit, and the most it may read.</summary>
public sealed record ScanEstimate(long Amount, string Unit, long Budget)
{
    public bool ExceedsBudget => Amount > Budget;
}
