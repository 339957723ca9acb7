using System.Net;
using System.Net.Http.Headers;
using Cortex.Api.Hosting;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

public sealed class AuthTests : IClassFixture<CortexApplicationFixture>
{
    private readonly CortexApplication _app;

    public AuthTests(CortexApplicationFixture fixture) => _app = fixture.App;

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
    [MemberData(nameof(ApiCases.BadTokens), MemberType = typeof(ApiCases))]
    public async Task PostingWithAnInvalidTokenReturns401AndStoresNothing(string kind)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiCases.BadToken(CortexApplication.Auth, kind));
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
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiCases.CreateToken(CortexApplication.Auth));

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
    [InlineData("urn:example:must-understand")]
    [InlineData("exp")]
    public async Task ASignedTokenWithACriticalHeaderCortexDoesNotUnderstandReturns401(string critical)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiCases.CreateToken(CortexApplication.Auth, header: new Dictionary<string, object>
        {
            ["crit"] = new[] { critical },
            [critical] = true,
        }));
        var control = _app.CreateClient();
        control.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiCases.CreateToken(CortexApplication.Auth, header: new Dictionary<string, object>()));
        var source = Unique("crit");

        var response = await client.PostAsync("/events", Json(Event(source)), Cancellation);
        var accepted = await control.PostAsync("/events", Json(Event(Unique("no-crit"))), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid or expired");
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(0, _app.CountStored(source));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
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
}
