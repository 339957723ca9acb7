using Cortex.Api.Events;
using Cortex.Api.Intake.Otlp.Proto;

namespace Cortex.Api.Intake.Otlp;

/// <summary>Maps an OTLP logs export onto events, one per log record (docs/agents.md has the table).</summary>
internal static class OtlpLogMapper
{
    public const string EventTypeAttribute = "cortex.event_type";

    public static int CountRecords(ExportLogsServiceRequest request)
    {
        var count = 0;
        foreach (var resourceLogs in request.ResourceLogs)
        {
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                count += scopeLogs.LogRecords.Count;
            }
        }

        return count;
    }

    public static List<MappedRecord> Map(ExportLogsServiceRequest request)
    {
        var records = new List<MappedRecord>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resource = OtlpResource.From(resourceLogs.Resource);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                foreach (var record in scopeLogs.LogRecords)
                {
                    records.Add(Map(resource, record));
                }
            }
        }

        return records;
    }

    public static string SeverityFor(int severityNumber) => severityNumber switch
    {
        >= 17 and <= 24 => "critical",
        >= 13 and <= 16 => "warning",
        _ => "info",
    };

    private static MappedRecord Map(OtlpResource resource, LogRecord record)
    {
        var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
        if (!OtlpValues.TryTimestamp(time, out var timestamp))
        {
            return MappedRecord.Unmappable("timeUnixNano is past the year 9999.");
        }

        var eventType = OtlpValues.StringAttribute(record.Attributes, EventTypeAttribute) is { } requested
            && EventContract.EventTypeSet.Contains(requested)
                ? requested
                : "custom";
        return MappedRecord.Mapped(new AgentEvent
        {
            Source = resource.Source,
            EventType = eventType,
            Severity = SeverityFor((int)record.SeverityNumber),
            Timestamp = timestamp,
            Hostname = resource.Hostname,
            Region = resource.Region,
            EventId = OtlpValues.ItemId(timestamp, "otlp-log", resource, metricName: null, record),
            WriteData = writer =>
            {
                if (record.Body is not null)
                {
                    writer.WritePropertyName("body");
                    OtlpValues.WriteValue(writer, record.Body);
                }

                writer.WritePropertyName("attributes");
                OtlpValues.WriteAttributes(writer, record.Attributes);
                writer.WritePropertyName("resource");
                OtlpValues.WriteAttributes(writer, resource.Attributes);
                if (record.SeverityText.Length > 0)
                {
                    writer.WriteString("severity_text", record.SeverityText);
                }

                if (!record.TraceId.IsEmpty)
                {
                    writer.WriteString("trace_id", OtlpValues.Hex(record.TraceId));
                }

                if (!record.SpanId.IsEmpty)
                {
                    writer.WriteString("span_id", OtlpValues.Hex(record.SpanId));
                }
            },
        });
    }
}
