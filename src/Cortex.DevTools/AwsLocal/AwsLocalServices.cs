using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.SQS;
using Cortex.Api.Infrastructure.Aws;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cortex.DevTools.AwsLocal;

/// <summary>
/// The AWS clients and the provisioner for an emulator endpoint, from the same DI registrations
/// the app uses (no hand-built SDK clients). Emulators accept any credentials.
/// </summary>
internal static class AwsLocalServices
{
    public static readonly RegionEndpoint Region = RegionEndpoint.USEast1;

    public static AWSOptions EmulatorOptions(Uri endpoint)
    {
        var options = new AWSOptions { Region = Region, Credentials = new BasicAWSCredentials("test", "test") };
        options.DefaultClientConfig.ServiceURL = endpoint.ToString().TrimEnd('/');
        return options;
    }

    public static ServiceProvider Create(Uri endpoint, AwsOptions? cortex = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        // moto serialises calls and slows down on a busy machine: provisioning waits for it
        // rather than failing on the product's 5 s EventBridge timeout.
        services.AddSingleton(Options.Create(cortex ?? new AwsOptions { EventBridgeTimeout = TimeSpan.FromMinutes(1) }));
        services.AddDefaultAWSOptions(EmulatorOptions(endpoint));
        services.AddAWSService<IAmazonDynamoDB>();
        services.AddAWSService<IAmazonSQS>();
        services.AddSingleton<EventBridgeClient>();
        services.AddSingleton<AwsProvisioner>();
        return services.BuildServiceProvider();
    }
}
