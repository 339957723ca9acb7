using System.Buffers.Binary;

namespace Cortex.Api.Ingestion;

/// <summary>
/// Checks that a gzip body was complete. GZipStream ends quietly when its input ends early (no
/// final deflate block, no trailer), so the decompressed bytes are compared with the member's
/// trailer (RFC 1952: CRC-32, then the length mod 2^32), which is always the last 8 bytes sent.
/// A body of several concatenated gzip members therefore fails the check: HTTP clients send one.
/// </summary>
internal static class GzipTrailer
{
    public const int Length = 8;

    private static readonly uint[] Table = CreateTable();

    public static bool Matches(ReadOnlySpan<byte> trailer, ReadOnlySpan<byte> decompressed) =>
        trailer.Length == Length
        && Matches(trailer, ~UpdateCrc32(InitialCrc32, decompressed), decompressed.Length);

    /// <summary>As above for data checked in pieces: <paramref name="crc32"/> is the finished CRC-32 of all of it.</summary>
    public static bool Matches(ReadOnlySpan<byte> trailer, uint crc32, long length) =>
        trailer.Length == Length
        && BinaryPrimitives.ReadUInt32LittleEndian(trailer) == crc32
        && BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) == (uint)length;

    /// <summary>The running value to start <see cref="UpdateCrc32"/> with; the finished CRC-32 is its complement.</summary>
    public const uint InitialCrc32 = 0xFFFF_FFFFu;

    public static uint UpdateCrc32(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}

/// <summary>
/// A read-only view of a stream that remembers the last <see cref="GzipTrailer.Length"/> bytes read
/// through it, and counts them (an import's progress through its file).
/// </summary>
internal sealed class TailCapturingStream(Stream inner) : Stream
{
    private readonly byte[] _tail = new byte[GzipTrailer.Length];
    private int _tailLength;

    public long BytesRead { get; private set; }

    public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, _tailLength);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Remember(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Remember(buffer.Span[..read]);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Remember(ReadOnlySpan<byte> read)
    {
        BytesRead += read.Length;
        if (read.Length >= _tail.Length)
        {
            read[^_tail.Length..].CopyTo(_tail);
            _tailLength = _tail.Length;
            return;
        }

        var keep = Math.Min(_tailLength, _tail.Length - read.Length);
        _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
        read.CopyTo(_tail.AsSpan(keep));
        _tailLength = keep + read.Length;
    }
}
