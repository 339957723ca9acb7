using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Cortex.Tests.Process;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Intake;

/// <summary>
/// The OpenTelemetry .NET SDK's own OTLP exporter (HttpProtobuf, the token in its headers) sends
/// logs and metrics to the app running as a process on a loopback port; after ForceFlush the
/// records are listed by GET /events, mapped as docs/agents.md says.
/// </summary>
public sealed class OpenTelemetrySdkClientTests
{
    [Fact]
    public async Task LogsAndMetricsExportedByTheSdkAreStoredWithTheMapping()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cortex-tests", Guid.NewGuid().ToString("N"));
        var host = Unique("otel-sdk");
        try
        {
            await using var app = await AppProcess.StartAsync(Path.Combine(directory, "cortex.db"), cancellationToken: Cancellation);
            var headers = "Authorization=Bearer " + CortexApplication.Token("otel-agent", "events:write");
            var resource = ResourceBuilder.CreateEmpty()
                .AddService("checkout")
                .AddAttributes([new("host.name", host), new("cloud.region", "eu-west-3")]);

            ExportLogs(app.BaseAddress, headers, resource);
            ExportMetrics(app.BaseAddress, headers, resource);

            using var reader = app.CreateClient("otel-reader", "events:read");
            var response = await reader.GetAsync(new Uri($"/events?source={host}&limit=1000", UriKind.Relative), Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var stored = (await ReadJsonAsync(response)).GetProperty("items").EnumerateArray().ToArray();

            var error = stored.Single(e => Body(e)?.Contains("Disk check failed", StringComparison.Ordinal) == true);
            Assert.Equal("health_check", error.GetProperty("event_type").GetString());
            Assert.Equal("critical", error.GetProperty("severity").GetString());
            Assert.Equal(host, error.GetProperty("hostname").GetString());
            Assert.Equal("eu-west-3", error.GetProperty("region").GetString());
            Assert.Equal("sda", error.GetProperty("data").GetProperty("attributes").GetProperty("Disk").GetString());
            Assert.Equal("checkout", error.GetProperty("data").GetProperty("resource").GetProperty("service.name").GetString());

            var warning = stored.Single(e => Body(e)?.Contains("Queue is long", StringComparison.Ordinal) == true);
            Assert.Equal("custom", warning.GetProperty("event_type").GetString());
            Assert.Equal("warning", warning.GetProperty("severity").GetString());

            // Metrics are cumulative: the SDK exports each instrument at ForceFlush and again when it shuts down.
            var cpu = stored.Where(e => Metric(e) == "system.cpu.utilization").ToArray();
            Assert.NotEmpty(cpu);
            Assert.All(cpu, e => Assert.Equal("cpu_usage", e.GetProperty("event_type").GetString()));
            Assert.All(cpu, e => Assert.Equal(0.42, e.GetProperty("data").GetProperty("value").GetDouble()));
            Assert.All(cpu, e => Assert.Equal("1", e.GetProperty("data").GetProperty("unit").GetString()));

            var processes = stored.Where(e => Metric(e) == "system.processes.created").ToArray();
            Assert.NotEmpty(processes);
            Assert.All(processes, e => Assert.Equal("process_count", e.GetProperty("event_type").GetString()));
            Assert.All(processes, e => Assert.Equal(7, e.GetProperty("data").GetProperty("value").GetInt64()));

            var duration = stored.Where(e => Metric(e) == "checkout.duration").ToArray();
            Assert.NotEmpty(duration);
            Assert.All(duration, e => Assert.Equal("custom", e.GetProperty("event_type").GetString()));
            Assert.All(duration, e => Assert.Equal(2, e.GetProperty("data").GetProperty("count").GetInt64()));
            Assert.All(duration, e => Assert.Equal(30.0, e.GetProperty("data").GetProperty("sum").GetDouble()));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static string? Body(JsonElement e) =>
        e.GetProperty("data").TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.String ? body.GetString() : null;

    private static string? Metric(JsonElement e) =>
        e.GetProperty("data").TryGetProperty("metric", out var metric) ? metric.GetString() : null;

    private static void Configure(OtlpExporterOptions exporter, Uri app, string path, string headers)
    {
        exporter.Endpoint = new Uri(app, path);
        exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
        exporter.Headers = headers;
    }

    private static void ExportLogs(Uri app, string headers, ResourceBuilder resource)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddOpenTelemetry(options =>
        {
            options.SetResourceBuilder(resource);
            options.IncludeScopes = true;
            options.AddOtlpExporter(exporter => Configure(exporter, app, "/v1/logs", headers));
        }));
        using var provider = services.BuildServiceProvider();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("checkout");

        // A scope's key-value pairs become the record's attributes (IncludeScopes).
        using (logger.BeginScope(new Dictionary<string, object> { ["cortex.event_type"] = "health_check" }))
        {
            logger.LogError("Disk check failed on {Disk}", "sda");
        }

        logger.LogWarning("Queue is long: {Length}", 1200);

        Assert.True(provider.GetRequiredService<LoggerProvider>().ForceFlush(30_000), "The SDK's log export did not finish.");
    }

    private static void ExportMetrics(Uri app, string headers, ResourceBuilder resource)
    {
        using var meter = new Meter(Unique("cortex.test"));
        using var provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(meter.Name)
            .AddOtlpExporter((exporter, reader) => Configure(exporter, app, "/v1/metrics", headers))
            .Build();

        meter.CreateGauge<double>("system.cpu.utilization", unit: "1").Record(0.42);
        meter.CreateCounter<long>("system.processes.created").Add(7);
        var histogram = meter.CreateHistogram<double>("checkout.duration", unit: "ms");
        histogram.Record(10);
        histogram.Record(20);

        Assert.True(provider.ForceFlush(30_000), "The SDK's metric export did not finish.");
    }
}
