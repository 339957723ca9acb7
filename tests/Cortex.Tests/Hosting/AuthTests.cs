using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Cortex.Api.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

public sealed class AuthTests : IClassFixture<CortexApplicationFixture>
{
    private readonly CortexApplication _app;

    public AuthTests(CortexApplicationFixture fixture) => _app = fixture.App;

    public static TheoryData<string> BadTokens => new()
    {
        "expired",
        "wrong-key",
        "alg-none",
        "wrong-issuer",
        "wrong-audience",
        "no-exp",
        "not-yet-valid",
        "garbage",
    };

    [Fact]
    public async Task PostingWithoutATokenReturns401WithBearerChallengeAndStoresNothing()
    {
        var client = _app.CreateClient();
        var source = Unique("anonymous");

        var response = await client.PostAsync("/events", Json(Event(source)), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "bearer token is required");
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task ReadingWithoutATokenReturns401()
    {
        var client = _app.CreateClient();

        var response = await client.GetAsync("/events?source=x", Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task PostingWithAnInvalidTokenReturns401AndStoresNothing(string kind)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BadToken(kind));
        var source = Unique("bad-token");

        var response = await client.PostAsync("/events", Json(Event(source)), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid or expired");
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task AWellFormedTokenWithTheRightClaimsIsAccepted()
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CreateToken(CortexApplication.Auth));

        var response = await client.PostAsync("/events", Json(Event(Unique("good-token"))), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task PostingWithoutTheWriteScopeReturns403AndStoresNothing()
    {
        var client = _app.CreateClient("agent-reader", Scopes.Read);
        var source = Unique("no-write");

        var response = await client.PostAsync("/events", Json(Event(source)), Cancellation);
        var batch = await client.PostAsync("/events/batch", Json($"[{Event(source)}]"), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "scope");
        await AssertProblemAsync(batch, HttpStatusCode.Forbidden, "scope");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task ReadingWithoutTheReadScopeReturns403()
    {
        var writer = _app.CreateClient("agent-writer", Scopes.Write);
        var eventId = await PostAcceptedAsync(writer, Event(Unique("no-read")));

        var list = await writer.GetAsync("/events?limit=1", Cancellation);
        var get = await writer.GetAsync($"/events/{eventId}", Cancellation);

        await AssertProblemAsync(list, HttpStatusCode.Forbidden, "scope");
        await AssertProblemAsync(get, HttpStatusCode.Forbidden, "scope");
    }

    [Fact]
    public async Task ATokenWithAScopeThatOnlyContainsTheScopeNameIsNotEnough()
    {
        var client = _app.CreateClient("agent-sly", "events:write-not", "events:readonly");

        var post = await client.PostAsync("/events", Json(Event(Unique("sly"))), Cancellation);
        var get = await client.GetAsync("/events", Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, get.StatusCode);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task HealthEndpointsAnswerWithoutAToken(string path)
    {
        var client = _app.CreateClient();

        var response = await client.GetAsync(path, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string BadToken(string kind)
    {
        var auth = CortexApplication.Auth;
        return kind switch
        {
            "expired" => TokenIssuer.Create(auth, "agent", Scopes.All, TimeSpan.FromMinutes(10), DateTimeOffset.UtcNow.AddHours(-1)),
            "not-yet-valid" => TokenIssuer.Create(auth, "agent", Scopes.All, TimeSpan.FromMinutes(10), DateTimeOffset.UtcNow.AddHours(1)),
            "wrong-key" => TokenIssuer.Create(
                new AuthOptions { SigningKey = "another-signing-key-that-is-long-enough-0123456789", Issuer = auth.Issuer, Audience = auth.Audience },
                "agent", Scopes.All, TimeSpan.FromMinutes(10)),
            "wrong-issuer" => TokenIssuer.Create(
                new AuthOptions { SigningKey = auth.SigningKey, Issuer = "someone-else", Audience = auth.Audience }, "agent", Scopes.All, TimeSpan.FromMinutes(10)),
            "wrong-audience" => TokenIssuer.Create(
                new AuthOptions { SigningKey = auth.SigningKey, Issuer = auth.Issuer, Audience = "another-api" }, "agent", Scopes.All, TimeSpan.FromMinutes(10)),
            "alg-none" => Unsigned(auth),
            "no-exp" => CreateToken(auth, withExpiry: false),
            "garbage" => "not.a.jwt",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>A token with the right claims and no signature at all ("alg":"none").</summary>
    private static string Unsigned(AuthOptions auth)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = """{"alg":"none","typ":"JWT"}""";
        var payload = $$"""{"sub":"agent","scope":"events:write events:read","iss":"{{auth.Issuer}}","aud":"{{auth.Audience}}","iat":{{now}},"nbf":{{now}},"exp":{{now + 600}}}""";
        return $"{Base64UrlEncoder.Encode(header)}.{Base64UrlEncoder.Encode(payload)}.";
    }

    /// <summary>An HS256 token built by hand, with or without the exp claim.</summary>
    private static string CreateToken(AuthOptions auth, bool withExpiry = true)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = withExpiry ? now.AddMinutes(10) : null,
            Subject = new ClaimsIdentity([new Claim("sub", "agent"), new Claim("scope", "events:write events:read")]),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey!)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
