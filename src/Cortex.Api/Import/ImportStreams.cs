using System.IO.Compression;
using Cortex.Api.Ingestion;

namespace Cortex.Api.Import;

/// <summary>A source opened for reading its content: the decompressed stream, and how far into the raw bytes it has read.</summary>
internal sealed class ImportStreams : IAsyncDisposable
{
    private readonly Stream _opened;
    private readonly TailCapturingStream _raw;

    private ImportStreams(Stream opened, TailCapturingStream raw, Stream decompressed)
    {
        _opened = opened;
        _raw = raw;
        Decompressed = decompressed;
    }

    public Stream Decompressed { get; }

    /// <summary>Raw (possibly compressed) bytes read so far: the progress through the file.</summary>
    public long RawBytesRead => _raw.BytesRead;

    /// <summary>Opens the content of a source that <see cref="ImportFileCheck"/> has checked.</summary>
    public static async Task<ImportStreams> OpenAsync(ImportSource source, CancellationToken cancellationToken)
    {
        var opened = await source.OpenAsync(cancellationToken);
        var raw = new TailCapturingStream(opened);
        var content = source.Identity.Compression == "gzip" ? new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true) : (Stream)raw;
        return new ImportStreams(opened, raw, content);
    }

    public async ValueTask DisposeAsync()
    {
        await Decompressed.DisposeAsync();
        await _opened.DisposeAsync();
    }
}
