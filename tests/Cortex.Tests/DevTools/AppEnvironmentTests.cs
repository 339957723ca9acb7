using Cortex.DevTools.AwsLocal;

namespace Cortex.Tests.DevTools;

/// <summary>The settings aws-local hands the app: emulator defaults that the user's own environment overrides.</summary>
public sealed class AppEnvironmentTests
{
    [Fact]
    public void AVariableTheUserAlreadySetIsNotOverriddenByADefault()
    {
        var defaults = AppEnvironment.Defaults(name => name switch
        {
            "Cortex__Aws__Poller__Enabled" => "false",
            "ASPNETCORE_URLS" => "http://127.0.0.1:6000",
            _ => null,
        });

        Assert.False(defaults.ContainsKey("Cortex__Aws__Poller__Enabled"));
        Assert.False(defaults.ContainsKey("ASPNETCORE_URLS"));
        Assert.Equal("00:01:00", defaults["Cortex__Aws__EventBridgeTimeout"]);
    }

    [Fact]
    public void WithNothingSetTheAppRunsInDevelopmentOnPort5080WithThePollerOnAndDummyCredentials()
    {
        var defaults = AppEnvironment.Defaults(_ => null);

        Assert.Equal("Development", defaults["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("http://localhost:5080", defaults["ASPNETCORE_URLS"]);
        Assert.Equal("true", defaults["Cortex__Aws__Poller__Enabled"]);
        Assert.Equal("test", defaults["AWS_ACCESS_KEY_ID"]);
        Assert.Equal("test", defaults["AWS_SECRET_ACCESS_KEY"]);
    }

    [Fact]
    public void AwsModeNamesTheEmulatorAndEveryResourceItCreated()
    {
        var definition = AwsResourceDefinition.Load(Repository.PathOf("terraform", "resources.json"));
        var provisioned = new ProvisionedResources(definition, "http://127.0.0.1:5000/1/q", "arn:q", "http://127.0.0.1:5000/1/dlq", "http://127.0.0.1:5000/1/tdlq");

        var variables = AppEnvironment.AwsMode(new Uri("http://127.0.0.1:5000/"), provisioned);

        Assert.Equal("Aws", variables["Cortex__Mode"]);
        Assert.Equal("http://127.0.0.1:5000", variables["AWS__ServiceURL"]);
        Assert.Equal("http://127.0.0.1:5000/1/q", variables["Cortex__Aws__QueueUrl"]);
        Assert.Equal("http://127.0.0.1:5000/1/dlq", variables["Cortex__Aws__DeadLetterQueueUrl"]);
        Assert.Equal(definition.TableName, variables["Cortex__Aws__TableName"]);
        Assert.Equal(definition.EventBus, variables["Cortex__Aws__EventBusName"]);
    }
}
