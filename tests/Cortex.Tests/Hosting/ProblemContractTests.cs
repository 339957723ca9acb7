using System.Net;
using System.Text.Json;
using Cortex.Api.Hosting;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

/// <summary>Every error body, including those the framework generates, carries the fields docs/api.md promises, in Production.</summary>
public sealed class ProblemContractTests : IClassFixture<ProblemContractTests.ProductionFixture>
{
    private static readonly string[] PromisedFields = ["type", "title", "status", "detail", "instance", "request_id", "trace_id"];
    private readonly CortexApplication _app;

    public ProblemContractTests(ProductionFixture fixture) => _app = fixture.App;

    public static TheoryData<string, string, string?, string?, int> Errors => new()
    {
        // method, path, body, token subject (null: anonymous), expected status
        { "GET", "/operations/dead-letters?limit=abc", null, "agent-admin", 400 },
        { "GET", "/events?limit=abc", null, "agent-reader", 400 },
        { "GET", "/events/not-a-uuid", null, "agent-reader", 400 },
        { "POST", "/events", "{", "agent-writer", 400 },
        { "POST", "/operations/dead-letters/purge", "{", "agent-admin", 400 },
        { "POST", "/events", "valid", null, 401 },
        { "GET", "/operations/dead-letters", null, "agent-writer", 403 },
        { "GET", "/no-such-path", null, null, 404 },
        { "DELETE", "/events", null, "agent-writer", 405 },
        { "POST", "/events", "huge", "agent-writer", 413 },
        { "POST", "/events", "text", "agent-writer", 415 },
        { "POST", "/events", """{"source":"x"}""", "agent-writer", 422 },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task EveryErrorBodyCarriesEveryPromisedField(string method, string path, string? body, string? subject, int status)
    {
        // A subject of its own per case, so the low rate limit of this app never answers first.
        using var client = subject switch
        {
            null => _app.CreateClient(),
            "agent-writer" => _app.CreateClient(Unique(subject), Scopes.Write),
            "agent-reader" => _app.CreateClient(Unique(subject), Scopes.Read),
            _ => _app.CreateClient(Unique(subject), Scopes.Admin),
        };
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = ResponseHeadersTests.Body(body) };

        var response = await client.SendAsync(request, Cancellation);

        AssertPromisedFields(await AssertProblemAsync(response, (HttpStatusCode)status));
    }

    [Fact]
    public async Task TheTooManyRequestsBodyCarriesEveryPromisedField()
    {
        using var client = _app.CreateClient("agent-flood", Scopes.All);

        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await client.GetAsync("/events?limit=1", Cancellation);
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.NotNull(limited);
        AssertPromisedFields(await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "retry after"));
    }

    private static void AssertPromisedFields(JsonElement problem)
    {
        foreach (var field in PromisedFields)
        {
            Assert.True(problem.TryGetProperty(field, out var value), $"No {field} in {problem}");
            Assert.True(value.ValueKind == JsonValueKind.Number || !string.IsNullOrWhiteSpace(value.GetString()), $"Empty {field} in {problem}");
        }

        Assert.StartsWith("https://", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The app in Production, where each subject may send 3 requests at once and 1 per second after that.</summary>
    public sealed class ProductionFixture : IDisposable
    {
        public CortexApplication App { get; } = new(new Dictionary<string, string?>
        {
            ["Cortex:Auth:RateLimitPerSecond"] = "1",
            ["Cortex:Auth:RateLimitBurst"] = "3",
        }, "Production");

        public void Dispose() => App.Dispose();
    }
}
