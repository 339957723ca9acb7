using Cortex.Api.Intake.Otlp.Proto;
using Google.Protobuf;

namespace Cortex.Api.Intake.Otlp;

/// <summary>
/// Maps an OTLP metrics export onto events, one per data point of a gauge, sum or histogram
/// (docs/agents.md has the table); data points of other kinds are rejected and counted.
/// </summary>
internal static class OtlpMetricMapper
{
    private static readonly (string Prefix, string EventType)[] EventTypeByPrefix =
    [
        ("system.cpu.", "cpu_usage"),
        ("system.memory.", "memory_usage"),
        ("system.disk.", "disk_io"),
        ("system.network.", "network_throughput"),
        ("system.processes.", "process_count"),
    ];

    public static string EventTypeFor(string metricName)
    {
        if (metricName == "system.uptime")
        {
            return "uptime";
        }

        foreach (var (prefix, eventType) in EventTypeByPrefix)
        {
            if (metricName.StartsWith(prefix, StringComparison.Ordinal))
            {
                return eventType;
            }
        }

        return "custom";
    }

    public static int CountDataPoints(ExportMetricsServiceRequest request)
    {
        var count = 0;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scopeMetrics.Metrics)
                {
                    count += DataPointCount(metric);
                }
            }
        }

        return count;
    }

    public static List<MappedRecord> Map(ExportMetricsServiceRequest request)
    {
        var records = new List<MappedRecord>();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var resource = OtlpResource.From(resourceMetrics.Resource);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scopeMetrics.Metrics)
                {
                    Map(resource, metric, records);
                }
            }
        }

        return records;
    }

    private static int DataPointCount(Metric metric) => metric.DataCase switch
    {
        Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Count,
        Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Count,
        Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Count,
        Metric.DataOneofCase.ExponentialHistogram => metric.ExponentialHistogram.DataPoints.Count,
        Metric.DataOneofCase.Summary => metric.Summary.DataPoints.Count,
        _ => 1,
    };

    private static void Map(OtlpResource resource, Metric metric, List<MappedRecord> records)
    {
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                foreach (var point in metric.Gauge.DataPoints)
                {
                    records.Add(MapNumber(resource, metric, point));
                }

                break;
            case Metric.DataOneofCase.Sum:
                foreach (var point in metric.Sum.DataPoints)
                {
                    records.Add(MapNumber(resource, metric, point));
                }

                break;
            case Metric.DataOneofCase.Histogram:
                foreach (var point in metric.Histogram.DataPoints)
                {
                    records.Add(MapHistogram(resource, metric, point));
                }

                break;
            default:
                var kind = metric.DataCase == Metric.DataOneofCase.None ? "no data" : metric.DataCase.ToString();
                for (var i = 0; i < DataPointCount(metric); i++)
                {
                    records.Add(MappedRecord.Unmappable($"metric {metric.Name}: {kind} is not accepted (gauge, sum and histogram are)."));
                }

                break;
        }
    }

    private static MappedRecord MapNumber(OtlpResource resource, Metric metric, NumberDataPoint point)
    {
        if (point.ValueCase == NumberDataPoint.ValueOneofCase.None)
        {
            return MappedRecord.Unmappable($"metric {metric.Name}: a data point has no value.");
        }

        if (point.ValueCase == NumberDataPoint.ValueOneofCase.AsDouble && !double.IsFinite(point.AsDouble))
        {
            return MappedRecord.Unmappable($"metric {metric.Name}: a data point's value is not a finite number.");
        }

        return Map(resource, metric, point.TimeUnixNano, point.Attributes, point, writer =>
        {
            writer.WritePropertyName("value");
            if (point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt)
            {
                writer.WriteNumberValue(point.AsInt);
            }
            else
            {
                writer.WriteNumberValue(point.AsDouble);
            }
        });
    }

    private static MappedRecord MapHistogram(OtlpResource resource, Metric metric, HistogramDataPoint point) =>
        Map(resource, metric, point.TimeUnixNano, point.Attributes, point, writer =>
        {
            writer.WriteNumber("count", point.Count);
            if (point.HasSum)
            {
                writer.WritePropertyName("sum");
                OtlpValues.WriteDouble(writer, point.Sum);
            }

            writer.WriteStartArray("bucket_counts");
            foreach (var count in point.BucketCounts)
            {
                writer.WriteNumberValue(count);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("explicit_bounds");
            foreach (var bound in point.ExplicitBounds)
            {
                OtlpValues.WriteDouble(writer, bound);
            }

            writer.WriteEndArray();
        });

    private static MappedRecord Map(
        OtlpResource resource, Metric metric, ulong timeUnixNano, Google.Protobuf.Collections.RepeatedField<KeyValue> attributes,
        IMessage point, Action<System.Text.Json.Utf8JsonWriter> writeValue)
    {
        if (!OtlpValues.TryTimestamp(timeUnixNano, out var timestamp))
        {
            return MappedRecord.Unmappable($"metric {metric.Name}: timeUnixNano is past the year 9999.");
        }

        return MappedRecord.Mapped(new AgentEvent
        {
            Source = resource.Source,
            EventType = EventTypeFor(metric.Name),
            Timestamp = timestamp,
            Hostname = resource.Hostname,
            Region = resource.Region,
            EventId = OtlpValues.ItemId(timestamp, "otlp-metric", resource, metric.Name, point),
            WriteData = writer =>
            {
                writer.WriteString("metric", metric.Name);
                writer.WriteString("unit", metric.Unit);
                writeValue(writer);
                writer.WritePropertyName("attributes");
                OtlpValues.WriteAttributes(writer, attributes);
            },
        });
    }
}
