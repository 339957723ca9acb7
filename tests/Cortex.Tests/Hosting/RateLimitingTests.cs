using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

public sealed class RateLimitingTests : IClassFixture<RateLimitingTests.LowLimitFixture>
{
    private readonly CortexApplication _app;

    public RateLimitingTests(LowLimitFixture fixture) => _app = fixture.App;

    [Fact]
    public async Task ASubjectOverItsLimitGets429WithRetryAfterWhileAnotherSubjectIsServed()
    {
        var greedy = _app.CreateClient("agent-greedy");
        var polite = _app.CreateClient("agent-polite");
        var source = Unique("rate");

        // Far more than the burst of 3 plus what 1/s can refill while these run.
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 30; i++)
        {
            responses.Add(await greedy.PostAsync("/events", Json(Event(source)), Cancellation));
        }

        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.Accepted);
        var other = await polite.GetAsync($"/events?source={source}&limit=1000", Cancellation);

        Assert.Equal(responses.Count, rejected.Count + accepted);
        Assert.NotEmpty(rejected);
        Assert.InRange(accepted, 3, 29);
        var retryAfter = rejected[0].Headers.GetValues("Retry-After").Single();
        Assert.True(int.Parse(retryAfter, CultureInfo.InvariantCulture) >= 1, retryAfter);
        await AssertProblemAsync(rejected[0], HttpStatusCode.TooManyRequests, "retry after");
        Assert.Equal("nosniff", rejected[0].Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-store", rejected[0].Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(accepted, (await ReadJsonAsync(other)).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task TokensWithoutASubjectCannotEscapeTheLimit()
    {
        var source = Unique("no-subject");

        // Each request carries a fresh token, as a client minting its own would send.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            var client = _app.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenWithoutSubject());
            statuses.Add((await client.PostAsync("/events", Json(Event(source)), Cancellation)).StatusCode);
        }

        Assert.Contains(HttpStatusCode.Accepted, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task AnonymousHealthChecksAreNotRateLimited()
    {
        var client = _app.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            statuses.Add((await client.GetAsync("/health", Cancellation)).StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    private static string TokenWithoutSubject()
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "cortex",
            Audience = "cortex-api",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Subject = new ClaimsIdentity([new Claim("scope", "events:write events:read"), new Claim("jti", Guid.NewGuid().ToString("N"))]),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(CortexApplication.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>An app that lets each subject send 3 requests at once and 1 per second after that.</summary>
    public sealed class LowLimitFixture : IDisposable
    {
        public CortexApplication App { get; } = new(new Dictionary<string, string?>
        {
            ["Cortex:Auth:RateLimitPerSecond"] = "1",
            ["Cortex:Auth:RateLimitBurst"] = "3",
        });

        public void Dispose() => App.Dispose();
    }
}
