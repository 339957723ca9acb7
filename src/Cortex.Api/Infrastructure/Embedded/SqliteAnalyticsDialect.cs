using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Analytics;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// The events table as analytics rows. The type index (<c>ix_events_type_second</c>) serves the
/// time range: the event type is bound to its values (one, or all nine) and the range is also
/// written on <c>ts_ms / 1000</c>, the index's second column, so SQLite seeks instead of scanning.
/// </summary>
internal sealed class SqliteAnalyticsDialect(long nowSeconds) : AnalyticsDialect
{
    public override string Events(AnalyticsQuery query)
    {
        var enclosing = AnalyticsSql.Enclosing(query);
        var types = query.EventType is { } type ? [type] : EventContract.EventTypes;
        var ranges = string.Join(" OR ", query.RangesRead.Select(r => $"(ts_ms >= {Number(r.FromMs)} AND ts_ms < {Number(r.ToMs)})"));
        var num = query.Field is { } field
            ? $"CASE WHEN json_type(document, {Literal("$.data." + field)}) IN ('integer', 'real') THEN CAST(json_extract(document, {Literal("$.data." + field)}) AS REAL) END"
            : "NULL";
        var filters = (query.Source is null ? string.Empty : $" AND source = {Literal(query.Source)}")
            + (query.Severity is null ? string.Empty : $" AND severity = {Literal(query.Severity)}")
            + (query.Region is null ? string.Empty : $" AND json_extract(document, '$.region') = {Literal(query.Region)}");
        return $"""
            SELECT hex(event_id) AS event_id, source, event_type, severity, json_extract(document, '$.region') AS region, ts_ms,
                   CAST(round(unixepoch(json_extract(document, '$.ingested_at'), 'subsec') * 1000) AS INTEGER) AS ingested_ms,
                   {num} AS num
            FROM events
            WHERE event_type IN ({string.Join(", ", types.Select(Literal))})
              AND ts_ms / 1000 >= {Number(enclosing.FromMs / 1000)} AND ts_ms / 1000 <= {Number((enclosing.ToMs - 1) / 1000)}
              AND ({ranges}) AND expires_at > {Number(nowSeconds)}{filters}
            """;
    }

    /// <summary>How many stored events (expired ones too) lie in the query's enclosing range: index entries only.</summary>
    public static string EstimateSql(AnalyticsQuery query)
    {
        var enclosing = AnalyticsSql.Enclosing(query);
        var types = query.EventType is { } type ? [type] : EventContract.EventTypes;
        return $"""
            SELECT count(*) FROM events
            WHERE event_type IN ({string.Join(", ", types.Select(Literal))})
              AND ts_ms / 1000 >= {Number(enclosing.FromMs / 1000)} AND ts_ms / 1000 <= {Number((enclosing.ToMs - 1) / 1000)}
            """;
    }
}
