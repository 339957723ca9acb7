namespace Cortex.Api.Observability;

/// <summary>Where traces and metrics go (Cortex:Observability).</summary>
public sealed class ObservabilityOptions
{
    public const string SectionName = "Cortex:Observability";

    /// <summary>OTLP endpoint (for example http://localhost:4317 or the ADOT collector in Lambda); unset: no OTLP export.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Serve Prometheus metrics at /metrics (scope events:admin). Default: on outside Lambda.</summary>
    public bool? Prometheus { get; set; }

    /// <summary>Write metrics as CloudWatch Embedded Metric Format lines on stdout. Default: on in Lambda.</summary>
    public bool? EmbeddedMetricFormat { get; set; }

    /// <summary>How often EMF lines are written.</summary>
    public TimeSpan EmfInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The CloudWatch namespace of EMF metrics.</summary>
    public string EmfNamespace { get; set; } = "Cortex";
}
