using System.Globalization;
using System.IO.Compression;

namespace Cortex.LoadTest;

/// <summary>
/// A prepared request body: its JSON with a placeholder in every event's timestamp, where each
/// timestamp value starts (byte offsets into the JSON) and how old each event is when it is sent.
/// <see cref="Stamp"/> writes the timestamps into a copy at send time; the pool's bytes never change,
/// so one body can be stamped by many requests at once.
/// </summary>
public sealed class RequestBody : ILoadBody
{
    /// <summary>Fixed width, 24 characters, so a timestamp is overwritten in place: 2026-11-23T11:30:00.123Z.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public const int TimestampLength = 24;

    /// <summary>What an unstamped body holds: valid JSON, but a date the server rejects as too old.</summary>
    public const string PlaceholderTimestamp = "0001-01-01T00:00:00.000Z";

    private readonly byte[] _json;
    private readonly int[] _timestampOffsets;
    private readonly int[] _agesMilliseconds;

    public RequestBody(byte[] json, int[] timestampOffsets, int[] agesMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(agesMilliseconds.Length, timestampOffsets.Length, nameof(agesMilliseconds));
        foreach (var offset in timestampOffsets)
        {
            // Each slot must be exactly a placeholder between quotes, or stamping would corrupt the JSON.
            if (offset < 1 || offset + TimestampLength >= json.Length || json[offset - 1] != (byte)'"'
                || json[offset + TimestampLength] != (byte)'"' || !json.AsSpan(offset, TimestampLength).SequenceEqual(PlaceholderUtf8))
            {
                throw new ArgumentException($"No timestamp placeholder at offset {offset}.", nameof(timestampOffsets));
            }
        }

        _json = json;
        _timestampOffsets = timestampOffsets;
        _agesMilliseconds = agesMilliseconds;
    }

    /// <summary>The unstamped JSON, as built.</summary>
    public ReadOnlyMemory<byte> Json => _json;

    public IReadOnlyList<int> TimestampOffsets => _timestampOffsets;

    public IReadOnlyList<int> AgesMilliseconds => _agesMilliseconds;

    public int Events => _timestampOffsets.Length;

    /// <summary>Size of the JSON sent, before compression (stamping does not change it).</summary>
    public int JsonBytes => _json.Length;

    public int UncompressedBytes => _json.Length;

    private static ReadOnlySpan<byte> PlaceholderUtf8 => "0001-01-01T00:00:00.000Z"u8;

    /// <summary>
    /// A copy of the JSON with every event's timestamp set to <paramref name="utcNow"/> minus its age,
    /// in milliseconds (the sub-millisecond part of <paramref name="utcNow"/> is dropped).
    /// </summary>
    public byte[] Stamp(DateTime utcNow)
    {
        if (utcNow.Kind != DateTimeKind.Utc)
        {
            throw new ArgumentException("The stamping time must be UTC.", nameof(utcNow));
        }

        var json = (byte[])_json.Clone();
        for (var i = 0; i < _timestampOffsets.Length; i++)
        {
            var timestamp = utcNow.AddMilliseconds(-_agesMilliseconds[i]);
            var slot = json.AsSpan(_timestampOffsets[i], TimestampLength);
            if (!timestamp.TryFormat(slot, out var written, TimestampFormat, CultureInfo.InvariantCulture) || written != TimestampLength)
            {
                throw new InvalidOperationException("A timestamp did not format to 24 characters.");
            }
        }

        return json;
    }

    /// <summary>What a request sends: the body stamped at <paramref name="utcNow"/>, gzip-compressed (fastest level) if asked.</summary>
    public byte[] Content(DateTime utcNow, bool gzip) => gzip ? Gzip(Stamp(utcNow)) : Stamp(utcNow);

    internal static byte[] Gzip(byte[] body)
    {
        using var output = new MemoryStream((body.Length / 4) + 256);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(body);
        }

        return output.ToArray();
    }
}
