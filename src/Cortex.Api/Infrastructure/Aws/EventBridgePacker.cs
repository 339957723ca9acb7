using System.Buffers;
using System.Text;
using System.Text.Json;
using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// Packs a request's events into as few PutEvents entries as the entry size limit allows
/// (docs/eventbridge.md). An entry's size is what EventBridge counts: 14 bytes for Time plus the
/// UTF-8 bytes of Source, DetailType and Detail; every entry built here is at most
/// <see cref="AwsOptions.MaxEntryBytes"/>. Events of different UTC hours never share a pack, so the
/// data lake can file each pack under one hour partition. Source and DetailType name the pack's
/// source and type when all its events share them, and <see cref="Mixed"/> otherwise.
/// </summary>
internal static class EventBridgePacker
{
    public const string Mixed = "mixed";
    private const int TimeEntryBytes = 14;
    private const long HourMs = 3_600_000;

    /// <summary>
    /// The entries for <paramref name="events"/>, in order of their first event. An event too large
    /// for an entry of its own gets <see cref="PublishOutcome.Rejected"/> in <paramref name="outcomes"/>
    /// and is in no entry.
    /// </summary>
    public static List<Entry> Pack(IReadOnlyList<TelemetryEvent> events, AwsOptions options, PublishOutcome[] outcomes)
    {
        var entries = new List<Entry>();
        var open = new Dictionary<long, Builder>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var detail = Detail(e);
            var alone = Builder.SizeOf(Source(options, e.Source), e.EventType, detail.Length, 1);
            if (alone > options.MaxEntryBytes)
            {
                outcomes[i] = PublishOutcome.Rejected(
                    $"The event is larger than EventBridge's entry limit ({alone} of {options.MaxEntryBytes} bytes).");
                continue;
            }

            var hour = Math.DivRem(e.TimestampMs, HourMs, out var rest) - (rest < 0 ? 1 : 0);
            if (open.TryGetValue(hour, out var pack) && !pack.TryAdd(i, e, detail, options))
            {
                entries.Add(pack.Build(options));
                pack = null;
            }

            if (pack is null)
            {
                pack = new Builder();
                pack.TryAdd(i, e, detail, options);
                open[hour] = pack;
            }
        }

        entries.AddRange(open.Values.Select(p => p.Build(options)));
        entries.Sort((a, b) => a.Indices[0].CompareTo(b.Indices[0]));
        return entries;
    }

    private static string Source(AwsOptions options, string source) => EventBridgeSource.For(options.EventSourcePrefix, source);

    /// <summary>The event as the consumer reads it: its stored form plus the W3C trace context.</summary>
    private static byte[] Detail(TelemetryEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, EventJson.WriterOptions))
        {
            EventJson.Write(writer, e, includeTrace: true);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One pack being filled: its events' details and what its Source and DetailType will be.</summary>
    private sealed class Builder
    {
        private readonly List<int> _indices = [];
        private readonly List<byte[]> _details = [];
        private string _source = string.Empty;
        private string _type = string.Empty;
        private bool _mixedSources;
        private long _timestampMs;
        private int _detailBytes;

        public static long SizeOf(string source, string detailType, int detailBytes, int events) =>
            TimeEntryBytes + Encoding.UTF8.GetByteCount(source) + Encoding.UTF8.GetByteCount(detailType)
            + EventPack.FramingBytes(events) + (long)detailBytes;

        public bool TryAdd(int index, TelemetryEvent e, byte[] detail, AwsOptions options)
        {
            var first = _indices.Count == 0;
            var mixedSources = !first && (_mixedSources || _source != e.Source);
            var type = first || _type == e.EventType ? e.EventType : Mixed;
            var size = SizeOf(EntrySource(options, e.Source, mixedSources), type, _detailBytes + detail.Length, _indices.Count + 1);
            if (_indices.Count > 0 && size > options.MaxEntryBytes)
            {
                return false;
            }

            if (_indices.Count == 0)
            {
                _timestampMs = e.TimestampMs;
            }

            _indices.Add(index);
            _details.Add(detail);
            _detailBytes += detail.Length;
            _source = e.Source;
            _mixedSources = mixedSources;
            _type = type;
            return true;
        }

        public Entry Build(AwsOptions options)
        {
            var source = EntrySource(options, _source, _mixedSources);
            var packBytes = EventPack.FramingBytes(_details.Count) + _detailBytes;
            var pack = new byte[packBytes];
            var span = pack.AsSpan();
            var written = Encoding.UTF8.GetBytes($"{{\"{EventPack.EventsProperty}\":[", span);
            for (var i = 0; i < _details.Count; i++)
            {
                if (i > 0)
                {
                    span[written++] = (byte)',';
                }

                _details[i].CopyTo(span[written..]);
                written += _details[i].Length;
            }

            written += Encoding.UTF8.GetBytes("]}", span[written..]);

            var buffer = new ArrayBufferWriter<byte>(packBytes + 512);
            using (var writer = new Utf8JsonWriter(buffer, EventJson.WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("Source", source);
                writer.WriteString("DetailType", _type);
                writer.WriteString("Detail", pack.AsSpan(0, written));
                writer.WriteString("EventBusName", options.EventBusName);
                writer.WriteNumber("Time", _timestampMs / 1000m);
                writer.WriteEndObject();
            }

            var size = SizeOf(source, _type, _detailBytes, _details.Count);
            return new Entry([.. _indices], buffer.WrittenSpan.ToArray(), (int)size);
        }

        private static string EntrySource(AwsOptions options, string source, bool mixed) =>
            mixed ? options.EventSourcePrefix + Mixed : Source(options, source);
    }

    /// <summary>One PutEvents entry: the positions in the request of the events it packs, its JSON and its EventBridge size.</summary>
    internal sealed class Entry(int[] indices, byte[] json, int size)
    {
        public int[] Indices { get; } = indices;

        public byte[] Json { get; } = json;

        public int Size { get; } = size;

        public string LastError { get; set; } = string.Empty;
    }
}
