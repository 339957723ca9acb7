using System.Net;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

[Collection(SharedApplicationCollection.Name)]
public sealed class SwaggerTests(CortexApplicationFixture fixture)
{
    private readonly CortexApplication _app = fixture.App;

    [Fact]
    public async Task TheOpenApiDocumentIsServedAnonymouslyAndDeclaresTheBearerScheme()
    {
        var client = _app.CreateClient();

        var response = await client.GetAsync("/swagger/v1/swagger.json", Cancellation);
        var document = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.Equal("JWT", bearer.GetProperty("bearerFormat").GetString());
        var paths = document.GetProperty("paths");
        Assert.Contains(paths.GetProperty("/events").GetProperty("post").GetProperty("security").EnumerateArray(), r => r.TryGetProperty("Bearer", out _));
        Assert.False(paths.GetProperty("/health").GetProperty("get").TryGetProperty("security", out _), "health is anonymous: no lock");
        var listingParameters = paths.GetProperty("/events").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString());
        Assert.Equal(["source", "event_type", "severity", "from", "to", "limit", "cursor"], listingParameters);
        Assert.True(paths.TryGetProperty("/events", out var events));
        Assert.True(events.TryGetProperty("post", out _));
        Assert.True(events.TryGetProperty("get", out _));
        Assert.True(paths.TryGetProperty("/events/batch", out _));
        Assert.True(paths.TryGetProperty("/events/{event_id}", out _));
        Assert.True(paths.TryGetProperty("/health", out _));
    }

    [Theory]
    [InlineData("/intake/collectd", "application/json")]
    [InlineData("/v1/logs", "application/x-protobuf")]
    [InlineData("/v1/logs", "application/json")]
    [InlineData("/v1/metrics", "application/x-protobuf")]
    [InlineData("/v1/metrics", "application/json")]
    public async Task TheAgentEndpointsAreDocumentedWithTheirRequestBodies(string path, string mediaType)
    {
        var client = _app.CreateClient();

        var document = await ReadJsonAsync(await client.GetAsync("/swagger/v1/swagger.json", Cancellation));

        var post = document.GetProperty("paths").GetProperty(path).GetProperty("post");
        Assert.Contains(post.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("Bearer", out _));
        Assert.False(string.IsNullOrEmpty(post.GetProperty("description").GetString()));
        Assert.True(post.GetProperty("requestBody").GetProperty("content").GetProperty(mediaType).TryGetProperty("schema", out _));
    }

    [Fact]
    public async Task TheSwaggerUiIsServed()
    {
        var client = _app.CreateClient();

        var response = await client.GetAsync("/swagger/index.html", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
