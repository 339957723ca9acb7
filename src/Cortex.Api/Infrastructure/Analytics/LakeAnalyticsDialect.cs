using System.Globalization;
using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Analytics;

/// <summary>
/// The data lake's lines as analytics rows, in Athena's SQL (Trino). A line is the event as the
/// publisher writes the bus entry's detail; <c>timestamp</c> is always
/// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, so comparing the strings compares the times, and the
/// partition columns (year, month, day of that timestamp) prune the objects read. A subclass in
/// the tests changes only the table and the functions, to run the same SQL on DuckDB.
/// </summary>
internal class LakeAnalyticsDialect(string table) : AnalyticsDialect
{
    public override string Events(AnalyticsQuery query)
    {
        var ranges = string.Join(" OR ", query.RangesRead.Select(r =>
            $"(\"timestamp\" >= {Literal(Time(r.FromMs))} AND \"timestamp\" < {Literal(Time(r.ToMs))})"));
        var filters = (query.Source is null ? string.Empty : $" AND source = {Literal(query.Source)}")
            + (query.EventType is null ? string.Empty : $" AND event_type = {Literal(query.EventType)}")
            + (query.Severity is null ? string.Empty : $" AND severity = {Literal(query.Severity)}")
            + (query.Region is null ? string.Empty : $" AND region = {Literal(query.Region)}");
        return $"""
            SELECT event_id, source, event_type, severity, region,
                   {EpochMs("\"timestamp\"")} AS ts_ms,
                   {EpochMs("ingested_at")} AS ingested_ms,
                   {(query.Field is { } field ? NumericField(field) : "CAST(NULL AS double)")} AS num
            FROM {table}
            WHERE ({Partitions(query)})
              AND ({ranges}){filters}
            """;
    }

    /// <summary>The UTC days the query's ranges touch, as partition predicates.</summary>
    public static IEnumerable<DateOnly> Days(AnalyticsQuery query) =>
        query.RangesRead
            .SelectMany(r =>
            {
                var first = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(r.FromMs).UtcDateTime);
                var last = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(r.ToMs - 1).UtcDateTime);
                return Enumerable.Range(0, last.DayNumber - first.DayNumber + 1).Select(first.AddDays);
            })
            .Distinct()
            .Order();

    /// <summary>Milliseconds since the epoch of a normalised timestamp column, as a bigint.</summary>
    protected virtual string EpochMs(string column) =>
        $"CAST(round(to_unixtime(from_iso8601_timestamp({column})) * 1000) AS bigint)";

    /// <summary>
    /// The field of <c>data</c> (a JSON string column) as a double when it is a JSON number, else
    /// null: a JSON string that looks like a number, a boolean or an object is not one.
    /// </summary>
    protected virtual string NumericField(string field)
    {
        var path = Literal("$." + field);
        return $"CASE WHEN regexp_like(json_format(json_extract(data, {path})), '^-?[0-9]') THEN CAST(json_extract_scalar(data, {path}) AS double) END";
    }

    private static string Partitions(AnalyticsQuery query) =>
        string.Join(" OR ", Days(query).Select(d => string.Create(CultureInfo.InvariantCulture, $"(year = {d.Year} AND month = {d.Month} AND day = {d.Day})")));

    private static string Time(long ms) => Rfc3339.ToUtcString(DateTimeOffset.FromUnixTimeMilliseconds(ms));
}
