using System.Net.Http.Headers;
using Cortex.Api.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.Tests;

/// <summary>
/// The whole app in Embedded mode on a temporary SQLite file, with a test signing key.
/// Clients carry real HS256 tokens minted with that key.
/// </summary>
public sealed class CortexApplication : WebApplicationFactory<Program>
{
    public const string SigningKey = "cortex-test-signing-key-0123456789abcdefghijklmnop";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cortex-tests", Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _settings;
    private readonly string _environment;
    private readonly Action<IServiceCollection>? _testServices;

    /// <param name="settings">Configuration that overrides the test defaults (a null value unsets a key).</param>
    /// <param name="environment">The hosting environment; "Test" unless a test needs Development or Production.</param>
    /// <param name="testServices">Service registrations applied after the app's own (for example emulator AWS options).</param>
    public CortexApplication(IDictionary<string, string?>? settings = null, string environment = "Test", Action<IServiceCollection>? testServices = null)
    {
        _environment = environment;
        _testServices = testServices;
        _settings = new Dictionary<string, string?>
        {
            ["Cortex:Mode"] = "Embedded",
            ["Cortex:Embedded:DatabasePath"] = Path.Combine(_directory, "cortex.db"),
            ["Cortex:Embedded:DeadLetterPath"] = Path.Combine(_directory, "dead-letters.jsonl"),
            ["Cortex:Auth:SigningKey"] = SigningKey,
            ["Cortex:Auth:Issuer"] = "cortex",
            ["Cortex:Auth:Audience"] = "cortex-api",
            ["Cortex:Swagger:Enabled"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DatabasePath => _settings["Cortex:Embedded:DatabasePath"]!;

    public static AuthOptions Auth => new() { SigningKey = SigningKey, Issuer = "cortex", Audience = "cortex-api" };

    public static string Token(string subject = "test-agent", params string[] scopes) =>
        TokenIssuer.Create(Auth, subject, scopes.Length == 0 ? Scopes.All : scopes, TimeSpan.FromMinutes(10));

    /// <summary>A client whose requests carry a token for <paramref name="subject"/> with <paramref name="scopes"/> (all scopes when none).</summary>
    public HttpClient CreateClient(string subject, params string[] scopes)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(subject, scopes));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);

        // UseSetting, not ConfigureAppConfiguration: Program.cs reads some keys (Cortex:Mode,
        // tracing) while the builder is still being composed, before late sources are applied.
        // A null value means "leave the key unset" (UseSetting would turn it into an empty string).
        foreach (var (key, value) in _settings.Where(setting => setting.Value is not null))
        {
            builder.UseSetting(key, value);
        }

        if (_testServices is not null)
        {
            builder.ConfigureTestServices(_testServices);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a pooled connection; the OS temp cleaner takes it.
            }
        }
    }
}
