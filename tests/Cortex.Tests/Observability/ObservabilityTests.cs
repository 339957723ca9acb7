using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cortex.Api.Hosting;
using Cortex.Api.Observability;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry.Trace;

namespace Cortex.Tests.Observability;

public sealed class ObservabilityTests
{
    private const string ValidEvent = """{"source":"obs-agent","event_type":"uptime","data":{"seconds":12}}""";

    [Fact]
    public async Task IngestionCountsAcceptedAndRejectedEventsByReason()
    {
        using var app = new CortexApplication();
        var client = app.CreateClient("obs-metrics", Scopes.Write);
        var metrics = app.Services.GetRequiredService<CortexMetrics>();
        using var accepted = new MetricCollector<long>(metrics.EventsAccepted);
        using var rejected = new MetricCollector<long>(metrics.EventsRejected);

        await client.PostAsync("/events", Json(ValidEvent), TestContext.Current.CancellationToken);
        await client.PostAsync("/events", Json("""{"source":"obs-agent","data":{}}"""), TestContext.Current.CancellationToken);
        await client.PostAsync("/events", Json("{not json"), TestContext.Current.CancellationToken);

        Assert.Equal(1, accepted.GetMeasurementSnapshot().EvaluateAsCounter());
        var reasons = rejected.GetMeasurementSnapshot().Select(m => m.Tags["reason"]?.ToString() ?? string.Empty).Order().ToArray();
        Assert.Equal(new[] { "malformed", "validation" }, reasons);
    }

    [Fact]
    public async Task AnAcceptedEventProducesAServerSpanWithTheStoreSpanUnderOneTraceId()
    {
        var spans = new List<Activity>();
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Observability:Tracing"] = "true" });
        using var traced = app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))));
        var client = traced.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CortexApplication.Token("obs-trace", Scopes.Write));
        var traceId = ActivityTraceId.CreateRandom();
        client.DefaultRequestHeaders.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        var response = await client.PostAsync("/events", Json(ValidEvent), TestContext.Current.CancellationToken);

        // The server span ends after the client has the response: wait (bounded) for its export.
        var trace = new List<Activity>();
        for (var i = 0; i < 200 && !trace.Any(s => s.Kind == ActivityKind.Server); i++)
        {
            traced.Services.GetRequiredService<TracerProvider>().ForceFlush();
            trace = [.. spans.ToArray().Where(s => s.TraceId == traceId)];
            if (!trace.Any(s => s.Kind == ActivityKind.Server))
            {
                await Task.Delay(25, TestContext.Current.CancellationToken);
            }
        }

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var server = Assert.Single(trace, s => s.Kind == ActivityKind.Server);
        var store = Assert.Single(trace, s => s.DisplayName == "sqlite insert");
        Assert.Equal(ActivityKind.Client, store.Kind);
        Assert.Equal(server.SpanId, store.ParentSpanId);
    }

    [Fact]
    public async Task MetricsEndpointIsForAdministratorsOnly()
    {
        using var app = new CortexApplication();
        await app.CreateClient("obs-writer", Scopes.Write).PostAsync("/events", Json(ValidEvent), TestContext.Current.CancellationToken);

        var anonymous = await app.CreateClient().GetAsync("/metrics", TestContext.Current.CancellationToken);
        var writer = await app.CreateClient("obs-writer", Scopes.Write).GetAsync("/metrics", TestContext.Current.CancellationToken);
        var admin = await app.CreateClient("obs-admin", Scopes.Admin).GetAsync("/metrics", TestContext.Current.CancellationToken);
        var text = await admin.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, writer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains("cortex_events_accepted", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task MetricsEndpointAnswersOnlyGetAndHead(string method)
    {
        using var app = new CortexApplication();
        var client = app.CreateClient("obs-admin", Scopes.Admin);

        var refused = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/metrics") { Content = Json("{}") }, TestContext.Current.CancellationToken);
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/metrics"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
        Assert.Equal(["GET", "HEAD"], refused.Content.Headers.Allow.Order(StringComparer.Ordinal));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Theory]
    [InlineData("Cortex:Observability:EmfInterval", "00:00:00", "EmfInterval")]
    [InlineData("Cortex:Observability:EmfInterval", "2.00:00:00", "EmfInterval")]
    [InlineData("Cortex:Observability:EmfNamespace", "has spaces in it", "EmfNamespace")]
    [InlineData("Cortex:Observability:OtlpEndpoint", "/relative", "OtlpEndpoint")]
    [InlineData("Cortex:Observability:OtlpEndpoint", "ftp://collector:4317", "OtlpEndpoint")]
    public void UnusableObservabilitySettingsAreRefusedAtStartup(string key, string value, string named)
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { [key] = value });

        var exception = Record.Exception(() => app.Services);

        Assert.NotNull(exception);
        Assert.Contains(named, exception.ToString(), StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
