using System.Security.Cryptography;
using System.Text;

namespace Cortex.Api.Hosting;

/// <summary>
/// Decides whether an HS256 key may sign tokens in an environment. The one place that judges a
/// key, whatever its source (configuration, an environment variable filled from SSM).
/// </summary>
internal static class SigningKeyPolicy
{
    public const int MinimumBytes = 32;

    /// <summary>A random key of 32 bytes or more has far more; a phrase typed by hand or a repeated pattern has fewer.</summary>
    public const int MinimumDistinctBytes = 16;

    /// <summary>
    /// SHA-256 of the development key in appsettings.Development.json. That file is not loaded
    /// outside Development, and this check stops the key being copied into other settings.
    /// </summary>
    private const string DevelopmentKeySha256 = "d18e4cb2d1ff22b09c1218c78ea5bbb1120c307e9fe96c1bd80387565c71d754";

    /// <summary>Why <paramref name="key"/> must not sign tokens in <paramref name="environment"/>, or null when it may.</summary>
    public static string? Refusal(string? key, IHostEnvironment environment)
    {
        if (string.IsNullOrEmpty(key))
        {
            return $"Cortex:Auth:SigningKey is not set. Set it (at least {MinimumBytes} bytes) or set Cortex:Auth:Authority for OIDC.";
        }

        // Whitespace around a key is what a copied file or a shell adds; it adds no secrecy.
        var trimmed = key.Trim();
        if (trimmed.Length == 0)
        {
            return "Cortex:Auth:SigningKey is only whitespace.";
        }

        if (!environment.IsDevelopment() && IsDevelopmentKey(trimmed))
        {
            return $"Cortex:Auth:SigningKey is the development key, which is refused in the {environment.EnvironmentName} environment.";
        }

        var bytes = Encoding.UTF8.GetBytes(trimmed);
        if (bytes.Length < MinimumBytes)
        {
            return $"Cortex:Auth:SigningKey must be at least {MinimumBytes} bytes (not counting surrounding whitespace).";
        }

        var distinct = bytes.Distinct().Count();
        if (distinct < MinimumDistinctBytes)
        {
            return $"Cortex:Auth:SigningKey has only {distinct} distinct bytes (at least {MinimumDistinctBytes} needed): it is a pattern, not a secret. Generate one, for example with `openssl rand -base64 48`.";
        }

        return null;
    }

    internal static bool IsDevelopmentKey(string trimmedKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(trimmedKey))) == DevelopmentKeySha256;
}
