using System.Text;
using Cortex.Api.Hosting;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cortex.Tests.Hosting;

/// <summary>
/// The cache in front of JWT validation: it may only save work, never change a verdict. The inner
/// handler is the real one, counted, so each test shows both the verdict and whether it was asked.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    private static readonly AuthOptions Auth = CortexApplication.Auth;

    private readonly CountingHandler _inner = new();

    [Fact]
    public async Task AValidTokenIsValidatedOnceAndThenServedFromTheCache()
    {
        var cache = new ValidatedTokenCache(_inner, TimeProvider.System);
        var token = Mint(TimeSpan.FromMinutes(10));

        var first = await cache.ValidateTokenAsync(token, Parameters());
        var second = await cache.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal("agent-1", second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal(1, _inner.Calls);
    }

    [Fact]
    public async Task EachRequestGetsItsOwnIdentitySoAddingAClaimDoesNotLeakIntoTheNext()
    {
        var cache = new ValidatedTokenCache(_inner, TimeProvider.System);
        var token = Mint(TimeSpan.FromMinutes(10));
        await cache.ValidateTokenAsync(token, Parameters());

        var first = await cache.ValidateTokenAsync(token, Parameters());
        first.ClaimsIdentity.AddClaim(new System.Security.Claims.Claim("scope", "events:admin"));
        var second = await cache.ValidateTokenAsync(token, Parameters());

        Assert.DoesNotContain(second.ClaimsIdentity.FindAll("scope"), c => c.Value == "events:admin");
    }

    [Fact]
    public async Task ATokenThatDiffersByOneCharacterIsValidatedOnItsOwnAndRefused()
    {
        var cache = new ValidatedTokenCache(_inner, TimeProvider.System);
        var token = Mint(TimeSpan.FromMinutes(10));
        await cache.ValidateTokenAsync(token, Parameters());
        var tampered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];

        var result = await cache.ValidateTokenAsync(tampered, Parameters());

        Assert.False(result.IsValid);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task ARefusedTokenIsNeverRemembered()
    {
        var cache = new ValidatedTokenCache(_inner, TimeProvider.System);
        var wrongAudience = TokenIssuer.Create(
            new AuthOptions { SigningKey = Auth.SigningKey, Issuer = Auth.Issuer, Audience = "someone-else" },
            "agent-1", [Scopes.Write], TimeSpan.FromMinutes(10));

        var first = await cache.ValidateTokenAsync(wrongAudience, Parameters());
        var second = await cache.ValidateTokenAsync(wrongAudience, Parameters());

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.Equal(2, _inner.Calls);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task ACachedTokenIsRefusedOnceItHasExpired()
    {
        var cache = new ValidatedTokenCache(_inner, TimeProvider.System);
        var token = Mint(TimeSpan.FromSeconds(3));
        var expires = new JsonWebToken(token).ValidTo;
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);

        while (DateTime.UtcNow <= expires)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var result = await cache.ValidateTokenAsync(token, Parameters());

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(result.Exception);
    }

    [Fact]
    public async Task ACachedTokenIsNotServedPastItsExpiryEvenWithinTheClockSkew()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new ValidatedTokenCache(_inner, clock);
        var token = Mint(TimeSpan.FromMinutes(2));
        await cache.ValidateTokenAsync(token, Parameters(TimeSpan.FromSeconds(30)));

        clock.SetUtcNow(new JsonWebToken(token).ValidTo.AddSeconds(1));
        await cache.ValidateTokenAsync(token, Parameters(TimeSpan.FromSeconds(30)));

        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task ATokenIsValidatedAgainAfterTheCachesMaximumAge()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new ValidatedTokenCache(_inner, clock);
        var token = Mint(TimeSpan.FromHours(2));
        await cache.ValidateTokenAsync(token, Parameters());

        clock.Advance(ValidatedTokenCache.MaxAge - TimeSpan.FromSeconds(1));
        await cache.ValidateTokenAsync(token, Parameters());
        clock.Advance(TimeSpan.FromSeconds(2));
        await cache.ValidateTokenAsync(token, Parameters());

        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task ANotYetValidTokenIsRefusedAndNotRemembered()
    {
        var cache = new ValidatedTokenCache(_inner, TimeProvider.System);
        var future = TokenIssuer.Create(Auth, "agent-1", [Scopes.Write], TimeSpan.FromMinutes(10), DateTimeOffset.UtcNow.AddMinutes(5));

        var result = await cache.ValidateTokenAsync(future, Parameters());

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenNotYetValidException>(result.Exception);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task TheCacheHoldsAtMostItsCapacity()
    {
        var cache = new ValidatedTokenCache(_inner, TimeProvider.System);

        for (var i = 0; i <= ValidatedTokenCache.Capacity; i++)
        {
            await cache.ValidateTokenAsync(Mint(TimeSpan.FromMinutes(10), $"agent-{i}"), Parameters());
        }

        Assert.InRange(cache.Count, 1, ValidatedTokenCache.Capacity);
    }

    private static string Mint(TimeSpan lifetime, string subject = "agent-1") => TokenIssuer.Create(Auth, subject, [Scopes.Write], lifetime);

    private static TokenValidationParameters Parameters(TimeSpan? skew = null) => new()
    {
        ValidIssuer = Auth.Issuer,
        ValidAudience = Auth.Audience,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Auth.SigningKey!)),
        RequireExpirationTime = true,
        ClockSkew = skew ?? TimeSpan.Zero,
    };

    private sealed class CountingHandler : TokenHandler
    {
        private readonly JsonWebTokenHandler _real = new() { MapInboundClaims = false };
        private int _calls;

        public int Calls => _calls;

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Interlocked.Increment(ref _calls);
            return _real.ValidateTokenAsync(token, validationParameters);
        }
    }
}
