using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// The item layout of the events table (docs/dynamodb.md): keys and index attributes, the stored
/// document, and <c>data</c> as a native map whose numbers keep the client's exact text.
/// </summary>
internal static class DynamoDbItemMapper
{
    public const string EventId = "event_id";
    public const string Source = "source";
    public const string EventType = "event_type";
    public const string Severity = "severity";
    public const string Timestamp = "timestamp";
    public const string TsId = "ts_id";
    public const string TypeShard = "type_shard";
    public const string TimeShard = "time_shard";
    public const string Ttl = "ttl";
    public const string Doc = "doc";
    public const string Data = "data";

    public const string BySourceIndex = "by-source";
    public const string ByTypeIndex = "by-type";
    public const string ByTimeIndex = "by-time";

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

    public static Dictionary<string, AttributeValue> ToItem(TelemetryEvent e, int shards)
    {
        var shard = ShardOf(e.EventId, shards).ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [EventId] = new() { S = e.EventIdText },
            [Source] = new() { S = e.Source },
            [EventType] = new() { S = e.EventType },
            [Severity] = new() { S = e.Severity },
            [Timestamp] = new() { S = e.Timestamp },
            [TsId] = new() { S = TsIdOf(e.Timestamp, e.EventId) },
            [TypeShard] = new() { S = string.Concat(e.EventType, "#", shard) },
            [TimeShard] = new() { S = shard },
            [Ttl] = new() { N = e.ExpiresAt.ToString(CultureInfo.InvariantCulture) },
            [Doc] = new() { S = EventJson.ToJson(e) },
            [Data] = DataToAttribute(e.Data.Span),
        };
    }

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
