using Amazon.Extensions.NETCore.Setup;
using Amazon.SQS;
using Cortex.Api.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Consumer;

public static class ConsumerExtensions
{
    /// <summary>
    /// The SQS consumer: the batch handler (any <see cref="Ports.ITelemetryStore"/>), the options of
    /// the Lambda pass-through endpoint (mapped by MapConsumerApi) and, when Cortex:Aws:Poller:Enabled
    /// is true, the in-process poller with its SQS client.
    /// </summary>
    public static IHostApplicationBuilder AddCortexConsumer(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConsumerOptions>()
            .BindConfiguration(ConsumerOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.DeadlineSafetyMargin >= TimeSpan.Zero && o.DeadlineSafetyMargin < TimeSpan.FromMinutes(5),
                "Cortex:Consumer:DeadlineSafetyMargin must be between 0 and 5 minutes.")
            .ValidateOnStart();

        services.AddOptions<LambdaOptions>()
            .BindConfiguration(LambdaOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => !o.Enabled || !IsPublicPath(o.PassThroughPath),
                "Cortex:Lambda:PassThroughPath must not be a public path such as /events or /health.")
            .ValidateOnStart();

        services.AddOptions<SqsPollerOptions>()
            .BindConfiguration(SqsPollerOptions.SectionName)
            .Configure<IConfiguration>((o, configuration) => o.QueueUrl = configuration[SqsPollerOptions.QueueUrlKey] ?? o.QueueUrl)
            .ValidateDataAnnotations()
            .Validate(o => !o.Enabled || Uri.TryCreate(o.QueueUrl, UriKind.Absolute, out _),
                $"{SqsPollerOptions.QueueUrlKey} must be the queue's URL when Cortex:Aws:Poller:Enabled is true.")
            .Validate(o => o.InitialBackoff > TimeSpan.Zero && o.MaxBackoff >= o.InitialBackoff,
                "Cortex:Aws:Poller:InitialBackoff must be positive and MaxBackoff at least as long.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SqsBatchHandler>();

        // Configuration known now (environment, appsettings) registers the client up front; the
        // poller itself is decided from the validated options when the host starts, so settings a
        // host adds later (WebApplicationFactory applies its configuration at Build) count too.
        if (builder.Configuration.GetValue<bool>($"{SqsPollerOptions.SectionName}:{nameof(SqsPollerOptions.Enabled)}"))
        {
            // The AWS adapters may have registered the client already (with the same AWS options).
            services.TryAddAWSService<IAmazonSQS>();
        }

        services.AddSingleton<IHostedService>(CreatePoller);
        return builder;
    }

    private static IHostedService CreatePoller(IServiceProvider services)
    {
        if (!services.GetRequiredService<IOptions<SqsPollerOptions>>().Value.Enabled)
        {
            return new DisabledPoller();
        }

        // Not registered when the flag only arrived after registration: build the client from the
        // same AWS configuration AddAWSService would have used. It lives as long as the process.
        var sqs = services.GetService<IAmazonSQS>()
            ?? (services.GetService<AWSOptions>() ?? services.GetRequiredService<IConfiguration>().GetAWSOptions())
                .CreateServiceClient<IAmazonSQS>();
        return ActivatorUtilities.CreateInstance<SqsQueuePoller>(services, sqs);
    }

    private static bool IsPublicPath(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed.Length == 0
            || IsUnder(trimmed, "/events")
            || IsUnder(trimmed, "/health")
            || IsUnder(trimmed, "/swagger");
    }

    private static bool IsUnder(string path, string prefix) =>
        path.Equals(prefix, StringComparison.OrdinalIgnoreCase)
        || path.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase);

    private sealed class DisabledPoller : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
