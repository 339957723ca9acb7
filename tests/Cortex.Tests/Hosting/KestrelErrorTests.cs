using System.Text.Json;

namespace Cortex.Tests.Hosting;

/// <summary>
/// Errors about the request's shape itself. Up to Cortex's documented limits the app answers them
/// as every other error; beyond Kestrel's hard limits, and for a request line it cannot parse,
/// Kestrel answers alone with an empty body (docs/api.md says so).
/// </summary>
public sealed class KestrelErrorTests : IClassFixture<KestrelErrorTests.ServerFixture>
{
    private readonly LoopbackServer _server;

    public KestrelErrorTests(ServerFixture fixture) => _server = fixture.Server;

    [Fact]
    public async Task ATargetLongerThan8KiBIs414ProblemJson()
    {
        var response = await _server.SendRawAsync($"GET /events?source={new string('a', 10 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        AssertProblem(response, 414);
    }

    [Fact]
    public async Task HeadersLargerThan32KiBAre431ProblemJson()
    {
        var headers = string.Concat(Enumerable.Range(0, 10).Select(i => $"X-Padding-{i}: {new string('b', 4000)}\r\n"));

        var response = await _server.SendRawAsync($"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n");

        AssertProblem(response, 431);
    }

    [Theory]
    [InlineData("target beyond Kestrel's limit", 414)]
    [InlineData("headers beyond Kestrel's limit", 431)]
    [InlineData("unparsable request line", 400)]
    public async Task WhatKestrelAnswersAloneHasTheStatusAndAnEmptyBody(string kind, int status)
    {
        var request = kind switch
        {
            "target beyond Kestrel's limit" => $"GET /events?source={new string('a', 20 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "headers beyond Kestrel's limit" => $"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n{string.Concat(Enumerable.Range(0, 20).Select(i => $"X-Padding-{i}: {new string('b', 4000)}\r\n"))}\r\n",
            _ => "GARBAGE\r\n\r\n",
        };

        var response = await _server.SendRawAsync(request);

        Assert.Equal(status, response.Status);
        Assert.Equal(string.Empty, response.Body);
        Assert.False(response.Headers.ContainsKey("Server"), "Kestrel names itself");
    }

    private static void AssertProblem(RawResponse response, int status)
    {
        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/problem+json", response.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers["X-Content-Type-Options"]);
        Assert.Equal("no-store", response.Headers["Cache-Control"]);
        using var problem = JsonDocument.Parse(response.Body);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        foreach (var field in new[] { "type", "title", "detail", "instance", "request_id" })
        {
            Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty(field).GetString()), field);
        }
    }

    public sealed class ServerFixture : IDisposable
    {
        public LoopbackServer Server { get; } = new();

        public void Dispose() => Server.Dispose();
    }
}
