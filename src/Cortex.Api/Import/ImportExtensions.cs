using Cortex.Api.Ports;

namespace Cortex.Api.Import;

public static class ImportExtensions
{
    public static IHostApplicationBuilder AddCortexImport(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImportOptions>()
            .BindConfiguration(ImportOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.ProgressInterval > TimeSpan.Zero && o.CheckpointInterval > TimeSpan.Zero && o.DeadlineMargin >= TimeSpan.Zero,
                "Cortex:Import time spans must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<EventImporter>();
        builder.Services.AddSingleton<IQueueMessageRoute, S3InboxImport>();
        return builder;
    }
}
