using System.ComponentModel.DataAnnotations;
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

    /// <summary>The HS256 shared key, at least 32 bytes of UTF-8. Deployed, it comes from SSM (<see cref="SigningKeyParameterOptions"/>).</summary>
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

    /// <summary>Steady requests per second allowed to one client address that sends no valid token (401s, 404s).</summary>
    [Range(1, 1_000_000)]
    public int UnauthenticatedRateLimitPerSecond { get; set; } = 10;

    /// <summary>Unauthenticated requests one client address may send at once above the steady rate.</summary>
    [Range(1, 1_000_000)]
    public int UnauthenticatedRateLimitBurst { get; set; } = 100;
}

/// <summary>Refuses to start without a usable key (see <see cref="SigningKeyPolicy"/>) and logs why.</summary>
internal sealed class AuthOptionsValidator(IHostEnvironment environment, ILogger<AuthOptionsValidator> logger) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Authority))
        {
            return ValidateOptionsResult.Success;
        }

        var refusal = SigningKeyPolicy.Refusal(options.SigningKey, environment);
        if (refusal is not null)
        {
            logger.LogCritical("Refusing to start: {Reason}", refusal);
            return ValidateOptionsResult.Fail(refusal);
        }

        return ValidateOptionsResult.Success;
    }
}
