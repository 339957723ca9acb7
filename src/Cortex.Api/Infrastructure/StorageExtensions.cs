using Cortex.Api.Health;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Infrastructure.Embedded;
using Cortex.Api.Ports;

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
                AddEmbedded(builder.Services);
                break;
            case CortexMode.Aws:
                builder.Services.AddCortexAws(builder.Configuration);
                break;
        }

        return builder;
    }

    private static void AddEmbedded(IServiceCollection services)
    {
        services.AddOptions<EmbeddedOptions>()
            .BindConfiguration(EmbeddedOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<SqliteTelemetryStore>();
        services.AddSingleton<ITelemetryStore>(sp => sp.GetRequiredService<SqliteTelemetryStore>());
        services.AddSingleton<IEventPublisher, EmbeddedEventPublisher>();
        services.AddSingleton<FileDeadLetterSpool>();
        services.AddSingleton<IDeadLetterQueue>(sp => sp.GetRequiredService<FileDeadLetterSpool>());
        services.AddHostedService<ExpiredEventsCleanup>();
        services.AddHealthChecks().AddCheck<SqliteHealthCheck>("store", tags: [HealthApi.ReadyTag]);
    }
}
