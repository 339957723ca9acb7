using System.Buffers.Binary;

namespace Cortex.LoadTest;

/// <summary>
/// A prepared OTLP/HTTP protobuf logs export: its bytes, where each log record's time_unix_nano
/// value starts (a fixed64, 8 little-endian bytes) and how old each record is when it is sent.
/// <see cref="Stamp"/> writes the times into a copy at send time, as <see cref="RequestBody"/> does
/// for JSON; the pool's bytes never change.
/// </summary>
public sealed class OtlpRequestBody : ILoadBody
{
    /// <summary>The wire tag of LogRecord.time_unix_nano: field 1, wire type 1 (64-bit).</summary>
    public const byte TimeTag = 0x09;

    private readonly byte[] _protobuf;
    private readonly int[] _timeOffsets;
    private readonly int[] _agesMilliseconds;

    public OtlpRequestBody(byte[] protobuf, int[] timeOffsets, int[] agesMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(agesMilliseconds.Length, timeOffsets.Length, nameof(agesMilliseconds));
        foreach (var offset in timeOffsets)
        {
            // Each slot must follow the field's tag, or stamping would corrupt the message.
            if (offset < 1 || offset + sizeof(ulong) > protobuf.Length || protobuf[offset - 1] != TimeTag)
            {
                throw new ArgumentException($"No time_unix_nano value at offset {offset}.", nameof(timeOffsets));
            }
        }

        _protobuf = protobuf;
        _timeOffsets = timeOffsets;
        _agesMilliseconds = agesMilliseconds;
    }

    /// <summary>The unstamped message, as built.</summary>
    public ReadOnlyMemory<byte> Protobuf => _protobuf;

    public IReadOnlyList<int> AgesMilliseconds => _agesMilliseconds;

    public int Events => _timeOffsets.Length;

    public int UncompressedBytes => _protobuf.Length;

    /// <summary>A copy with every record's time_unix_nano set to <paramref name="utcNow"/> minus its age.</summary>
    public byte[] Stamp(DateTime utcNow)
    {
        if (utcNow.Kind != DateTimeKind.Utc)
        {
            throw new ArgumentException("The stamping time must be UTC.", nameof(utcNow));
        }

        var nowNanos = (ulong)(utcNow - DateTime.UnixEpoch).Ticks * 100;
        var protobuf = (byte[])_protobuf.Clone();
        for (var i = 0; i < _timeOffsets.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(protobuf.AsSpan(_timeOffsets[i], sizeof(ulong)), nowNanos - ((ulong)_agesMilliseconds[i] * 1_000_000));
        }

        return protobuf;
    }

    public byte[] Content(DateTime utcNow, bool gzip) => gzip ? RequestBody.Gzip(Stamp(utcNow)) : Stamp(utcNow);
}
