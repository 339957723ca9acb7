using Cortex.Api.Events;
using Cortex.Api.Ports;
using Microsoft.Data.Sqlite;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// The SQL of the three listing patterns (by source, by event type, by time alone), each reading
/// one named index newest first, as DynamoDB's Query reads one key. QueryPlanTests pins the plans.
/// </summary>
internal static class SqliteEventQueries
{
    /// <summary>The stored form of an event id: its 16 bytes in RFC 9562 order, so byte order is the text's order.</summary>
    public static byte[] IdBytes(Guid eventId) => eventId.ToByteArray(bigEndian: true);

    /// <summary>Sets the command's SELECT and parameters for <paramref name="query"/>, with expiry judged at <paramref name="nowSeconds"/>.</summary>
    public static void Prepare(SqliteCommand command, EventQuery query, long nowSeconds)
    {
        command.Parameters.AddWithValue("$now", nowSeconds);
        command.Parameters.AddWithValue("$limit", query.Limit + 1);
        AddIfSet(command, "$source", query.Source);
        AddIfSet(command, "$type", query.EventType);
        AddIfSet(command, "$severity", query.Severity);
        AddIfSet(command, "$from", query.FromMs);
        AddIfSet(command, "$to", query.ToMs);
        if (query.After is { } after)
        {
            command.Parameters.AddWithValue("$after_ts", after.TimestampMs);
            command.Parameters.AddWithValue("$after_id", IdBytes(after.EventId));
        }

        command.CommandText = QueryText(query, command);
    }

    /// <summary>The SELECT for <paramref name="query"/>; the nine type parameters of the all-types query are added to <paramref name="command"/>.</summary>
    public static string QueryText(EventQuery query, SqliteCommand command) =>
        query.Source is not null
            ? SourceQuery(query)
            : query.EventType is not null
                ? TypeQuery(query, "$type")
                : AllTypesQuery(query, command);

    private static void AddIfSet(SqliteCommand command, string name, object? value)
    {
        if (value is not null)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }

    /// <summary>The conditions on the stored row: not expired, and the severity if one is asked for.</summary>
    private static string RowFilters(EventQuery query, string alias) =>
        $" AND {alias}expires_at > $now" + (query.Severity is null ? string.Empty : $" AND {alias}severity = $severity");

    /// <summary>The conditions on the sort key: the time range and the cursor's position.</summary>
    private static string KeyFilters(EventQuery query) =>
        (query.FromMs is null ? string.Empty : " AND ts_ms >= $from")
        + (query.ToMs is null ? string.Empty : " AND ts_ms < $to")
        + (query.After is null ? string.Empty : " AND (ts_ms < $after_ts OR (ts_ms = $after_ts AND event_id < $after_id))");

    /// <summary>
    /// A query by source reads one range of the source index, newest first, with the event type
    /// as a filter if one is given. The index is named, as DynamoDB's Query names its key: the
    /// planner could pick a worse one.
    /// </summary>
    private static string SourceQuery(EventQuery query) => $"""
        SELECT document, ts_ms, event_id FROM events INDEXED BY ix_events_source_time
        WHERE source = $source{(query.EventType is null ? string.Empty : " AND event_type = $type")}{RowFilters(query, string.Empty)}{KeyFilters(query)}
        ORDER BY ts_ms DESC, event_id DESC LIMIT $limit
        """;

    /// <summary>
    /// A query by event type. The type index is ordered by second, then by event id
    /// (<c>ix_events_type_second</c>), not by millisecond: agents send events up to seconds old,
    /// so with an index by millisecond each insert landed at a scattered place in the last
    /// seconds of its type, and that index was most of the pages every commit wrote
    /// (docs/performance.md). The ids Cortex assigns are UUIDv7, so within a second new entries
    /// go to the end; ids a client chose may land anywhere in their second, which costs what
    /// the index by millisecond cost.
    /// <para>
    /// Read newest first, SQLite sorts one second of keys at a time from the index alone ("USE
    /// TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY") in the subquery <c>k</c>, which runs as a
    /// co-routine because of its <c>LIMIT -1</c>. Rows are then fetched by rowid (<c>seq</c>, which
    /// every index entry carries) in that order, only as far as the page needs: <c>CROSS JOIN</c>
    /// keeps <c>k</c> the outer loop.
    /// (An ORDER BY on the outer query would sort the type's whole range instead.) The bounds on
    /// <c>ts_ms / 1000</c> only let the index seek: they hold for every row the exact bounds keep.
    /// </para>
    /// </summary>
    private static string TypeQuery(EventQuery query, string typeParameter)
    {
        var seconds = (query.FromMs is null ? string.Empty : " AND ts_ms / 1000 >= $from / 1000")
            + (query.ToMs is null ? string.Empty : " AND ts_ms / 1000 <= ($to - 1) / 1000")
            + (query.After is null ? string.Empty : " AND ts_ms / 1000 <= $after_ts / 1000");
        return $"""
            SELECT e.document, k.ts_ms, k.event_id
            FROM (SELECT seq, event_id, ts_ms FROM events INDEXED BY ix_events_type_second
                  WHERE event_type = {typeParameter}{seconds}{KeyFilters(query)}
                  ORDER BY ts_ms / 1000 DESC, ts_ms DESC, event_id DESC LIMIT -1) AS k
            CROSS JOIN events AS e ON e.seq = k.seq
            WHERE 1{RowFilters(query, "e.")}
            LIMIT $limit
            """;
    }

    /// <summary>
    /// A query without source or type reads the type index once per event type (there are nine)
    /// and merges the ranges newest first; each range stops after a page. It replaces an index on
    /// time alone, which every insert had to update at a scattered place and which cost the
    /// writer a quarter of its throughput (docs/performance.md).
    /// </summary>
    private static string AllTypesQuery(EventQuery query, SqliteCommand command)
    {
        var ranges = new List<string>(EventContract.EventTypes.Length);
        for (var i = 0; i < EventContract.EventTypes.Length; i++)
        {
            command.Parameters.AddWithValue($"$type{i}", EventContract.EventTypes[i]);
            ranges.Add($"SELECT * FROM ({TypeQuery(query, $"$type{i}")})");
        }

        return string.Join("\nUNION ALL\n", ranges) + "\nORDER BY ts_ms DESC, event_id DESC LIMIT $limit";
    }
}
