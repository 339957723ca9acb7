using System.Text.Json;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Cortex.Api.Observability;

/// <summary>
/// Writes metrics as CloudWatch Embedded Metric Format lines on stdout, which CloudWatch Logs
/// turns into metrics without any SDK or API call (there is no CloudWatch SDK here, and none is
/// needed in Lambda). Counters are deltas per interval; a histogram becomes
/// <c>name.count</c>, <c>name.sum</c>, <c>name.min</c> and <c>name.max</c>.
/// </summary>
internal sealed class EmfMetricExporter(TextWriter output, string metricNamespace) : BaseExporter<Metric>
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    public override ExportResult Export(in Batch<Metric> batch)
    {
        foreach (var metric in batch)
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var values = new List<(string Name, double Value, string Unit)>();
                var unit = CloudWatchUnit(metric.Unit);
                switch (metric.MetricType)
                {
                    case MetricType.LongSum:
                    case MetricType.LongSumNonMonotonic:
                        values.Add((metric.Name, point.GetSumLong(), unit));
                        break;
                    case MetricType.DoubleSum:
                    case MetricType.DoubleSumNonMonotonic:
                        values.Add((metric.Name, point.GetSumDouble(), unit));
                        break;
                    case MetricType.LongGauge:
                        values.Add((metric.Name, point.GetGaugeLastValueLong(), unit));
                        break;
                    case MetricType.DoubleGauge:
                        values.Add((metric.Name, point.GetGaugeLastValueDouble(), unit));
                        break;
                    case MetricType.Histogram:
                        values.Add((metric.Name + ".count", point.GetHistogramCount(), "Count"));
                        values.Add((metric.Name + ".sum", point.GetHistogramSum(), unit));
                        if (point.TryGetHistogramMinMaxValues(out var min, out var max))
                        {
                            values.Add((metric.Name + ".min", min, unit));
                            values.Add((metric.Name + ".max", max, unit));
                        }

                        break;
                    default:
                        continue;
                }

                output.WriteLine(ToLine(point, values));
            }
        }

        output.Flush();
        return ExportResult.Success;
    }

    private string ToLine(in MetricPoint point, List<(string Name, double Value, string Unit)> values)
    {
        var dimensions = new List<KeyValuePair<string, object?>>();
        foreach (var tag in point.Tags)
        {
            dimensions.Add(tag);
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("_aws");
            writer.WriteNumber("Timestamp", point.EndTime.ToUnixTimeMilliseconds());
            writer.WriteStartArray("CloudWatchMetrics");
            writer.WriteStartObject();
            writer.WriteString("Namespace", metricNamespace);
            writer.WriteStartArray("Dimensions");
            writer.WriteStartArray();
            foreach (var dimension in dimensions)
            {
                writer.WriteStringValue(dimension.Key);
            }

            writer.WriteEndArray();
            writer.WriteEndArray();
            writer.WriteStartArray("Metrics");
            foreach (var (name, _, unit) in values)
            {
                writer.WriteStartObject();
                writer.WriteString("Name", name);
                writer.WriteString("Unit", unit);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            foreach (var dimension in dimensions)
            {
                writer.WriteString(dimension.Key, Convert.ToString(dimension.Value, System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var (name, value, _) in values)
            {
                writer.WriteNumber(name, value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string CloudWatchUnit(string? unit) => unit switch
    {
        "s" => "Seconds",
        "ms" => "Milliseconds",
        "By" => "Bytes",
        _ => "Count",
    };
}
