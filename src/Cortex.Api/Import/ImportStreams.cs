using System.IO.Compression;

namespace Cortex.Api.Import;

/// <summary>A source opened for reading its content: the decompressed stream, and how far into the raw bytes it has read.</summary>
internal sealed class ImportStreams : IAsyncDisposable
{
    private readonly ReadCountingStream _raw;

    private ImportStreams(ReadCountingStream raw, Stream decompressed)
    {
        _raw = raw;
        Decompressed = decompressed;
    }

    public Stream Decompressed { get; }

    /// <summary>Raw (possibly compressed) bytes read so far: the progress through the file.</summary>
    public long RawBytesRead => _raw.BytesRead;

    /// <summary>Opens the content of a source that <see cref="ImportFileCheck"/> has checked.</summary>
    public static async Task<ImportStreams> OpenAsync(ImportSource source, CancellationToken cancellationToken)
    {
        var raw = new ReadCountingStream(await source.OpenAsync(cancellationToken));
        var content = source.Identity.Compression == "gzip" ? new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true) : (Stream)raw;
        return new ImportStreams(raw, content);
    }

    public async ValueTask DisposeAsync()
    {
        if (!ReferenceEquals(Decompressed, _raw))
        {
            await Decompressed.DisposeAsync();
        }

        await _raw.DisposeAsync();
    }
}

/// <summary>A read-only pass-through that counts the bytes read from the stream beneath.</summary>
internal sealed class ReadCountingStream(Stream inner) : Stream
{
    public long BytesRead { get; private set; }

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
        BytesRead += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        BytesRead += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
