using System.Buffers.Binary;
using System.Globalization;
using Cortex.Api.Intake.Otlp.Proto;
using Google.Protobuf;

namespace Cortex.LoadTest;

/// <summary>
/// Builds OTLP/HTTP protobuf logs exports as an OpenTelemetry agent sends them: one ResourceLogs
/// (host.name is the agent, service.name), one ScopeLogs, a batch of log records with a body,
/// attributes (cortex.event_type among them) and a severity. Agents and ages follow the
/// <see cref="Workload"/> as for JSON; each record's time is stamped when its request is sent.
/// </summary>
public sealed class OtlpLogFactory(int seed, Workload workload)
{
    public const string ContentType = "application/x-protobuf";

    /// <summary>
    /// What an unstamped record's time holds before the bytes are located: a marker with the record's
    /// index in the low bits, so each record's 8 bytes are found exactly once in the encoded message.
    /// </summary>
    private const ulong TimeMarker = 0xC0DE_5EED_0000_0000;

    private static readonly SeverityNumber[] Severities =
        [SeverityNumber.Info, SeverityNumber.Info, SeverityNumber.Info, SeverityNumber.Warn, SeverityNumber.Error];

#pragma warning disable CA5394 // Load data, not security: a seeded generator makes runs repeatable.
    private readonly Random _random = new(seed);

    /// <summary>One export of <paramref name="records"/> log records, its times unstamped.</summary>
    public OtlpRequestBody CreateBody(int records)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(records, 1);
        var agent = _random.Next(0, Workload.Agents);
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "cortex.loadtest" } };
        var ages = new int[records];
        for (var i = 0; i < records; i++)
        {
            // scattered: a random agent per record, carried as a record attribute (the resource is one host).
            var recordAgent = workload.OneAgentPerBatch ? agent : _random.Next(0, Workload.Agents);
            ages[i] = _random.Next(0, workload.MaxAgeMilliseconds + 1);
            scope.LogRecords.Add(CreateRecord(TimeMarker | (uint)i, recordAgent));
        }

        var request = new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    Resource = new Resource { Attributes = { Text("host.name", AgentName(agent)), Text("service.name", "checkout") } },
                    ScopeLogs = { scope },
                },
            },
        };
        var bytes = request.ToByteArray();
        return new OtlpRequestBody(bytes, TimeOffsets(bytes, records), ages);
    }

    /// <summary>A pool of distinct exports, <paramref name="records"/> log records each.</summary>
    public IReadOnlyList<OtlpRequestBody> CreatePool(int count, int records)
    {
        var pool = new OtlpRequestBody[count];
        for (var i = 0; i < count; i++)
        {
            pool[i] = CreateBody(records);
        }

        return pool;
    }

    private static string AgentName(int agent) => string.Create(CultureInfo.InvariantCulture, $"server-web-{agent:D3}");

    private static int[] TimeOffsets(byte[] bytes, int records)
    {
        var offsets = new int[records];
        Span<byte> marker = stackalloc byte[sizeof(ulong) + 1];
        marker[0] = OtlpRequestBody.TimeTag;
        for (var i = 0; i < records; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(marker[1..], TimeMarker | (uint)i);
            var at = bytes.AsSpan().IndexOf(marker);
            if (at < 0 || bytes.AsSpan(at + 1).IndexOf(marker) >= 0)
            {
                throw new InvalidOperationException($"Log record {i}'s time is not found exactly once in the encoded export.");
            }

            offsets[i] = at + 1;
        }

        return offsets;
    }

    private static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static KeyValue Number(string key, double value) => new() { Key = key, Value = new AnyValue { DoubleValue = value } };

    private static KeyValue Integer(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    private LogRecord CreateRecord(ulong time, int agent)
    {
        var eventType = EventFactory.EventTypes[_random.Next(EventFactory.EventTypes.Length)];
        var severity = Severities[_random.Next(Severities.Length)];
        var record = new LogRecord
        {
            TimeUnixNano = time,
            SeverityNumber = severity,
            SeverityText = severity.ToString().ToUpperInvariant(),
            Attributes = { Text("cortex.event_type", eventType), Text("agent", AgentName(agent)), Text("region", "eu-west-1") },
        };

        // Half the records carry a message, half a structured body with a few numbers.
        record.Body = _random.Next(2) == 0
            ? new AnyValue { StringValue = string.Create(CultureInfo.InvariantCulture, $"{eventType} sample from {AgentName(agent)}") }
            : new AnyValue
            {
                KvlistValue = new KeyValueList
                {
                    Values =
                    {
                        Number("value", _random.Next(0, 100_000) / 100.0),
                        Integer("count", _random.Next(0, 1_000)),
                        Number("ratio", _random.Next(0, 101) / 100.0),
                    },
                },
            };
        return record;
    }
#pragma warning restore CA5394
}
