using System.Diagnostics.Metrics;
using System.Text.Json;
using Cortex.Api.Observability;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Cortex.Tests.Observability;

public sealed class EmfMetricExporterTests
{
    [Fact]
    public void CountersAndHistogramsBecomeEmbeddedMetricFormatLines()
    {
        var output = new StringWriter();
        using var meter = new Meter("Cortex.EmfTest." + Guid.NewGuid().ToString("N"));
        var counter = meter.CreateCounter<long>("cortex.events.rejected", "{event}");
        var histogram = meter.CreateHistogram<double>("cortex.publish.duration", "s");
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .AddReader(new PeriodicExportingMetricReader(new EmfMetricExporter(output, "CortexTest"), 60_000)
            {
                TemporalityPreference = MetricReaderTemporalityPreference.Delta,
            })
            .Build();

        counter.Add(3, new KeyValuePair<string, object?>("reason", "validation"));
        histogram.Record(0.002);
        histogram.Record(0.004);
        provider.ForceFlush();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var rejected = Assert.Single(lines, l => l.TryGetProperty("cortex.events.rejected", out _));
        Assert.Equal(3, rejected.GetProperty("cortex.events.rejected").GetDouble());
        Assert.Equal("validation", rejected.GetProperty("reason").GetString());
        var directive = rejected.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];
        Assert.Equal("CortexTest", directive.GetProperty("Namespace").GetString());
        Assert.Equal("reason", directive.GetProperty("Dimensions")[0][0].GetString());
        var duration = Assert.Single(lines, l => l.TryGetProperty("cortex.publish.duration.count", out _));
        Assert.Equal(2, duration.GetProperty("cortex.publish.duration.count").GetDouble());
        Assert.Equal(0.006, duration.GetProperty("cortex.publish.duration.sum").GetDouble(), 6);
        Assert.Equal(0.004, duration.GetProperty("cortex.publish.duration.max").GetDouble(), 6);
    }
}
