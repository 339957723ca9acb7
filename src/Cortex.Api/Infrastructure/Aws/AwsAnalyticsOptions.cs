using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>Analytics in Aws mode (Cortex:Aws:Analytics). Names match the <c>analytics</c>, <c>glue_*</c> and <c>athena_workgroup</c> keys of terraform/resources.json.</summary>
public sealed class AwsAnalyticsOptions
{
    public const string SectionName = "Cortex:Aws:Analytics";

    /// <summary>The Athena workgroup: its result location and bytes-scanned cutoff apply to every query.</summary>
    [Required]
    public string WorkGroup { get; set; } = "cortex-analytics";

    /// <summary>The Glue database and table over the data lake.</summary>
    [Required]
    public string GlueDatabase { get; set; } = "cortex_telemetry";

    [Required]
    public string GlueTable { get; set; } = "events";

    /// <summary>The data lake bucket and the prefix of its events, read to estimate a query's scan. Needed once a job is submitted.</summary>
    public string LakeBucket { get; set; } = string.Empty;

    [Required]
    public string LakeEventsPrefix { get; set; } = "events/";

    /// <summary>The DynamoDB table of analytics jobs (TTL attribute <c>ttl</c>).</summary>
    [Required]
    public string JobsTable { get; set; } = "cortex-analytics-jobs";

    /// <summary>Where results too large to return inline are written, and downloaded from by presigned URL. Needed once a result is that large.</summary>
    public string ResultsBucket { get; set; } = string.Empty;

    [Required]
    public string ResultsPrefix { get; set; } = "analytics-results/";

    /// <summary>How long a presigned result URL stays valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan ResultLinkLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The most compressed lake bytes one job may scan; a job estimated to scan more is refused (422). The workgroup's cutoff backs it.</summary>
    [Range(1, long.MaxValue)]
    public long ScanBudgetBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>How often a running Athena query's state is read.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
