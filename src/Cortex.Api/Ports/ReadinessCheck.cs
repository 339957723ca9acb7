namespace Cortex.Api.Ports;

/// <summary>The tag an adapter gives each health check that readiness (GET /health/ready) runs.</summary>
public static class ReadinessCheck
{
    public const string Tag = "ready";
}
