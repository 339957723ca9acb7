using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Hosting;

/// <summary>JWT bearer settings (Cortex:Auth). HS256 with <see cref="SigningKey"/>, or an OIDC <see cref="Authority"/>.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Cortex:Auth";

    [Required]
    public string Issuer { get; set; } = "cortex";

    [Required]
    public string Audience { get; set; } = "cortex-api";

    /// <summary>The HS256 shared key, at least 32 bytes of UTF-8. In AWS it comes from SSM/Secrets Manager through an environment variable.</summary>
    public string? SigningKey { get; set; }

    /// <summary>An OIDC authority (for example a Cognito user pool); when set, RS256/ES256 keys come from its metadata.</summary>
    public string? Authority { get; set; }

    [Range(0, 30)]
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>Steady requests per second allowed to one token subject.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitPerSecond { get; set; } = 500;

    /// <summary>Requests one subject may send at once above the steady rate.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitBurst { get; set; } = 1000;

    /// <summary>
    /// SHA-256 of the development key in appsettings.Development.json. That file is not
    /// loaded outside Development, and this check stops the key being copied into other settings.
    /// </summary>
    internal const string DevelopmentKeySha256 = "d18e4cb2d1ff22b09c1218c78ea5bbb1120c307e9fe96c1bd80387565c71d754";

    internal static bool IsDevelopmentKey(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) == DevelopmentKeySha256;
}

/// <summary>Refuses to start without a usable key, and refuses the development key outside Development.</summary>
internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Authority))
        {
            return ValidateOptionsResult.Success;
        }

        if (string.IsNullOrEmpty(options.SigningKey))
        {
            return ValidateOptionsResult.Fail(
                "Cortex:Auth:SigningKey is not set. Set it (at least 32 bytes) or set Cortex:Auth:Authority for OIDC.");
        }

        if (Encoding.UTF8.GetByteCount(options.SigningKey) < 32)
        {
            return ValidateOptionsResult.Fail("Cortex:Auth:SigningKey must be at least 32 bytes.");
        }

        if (!environment.IsDevelopment() && AuthOptions.IsDevelopmentKey(options.SigningKey))
        {
            return ValidateOptionsResult.Fail(
                $"Cortex:Auth:SigningKey is the development key, which is refused in the {environment.EnvironmentName} environment.");
        }

        return ValidateOptionsResult.Success;
    }
}
