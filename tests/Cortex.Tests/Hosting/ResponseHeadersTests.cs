using System.Net;
using Cortex.Api.Hosting;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

[Collection(SharedApplicationCollection.Name)]
public sealed class ResponseHeadersTests(CortexApplicationFixture fixture)
{
    private readonly CortexApplication _app = fixture.App;

    public static TheoryData<string, string, string?, string?, int> Requests => new()
    {
        // method, path, body, token subject (null: anonymous), expected status
        { "POST", "/events", "valid", "agent-headers", 202 },
        { "POST", "/events/batch", "valid-batch", "agent-headers", 202 },
        { "POST", "/events/batch", "mixed-batch", "agent-headers", 207 },
        { "GET", "/events?limit=1", null, "agent-headers", 200 },
        { "GET", "/health", null, null, 200 },
        { "GET", "/health/ready", null, null, 200 },
        { "GET", "/swagger/v1/swagger.json", null, null, 200 },
        { "POST", "/events", "{", "agent-headers", 400 },
        { "GET", "/events?limit=0", null, "agent-headers", 400 },
        { "POST", "/events", "valid", null, 401 },
        { "POST", "/events", "valid", "agent-reader", 403 },
        { "GET", "/no-such-path", null, null, 404 },
        { "GET", $"/events/{Guid.Empty:D}", null, "agent-headers", 404 },
        { "DELETE", "/events", null, "agent-headers", 405 },
        { "PUT", "/health", null, null, 405 },
        { "POST", "/events", "huge", "agent-headers", 413 },
        { "POST", "/events", "text", "agent-headers", 415 },
        { "POST", "/events", """{"source":"x"}""", "agent-headers", 422 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task EveryResponseCarriesNosniffAndNoStore(string method, string path, string? body, string? subject, int status)
    {
        using var client = subject switch
        {
            null => _app.CreateClient(),
            "agent-reader" => _app.CreateClient(subject, Scopes.Read),
            _ => _app.CreateClient(subject),
        };
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Body(body) };

        var response = await client.SendAsync(request, Cancellation);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        if (status >= 400)
        {
            await AssertProblemAsync(response, (HttpStatusCode)status);
        }
    }

    /// <summary>The request body a case names: a valid event or batch, a huge or non-JSON body, or the text itself.</summary>
    internal static StringContent? Body(string? body)
    {
        var source = Unique("headers");
        return body switch
        {
            null => null,
            "valid" => Json(Event(source)),
            "valid-batch" => Json($"[{Event(source)}]"),
            "mixed-batch" => Json($"[{Event(source)},{{}}]"),
            "huge" => Json(Event(source, data: $"{{\"pad\":\"{new string('x', 300 * 1024)}\"}}")),
            "text" => new StringContent(Event(source)),
            _ => Json(body),
        };
    }
}
