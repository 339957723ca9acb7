using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Cortex.Api.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Hosting;

/// <summary>A flood of refused requests writes a bounded number of request lines, and says how many it left out.</summary>
public sealed class RefusedRequestLoggingTests
{
    [Fact]
    public async Task AFloodOfBadTokensWritesAtMostTheConfiguredNumberOfLines()
    {
        var sink = new CapturingSink();
        using var app = new CortexApplication(new Dictionary<string, string?>
        {
            ["Cortex:Logging:RefusedRequestLinesPerMinute"] = "5",
            ["Cortex:Logging:SuccessfulRequestLevel"] = "Information",
            ["Cortex:Auth:UnauthenticatedRateLimitBurst"] = "1000",
        });
        using var factory = app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<ILogEventSink>(sink)));
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-valid-token");
        var healthy = factory.CreateClient();

        for (var i = 0; i < 40; i++)
        {
            await client.PostAsync("/events", Json(Event(Unique("flood"))), Cancellation);
        }

        // A later successful request's line proves the earlier lines had their chance to be written.
        await healthy.GetAsync("/health", Cancellation);
        for (var i = 0; i < 200 && !sink.RequestLines.Any(e => Status(e) == 200); i++)
        {
            await Task.Delay(25, Cancellation);
        }

        var refused = sink.RequestLines.Count(e => Status(e) == 401);
        Assert.Contains(sink.RequestLines, e => Status(e) == 200);

        // 5 per minute; a minute boundary during the run allows one more window.
        Assert.InRange(refused, 1, 10);
    }

    [Fact]
    public void TheFirstLineOfANewMinuteCarriesTheNumberOfLinesLeftOut()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var sampler = new RefusedRequestLogSampler(Options.Create(new LoggingOptions { RefusedRequestLinesPerMinute = 3 }), clock);

        var firstMinute = Enumerable.Range(0, 10).Select(_ => sampler.IsEnabled(RequestLine(403))).ToArray();
        var other = sampler.IsEnabled(RequestLine(422));
        clock.Advance(TimeSpan.FromMinutes(1));
        var next = RequestLine(429);
        var nextWritten = sampler.IsEnabled(next);

        Assert.Equal(3, firstMinute.Count(written => written));
        Assert.True(other);
        Assert.True(nextWritten);
        Assert.Equal("7", next.Properties[RefusedRequestLogSampler.SuppressedProperty].ToString());
    }

    [Theory]
    [InlineData("Cortex:Logging:RefusedRequestLinesPerMinute", "0")]
    [InlineData("Cortex:Logging:SuccessfulRequestLevel", "Loud")]
    public void UnusableLoggingSettingsAreRefusedAtStartup(string key, string value)
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { [key] = value });

        var exception = Record.Exception(() => app.Services);

        Assert.NotNull(exception);
        Assert.Contains(key.Split(':')[^1], exception.ToString(), StringComparison.Ordinal);
    }

    private static LogEvent RequestLine(int status) => new(
        DateTimeOffset.UtcNow, LogEventLevel.Warning, null,
        new MessageTemplateParser().Parse("HTTP {RequestMethod} {RequestPath} responded {StatusCode}"),
        [new LogEventProperty("RequestMethod", new ScalarValue("POST")), new LogEventProperty("RequestPath", new ScalarValue("/events")),
            new LogEventProperty("StatusCode", new ScalarValue(status))]);

    private static int? Status(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("StatusCode", out var value) && value is ScalarValue { Value: int status } ? status : null;

    private sealed class CapturingSink : ILogEventSink
    {
        private readonly ConcurrentQueue<LogEvent> _events = new();

        public IEnumerable<LogEvent> RequestLines => _events.Where(e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal));

        public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
    }
}
