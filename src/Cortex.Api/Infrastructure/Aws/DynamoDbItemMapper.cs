using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// The item layout of the events table (docs/dynamodb.md): the time-partitioned key, the source
/// index attribute, the claim of an id that cannot be keyed by itself, the stored document, and
/// <c>data</c> as a native map whose numbers keep the client's exact text.
/// </summary>
internal static class DynamoDbItemMapper
{
    public const string Partition = "pk";
    public const string EventId = "event_id";
    public const string Source = "source";
    public const string EventType = "event_type";
    public const string Severity = "severity";
    public const string TsId = "ts_id";
    public const string SourceShard = "source_shard";
    public const string Ref = "ref";
    public const string Ttl = "ttl";
    public const string Doc = "doc";
    public const string Data = "data";

    public const string BySourceIndex = "by-source";

    private const string IdPartitionPrefix = "id#";
    private const string IdSortKey = "id";
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>The sort key: the fixed-width UTC timestamp, '#', the event id; sorts as (ts, id).</summary>
    public static string TsIdOf(string timestamp, Guid eventId) => string.Concat(timestamp, "#", eventId.ToString("D"));

    public static string TsIdOf(EventPosition position) =>
        TsIdOf(Rfc3339.ToUtcString(DateTimeOffset.FromUnixTimeMilliseconds(position.TimestampMs)), position.EventId);

    /// <summary>The "&lt;timestamp&gt;#" prefix: every ts_id of that millisecond sorts at or after it.</summary>
    public static string TimePrefix(long unixMs) => Rfc3339.ToUtcString(DateTimeOffset.FromUnixTimeMilliseconds(unixMs)) + "#";

    public static EventPosition PositionOf(string tsId)
    {
        var hash = tsId.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0 || !Rfc3339.TryParse(tsId.AsSpan(0, hash), out var time) || !Guid.TryParseExact(tsId.AsSpan(hash + 1), "D", out var id))
        {
            throw new FormatException($"Malformed {TsId} '{tsId}'.");
        }

