using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Health;

public static class HealthExtensions
{
    /// <summary>Health checks with a time budget each (Cortex:Health), whoever registers them.</summary>
    public static IHostApplicationBuilder AddCortexHealth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HealthOptions>()
            .BindConfiguration(HealthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHealthChecks();

        // PostConfigure runs after every AddCheck, including those registered after this call.
        services.AddOptions<HealthCheckServiceOptions>()
            .PostConfigure<IOptions<HealthOptions>, TimeProvider>((options, health, clock) =>
            {
                var budget = health.Value.ReadinessCheckTimeout;
                foreach (var registration in options.Registrations)
                {
                    var create = registration.Factory;
                    registration.Factory = provider => new TimeBoxedHealthCheck(create(provider), budget, clock);
                    registration.Timeout = budget;
                }
            });
        return builder;
    }
}
