namespace Cortex.Api.Operations;

public static class OperationsExtensions
{
    /// <summary>Operator features over the dead-letter queue (the adapter comes from AddCortexStorage).</summary>
    public static IHostApplicationBuilder AddCortexOperations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<DeadLetterDepthMonitor>();
        return builder;
    }
}
