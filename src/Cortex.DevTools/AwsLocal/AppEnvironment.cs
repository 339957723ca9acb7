using System.Globalization;

namespace Cortex.DevTools.AwsLocal;

/// <summary>
/// The environment aws-local gives Cortex.Api, as variables. The app reads command-line arguments
/// after environment variables, so every argument the user passes wins over all of these; the
/// user's own environment wins over the defaults below but not over the addresses of the
/// resources just created (a stale export from an earlier run must not point the app elsewhere).
/// </summary>
internal static class AppEnvironment
{
    /// <summary>Where the app listens unless the user says otherwise: the port of `dotnet run --project src/Cortex.Api`.</summary>
    public const string DefaultUrls = "http://localhost:5080";

    /// <summary>The variables that point the app (or a `dlq` command) at the emulator and its resources.</summary>
    public static IReadOnlyDictionary<string, string> AwsMode(Uri endpoint, ProvisionedResources provisioned)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Cortex__Mode"] = "Aws",
            ["AWS__ServiceURL"] = endpoint.ToString().TrimEnd('/'),
            ["AWS__Region"] = AwsLocalServices.Region.SystemName,
        };
        foreach (var (key, value) in provisioned.Settings())
        {
            variables[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? string.Empty;
        }

        return variables;
    }

    /// <summary>
    /// Settings that suit a local emulator but that a user may want otherwise; each is left out when
    /// <paramref name="environment"/> already has it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Defaults(Func<string, string?> environment)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The emulator accepts any keys, but the SDK's default credential chain must find some.
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
            ["AWS_REGION"] = AwsLocalServices.Region.SystemName,

            // As `dotnet run` does through launchSettings.json: the development signing key and Swagger.
            ["ASPNETCORE_ENVIRONMENT"] = environment("DOTNET_ENVIRONMENT") ?? "Development",
            ["ASPNETCORE_URLS"] = DefaultUrls,

            ["Cortex__Aws__Poller__Enabled"] = "true",

            // moto delivers through a rule at a few events per second: give PutEvents room.
            ["Cortex__Aws__EventBridgeTimeout"] = TimeSpan.FromMinutes(1).ToString("c", CultureInfo.InvariantCulture),
            ["Cortex__Aws__PublishRetryBudget"] = TimeSpan.FromMinutes(1).ToString("c", CultureInfo.InvariantCulture),
        };
        return defaults
            .Where(d => string.IsNullOrEmpty(environment(d.Key)))
            .ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
    }
}
