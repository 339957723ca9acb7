using System.Net;
using System.Net.Http.Headers;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Cortex.Api.Hosting;
using Cortex.DevTools.AwsLocal;
using Cortex.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.IntegrationTests.Hosting;

/// <summary>The signing key read from an SSM SecureString at startup, against the emulator's Parameter Store.</summary>
public sealed class SigningKeyParameterStoreTests(AwsEmulator emulator) : IAsyncDisposable
{
    private readonly string _prefix = $"/cortex-tests/{Guid.NewGuid():N}";
    private readonly List<string> _created = [];
    private ServiceProvider? _aws;

    [Fact]
    public async Task TheKeyInTheSecureStringSignsTheTokensTheAppAccepts()
    {
        const string key = "cortex-key-from-parameter-store-0123456789abcdef";
        var name = await PutAsync("signing-key", key, ParameterType.SecureString);
        using var app = ParameterStoreApplication(name);

        using var accepted = await GetEventsAsync(app, key);
        using var refused = await GetEventsAsync(app, "a-different-key-of-at-least-32-bytes-0123456789");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task AMissingParameterStopsTheAppWithItsName()
    {
        var name = $"{_prefix}/never-created";
        using var app = ParameterStoreApplication(name);

        var error = StartupError(app);

        Assert.Contains($"SSM parameter {name}", error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APlainStringParameterIsRefused()
    {
        var name = await PutAsync("plain", "cortex-key-stored-in-plain-text-0123456789abcdef", ParameterType.String);
        using var app = ParameterStoreApplication(name);

        var error = StartupError(app);

        Assert.Contains("must be a SecureString", error, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_aws is not null)
        {
            var ssm = _aws.GetRequiredService<IAmazonSimpleSystemsManagement>();
            foreach (var name in _created)
            {
                await ssm.DeleteParameterAsync(new DeleteParameterRequest { Name = name });
            }

            await _aws.DisposeAsync();
        }
    }

    private async Task<string> PutAsync(string leaf, string value, ParameterType type)
    {
        emulator.EnsureAvailable();
        if (_aws is null)
        {
            var services = new ServiceCollection();
            services.AddDefaultAWSOptions(AwsLocalServices.EmulatorOptions(emulator.Endpoint));
            services.AddAWSService<IAmazonSimpleSystemsManagement>();
            _aws = services.BuildServiceProvider();
        }

        var name = $"{_prefix}/{leaf}";
        await _aws.GetRequiredService<IAmazonSimpleSystemsManagement>().PutParameterAsync(
            new PutParameterRequest { Name = name, Value = value, Type = type },
            TestContext.Current.CancellationToken);
        _created.Add(name);
        return name;
    }

    private static async Task<HttpResponseMessage> GetEventsAsync(CortexApplication app, string signingKey)
    {
        using var client = app.CreateClient();
        var auth = new AuthOptions { SigningKey = signingKey, Issuer = "cortex", Audience = "cortex-api" };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", TokenIssuer.Create(auth, "parameter-store-test", Scopes.All, TimeSpan.FromMinutes(10)));
        return await client.GetAsync(new Uri("/events?limit=1", UriKind.Relative), TestContext.Current.CancellationToken);
    }

    private static string StartupError(CortexApplication app)
    {
        var error = Record.Exception(() => app.CreateClient());
        Assert.NotNull(error);
        return error.ToString();
    }

    /// <summary>The app in Embedded mode whose only AWS dependency is the signing key parameter.</summary>
    private CortexApplication ParameterStoreApplication(string parameterName)
    {
        emulator.EnsureAvailable();
        return new CortexApplication(
            new Dictionary<string, string?> { ["Cortex:Auth:SigningKey"] = null, ["Cortex:Auth:SigningKeyParameter"] = parameterName },
            "Production",
            services => services.AddDefaultAWSOptions(AwsLocalServices.EmulatorOptions(emulator.Endpoint)));
    }
}
