using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Import;

/// <summary>Limits of bulk import (Cortex:Import), shared by the endpoint, the command and the S3 inbox.</summary>
public sealed class ImportOptions
{
    public const string SectionName = "Cortex:Import";

    /// <summary>The most rejected lines a report names one by one; the count covers them all.</summary>
    public const int RejectionsShown = 100;

    /// <summary>The largest file, measured after gzip decompression; a larger one is refused whole.</summary>
    [Range(1024L, 64L * 1024 * 1024 * 1024)]
    public long MaxFileBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>How many events go to the publisher in one call.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>How many batches may be on their way to the publisher at once.</summary>
    [Range(1, 64)]
    public int MaxBatchesInFlight { get; set; } = 4;

    /// <summary>How often a long import logs its counts.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an S3 import saves its checkpoint (the line it has reached).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Where an uploaded file is kept while it is checked and imported; the system temp folder when empty.</summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>The S3 bucket of the inbox (Aws mode); empty switches the inbox off.</summary>
    public string? Bucket { get; set; }

    /// <summary>The prefix whose new objects are imported.</summary>
    [Required]
    public string InboxPrefix { get; set; } = "inbox/";

    /// <summary>Where reports go, as <c>reports/&lt;key&gt;.json</c>, the key without the inbox prefix.</summary>
    [Required]
    public string ReportPrefix { get; set; } = "reports/";

    /// <summary>How long before the invocation deadline an S3 import stops and saves its checkpoint.</summary>
    public TimeSpan DeadlineMargin { get; set; } = TimeSpan.FromSeconds(10);
}
