using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Infrastructure.Embedded;

namespace Cortex.Api.Infrastructure;

public enum CortexMode
{
    Embedded,
    Aws,
}

public static class StorageExtensions
{
    public const string ModeKey = "Cortex:Mode";

    /// <summary>The one place that chooses the adapters behind the ports, from Cortex:Mode.</summary>
    public static IHostApplicationBuilder AddCortexStorage(this IHostApplicationBuilder builder)
    {
        var modeText = builder.Configuration[ModeKey] ?? nameof(CortexMode.Embedded);
        if (!Enum.TryParse<CortexMode>(modeText, ignoreCase: true, out var mode) || !Enum.IsDefined(mode))
        {
            throw new InvalidOperationException($"{ModeKey} must be Embedded or Aws, not '{modeText}'.");
        }

        switch (mode)
        {
            case CortexMode.Embedded:
                builder.Services.AddCortexEmbedded();
                break;
            case CortexMode.Aws:
                builder.Services.AddCortexAws(builder.Configuration);
                break;
        }

        return builder;
    }

    /// <summary>
    /// Opens the store before the host starts where opening can fail on the operator's data (the
    /// embedded database file). False after logging the one reason: the caller exits non-zero.
    /// </summary>
    public static bool TryOpenCortexStorage(this IHost app) => EmbeddedExtensions.TryOpenEmbeddedStore(app.Services);
}
