using System.Globalization;
using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Analytics;

/// <summary>How a column's values are read back, whatever type the engine answered with.</summary>
internal enum AnalyticsColumnKind
{
    Text,
    Integer,
    Real,

    /// <summary>Unix milliseconds in the SQL, an RFC 3339 UTC string in the answer.</summary>
    Time,
}

internal sealed record AnalyticsColumn(string Name, AnalyticsColumnKind Kind);

/// <summary>One SELECT of an operation and the table its rows become.</summary>
internal sealed record AnalyticsStatement(string Table, string Sql, IReadOnlyList<AnalyticsColumn> Columns);

/// <summary>
/// What differs between the engines: where the events come from and a few functions. The
/// <see cref="Events"/> SELECT yields one row per event with the columns <c>event_id, source,
/// event_type, severity, region, ts_ms, ingested_ms, num</c> (<c>num</c>: the metric field as a
/// double, null when absent or not a number), already limited to the query's ranges and filters.
/// </summary>
internal abstract class AnalyticsDialect
{
    /// <summary>Integer division of two non-negative integers (SQLite and Trino truncate with "/", DuckDB needs "//").</summary>
    public virtual string IntDiv(string dividend, string divisor) => $"({dividend}) / ({divisor})";

    public abstract string Events(AnalyticsQuery query);

    /// <summary>A SQL string literal. Every engine here escapes a quote by doubling it and none treats a backslash specially.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The SQL of every operation, written once over the dialect's event rows, so Embedded (SQLite),
/// Aws (Athena) and the lake-format tests (DuckDB) run the same statements. Only portable SQL:
/// window functions, ordinal-free GROUP BY on named columns, explicit NULLS FIRST/LAST (the
/// engines' defaults differ), count(CASE ...) instead of count_if or sum (DuckDB sums to HUGEINT).
/// <para>
/// Percentiles are nearest-rank: p50 is the value of rank ceil(n / 2), p95 of rank
/// ceil(0.95 n), among the n numeric values of the group in ascending order (ceil written with
/// integer division: (n + 1) / 2 and (95 n + 99) / 100). Every reported value is one of the inputs.
/// </para>
/// </summary>
internal static class AnalyticsSql
{
    public static IReadOnlyList<AnalyticsStatement> For(AnalyticsQuery query, AnalyticsDialect dialect)
    {
        var events = $"WITH e AS (\n{dialect.Events(query)}\n)";
        return query.Operation switch
        {
            AnalyticsOperations.Summary => Summary(events),
            AnalyticsOperations.Counts => [Counts(query, dialect, events)],
            AnalyticsOperations.Metric => [Metric(query, dialect, events)],
            AnalyticsOperations.TopSources => [TopSources(query, events)],
            AnalyticsOperations.SilentSources => [SilentSources(query, events)],
            AnalyticsOperations.Integrity => [Integrity(query, events)],
            _ => throw new ArgumentException($"Unknown operation {query.Operation}.", nameof(query)),
        };
    }

    private static AnalyticsStatement[] Summary(string events) =>
    [
        new("totals", $"""
            {events}
            SELECT count(*) AS "events", count(DISTINCT source) AS "distinct_sources",
                   min(ts_ms) AS "first_timestamp", max(ts_ms) AS "last_timestamp"
            FROM e
            """,
            [new("events", AnalyticsColumnKind.Integer), new("distinct_sources", AnalyticsColumnKind.Integer),
             new("first_timestamp", AnalyticsColumnKind.Time), new("last_timestamp", AnalyticsColumnKind.Time)]),
        new("by_type_and_severity", $"""
            {events}
            SELECT event_type, severity, count(*) AS "events"
            FROM e
            GROUP BY event_type, severity
            ORDER BY event_type, severity
            """,
            [new("event_type", AnalyticsColumnKind.Text), new("severity", AnalyticsColumnKind.Text), new("events", AnalyticsColumnKind.Integer)]),
    ];

    /// <summary>The grouping columns and the bucket (if any), as a SELECT list over <c>e</c>, and their names.</summary>
    private static (string Select, List<string> Keys, List<AnalyticsColumn> Columns) Keys(AnalyticsQuery query, AnalyticsDialect dialect)
    {
        var keys = new List<string>(query.Groups);
        var select = new List<string>(query.Groups);
        var columns = query.Groups.Select(g => new AnalyticsColumn(g, AnalyticsColumnKind.Text)).ToList();
        if (query.BucketMs is { } bucket)
        {
            select.Add($"{dialect.IntDiv("ts_ms", Number(bucket))} * {Number(bucket)} AS bucket");
            keys.Add("bucket");
            columns.Add(new AnalyticsColumn("bucket", AnalyticsColumnKind.Time));
        }

        return (string.Join(", ", select), keys, columns);
    }

    private static string Number(long value) => AnalyticsDialect.Number(value);

    private static string OrderBy(IEnumerable<string> keys) =>
        string.Join(", ", keys.Select(k => $"{k} ASC NULLS FIRST"));

    private static AnalyticsStatement Counts(AnalyticsQuery query, AnalyticsDialect dialect, string events)
    {
        var (select, keys, columns) = Keys(query, dialect);
        columns.Add(new AnalyticsColumn("events", AnalyticsColumnKind.Integer));
        var sql = keys.Count == 0
            ? $"""
                {events}
                SELECT count(*) AS "events" FROM e
                """
            : $"""
                {events},
                g AS (SELECT {select} FROM e)
                SELECT {string.Join(", ", keys)}, count(*) AS "events"
                FROM g
                GROUP BY {string.Join(", ", keys)}
                ORDER BY {OrderBy(keys)}
                """;
        return new AnalyticsStatement("counts", sql, columns);
    }

