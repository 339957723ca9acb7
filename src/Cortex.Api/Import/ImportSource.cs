namespace Cortex.Api.Import;

/// <summary>
/// A file to import: who it is and how to read its bytes, as stored or sent, from the start.
/// It is read more than once (checked whole, then imported), so it must be re-readable: a local
/// file, an upload spooled to disk, or an S3 object.
/// </summary>
internal sealed class ImportSource
{
    public required ImportFileIdentity Identity { get; init; }

    /// <summary>Opens the bytes from the start; each call gives a new stream.</summary>
    public required Func<CancellationToken, Task<Stream>> OpenAsync { get; init; }

    /// <summary>Whether the bytes are gzip: said by the sender, or to be found from the magic bytes.</summary>
    public required ImportCompression Compression { get; init; }

    /// <summary>Set when the content hash is the file's identity (files and uploads, not S3 objects).</summary>
    public bool HashContent { get; init; }

    /// <summary>Whom the stored events name as submitted_by.</summary>
    public required string SubmittedBy { get; init; }

    /// <summary>The source_ip stored with the events, when the file came over HTTP.</summary>
    public string? SourceIp { get; init; }

    public static ImportSource ForFile(string path, string submittedBy) => new()
    {
        Identity = new ImportFileIdentity { Name = Path.GetFileName(path) },
        OpenAsync = _ => Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan)),
        Compression = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? ImportCompression.Gzip : ImportCompression.Detect,
        HashContent = true,
        SubmittedBy = submittedBy,
    };
}

internal enum ImportCompression
{
    /// <summary>Plain text: gzip bytes would be refused as binary.</summary>
    None,

    /// <summary>Must be gzip (a .gz name, Content-Encoding: gzip).</summary>
    Gzip,

    /// <summary>Gzip if it starts with the gzip magic bytes.</summary>
    Detect,
}
