using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Cortex.LoadTest;

/// <summary>
/// Builds valid request bodies in the README example's shape with random values, spread over
/// agents as the <see cref="Workload"/> says. A pool of bodies is built before the run so that
/// generating JSON does not take CPU from the server under test on the same machine; each body
/// gets its timestamps only when it is sent (<see cref="RequestBody.Stamp"/>), and every POST
/// still creates a new event, because the server assigns the id.
/// </summary>
public sealed class EventFactory(int seed, Workload workload)
{
    internal static readonly string[] EventTypes =
        ["cpu_usage", "memory_usage", "disk_io", "network_latency", "network_throughput", "process_count", "uptime", "health_check", "custom"];

    private static readonly string[] Severities = ["info", "info", "info", "warning", "critical"];
    private static readonly string[] Regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2"];

#pragma warning disable CA5394 // Load data, not security: a seeded generator makes runs repeatable.
    private readonly Random _random = new(seed);

    /// <summary>
    /// How many bodies a pool holds: about one per agent (1,000), but at most ~100,000 events
    /// (~30 MB of JSON) and at least 16 bodies, so very large batches do not fill the tool's memory.
    /// </summary>
    public static int PoolSizeFor(int eventsPerBody) => Math.Clamp(100_000 / Math.Max(1, eventsPerBody), 16, Workload.Agents);

    /// <summary>
    /// One request body: a single event object (<paramref name="batchSize"/> 0), or a JSON array of
    /// <paramref name="batchSize"/> events. Its timestamps are placeholders until it is stamped.
    /// </summary>
    public RequestBody CreateBody(int batchSize)
    {
        var events = Math.Max(1, batchSize);
        var timestampOffsets = new int[events];
        var agesMilliseconds = new int[events];
        var buffer = new ArrayBufferWriter<byte>(events * 400);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (batchSize <= 0)
            {
                WriteEvent(writer, NextAgent(), timestampOffsets, agesMilliseconds, 0);
            }
            else
            {
                // fleet: the whole batch is one agent's buffered events; scattered: a random agent per event.
                int? batchAgent = workload.OneAgentPerBatch ? NextAgent() : null;
                writer.WriteStartArray();
                for (var i = 0; i < batchSize; i++)
                {
                    WriteEvent(writer, batchAgent ?? NextAgent(), timestampOffsets, agesMilliseconds, i);
                }

                writer.WriteEndArray();
            }
        }

        return new RequestBody(buffer.WrittenSpan.ToArray(), timestampOffsets, agesMilliseconds);
    }

    /// <summary>A pool of distinct bodies; a batch size of 0 means single-event bodies.</summary>
    public IReadOnlyList<RequestBody> CreatePool(int count, int batchSize)
    {
        var pool = new RequestBody[count];
        for (var i = 0; i < count; i++)
        {
            pool[i] = CreateBody(batchSize);
        }

        return pool;
    }

    private int NextAgent() => _random.Next(0, Workload.Agents);

    private void WriteEvent(Utf8JsonWriter writer, int agent, int[] timestampOffsets, int[] agesMilliseconds, int index)
    {
        var eventType = EventTypes[_random.Next(EventTypes.Length)];
        writer.WriteStartObject();
        writer.WriteString("source", string.Create(CultureInfo.InvariantCulture, $"server-web-{agent:D3}"));
        writer.WriteString("event_type", eventType);
        writer.WriteString("severity", Severities[_random.Next(Severities.Length)]);

        // The timestamp is stamped at send time: remember where its value starts (after the
        // opening quote; the writer's position is committed plus pending bytes) and the event's age.
        writer.WritePropertyName("timestamp");
        timestampOffsets[index] = checked((int)(writer.BytesCommitted + writer.BytesPending)) + 1;
        agesMilliseconds[index] = _random.Next(0, workload.MaxAgeMilliseconds + 1);
        writer.WriteStringValue(RequestBody.PlaceholderTimestamp);

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
