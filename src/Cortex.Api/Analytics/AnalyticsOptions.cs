using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Analytics;

/// <summary>Analytics jobs (Cortex:Analytics). The engines' own settings sit with their adapters.</summary>
public sealed class AnalyticsOptions
{
    public const string SectionName = "Cortex:Analytics";

    /// <summary>The longest time range one job may examine (for silent_sources: from the reference range's start to the checked range's end).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "366.00:00:00")]
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromDays(31);

    /// <summary>How long a job and its result are kept.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan JobTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Within this time of an identical job by the same subject, its job is returned instead of running again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Jobs one subject may have queued or running at once; one more is refused with 429.</summary>
    [Range(1, 1000)]
    public int MaxActiveJobsPerSubject { get; set; } = 3;

    /// <summary>Results up to this size (UTF-8 JSON bytes) are returned inline; larger ones by a download link.</summary>
    [Range(0, 300_000)]
    public int MaxInlineResultBytes { get; set; } = 64 * 1024;

    /// <summary>How many jobs run at once in this process.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 1;

    /// <summary>How long one job may run before it fails.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
