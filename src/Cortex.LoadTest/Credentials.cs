using System.Text.Json;
using Cortex.Api.Hosting;

namespace Cortex.LoadTest;

/// <summary>
/// Finds the signing key the server under test uses and mints one token per simulated agent, so
/// each connection has its own subject and per-subject rate limiting applies as for a real fleet.
/// </summary>
public static class Credentials
{
    public const string KeyEnvironmentVariable = "Cortex__Auth__SigningKey";
    private const string DevelopmentSettings = "appsettings.Development.json";

    /// <summary>The key from the option, else the environment, else the app's development settings file.</summary>
    public static (string Key, string Origin) ResolveSigningKey(string? option)
    {
        if (!string.IsNullOrEmpty(option))
        {
            return (option, "--signing-key");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(KeyEnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return (fromEnvironment, KeyEnvironmentVariable);
        }

        if (FindDevelopmentKey() is { } development)
        {
            return development;
        }

        throw new InvalidOperationException(
            $"No signing key: pass --signing-key, set {KeyEnvironmentVariable}, or run from the repository so src/Cortex.Api/{DevelopmentSettings} can be read.");
    }

    public static string[] MintTokens(AuthOptions auth, int count, TimeSpan lifetime, string subjectPrefix = "load-agent")
    {
        var tokens = new string[count];
        for (var i = 0; i < count; i++)
        {
            tokens[i] = TokenIssuer.Create(auth, $"{subjectPrefix}-{i:D4}", [Scopes.Write], lifetime);
        }

        return tokens;
    }

    /// <summary>The key in the repository's src/Cortex.Api/appsettings.Development.json, and that file's path.</summary>
    internal static (string Key, string Path)? FindDevelopmentKey()
    {
        foreach (var path in DevelopmentSettingsCandidates())
        {
            if (File.Exists(path) && ReadKey(File.ReadAllText(path)) is { } key)
            {
                return (key, path);
            }
        }

        return null;
    }

    internal static string? ReadKey(string settingsJson)
    {
        using var document = JsonDocument.Parse(settingsJson, new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        return document.RootElement.TryGetProperty("Cortex", out var cortex)
               && cortex.TryGetProperty("Auth", out var auth)
               && auth.TryGetProperty("SigningKey", out var key)
               && key.ValueKind == JsonValueKind.String
            ? key.GetString()
            : null;
    }

    private static IEnumerable<string> DevelopmentSettingsCandidates()
    {
        // The repository's file, found by walking up from the working directory and from the tool itself.
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                yield return Path.Combine(directory.FullName, "src", "Cortex.Api", DevelopmentSettings);
            }
        }
    }
}
