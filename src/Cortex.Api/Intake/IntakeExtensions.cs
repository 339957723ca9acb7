using Cortex.Api.Intake.Otlp;

namespace Cortex.Api.Intake;

public static class IntakeExtensions
{
    public static IHostApplicationBuilder AddCortexIntake(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IntakeOptions>()
            .BindConfiguration(IntakeOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<AgentIngestion>();
        return builder;
    }

    public static IEndpointRouteBuilder MapIntakeApi(this IEndpointRouteBuilder routes)
    {
        routes.MapCollectdApi();
        routes.MapOtlpApi();
        return routes;
    }
}