    private static AnalyticsStatement Metric(AnalyticsQuery query, AnalyticsDialect dialect, string events)
    {
        var (select, keys, columns) = Keys(query, dialect);
        var partition = keys.Count == 0 ? string.Empty : $"PARTITION BY {string.Join(", ", keys)} ";
        var keyList = keys.Count == 0 ? string.Empty : string.Join(", ", keys) + ", ";
        var rank50 = dialect.IntDiv("n + 1", "2");
        var rank95 = dialect.IntDiv("95 * n + 99", "100");
        var sql = $"""
            {events},
            g AS (SELECT {(select.Length == 0 ? string.Empty : select + ", ")}num FROM e),
            r AS (
                SELECT {keyList}num,
                       row_number() OVER ({partition}ORDER BY num ASC NULLS LAST) AS rn,
                       count(num) OVER ({partition.TrimEnd()}) AS n
                FROM g)
            SELECT {keyList}count(*) AS "events", count(num) AS "count", count(*) - count(num) AS "skipped",
                   min(num) AS "min", max(num) AS "max", avg(num) AS "avg",
                   min(CASE WHEN num IS NOT NULL AND rn >= {rank50} THEN num END) AS "p50",
                   min(CASE WHEN num IS NOT NULL AND rn >= {rank95} THEN num END) AS "p95"
            FROM r
            {(keys.Count == 0 ? string.Empty : $"GROUP BY {string.Join(", ", keys)}\nORDER BY {OrderBy(keys)}")}
            """;
        columns.AddRange(
        [
            new("events", AnalyticsColumnKind.Integer), new("count", AnalyticsColumnKind.Integer), new("skipped", AnalyticsColumnKind.Integer),
            new("min", AnalyticsColumnKind.Real), new("max", AnalyticsColumnKind.Real), new("avg", AnalyticsColumnKind.Real),
            new("p50", AnalyticsColumnKind.Real), new("p95", AnalyticsColumnKind.Real),
        ]);
        return new AnalyticsStatement("metric", sql, columns);
    }

    private static AnalyticsStatement TopSources(AnalyticsQuery query, string events) =>
        new("top_sources", $"""
            {events}
            SELECT source, count(*) AS "events", max(ts_ms) AS "last_timestamp"
            FROM e
            GROUP BY source
            ORDER BY "events" DESC, source ASC
            LIMIT {query.Limit}
            """,
            [new("source", AnalyticsColumnKind.Text), new("events", AnalyticsColumnKind.Integer), new("last_timestamp", AnalyticsColumnKind.Time)]);

    private static AnalyticsStatement SilentSources(AnalyticsQuery query, string events)
    {
        var reference = query.Reference!.Value;
        return new("silent_sources", $"""
            {events}
            SELECT source, count(*) AS "reference_events", max(ts_ms) AS "last_seen"
            FROM e
            WHERE ts_ms >= {Number(reference.FromMs)} AND ts_ms < {Number(reference.ToMs)}
              AND source NOT IN (SELECT source FROM e WHERE ts_ms >= {Number(query.Range.FromMs)} AND ts_ms < {Number(query.Range.ToMs)})
            GROUP BY source
            ORDER BY source ASC
            LIMIT {query.Limit}
            """,
            [new("source", AnalyticsColumnKind.Text), new("reference_events", AnalyticsColumnKind.Integer), new("last_seen", AnalyticsColumnKind.Time)]);
    }

    /// <summary>Counts per event id first: a line the bus delivered twice is one event with two copies.</summary>
    private static AnalyticsStatement Integrity(AnalyticsQuery query, string events) =>
        new("integrity", $"""
            {events},
            ids AS (SELECT event_id, count(*) AS copies, min(ts_ms) AS ts_ms, min(ingested_ms) AS ingested_ms FROM e GROUP BY event_id)
            SELECT (SELECT count(*) FROM e) AS "lines",
                   count(*) AS "distinct_event_ids",
                   count(CASE WHEN copies > 1 THEN 1 END) AS "duplicate_event_ids",
                   count(CASE WHEN ingested_ms - ts_ms > {Number(query.LateAfterMs)} THEN 1 END) AS "late_events",
                   max(ingested_ms - ts_ms) AS "max_delay_ms"
            FROM ids
            """,
            [new("lines", AnalyticsColumnKind.Integer), new("distinct_event_ids", AnalyticsColumnKind.Integer),
             new("duplicate_event_ids", AnalyticsColumnKind.Integer), new("late_events", AnalyticsColumnKind.Integer),
             new("max_delay_ms", AnalyticsColumnKind.Integer)]);

    /// <summary>Converts one engine value to the column's kind: long, double, string (times as RFC 3339) or null.</summary>
    public static object? Normalise(object? value, AnalyticsColumnKind kind)
    {
        if (value is null or DBNull)
        {
            return null;
        }

        return kind switch
        {
            AnalyticsColumnKind.Text => Convert.ToString(value, CultureInfo.InvariantCulture),
            AnalyticsColumnKind.Integer => ToLong(value),
            AnalyticsColumnKind.Real => value is string s ? double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture) : Convert.ToDouble(value, CultureInfo.InvariantCulture),
            AnalyticsColumnKind.Time => Rfc3339.ToUtcString(DateTimeOffset.FromUnixTimeMilliseconds(ToLong(value))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static long ToLong(object value) => value switch
    {
        string s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture),
        System.Numerics.BigInteger b => (long)b,
        double d => checked((long)d),
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    /// <summary>Every range the query reads, merged into the smallest enclosing range (for index seeks and partition pruning).</summary>
    public static TimeRange Enclosing(AnalyticsQuery query) =>
        new(query.RangesRead.Min(r => r.FromMs), query.RangesRead.Max(r => r.ToMs));
}
