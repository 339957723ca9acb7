using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace Cortex.LoadTest;

/// <summary>
/// Builds valid request bodies in the README example's shape with random values. A pool of bodies
/// is built before the run so that generating JSON does not take CPU from the server under test
/// on the same machine; every POST still creates a new event, because the server assigns the id.
/// </summary>
public sealed class EventFactory(int seed)
{
    private static readonly string[] EventTypes =
        ["cpu_usage", "memory_usage", "disk_io", "network_latency", "network_throughput", "process_count", "uptime", "health_check", "custom"];

    private static readonly string[] Severities = ["info", "info", "info", "warning", "critical"];
    private static readonly string[] Regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2"];

#pragma warning disable CA5394 // Load data, not security: a seeded generator makes runs repeatable.
    private readonly Random _random = new(seed);

    /// <summary>One request body: a single event object, or a JSON array of <paramref name="batchSize"/> events.</summary>
    public byte[] CreateBody(int batchSize, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(1, batchSize) * 400);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (batchSize <= 0)
            {
                WriteEvent(writer, now);
            }
            else
            {
                writer.WriteStartArray();
                for (var i = 0; i < batchSize; i++)
                {
                    WriteEvent(writer, now);
                }

                writer.WriteEndArray();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A pool of distinct bodies; a batch size of 0 means single-event bodies.</summary>
    public IReadOnlyList<RequestBody> CreatePool(int count, int batchSize, bool gzip, DateTimeOffset now)
    {
        var pool = new RequestBody[count];
        for (var i = 0; i < count; i++)
        {
            var json = CreateBody(batchSize, now);
            pool[i] = new RequestBody(gzip ? Gzip(json) : json, Math.Max(1, batchSize), json.Length);
        }

        return pool;
    }

    internal static byte[] Gzip(byte[] json)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(json);
        }

        return output.ToArray();
    }

    private void WriteEvent(Utf8JsonWriter writer, DateTimeOffset now)
    {
        var agent = _random.Next(1, 1000);
        var eventType = EventTypes[_random.Next(EventTypes.Length)];
        writer.WriteStartObject();
        writer.WriteString("source", string.Create(CultureInfo.InvariantCulture, $"server-web-{agent:D3}"));
        writer.WriteString("event_type", eventType);
        writer.WriteString("severity", Severities[_random.Next(Severities.Length)]);
        var timestamp = now.AddMilliseconds(-_random.Next(0, 60_000)).ToUniversalTime();
        writer.WriteString("timestamp", timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.WriteString("hostname", string.Create(CultureInfo.InvariantCulture, $"web-{agent:D3}.internal"));
        writer.WriteString("region", Regions[agent % Regions.Length]);
        writer.WriteStartObject("tags");
        writer.WriteString("env", "load-test");
        writer.WriteString("service", "checkout");
        writer.WriteEndObject();
        writer.WriteStartObject("data");
        WriteData(writer, eventType);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void WriteData(Utf8JsonWriter writer, string eventType)
    {
        switch (eventType)
        {
            case "cpu_usage":
                writer.WriteNumber("cpu_percent", Tenths(0, 100));
                writer.WriteNumber("load_avg_1m", Hundredths(0, 16));
                break;
            case "memory_usage":
                writer.WriteNumber("used_mb", _random.Next(256, 65_536));
                writer.WriteNumber("percent", Tenths(0, 100));
                break;
            case "disk_io":
                writer.WriteNumber("read_bytes_per_s", _random.NextInt64(0, 500_000_000));
                writer.WriteNumber("write_bytes_per_s", _random.NextInt64(0, 500_000_000));
                break;
            case "network_latency":
                writer.WriteNumber("latency_ms", Hundredths(0, 250));
                writer.WriteString("target", "10.0.0.1");
                break;
            case "network_throughput":
                writer.WriteNumber("rx_bytes_per_s", _random.NextInt64(0, 1_250_000_000));
                writer.WriteNumber("tx_bytes_per_s", _random.NextInt64(0, 1_250_000_000));
                break;
            case "process_count":
                writer.WriteNumber("count", _random.Next(50, 900));
                break;
            case "uptime":
                writer.WriteNumber("seconds", _random.NextInt64(0, 31_536_000));
                break;
            case "health_check":
                writer.WriteString("status", _random.Next(20) == 0 ? "degraded" : "ok");
                writer.WriteNumber("response_ms", Tenths(0, 500));
                break;
            default:
                writer.WriteNumber("value", Hundredths(-1000, 1000));
                writer.WriteStartObject("nested");
                writer.WriteNumber("ratio", Hundredths(0, 1));
                writer.WriteBoolean("flag", _random.Next(2) == 0);
                writer.WriteEndObject();
                break;
        }
    }

    private decimal Tenths(int min, int max) => _random.Next(min * 10, (max * 10) + 1) / 10m;

    private decimal Hundredths(int min, int max) => _random.Next(min * 100, (max * 100) + 1) / 100m;
#pragma warning restore CA5394
}

/// <summary>A prepared request body: the bytes to send (gzip-compressed or not) and the events it holds.</summary>
public sealed record RequestBody(byte[] Content, int Events, int JsonBytes);
