using FluentValidation;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cortex.Api.Ingestion;

public static class IngestionExtensions
{
    public static IHostApplicationBuilder AddCortexIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>()
            .BindConfiguration(IngestionOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.MaxFutureSkew >= TimeSpan.Zero && o.MaxEventAge > TimeSpan.Zero && o.Retention > TimeSpan.Zero,
                "Cortex:Ingestion time spans must be positive.")
            .ValidateOnStart();
        builder.Services.AddValidatorsFromAssemblyContaining<EventSubmissionValidator>(ServiceLifetime.Singleton);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EventIngestor>();
        return builder;
    }
}
