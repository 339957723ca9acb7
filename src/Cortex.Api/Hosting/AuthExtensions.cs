using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cortex.Api.Hosting;

public static class AuthExtensions
{
    /// <summary>JWT bearer authentication, scope policies and per-subject rate limiting.</summary>
    public static IHostApplicationBuilder AddCortexAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddCortexSigningKeyParameter();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, TimeProvider>((jwt, auth, clock) => ConfigureJwt(jwt, auth.Value, clock));

        services.AddAuthorizationBuilder()
            .AddPolicy(Scopes.Write, p => p.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c.User, Scopes.Write)))
            .AddPolicy(Scopes.Read, p => p.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c.User, Scopes.Read)))
            .AddPolicy(Scopes.Admin, p => p.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c.User, Scopes.Admin)));

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<AuthOptions>>((limiter, auth) => ConfigureRateLimiter(limiter, auth.Value));
        return builder;
    }

    private static void ConfigureJwt(JwtBearerOptions jwt, AuthOptions auth, TimeProvider clock)
    {
        jwt.MapInboundClaims = false;

        // Agents send one token for hours: validate it once, not on every request.
        var handlers = jwt.TokenHandlers.Select(handler => new ValidatedTokenCache(handler, clock)).ToList();
        jwt.TokenHandlers.Clear();
        foreach (var handler in handlers)
        {
            jwt.TokenHandlers.Add(handler);
        }

        jwt.IncludeErrorDetails = false;
        jwt.RequireHttpsMetadata = true;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = auth.Issuer,
            ValidateAudience = true,
            ValidAudience = auth.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromSeconds(auth.ClockSkewSeconds),
            NameClaimType = "sub",
        };

        if (!string.IsNullOrWhiteSpace(auth.Authority))
        {
            jwt.Authority = auth.Authority;
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];
        }
        else
        {
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            jwt.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey!));
        }

        jwt.Events = new JwtBearerEvents
        {
            // RFC 7515 4.1.11: a recipient must refuse a token whose "crit" header lists an extension
            // it does not understand. Cortex understands none, so any "crit" is refused.
            OnTokenValidated = context =>
            {
                if (context.SecurityToken is JsonWebToken token && token.TryGetHeaderValue<object>("crit", out _))
                {
                    context.Fail("The token has a critical header extension (crit) that Cortex does not understand.");
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var response = context.Response;
                response.StatusCode = StatusCodes.Status401Unauthorized;
                response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                var detail = context.AuthenticateFailure is null
                    ? "A bearer token is required: send Authorization: Bearer <token>."
                    : "The bearer token is invalid or expired.";
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
            },
            OnForbidden = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden",
                "The token does not carry the scope this endpoint needs."),
        };
    }

    private static void ConfigureRateLimiter(RateLimiterOptions limiter, AuthOptions auth)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var subject = context.User.FindFirst("sub")?.Value;
            if (subject is null && context.User.Identity?.IsAuthenticated != true)
            {
                // Health probes and the Lambda pass-through are anonymous by design. Everything else
                // without a valid token (401s, unknown paths) is limited per client address, so a
                // flood of bad tokens costs the flooder, not the log or the store.
                if (context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
                {
                    return RateLimitPartition.GetNoLimiter("anonymous");
                }

                return RateLimitPartition.GetTokenBucketLimiter(
                    "address:" + context.Connection.RemoteIpAddress,
                    _ => TokenBucket(auth.UnauthenticatedRateLimitPerSecond, auth.UnauthenticatedRateLimitBurst));
            }

            // A valid token without sub shares one bucket, so leaving sub out cannot lift the limit.
            // The prefix keeps a subject named like the other partitions out of them.
            var partition = subject is null ? "no-subject" : "sub:" + subject;
            return RateLimitPartition.GetTokenBucketLimiter(partition, _ => TokenBucket(auth.RateLimitPerSecond, auth.RateLimitBurst));
        });
        limiter.OnRejected = async (context, _) =>
        {
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var detail = context.HttpContext.User.Identity?.IsAuthenticated == true
                ? $"This token's subject has exceeded {auth.RateLimitPerSecond} requests per second; retry after {seconds} s."
                : $"This client address has exceeded {auth.UnauthenticatedRateLimitPerSecond} requests per second without a valid token; retry after {seconds} s.";
            await WriteProblemAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests", detail);
        };
    }

    private static TokenBucketRateLimiterOptions TokenBucket(int perSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    internal static bool HasScope(System.Security.Claims.ClaimsPrincipal user, string scope)
    {
        foreach (var claim in user.FindAll("scope"))
        {
            foreach (var granted in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (granted == scope)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
