using System.Net;
using Cortex.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

/// <summary>
/// Behind the Lambda Web Adapter every request arrives from the adapter on loopback; the caller's
/// address is read from the API Gateway request context the adapter forwards, and only there.
/// </summary>
public sealed class ClientAddressTests
{
    private const string RestApiContext = """{"requestId":"r-1","stage":"prod","identity":{"sourceIp":"203.0.113.7","userAgent":"agent"}}""";
    private const string HttpApiContext = """{"requestId":"r-2","stage":"$default","http":{"method":"POST","path":"/events","sourceIp":"2001:db8::17"}}""";

    public static TheoryData<string, string> Contexts => new()
    {
        { RestApiContext, "203.0.113.7" },
        { HttpApiContext, "2001:db8::17" },
    };

    [Theory]
    [MemberData(nameof(Contexts))]
    public async Task BehindTheLambdaWebAdapterTheSourceIpComesFromTheRequestContext(string requestContext, string expected)
    {
        var stored = await StoredSourceIpAsync(lambda: true, IPAddress.Loopback, requestContext);

        Assert.Equal(expected, stored);
    }

    [Theory]
    [InlineData(false, "127.0.0.1")]
    [InlineData(true, "192.0.2.50")]
    public async Task AForgedRequestContextIsIgnoredOutsideLambdaOrFromAnyoneButTheAdapter(bool lambda, string connectedFrom)
    {
        var stored = await StoredSourceIpAsync(lambda, IPAddress.Parse(connectedFrom), RestApiContext);

        Assert.Equal(connectedFrom, stored);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("not json")]
    [InlineData("""{"identity":{"sourceIp":"not-an-address"}}""")]
    [InlineData("""{"http":{"sourceIp":12}}""")]
    public async Task AnUnreadableRequestContextLeavesTheConnectionAddress(string requestContext)
    {
        var stored = await StoredSourceIpAsync(lambda: true, IPAddress.Loopback, requestContext);

        Assert.Equal("127.0.0.1", stored);
    }

    [Fact]
    public async Task UnauthenticatedRequestsAreLimitedPerCallerAddressBehindTheAdapter()
    {
        using var app = new CortexApplication(new Dictionary<string, string?>(Lambda(enabled: true))
        {
            ["Cortex:Auth:UnauthenticatedRateLimitPerSecond"] = "1",
            ["Cortex:Auth:UnauthenticatedRateLimitBurst"] = "3",
        });
        using var adapter = From(app, IPAddress.Loopback);
        var flooder = Caller(adapter, "198.51.100.1");
        var neighbour = Caller(adapter, "198.51.100.2");
        var agent = Caller(adapter, "198.51.100.1");
        agent.DefaultRequestHeaders.Authorization = new("Bearer", CortexApplication.Token("agent-behind-flooder"));

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 30; i++)
        {
            var response = await flooder.PostAsync("/events", Json(Event(Unique("flood"))), Cancellation);
            statuses.Add(response.StatusCode);
            limited ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        var neighbourResponse = await neighbour.PostAsync("/events", Json(Event(Unique("neighbour"))), Cancellation);
        var agentResponse = await agent.PostAsync("/events", Json(Event(Unique("agent"))), Cancellation);
        var health = await flooder.GetAsync("/health", Cancellation);

        Assert.Contains(HttpStatusCode.Unauthorized, statuses);
        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "without a valid token");
        Assert.Equal(HttpStatusCode.Unauthorized, neighbourResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, agentResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static Dictionary<string, string?> Lambda(bool enabled) => new()
    {
        ["Cortex:Lambda:Enabled"] = enabled ? "true" : "false",

        // Lambda turns EMF on; nothing here needs metric lines on the console.
        ["Cortex:Observability:EmbeddedMetricFormat"] = "false",
    };

    /// <summary>Posts one event over a connection from <paramref name="remote"/> carrying <paramref name="requestContext"/>; returns its stored source_ip.</summary>
    private static async Task<string?> StoredSourceIpAsync(bool lambda, IPAddress remote, string requestContext)
    {
        using var app = new CortexApplication(Lambda(lambda));
        using var connection = From(app, remote);
        var client = connection.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", CortexApplication.Token("agent-lwa"));
        client.DefaultRequestHeaders.TryAddWithoutValidation(ClientAddress.RequestContextHeader, requestContext);

        var eventId = await PostAcceptedAsync(client, Event(Unique("source-ip")));

        return (await GetEventAsync(client, eventId)).GetProperty("source_ip").GetString();
    }

    private static HttpClient Caller(WebApplicationFactory<Program> adapter, string sourceIp)
    {
        var client = adapter.CreateClient();
        client.DefaultRequestHeaders.Add(ClientAddress.RequestContextHeader, $$$"""{"identity":{"sourceIp":"{{{sourceIp}}}"}}""");
        return client;
    }

    /// <summary>The app as reached over a connection from <paramref name="remote"/> (the test server has no real connection).</summary>
    private static WebApplicationFactory<Program> From(CortexApplication app, IPAddress remote) =>
        app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<IStartupFilter>(new RemoteAddressFilter(remote))));

    private sealed class RemoteAddressFilter(IPAddress remote) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress = remote;
                return following(context);
            });
            next(app);
        };
    }
}
