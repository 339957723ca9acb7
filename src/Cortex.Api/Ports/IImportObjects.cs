namespace Cortex.Api.Ports;

/// <summary>
/// The object store of the import inbox (S3 in Aws mode): files to import are read from it, and
/// each file's report, which doubles as its checkpoint, is written beside them.
/// </summary>
public interface IImportObjects
{
    /// <summary>
    /// Opens an object's bytes from the start. With <paramref name="eTag"/>, only that version of
    /// it: an object replaced since its notification fails with <see cref="ImportObjectChangedException"/>.
    /// </summary>
    Task<Stream> OpenAsync(string bucket, string key, string? eTag, CancellationToken cancellationToken);

    /// <summary>The object's size and ETag, or null when it does not exist.</summary>
    Task<ImportObjectInfo?> HeadAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>A small text object (a report), or null when it does not exist.</summary>
    Task<string?> ReadTextAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>Writes a small JSON object (a report), replacing any before it.</summary>
    Task WriteJsonAsync(string bucket, string key, string json, CancellationToken cancellationToken);
}

/// <summary>What the store says about an object.</summary>
public sealed record ImportObjectInfo(long Size, string ETag, string? VersionId);

/// <summary>The object is no longer the version the import started on.</summary>
public sealed class ImportObjectChangedException(string message) : Exception(message);
