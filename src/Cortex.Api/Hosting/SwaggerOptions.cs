namespace Cortex.Api.Hosting;

/// <summary>Swagger UI (Cortex:Swagger).</summary>
public sealed class SwaggerOptions
{
    public const string SectionName = "Cortex:Swagger";

    /// <summary>Serve /swagger. Unset: on in Development only.</summary>
    public bool? Enabled { get; set; }
}
