using System.Net;
using System.Net.Http.Headers;
using Cortex.Api.Hosting;
using Cortex.Tests;
using static Cortex.Tests.Api;

namespace Cortex.IntegrationTests.Parity;

/// <summary>The API suite's auth cases (ApiCases.BadTokens and the scope rules) against both modes.</summary>
public sealed class AuthParityTests : IClassFixture<ParityApps>
{
    private readonly ParityApps _apps;

    public AuthParityTests(ParityApps apps)
    {
        apps.Resources.Emulator.EnsureAvailable();
        _apps = apps;
    }

    [Theory]
    [InlineData("POST", "/events")]
    [InlineData("POST", "/events/batch")]
    [InlineData("GET", "/events?source=x")]
    [InlineData("GET", "/events/0192f0c1-8a3e-7b6e-9d2a-5c4b3a291807")]
    public async Task ARequestWithoutATokenAnswersTheSame401WithABearerChallengeInBothModes(string method, string path)
    {
        var (embedded, aws) = _apps.Clients(subject: null);

        var fromEmbedded = await SendAsync(embedded, method, path);
        var fromAws = await SendAsync(aws, method, path);

        await AssertProblemAsync(fromAws, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer error=\"invalid_token\"", fromAws.Headers.WwwAuthenticate.ToString());
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Theory]
    [MemberData(nameof(ApiCases.BadTokens), MemberType = typeof(ApiCases))]
    public async Task PostingWithAnInvalidTokenAnswersTheSame401InBothModes(string kind)
    {
        var (embedded, aws) = _apps.Clients(subject: null);
        var token = new AuthenticationHeaderValue("Bearer", ApiCases.BadToken(CortexApplication.Auth, kind));
        embedded.DefaultRequestHeaders.Authorization = token;
        aws.DefaultRequestHeaders.Authorization = token;

        var fromEmbedded = await SendAsync(embedded, "POST", "/events");
        var fromAws = await SendAsync(aws, "POST", "/events");

        await AssertProblemAsync(fromAws, HttpStatusCode.Unauthorized, "invalid or expired");
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Theory]
    [InlineData(Scopes.Read, "POST", "/events")]
    [InlineData(Scopes.Read, "POST", "/events/batch")]
    [InlineData(Scopes.Write, "GET", "/events?limit=1")]
    [InlineData(Scopes.Write, "GET", "/events/0192f0c1-8a3e-7b6e-9d2a-5c4b3a291807")]
    [InlineData("events:write-not", "POST", "/events")]
    public async Task ARequestWithoutTheRequiredScopeAnswersTheSame403InBothModes(string scope, string method, string path)
    {
        var (embedded, aws) = _apps.Clients("agent-parity-scope", scope);

        var fromEmbedded = await SendAsync(embedded, method, path);
        var fromAws = await SendAsync(aws, method, path);

        await AssertProblemAsync(fromAws, HttpStatusCode.Forbidden, "scope");
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        var source = Unique("parity-auth");
        HttpContent? content = method == "GET" ? null : Json(path.EndsWith("batch", StringComparison.Ordinal) ? $"[{Event(source)}]" : Event(source));
        return client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = content }, Cancellation);
    }
}
