using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cortex.Api.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

public sealed class StartupTests
{
    private static readonly string DevelopmentKey = ReadDevelopmentKey();

    public static TheoryData<string, string?, string> RefusedConfigurations => new()
    {
        { "Production", null, "SigningKey is not set" },
        { "Production", "", "SigningKey is not set" },
        { "Staging", null, "SigningKey is not set" },
        { "Production", "only-31-bytes-long-key-01234567", "at least 32 bytes" },
        { "Production", DevelopmentKey, "development key" },
        { "Staging", DevelopmentKey, "development key" },
        { "Test", DevelopmentKey, "development key" },
        { "Production", DevelopmentKey + "\n", "development key" },
        { "Production", "  " + DevelopmentKey + " \t", "development key" },
        { "Production", new string(' ', 40), "only whitespace" },
        { "Production", "\t\n" + new string(' ', 38), "only whitespace" },
        { "Production", new string('a', 40), "distinct bytes" },
        { "Production", string.Concat(Enumerable.Repeat("0123456789", 4)), "distinct bytes" },
        { "Production", "      short-key-padded-0123456789      ", "at least 32 bytes" },
    };

    [Theory]
    [MemberData(nameof(RefusedConfigurations))]
    public void TheAppRefusesToStartWithoutAUsableSigningKey(string environment, string? signingKey, string reason)
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Auth:SigningKey"] = signingKey }, environment);

        var exception = Record.Exception(() => app.Services);

        Assert.NotNull(exception);
        Assert.Contains(reason, Messages(exception), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAppStartsInDevelopmentWithTheDevelopmentKeyAndAcceptsItsTokens()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Auth:SigningKey"] = DevelopmentKey }, "Development");
        var client = app.CreateClient();
        var auth = new AuthOptions { SigningKey = DevelopmentKey, Issuer = "cortex", Audience = "cortex-api" };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenIssuer.Create(auth, "dev", Scopes.All, TimeSpan.FromMinutes(5)));

        var health = await client.GetAsync("/health", Cancellation);
        var post = await client.PostAsync("/events", Json(Event(Unique("dev"))), Cancellation);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
    }

    [Fact]
    public async Task TheAppStartsInProductionWithAStrongKeyAndWithoutSwaggerByDefault()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Swagger:Enabled"] = null }, "Production");
        var client = app.CreateClient("agent-production");

        var post = await client.PostAsync("/events", Json(Event(Unique("production"))), Cancellation);
        var swagger = await client.GetAsync("/swagger/v1/swagger.json", Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        await AssertProblemAsync(swagger, HttpStatusCode.NotFound);
    }

    [Fact]
    public void TheDataProtectionKeyRingIsNotLoadedAtStart()
    {
        using var app = new CortexApplication();

        var hostedServices = app.Services.GetServices<IHostedService>().Select(s => s.GetType().Name);

        Assert.DoesNotContain("DataProtectionHostedService", hostedServices);
    }

    private static string ReadDevelopmentKey()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("src", "Cortex.Api", "appsettings.Development.json")));
        return settings.RootElement.GetProperty("Cortex").GetProperty("Auth").GetProperty("SigningKey").GetString()!;
    }

    private static string Messages(Exception exception) => exception switch
    {
        AggregateException aggregate => string.Join(" | ", aggregate.InnerExceptions.Select(Messages)),
        _ => exception.Message + (exception.InnerException is null ? string.Empty : " | " + Messages(exception.InnerException)),
    };
}
