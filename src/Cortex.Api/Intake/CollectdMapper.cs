using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace Cortex.Api.Intake;

/// <summary>
/// Maps the JSON that collectd's write_http plugin sends (<c>Format "JSON"</c>: an array of value
/// lists, or of notifications) onto events, one event per value list or notification.
/// </summary>
internal static class CollectdMapper
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    private static readonly Dictionary<string, string> EventTypeByPlugin = new(StringComparer.Ordinal)
    {
        ["cpu"] = "cpu_usage",
        ["memory"] = "memory_usage",
        ["disk"] = "disk_io",
        ["interface"] = "network_throughput",
        ["ping"] = "network_latency",
        ["processes"] = "process_count",
        ["uptime"] = "uptime",
    };

    private static readonly Dictionary<string, string> SeverityByNotification = new(StringComparer.OrdinalIgnoreCase)
    {
        ["FAILURE"] = "critical",
        ["WARNING"] = "warning",
        ["OKAY"] = "info",
    };

    private static readonly string[] IdentityFields = ["plugin", "plugin_instance", "type", "type_instance"];

    public static string EventTypeFor(string plugin) => EventTypeByPlugin.GetValueOrDefault(plugin, "custom");

    public static AgentBody Read(ReadOnlyMemory<byte> body, int maxRecords)
    {
        if (!Utf8.IsValid(body.Span))
        {
            return AgentBody.Malformed("The request body is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return AgentBody.Malformed("The request body is not valid JSON (duplicate keys included): " + ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return AgentBody.Malformed("The request body must be the JSON array collectd's write_http plugin sends (Format \"JSON\").");
            }

            if (root.GetArrayLength() > maxRecords)
            {
                return AgentBody.TooManyRecords(maxRecords);
            }

            var records = new List<MappedRecord>(root.GetArrayLength());
            foreach (var item in root.EnumerateArray())
            {
                records.Add(Map(item));
            }

            return AgentBody.Read(records);
        }
    }

    private static MappedRecord Map(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return MappedRecord.Unmappable("A record is not a JSON object.");
        }

        if (item.TryGetProperty("values", out _))
        {
            return MapValueList(item);
        }

        return item.TryGetProperty("severity", out _)
            ? MapNotification(item)
            : MappedRecord.Unmappable("A record is neither a value list (values) nor a notification (severity).");
    }

    private static MappedRecord MapValueList(JsonElement item)
    {
        if (!TryReadCommon(item, out var host, out var timestamp, out var timeText, out var problem))
        {
            return MappedRecord.Unmappable(problem);
        }

        var values = item.GetProperty("values");
        if (values.ValueKind != JsonValueKind.Array
            || !item.TryGetProperty("dsnames", out var dsnames) || dsnames.ValueKind != JsonValueKind.Array
            || !item.TryGetProperty("dstypes", out var dstypes) || dstypes.ValueKind != JsonValueKind.Array)
        {
            return MappedRecord.Unmappable("A value list needs the arrays values, dsnames and dstypes.");
        }

        var count = values.GetArrayLength();
        if (dsnames.GetArrayLength() != count || dstypes.GetArrayLength() != count)
        {
            return MappedRecord.Unmappable("A value list's values, dsnames and dstypes must have the same length.");
        }

        var names = new string[count];
        var types = new string[count];
        for (var i = 0; i < count; i++)
        {
            if (dsnames[i].ValueKind != JsonValueKind.String || dstypes[i].ValueKind != JsonValueKind.String)
            {
                return MappedRecord.Unmappable("dsnames and dstypes must hold strings.");
            }

            names[i] = dsnames[i].GetString()!;
            types[i] = dstypes[i].GetString()!;
            if (Array.IndexOf(names, names[i], 0, i) >= 0)
            {
                return MappedRecord.Unmappable($"The data source name '{names[i]}' appears twice in one value list.");
            }

            // collectd writes an unknown value (NaN) as null; it is dropped, not stored.
            if (values[i].ValueKind is not (JsonValueKind.Number or JsonValueKind.Null))
            {
                return MappedRecord.Unmappable("values must hold numbers (or null for an unknown value).");
            }
        }

        if (!TryReadIdentity(item, out var identity, out problem)
            || !TryReadOptionalNumber(item, "interval", out var interval, out problem))
        {
            return MappedRecord.Unmappable(problem);
        }

        var plugin = identity[0] ?? string.Empty;
        return MappedRecord.Mapped(new AgentEvent
        {
            Source = host,
            EventType = EventTypeFor(plugin),
            Timestamp = timestamp,
            EventId = AgentEvent.NameBasedId(timestamp, "collectd-values", host, identity[0], identity[1], identity[2], identity[3], timeText),
            WriteData = writer =>
            {
                WriteIdentity(writer, identity);
                if (interval is not null)
                {
                    writer.WritePropertyName("interval");
                    writer.WriteRawValue(interval);
                }

                writer.WriteStartObject("values");
                for (var i = 0; i < count; i++)
                {
                    if (values[i].ValueKind == JsonValueKind.Number)
                    {
                        writer.WritePropertyName(names[i]);
                        writer.WriteRawValue(values[i].GetRawText());
                    }
                }

                writer.WriteEndObject();
                writer.WriteStartObject("dstypes");
                for (var i = 0; i < count; i++)
                {
                    writer.WriteString(names[i], types[i]);
                }

                writer.WriteEndObject();
            },
        });
    }

    private static MappedRecord MapNotification(JsonElement item)
    {
        if (!TryReadCommon(item, out var host, out var timestamp, out var timeText, out var problem))
        {
            return MappedRecord.Unmappable(problem);
        }

        var severityElement = item.GetProperty("severity");
        if (severityElement.ValueKind != JsonValueKind.String
            || !SeverityByNotification.TryGetValue(severityElement.GetString()!, out var severity))
        {
            return MappedRecord.Unmappable("A notification's severity must be FAILURE, WARNING or OKAY.");
        }

        string? message = null;
        if (item.TryGetProperty("message", out var messageElement))
        {
            if (messageElement.ValueKind != JsonValueKind.String)
            {
                return MappedRecord.Unmappable("A notification's message must be a string.");
            }

            message = messageElement.GetString();
        }

        if (!TryReadIdentity(item, out var identity, out problem))
        {
            return MappedRecord.Unmappable(problem);
        }

        var hasMeta = item.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object;
        return MappedRecord.Mapped(new AgentEvent
        {
            Source = host,
            EventType = "health_check",
            Severity = severity,
            Timestamp = timestamp,
            EventId = AgentEvent.NameBasedId(timestamp, "collectd-notification", host, identity[0], identity[1], identity[2], identity[3], timeText, severityElement.GetString(), message),
            WriteData = writer =>
            {
                writer.WriteString("message", message);
                writer.WriteString("collectd_severity", severityElement.GetString()!.ToUpperInvariant());
                WriteIdentity(writer, identity);
                if (hasMeta)
                {
                    writer.WritePropertyName("meta");
                    meta.WriteTo(writer);
                }
            },
        });
    }

    private static bool TryReadCommon(JsonElement item, out string host, out DateTimeOffset? timestamp, out string? timeText, out string problem)
    {
        host = string.Empty;
        timestamp = null;
        timeText = null;
        problem = string.Empty;
        if (!item.TryGetProperty("host", out var hostElement) || hostElement.ValueKind != JsonValueKind.String)
        {
            problem = "A record needs host, a string.";
            return false;
        }

        host = hostElement.GetString()!;
        if (!item.TryGetProperty("time", out var time))
        {
            return true;
        }

        if (time.ValueKind != JsonValueKind.Number || !time.TryGetDouble(out var seconds) || !double.IsFinite(seconds)
            || seconds < 0 || seconds > 253_402_300_799)
        {
            problem = "time must be a number of seconds since 1970-01-01T00:00:00Z.";
            return false;
        }

        timestamp = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000, MidpointRounding.AwayFromZero));
        timeText = time.GetRawText();
        return true;
    }

    private static bool TryReadIdentity(JsonElement item, out string?[] identity, out string problem)
    {
        identity = new string?[IdentityFields.Length];
        problem = string.Empty;
        for (var i = 0; i < IdentityFields.Length; i++)
        {
            if (!item.TryGetProperty(IdentityFields[i], out var element) || element.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (element.ValueKind != JsonValueKind.String)
            {
                problem = $"{IdentityFields[i]} must be a string.";
                return false;
            }

            identity[i] = element.GetString();
        }

        return true;
    }

    private static bool TryReadOptionalNumber(JsonElement item, string name, out string? rawNumber, out string problem)
    {
        rawNumber = null;
        problem = string.Empty;
        if (!item.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"{name} must be a number.");
            return false;
        }

        rawNumber = element.GetRawText();
        return true;
    }

    private static void WriteIdentity(Utf8JsonWriter writer, string?[] identity)
    {
        for (var i = 0; i < IdentityFields.Length; i++)
        {
            writer.WriteString(IdentityFields[i], identity[i] ?? string.Empty);
        }
    }
}
