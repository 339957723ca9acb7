using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Embedded;

public static class EmbeddedExtensions
{
    /// <summary>The SQLite store, its writer and background work, the dead-letter spool and the readiness check.</summary>
    public static IServiceCollection AddCortexEmbedded(this IServiceCollection services)
    {
        services.AddOptions<EmbeddedOptions>()
            .BindConfiguration(EmbeddedOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<SqliteDamage>();
        services.AddSingleton<IWalSync, FileWalSync>();
        services.AddSingleton<SqliteWriter>();
        services.AddSingleton<SqliteTelemetryStore>();
        services.AddSingleton<ITelemetryStore>(sp => sp.GetRequiredService<SqliteTelemetryStore>());
        services.AddSingleton<IEventPublisher, EmbeddedEventPublisher>();
        services.AddSingleton<FileDeadLetterSpool>();
        services.AddSingleton<IDeadLetterQueue>(sp => sp.GetRequiredService<FileDeadLetterSpool>());
        services.AddSingleton<WalCheckpointer>();
        services.AddHostedService(sp => sp.GetRequiredService<WalCheckpointer>());
        services.AddHostedService<ExpiredEventsCleanup>();
        services.AddSingleton<IAnalyticsEngine, SqliteAnalyticsEngine>();
        services.AddSingleton<SqliteAnalyticsJobStore>();
        services.AddSingleton<IAnalyticsJobStore>(sp => sp.GetRequiredService<SqliteAnalyticsJobStore>());
        services.AddHealthChecks().AddCheck<SqliteHealthCheck>("store", tags: [ReadinessCheck.Tag]);
        return services;
    }

    /// <summary>
    /// Opens the database before the host starts, so an unusable file ends the process with one
    /// line naming it and the cause instead of a host start failure with a stack trace.
    /// </summary>
    /// <returns>False when the file cannot be used (the reason is logged at Critical); true in Aws mode.</returns>
    internal static bool TryOpenEmbeddedStore(IServiceProvider services)
    {
        if (!services.GetRequiredService<IServiceProviderIsService>().IsService(typeof(SqliteWriter)))
        {
            return true;
        }

        try
        {
            services.GetRequiredService<SqliteWriter>();
            return true;
        }
        catch (DatabaseUnusableException ex)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EmbeddedExtensions).FullName!)
                .LogCritical("Cortex cannot use the database {Path:l}: {Cause:l}", ex.Path, ex.Cause);
            return false;
        }
    }
}
