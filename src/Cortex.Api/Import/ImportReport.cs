using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cortex.Api.Import;

/// <summary>
/// What became of one file: its identity, how many lines were read and what became of their
/// events, the first rejected lines with their errors, or why the file was refused as a whole.
/// The endpoint, the command and the S3 inbox all give this same document.
/// </summary>
public sealed class ImportReport
{
    public const string CompletedStatus = "completed";
    public const string RefusedStatus = "refused";
    public const string InProgressStatus = "in_progress";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    public required ImportFileIdentity File { get; init; }

    /// <summary><c>completed</c>, <c>refused</c> (nothing was stored) or <c>in_progress</c> (an S3 import between chunks).</summary>
    public string Status { get; set; } = InProgressStatus;

    /// <summary>The request_id stored with every event of the file, the same for every import of it.</summary>
    public string? RequestId { get; set; }

    /// <summary>Why the file was refused; null otherwise.</summary>
    public string? Reason { get; set; }

    /// <summary>Lines read (NDJSON) or array items read (a JSON array), blank lines included.</summary>
    public long LinesRead { get; set; }

    public long Accepted { get; set; }

    public long Rejected { get; set; }

    /// <summary>Events that could not be handed off for a transient reason: import the file again to retry them.</summary>
    public long Failed { get; set; }

    /// <summary>The first <see cref="ImportOptions.RejectionsShown"/> rejected lines, in file order.</summary>
    public List<ImportRejection> Rejections { get; init; } = [];

    public string? StartedAt { get; set; }

    public string? FinishedAt { get; set; }

    /// <summary>When an S3 import last saved this report, its checkpoint.</summary>
    public string? CheckpointedAt { get; set; }

    public void Reject(long line, IDictionary<string, string[]> errors)
    {
        Rejected++;
        Rejections.Add(new ImportRejection(line, errors));
        if (Rejections.Count > 2 * ImportOptions.RejectionsShown)
        {
            SortRejections();
        }
    }

    /// <summary>
    /// Keeps the first rejected lines in file order: lines rejected while reading are known before
    /// the validation results of earlier lines still in a batch.
    /// </summary>
    public void SortRejections()
    {
        Rejections.Sort(static (a, b) => a.Line.CompareTo(b.Line));
        if (Rejections.Count > ImportOptions.RejectionsShown)
        {
            Rejections.RemoveRange(ImportOptions.RejectionsShown, Rejections.Count - ImportOptions.RejectionsShown);
        }
    }

    public void Refuse(string reason)
    {
        Status = RefusedStatus;
        Reason = reason;
    }
}

/// <summary>A rejected line: its number (1-based; the item number in a JSON array) and its errors by field.</summary>
public sealed record ImportRejection(long Line, IDictionary<string, string[]> Errors);

/// <summary>
/// Which file was imported. Events without an event_id get ids derived from <see cref="IdSeed"/>
/// and their line number: the S3 object's bucket, key and version (or ETag), or the SHA-256 of
/// an uploaded or local file's content after decompression, so the same file gives the same ids.
/// </summary>
public sealed class ImportFileIdentity
{
    /// <summary>The file name, the upload's given name, or the S3 key.</summary>
    public required string Name { get; init; }

    public string? Bucket { get; init; }

    public string? ETag { get; init; }

    public string? VersionId { get; init; }

    /// <summary>The SHA-256 (hex) of the content after decompression; not computed for S3 objects, whose ETag serves.</summary>
    public string? Sha256 { get; set; }

    /// <summary>The size as stored or sent, compressed if gzip.</summary>
    public long Bytes { get; set; }

    public long? UncompressedBytes { get; set; }

    /// <summary><c>gzip</c> or <c>none</c>.</summary>
    public string? Compression { get; set; }

    /// <summary><c>ndjson</c> or <c>json_array</c>.</summary>
    public string? Format { get; set; }

    [JsonIgnore]
    public string IdSeed => Bucket is not null
        ? $"s3|{Bucket}|{Name}|{VersionId ?? ETag}"
        : $"sha256|{Sha256}";
}
