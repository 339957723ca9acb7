using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Intake;

/// <summary>Limits of the agent endpoints (Cortex:Intake): collectd write_http and OTLP/HTTP.</summary>
public sealed class IntakeOptions
{
    public const string SectionName = "Cortex:Intake";

    /// <summary>Most records (value lists, log records, data points) one request may carry.</summary>
    [Range(1, 100_000)]
    public int MaxRecords { get; set; } = 10_000;

    /// <summary>Largest body, after gzip decompression.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 5 * 1024 * 1024;
}
