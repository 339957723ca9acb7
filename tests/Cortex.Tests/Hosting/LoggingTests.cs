using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Cortex.Api.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

/// <summary>What the app logs, captured from Serilog at the most verbose level.</summary>
public sealed class LoggingTests : IDisposable
{
    private readonly CapturingSink _sink = new();
    private readonly CortexApplication _app = new(new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft.IdentityModel"] = "Verbose",
        ["Cortex:Logging:SuccessfulRequestLevel"] = "Information",
    });

    private readonly WebApplicationFactory<Program> _factory;

    public LoggingTests()
    {
        _factory = _app.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<ILogEventSink>(_sink)));
    }

    [Fact]
    public async Task NoBearerTokenEverAppearsInTheLogs()
    {
        var valid = CortexApplication.Token("agent-logs");
        var readOnly = CortexApplication.Token("agent-logs", Scopes.Read);
        var expired = TokenIssuer.Create(CortexApplication.Auth, "agent-logs", Scopes.All, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddHours(-2));
        var wrongKey = TokenIssuer.Create(
            new AuthOptions { SigningKey = "a-different-key-for-the-log-test-0123456789", Issuer = "cortex", Audience = "cortex-api" },
            "agent-logs", Scopes.All, TimeSpan.FromMinutes(5));
        var tokens = new[] { valid, readOnly, expired, wrongKey, "garbage-token-value-1234567890" };
        var source = Unique("logs");

        foreach (var token in tokens)
        {
            var client = _factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await client.PostAsync("/events", Json(Event(source)), Cancellation);
            await client.PostAsync("/events", Json("{"), Cancellation);
            await client.GetAsync($"/events?source={source}", Cancellation);
        }

        var log = await RenderedLogAfterAsync(requestLogLines: tokens.Length * 3);

        foreach (var token in tokens)
        {
            Assert.DoesNotContain(token, log, StringComparison.Ordinal);

            // Any one part of a JWT (header, payload, signature) would be a leak too.
            foreach (var part in token.Split('.').Where(p => p.Length >= 16))
            {
                Assert.DoesNotContain(part, log, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task LinesWrittenDuringARequestCarryItsRequestIdAndTraceId()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-valid-token");

        var response = await client.PostAsync("/events", Json(Event(Unique("logs"))), Cancellation);
        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        var requestId = problem.GetProperty("request_id").GetString()!;
        var traceId = problem.GetProperty("trace_id").GetString()!;
        await RenderedLogAfterAsync(requestLogLines: 1);

        var requestLines = _sink.Events.Where(e => e.Properties.TryGetValue("RequestId", out var id) && Text(id) == requestId).ToList();
        Assert.True(requestLines.Count >= 2, $"Only {requestLines.Count} lines carry RequestId {requestId}.");
        Assert.Contains(requestLines, e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal));
        Assert.All(requestLines, e => Assert.Equal(traceId, e.TraceId?.ToHexString()));
        var requestPathLines = _sink.Events.Where(e => e.Properties.TryGetValue("RequestPath", out var path) && Text(path) == "/events").ToList();
        Assert.All(requestPathLines, e => Assert.True(e.Properties.ContainsKey("RequestId") && e.TraceId is not null, e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public void Dispose()
    {
        _factory.Dispose();
        _app.Dispose();
    }

    private static string? Text(LogEventPropertyValue value) => value is ScalarValue { Value: var v } ? v?.ToString() : value.ToString();

    /// <summary>Waits for the request-completion lines (written after the response), then renders every line as the console does.</summary>
    private async Task<string> RenderedLogAfterAsync(int requestLogLines)
    {
        for (var i = 0; i < 200 && _sink.Events.Count(e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal)) < requestLogLines; i++)
        {
            await Task.Delay(25, Cancellation);
        }

        var formatter = new RenderedCompactJsonFormatter();
        using var writer = new StringWriter();
        foreach (var logEvent in _sink.Events)
        {
            formatter.Format(logEvent, writer);
        }

        var log = writer.ToString();
        Assert.Contains("\"RequestId\":", log, StringComparison.Ordinal);
        return log;
    }

    private sealed class CapturingSink : ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }
}