        return new EventPosition(time.ToUnixTimeMilliseconds(), id);
    }

    /// <summary>
    /// The write shard of an event: FNV-1a of the id text modulo the shard count. Stable across
    /// processes and versions (string.GetHashCode is randomised), and uniform for UUIDv7 too,
    /// whose leading bytes are a timestamp.
    /// </summary>
    public static int ShardOf(Guid eventId, int shards)
    {
        Span<char> text = stackalloc char[36];
        eventId.TryFormat(text, out _, "D");
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return (int)(hash % (uint)shards);
    }

    /// <summary>
    /// The Unix milliseconds a version 7 or 8 id starts with (RFC 9562 layout), or null for ids of
    /// other versions and for leading bits that are no representable time.
    /// </summary>
    public static long? TimeOf(Guid eventId)
    {
        Span<byte> bytes = stackalloc byte[16];
        eventId.TryWriteBytes(bytes, bigEndian: true, out _);
        var version = bytes[6] >> 4;
        if (version is not (7 or 8))
        {
            return null;
        }

        long ms = 0;
        for (var i = 0; i < 6; i++)
        {
            ms = (ms << 8) | bytes[i];
        }

        return ms <= MaxUnixMs ? ms : null;
    }

    /// <summary>
    /// Whether the event's item lives at the key its id alone gives (<see cref="KeyOf"/>): true for
    /// every server-assigned id, which starts with the event's own millisecond.
    /// </summary>
    public static bool IsKeyedById(TelemetryEvent e) => TimeOf(e.EventId) == e.TimestampMs;

    /// <summary>
    /// The key that only this id can occupy, computed from the id alone so that a read by id and
    /// the conditional write that makes the first write win need nothing else: for an id that starts
    /// with a time, the event's place in its time partition; for any other id, a partition of its own.
    /// </summary>
    public static Dictionary<string, AttributeValue> KeyOf(Guid eventId, int shards) => TimeOf(eventId) is { } ms
        ? Key(ShardText(eventId, shards), TsIdOf(Rfc3339.ToUtcString(DateTimeOffset.FromUnixTimeMilliseconds(ms)), eventId))
        : Key(IdPartitionPrefix + eventId.ToString("D"), IdSortKey);

    /// <summary>The time partitions every listing without a source reads.</summary>
    public static IEnumerable<string> TimePartitions(int shards) =>
        Enumerable.Range(0, shards).Select(n => n.ToString(CultureInfo.InvariantCulture));

    /// <summary>The by-source partitions of one source.</summary>
    public static IEnumerable<string> SourcePartitions(string source, int sourceShards) =>
        Enumerable.Range(0, sourceShards).Select(n => string.Concat(source, "#", n.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The listed item: in its time partition at (timestamp, id), and in one by-source partition.</summary>
    public static Dictionary<string, AttributeValue> ToItem(TelemetryEvent e, int shards, int sourceShards) =>
        new(StringComparer.Ordinal)
        {
            [Partition] = new() { S = ShardText(e.EventId, shards) },
            [TsId] = new() { S = TsIdOf(e.Timestamp, e.EventId) },
            [SourceShard] = new() { S = string.Concat(e.Source, "#", ShardOf(e.EventId, sourceShards).ToString(CultureInfo.InvariantCulture)) },
            [EventId] = new() { S = e.EventIdText },
            [Source] = new() { S = e.Source },
            [EventType] = new() { S = e.EventType },
            [Severity] = new() { S = e.Severity },
            [Ttl] = new() { N = e.ExpiresAt.ToString(CultureInfo.InvariantCulture) },
            [Doc] = new() { S = EventJson.ToJson(e) },
            [Data] = DataToAttribute(e.Data.Span),
        };

    /// <summary>
    /// The claim of an id whose key is not the listed item's: the whole item at <see cref="KeyOf"/>,
    /// left out of the source index (no source_shard) and out of listings (<c>ref</c>, the listed
    /// item's sort key, which listings filter on). Reads by id are answered from it.
    /// </summary>
    public static Dictionary<string, AttributeValue> ToClaim(Dictionary<string, AttributeValue> item, int shards, Guid eventId)
    {
        var claim = new Dictionary<string, AttributeValue>(item, StringComparer.Ordinal);
        claim.Remove(SourceShard);
        claim[Ref] = item[TsId];
        foreach (var (name, value) in KeyOf(eventId, shards))
        {
            claim[name] = value;
        }

        return claim;
    }

    /// <summary>The listed item a claim stands for (its own key back from <c>ref</c>).</summary>
    public static Dictionary<string, AttributeValue> FromClaim(Dictionary<string, AttributeValue> claim, Guid eventId, int shards, int sourceShards)
    {
        var item = new Dictionary<string, AttributeValue>(claim, StringComparer.Ordinal);
        item.Remove(Ref);
        item[Partition] = new() { S = ShardText(eventId, shards) };
        item[TsId] = claim[Ref];
        item[SourceShard] = new() { S = string.Concat(claim[Source].S, "#", ShardOf(eventId, sourceShards).ToString(CultureInfo.InvariantCulture)) };
        return item;
    }

    private static string ShardText(Guid eventId, int shards) => ShardOf(eventId, shards).ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, AttributeValue> Key(string partition, string sortKey) => new(StringComparer.Ordinal)
    {
        [Partition] = new() { S = partition },
        [TsId] = new() { S = sortKey },
    };

    /// <summary>
    /// Maps the data object to M/L/S/N/BOOL/NULL straight from its UTF-8 JSON; numbers keep the
    /// text the client wrote. The depth is the contract's (at most 30), so recursion is bounded.
    /// </summary>
    public static AttributeValue DataToAttribute(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        return ToAttribute(ref reader);
    }

    private static AttributeValue ToAttribute(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    map[name] = ToAttribute(ref reader);
                }

                return new AttributeValue { M = map };
            case JsonTokenType.StartArray:
                var list = new List<AttributeValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(ToAttribute(ref reader));
                }

                return new AttributeValue { L = list };
            case JsonTokenType.String:
                return new AttributeValue { S = reader.GetString() };
            case JsonTokenType.Number:
                return new AttributeValue { N = Encoding.UTF8.GetString(reader.ValueSpan) };
            case JsonTokenType.True:
                return new AttributeValue { BOOL = true };
            case JsonTokenType.False:
                return new AttributeValue { BOOL = false };
            default:
                return new AttributeValue { NULL = true };
        }
    }
}
