using Cortex.Api.Events;
using Cortex.Api.Intake;
using Cortex.Api.Intake.Otlp;
using Cortex.Api.Intake.Otlp.Proto;

namespace Cortex.Tests.Intake;

/// <summary>
/// Agent intake builds each record's submission directly instead of writing the JSON a client
/// would POST and reading it back. These tests hold it to the reader: for every shape of record,
/// the direct submission is the one <see cref="EventReader.ReadSingle"/> reads from the JSON.
/// </summary>
public sealed class AgentEventSubmissionTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 18, 0, 0, 123, TimeSpan.Zero);

    public static TheoryData<string> Shapes => ["plain", "nested", "unicode", "too-deep", "number-out-of-range", "no-optional-fields"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheDirectSubmissionIsTheOneTheReaderReadsFromTheEventsJson(string shape)
    {
        var agentEvent = Event(shape);

        AssertSameAsRead(agentEvent);
    }

    [Fact]
    public void RandomOtlpValuesGiveTheSameSubmissionAsTheReader()
    {
        var random = new Random(20261129);
        for (var i = 0; i < 500; i++)
        {
            var value = RandomValue(random, depth: 0);
            AssertSameAsRead(new AgentEvent
            {
                Source = "host-" + i,
                EventType = "custom",
                Timestamp = At.AddMilliseconds(i),
                EventId = AgentEvent.NameBasedId(At, "test", i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                WriteData = writer =>
                {
                    writer.WritePropertyName("body");
                    OtlpValues.WriteValue(writer, value);
                },
            });
        }
    }

    [Fact]
    public void DataNestedDeeperThanTheContractAllowsIsAReadErrorAsForAClient()
    {
        var submission = Event("too-deep").ToSubmission();

        Assert.True(submission.HasReadError("data"));
        Assert.Null(submission.Data);
    }

    [Fact]
    public void TheSameOtlpRecordGetsTheSameIdAndAnotherResourceAnother()
    {
        var record = new LogRecord { TimeUnixNano = 1, Body = new AnyValue { StringValue = "disk full" } };
        var resource = OtlpResource.From(new Resource { Attributes = { new KeyValue { Key = "host.name", Value = new AnyValue { StringValue = "a" } } } });
        var otherResource = OtlpResource.From(new Resource { Attributes = { new KeyValue { Key = "host.name", Value = new AnyValue { StringValue = "b" } } } });

        var first = OtlpValues.ItemId(At, "otlp-log", resource, metricName: null, record);
        var again = OtlpValues.ItemId(At, "otlp-log", resource, metricName: null, record.Clone());
        var elsewhere = OtlpValues.ItemId(At, "otlp-log", otherResource, metricName: null, record);
        var asMetric = OtlpValues.ItemId(At, "otlp-metric", resource, "m", record);

        Assert.Equal(first, again);
        Assert.NotEqual(first, elsewhere);
        Assert.NotEqual(first, asMetric);
    }

    private static void AssertSameAsRead(AgentEvent agentEvent)
    {
        var direct = agentEvent.ToSubmission();
        var read = EventReader.ReadSingle(agentEvent.ToJson()).Value!;

        Assert.Equal(read.Source, direct.Source);
        Assert.Equal(read.EventType, direct.EventType);
        Assert.Equal(read.Severity, direct.Severity);
        Assert.Equal(read.Timestamp, direct.Timestamp);
        Assert.Equal(read.Hostname, direct.Hostname);
        Assert.Equal(read.Region, direct.Region);
        Assert.Equal(read.Tags, direct.Tags);
        Assert.Equal(read.EventId, direct.EventId);
        Assert.Equal(read.SizeInBytes, direct.SizeInBytes);
        Assert.Equal(read.Data is null ? null : Convert.ToHexString(read.Data), direct.Data is null ? null : Convert.ToHexString(direct.Data));
        Assert.Equal(
            read.ReadErrors.OrderBy(e => e.Key).Select(e => $"{e.Key}: {string.Join(" | ", e.Value)}"),
            direct.ReadErrors.OrderBy(e => e.Key).Select(e => $"{e.Key}: {string.Join(" | ", e.Value)}"));
    }

    private static AgentEvent Event(string shape) => new()
    {
        Source = shape == "unicode" ? "capteur-é-東京" : "host-a",
        EventType = "custom",
        Severity = "warning",
        Timestamp = shape == "no-optional-fields" ? null : At,
        Hostname = shape == "no-optional-fields" ? null : "host-a.example",
        Region = shape == "no-optional-fields" ? null : "eu-west-1",
        EventId = shape == "no-optional-fields" ? null : AgentEvent.NameBasedId(At, shape),
        WriteData = writer =>
        {
            switch (shape)
            {
                case "nested":
                    writer.WriteStartObject("outer");
                    writer.WriteStartArray("list");
                    writer.WriteNumberValue(1.5);
                    writer.WriteBooleanValue(true);
                    writer.WriteNullValue();
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                    break;
                case "unicode":
                    writer.WriteString("message", "température \"haute\" <script> \u2028 東京 😀");
                    break;
                case "too-deep":
                    for (var i = 0; i < EventContract.MaxDataDepth + 1; i++)
                    {
                        writer.WriteStartObject("level");
                    }

                    for (var i = 0; i < EventContract.MaxDataDepth + 1; i++)
                    {
                        writer.WriteEndObject();
                    }

                    break;
                case "number-out-of-range":
                    writer.WriteNumber("huge", 1e300);
                    break;
                default:
                    writer.WriteNumber("value", 87.5);
                    writer.WriteString("unit", "percent");
                    break;
            }
        },
    };

#pragma warning disable CA5394 // Test data from a seeded generator.
    private static AnyValue RandomValue(Random random, int depth)
    {
        var kind = depth > 3 ? random.Next(5) : random.Next(7);
        return kind switch
        {
            0 => new AnyValue { StringValue = new string((char)random.Next(0x20, 0x3000), random.Next(0, 12)) },
            1 => new AnyValue { BoolValue = random.Next(2) == 0 },
            2 => new AnyValue { IntValue = random.NextInt64(long.MinValue, long.MaxValue) },
            3 => new AnyValue { DoubleValue = random.Next(4) == 0 ? Math.Pow(10, random.Next(-300, 300)) : random.NextDouble() * 1000 },
            4 => new AnyValue { BytesValue = Google.Protobuf.ByteString.CopyFrom([(byte)random.Next(256), (byte)random.Next(256)]) },
            5 => new AnyValue { ArrayValue = new ArrayValue { Values = { Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1)) } } },
            _ => new AnyValue
            {
                KvlistValue = new KeyValueList
                {
                    Values = { Enumerable.Range(0, random.Next(4)).Select(k => new KeyValue { Key = "k" + random.Next(3), Value = RandomValue(random, depth + 1) }) },
                },
            },
        };
    }
#pragma warning restore CA5394
}
