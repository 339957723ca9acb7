using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.SQS;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Aws;

public static class AwsExtensions
{
    /// <summary>The Aws-mode adapters: EventBridge publisher, DynamoDB store, readiness checks, SDK clients.</summary>
    public static IServiceCollection AddCortexAws(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AwsOptions>()
            .BindConfiguration(AwsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // AWS:Region, AWS:Profile and AWS:ServiceURL (an emulator) come from configuration.
        services.AddDefaultAWSOptions(configuration.GetAWSOptions());
        services.AddAWSService<IAmazonDynamoDB>();
        services.AddAWSService<IAmazonSQS>();
        services.AddAWSService<IAmazonS3>();
        services.AddSingleton<IImportObjects, S3ImportObjects>();

        services.AddSingleton<EventBridgeClient>();
        services.AddSingleton<IEventPublisher, EventBridgeEventPublisher>();
        services.AddSingleton<DynamoDbTelemetryStore>();
        services.AddSingleton<ITelemetryStore>(sp => sp.GetRequiredService<DynamoDbTelemetryStore>());
        services.AddSingleton<IDeadLetterQueue, SqsDeadLetterQueue>();
        services.AddOptions<AwsAnalyticsOptions>()
            .BindConfiguration(AwsAnalyticsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddAWSService<IAmazonS3>();
        services.AddSingleton<AthenaClient>();
        services.AddSingleton<IAnalyticsEngine, AthenaAnalyticsEngine>();
        services.AddSingleton<IAnalyticsJobStore, DynamoDbAnalyticsJobStore>();
        services.AddHealthChecks()
            .AddCheck<DynamoDbTableHealthCheck>("table", tags: [ReadinessCheck.Tag])
            .AddCheck<SqsQueueHealthCheck>("queue", tags: [ReadinessCheck.Tag])
            .AddCheck<EventBusHealthCheck>("bus", tags: [ReadinessCheck.Tag]);
        return services;
    }
}
