using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Observability;

/// <summary>Where traces and metrics go (Cortex:Observability).</summary>
public sealed class ObservabilityOptions
{
    public const string SectionName = "Cortex:Observability";

    /// <summary>OTLP endpoint (for example http://localhost:4317 or the ADOT collector in Lambda); unset: no OTLP export.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Record spans even without an OTLP endpoint (for an exporter added in code, such as the tests' in-memory one).</summary>
    public bool Tracing { get; set; }

    /// <summary>Serve Prometheus metrics at /metrics (scope events:admin). Default: on outside Lambda.</summary>
    public bool? Prometheus { get; set; }

    /// <summary>Write metrics as CloudWatch Embedded Metric Format lines on stdout. Default: on in Lambda.</summary>
    public bool? EmbeddedMetricFormat { get; set; }

    /// <summary>How often EMF lines are written.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Cortex:Observability:EmfInterval must be from 1 second to 1 hour.")]
    public TimeSpan EmfInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The CloudWatch namespace of EMF metrics.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9._/#:\-]{1,255}$", ErrorMessage = "Cortex:Observability:EmfNamespace must be 1-255 letters, digits or . - _ / # : characters.")]
    public string EmfNamespace { get; set; } = "Cortex";

    /// <summary>An OTLP endpoint must be an absolute http or https URL.</summary>
    internal bool HasUsableOtlpEndpoint() =>
        OtlpEndpoint is null || (OtlpEndpoint.IsAbsoluteUri && OtlpEndpoint.Scheme is "http" or "https");
}
