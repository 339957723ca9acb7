using System.Net.Http.Headers;
using Cortex.Api.Hosting;
using Cortex.DevTools.AwsLocal;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.IntegrationTests;

/// <summary>
/// The whole app in Aws mode against the emulator's resources of one test class. The in-process
/// SQS poller is off so the tests can read what reaches the queue. Clients carry real tokens.
/// </summary>
public sealed class AwsCortexApplication(AwsResources aws) : WebApplicationFactory<Program>
{
    public const string SigningKey = "cortex-integration-signing-key-0123456789abcdefghij";

    private static AuthOptions Auth => new() { SigningKey = SigningKey, Issuer = "cortex", Audience = "cortex-api" };

    public HttpClient CreateClient(string subject)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", TokenIssuer.Create(Auth, subject, Scopes.All, TimeSpan.FromMinutes(10)));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>(aws.Settings)
        {
            ["Cortex:Mode"] = "Aws",
            ["Cortex:Auth:SigningKey"] = SigningKey,
            ["Cortex:Auth:Issuer"] = "cortex",
            ["Cortex:Auth:Audience"] = "cortex-api",
            ["Cortex:Aws:Poller:Enabled"] = "false",
            ["Cortex:Aws:EventBridgeTimeout"] = "00:01:00",
            ["Cortex:Aws:PublishRetryBudget"] = "00:01:00",
            ["AWS:ServiceURL"] = aws.Emulator.Endpoint.ToString().TrimEnd('/'),
            ["AWS:Region"] = AwsLocalServices.Region.SystemName,
        };
        builder.UseEnvironment("Test");

        // UseSetting, not ConfigureAppConfiguration: Program reads Cortex:Mode while building,
        // before app configuration added by the factory is applied.
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        // The emulator's dummy keys, instead of whatever the default credential chain finds here.
        builder.ConfigureTestServices(services => services.AddDefaultAWSOptions(AwsLocalServices.EmulatorOptions(aws.Emulator.Endpoint)));
    }
}
