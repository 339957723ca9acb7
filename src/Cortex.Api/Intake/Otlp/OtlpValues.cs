using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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

    /// <summary>
    /// The name-based id of a log record or data point: a SHA-256 over its kind, its resource's
    /// digest, the metric's name for a data point, and its own protobuf encoding, with the item's
    /// time in the first 48 bits (<see cref="AgentEvent.NameBasedId(DateTimeOffset?, ReadOnlySpan{byte})"/>).
    /// The same item sent again, in either encoding, gets the same id.
    /// </summary>
    public static Guid ItemId(DateTimeOffset? time, string kind, OtlpResource resource, string? metricName, IMessage item)
    {
        var itemSize = item.CalculateSize();
        var metricNameSize = metricName is null ? 0 : Encoding.UTF8.GetByteCount(metricName);
        var nameSize = Encoding.UTF8.GetByteCount(kind) + 1 + resource.Digest.Length + sizeof(int) + metricNameSize + itemSize;
        var rented = ArrayPool<byte>.Shared.Rent(nameSize);
        try
        {
            var name = rented.AsSpan(0, nameSize);
            var at = Encoding.UTF8.GetBytes(kind, name);
            name[at++] = 0;
            resource.Digest.CopyTo(name[at..]);
            at += resource.Digest.Length;
            BinaryPrimitives.WriteInt32BigEndian(name[at..], metricNameSize);
            at += sizeof(int);
            at += metricName is null ? 0 : Encoding.UTF8.GetBytes(metricName, name[at..]);
            item.WriteTo(name[at..]);
            return AgentEvent.NameBasedId(time, name);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
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
        Digest = SHA256.HashData(resource?.ToByteArray() ?? []);
    }

    public RepeatedField<KeyValue> Attributes { get; }

    public string Source { get; }

    public string? Hostname { get; }

    public string? Region { get; }

    /// <summary>A SHA-256 of the resource's encoding, part of each record's name-based id.</summary>
    public byte[] Digest { get; }

    public static OtlpResource From(Resource? resource) => new(resource);
}
