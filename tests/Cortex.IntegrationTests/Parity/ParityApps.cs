using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cortex.IntegrationTests.Consumer;
using Cortex.Tests;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Cortex.IntegrationTests.Parity;

/// <summary>
/// The same API twice: Embedded mode (the API suite's own CortexApplication, SQLite) and Aws mode
/// against the emulator with the in-process poller on, both verifying tokens signed with the API
/// suite's key, so one token and one request can be sent to each.
/// </summary>
public sealed class ParityApps(AwsEmulator emulator) : IAsyncLifetime
{
    private AwsCortexApplication? _awsApplication;

    public AwsResources Resources { get; } = new(emulator);

    public CortexApplication Embedded { get; private set; } = null!;

    public WebApplicationFactory<Program> Aws { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Resources.InitializeAsync();
        if (emulator.Endpoint is null)
        {
            return;
        }

        Embedded = new CortexApplication();
        _awsApplication = new AwsCortexApplication(Resources);
        Aws = _awsApplication.WithPoller().WithWebHostBuilder(builder =>
            builder.UseSetting("Cortex:Auth:SigningKey", CortexApplication.SigningKey));
    }

    /// <summary>A client of each mode; with a token for <paramref name="subject"/> unless it is null.</summary>
    public (HttpClient Embedded, HttpClient Aws) Clients(string? subject, params string[] scopes)
    {
        var embedded = Embedded.CreateClient();
        var aws = Aws.CreateClient();
        if (subject is not null)
        {
            var token = new AuthenticationHeaderValue("Bearer", CortexApplication.Token(subject, scopes));
            embedded.DefaultRequestHeaders.Authorization = token;
            aws.DefaultRequestHeaders.Authorization = token;
        }

        return (embedded, aws);
    }

    public async ValueTask DisposeAsync()
    {
        if (Aws is not null)
        {
            await Aws.DisposeAsync();
        }

        if (_awsApplication is not null)
        {
            await _awsApplication.DisposeAsync();
        }

        Embedded?.Dispose();
        await Resources.DisposeAsync();
    }

    /// <summary>
    /// Asserts the two answers have the same status, content type, challenge and body, except for the
    /// members that differ on every request (request_id, trace_id) or by design (ids the server generates).
    /// </summary>
    public static async Task AssertSameAsync(HttpResponseMessage embedded, HttpResponseMessage aws, params string[] ignoredMembers)
    {
        var embeddedText = await embedded.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var awsText = await aws.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(embedded.StatusCode == aws.StatusCode,
            $"Embedded answered {(int)embedded.StatusCode} {embeddedText}; Aws answered {(int)aws.StatusCode} {awsText}");
        Assert.Equal(embedded.Content.Headers.ContentType?.ToString(), aws.Content.Headers.ContentType?.ToString());
        Assert.Equal(embedded.Headers.WwwAuthenticate.ToString(), aws.Headers.WwwAuthenticate.ToString());
        var expected = Normalise(embeddedText, ignoredMembers);
        var actual = Normalise(awsText, ignoredMembers);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"Embedded: {expected?.ToJsonString()}{Environment.NewLine}Aws:      {actual?.ToJsonString()}");
    }

    private static JsonNode? Normalise(string text, string[] ignoredMembers)
    {
        if (text.Length == 0)
        {
            return null;
        }

        var node = JsonNode.Parse(text);
        Strip(node, ["request_id", "trace_id", .. ignoredMembers]);
        return node;
    }

    private static void Strip(JsonNode? node, string[] members)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var member in members)
                {
                    if (obj.ContainsKey(member))
                    {
                        obj[member] = "(varies)";
                    }
                }

                foreach (var (_, child) in obj)
                {
                    Strip(child, members);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Strip(child, members);
                }

                break;
        }
    }
}
