using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Ingestion;

/// <summary>Limits and time rules of ingestion (Cortex:Ingestion).</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Cortex:Ingestion";

    /// <summary>Largest single-event body, after gzip decompression.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxEventBytes { get; set; } = 256 * 1024;

    /// <summary>Largest batch body, after gzip decompression.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 5 * 1024 * 1024;

    [Range(1, 10_000)]
    public int MaxBatchItems { get; set; } = 500;

    /// <summary>How far in the future a timestamp may be.</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a timestamp may be.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long stored events are kept after ingestion (the TTL).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}
