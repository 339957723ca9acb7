using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cortex.Tests.Process;

/// <summary>`dotnet Cortex.Api.dll token ...` run as a real process from the app's folder, its content root.</summary>
public sealed class TokenCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cortex-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => AppProcessTests.DeleteDirectory(_directory);

    [Fact]
    public async Task TokenInDevelopmentIsSignedWithTheDevelopmentKeyAndCarriesSubjectAndScope()
    {
        var developmentKey = DevelopmentKey();

        var run = await RunTokenAsync("Development", signingKey: null, "--scope", "events:read", "--subject", "alice");
        var token = run.StandardOutput.Trim();
        var validation = await ValidateAsync(token, developmentKey);

        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; stderr: {run.StandardError}");
        Assert.True(validation.IsValid, $"the token does not validate with the development key: {validation.Exception?.Message}");
        Assert.Equal("alice", validation.Claims["sub"]);
        Assert.Equal("events:read", validation.Claims["scope"]);
        Assert.True(validation.Claims.ContainsKey("exp"));
    }

    [Fact]
    public async Task TokenInProductionIsSignedWithTheConfiguredKey()
    {
        var run = await RunTokenAsync("Production", CortexApplication.SigningKey, "--scope", "events:write", "events:admin", "--subject", "ops");
        var validation = await ValidateAsync(run.StandardOutput.Trim(), CortexApplication.SigningKey);
        var withDevelopmentKey = await ValidateAsync(run.StandardOutput.Trim(), DevelopmentKey());

        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; stderr: {run.StandardError}");
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("ops", validation.Claims["sub"]);
        Assert.Equal("events:write events:admin", validation.Claims["scope"]);
        Assert.False(withDevelopmentKey.IsValid);
    }

    [Fact]
    public async Task TokenWithAnUnknownScopeExitsNonZeroAndNamesTheScope()
    {
        var run = await RunTokenAsync("Development", signingKey: null, "--scope", "events:delete", "--subject", "alice");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Unknown scope(s): events:delete", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenOutsideDevelopmentWithoutAKeyFailsNamingTheMissingSetting()
    {
        var run = await RunTokenAsync("Production", signingKey: null, "--scope", "events:read");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Cortex:Auth:SigningKey is not set", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", run.StandardOutput, StringComparison.Ordinal);
    }

    private Task<ProcessRun> RunTokenAsync(string environment, string? signingKey, params string[] arguments) =>
        AppProcess.RunAsync(
            ["token", .. arguments],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = environment,
                ["Cortex__Auth__SigningKey"] = signingKey,
                ["Cortex__Embedded__DatabasePath"] = Path.Combine(_directory, "cortex.db"),
            },
            TestContext.Current.CancellationToken);

    /// <summary>The key as the app's own appsettings.Development.json holds it, read from the folder the app runs in.</summary>
    private static string DevelopmentKey()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppProcess.AppDirectory, "appsettings.Development.json")));
        return settings.RootElement.GetProperty("Cortex").GetProperty("Auth").GetProperty("SigningKey").GetString()!;
    }

    private static Task<TokenValidationResult> ValidateAsync(string token, string key) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "cortex",
            ValidAudience = "cortex-api",
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)),
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
        });
}
