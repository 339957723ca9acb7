using System.Globalization;
using System.Text.Json;
using Cortex.Api.Intake.Otlp.Proto;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Cortex.Api.Intake.Otlp;

/// <summary>OTLP values as event JSON: attributes as objects, AnyValue as the JSON value it holds.</summary>
internal static class OtlpValues
{
    /// <summary>
    /// Writes attributes as one object. Keys must be unique in OTLP; when a sender repeats one,
    /// the first is kept, so the stored object never has duplicate keys.
    /// </summary>
    public static void WriteAttributes(Utf8JsonWriter writer, RepeatedField<KeyValue> attributes)
    {
        writer.WriteStartObject();
        HashSet<string>? seen = attributes.Count > 1 ? new(StringComparer.Ordinal) : null;
        foreach (var attribute in attributes)
        {
            if (seen is not null && !seen.Add(attribute.Key))
            {
                continue;
            }

            writer.WritePropertyName(attribute.Key);
            WriteValue(writer, attribute.Value);
        }

        writer.WriteEndObject();
    }

    /// <summary>An integer as a JSON number, bytes as base64, a double that is not finite (JSON has no NaN) as null.</summary>
    public static void WriteValue(Utf8JsonWriter writer, AnyValue? value)
    {
        switch (value?.ValueCase ?? AnyValue.ValueOneofCase.None)
        {
            case AnyValue.ValueOneofCase.StringValue: writer.WriteStringValue(value!.StringValue); break;
            case AnyValue.ValueOneofCase.BoolValue: writer.WriteBooleanValue(value!.BoolValue); break;
            case AnyValue.ValueOneofCase.IntValue: writer.WriteNumberValue(value!.IntValue); break;
            case AnyValue.ValueOneofCase.DoubleValue: WriteDouble(writer, value!.DoubleValue); break;
            case AnyValue.ValueOneofCase.BytesValue: writer.WriteBase64StringValue(value!.BytesValue.Span); break;
            case AnyValue.ValueOneofCase.ArrayValue:
                writer.WriteStartArray();
                foreach (var item in value!.ArrayValue.Values)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue: WriteAttributes(writer, value!.KvlistValue.Values); break;
            default: writer.WriteNullValue(); break;
        }
    }

    public static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    public static string? StringAttribute(RepeatedField<KeyValue> attributes, string key)
    {
        foreach (var attribute in attributes)
        {
            if (attribute.Key == key && attribute.Value?.ValueCase == AnyValue.ValueOneofCase.StringValue)
            {
                return attribute.Value.StringValue;
            }
        }

        return null;
    }

    /// <summary>Trace and span ids are written as lowercase hex, as OTLP JSON and W3C trace context do.</summary>
    public static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    /// <summary>
    /// Nanoseconds since the Unix epoch as a timestamp (millisecond precision, as stored); 0 means
    /// unset. A value past year 9999 is out of range.
    /// </summary>
    public static bool TryTimestamp(ulong unixNano, out DateTimeOffset? timestamp)
    {
        timestamp = null;
        if (unixNano == 0)
        {
            return true;
        }

        var ms = unixNano / 1_000_000;
        if (ms > (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        timestamp = DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        return true;
    }

    public static string Nanos(ulong unixNano) => unixNano.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What every record of one resource shares: source, hostname, region and its attributes.</summary>
internal sealed class OtlpResource
{
    private OtlpResource(Resource? resource)
    {
        var attributes = resource?.Attributes ?? [];
        Attributes = attributes;
        Hostname = OtlpValues.StringAttribute(attributes, "host.name");
        Source = Hostname ?? OtlpValues.StringAttribute(attributes, "service.name") ?? "otlp";
        Region = OtlpValues.StringAttribute(attributes, "cloud.region");
        Identity = resource?.ToByteString().ToBase64() ?? string.Empty;
    }

    public RepeatedField<KeyValue> Attributes { get; }

    public string Source { get; }

    public string? Hostname { get; }

    public string? Region { get; }

    /// <summary>The resource's encoding, part of each record's name-based id.</summary>
    public string Identity { get; }

    public static OtlpResource From(Resource? resource) => new(resource);
}
