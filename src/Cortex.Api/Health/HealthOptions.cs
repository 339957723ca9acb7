using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Health;

/// <summary>Readiness settings (Cortex:Health).</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Cortex:Health";

    /// <summary>
    /// How long each readiness check may take before it counts as unhealthy. Checks run in
    /// parallel, so GET /health/ready answers within about this long even when a dependency hangs.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:30", ErrorMessage = "Cortex:Health:ReadinessCheckTimeout must be from 50 ms to 30 s.")]
    public TimeSpan ReadinessCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
