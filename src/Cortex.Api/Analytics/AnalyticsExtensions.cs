using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cortex.Api.Analytics;

public static class AnalyticsExtensions
{
    /// <summary>The jobs API's settings and the background runner; the engine and the job store come with the storage mode.</summary>
    public static IHostApplicationBuilder AddCortexAnalytics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AnalyticsOptions>()
            .BindConfiguration(AnalyticsOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.CacheTtl <= o.JobTtl, "Cortex:Analytics:CacheTtl must not exceed JobTtl.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AnalyticsJobRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AnalyticsJobRunner>());
        builder.Services.ConfigureSwaggerGen(options => options.OperationFilter<AnalyticsExamplesFilter>());
        return builder;
    }
}
