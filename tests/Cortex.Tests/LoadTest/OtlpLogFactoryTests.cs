using System.Buffers.Binary;
using Cortex.Api.Intake.Otlp.Proto;
using Cortex.LoadTest;

namespace Cortex.Tests.LoadTest;

public sealed class OtlpLogFactoryTests
{
    private static readonly DateTime SendTime = new(2026, 11, 23, 12, 0, 0, 123, DateTimeKind.Utc);

    private static ulong SendTimeNanos => (ulong)(SendTime - DateTime.UnixEpoch).Ticks * 100;

    [Fact]
    public void BodyDecodesAsAnExportOfOneAgentsResourceWithAHundredRecordsOfTheNineEventTypes()
    {
        var body = new OtlpLogFactory(7, Workload.Fleet).CreateBody(100);

        var request = ExportLogsServiceRequest.Parser.ParseFrom(body.Stamp(SendTime));

        var resourceLogs = Assert.Single(request.ResourceLogs);
        var resource = resourceLogs.Resource.Attributes.ToDictionary(a => a.Key, a => a.Value.StringValue);
        Assert.Matches("^server-web-[0-9]{3}$", resource["host.name"]);
        Assert.Equal("checkout", resource["service.name"]);
        var records = Assert.Single(resourceLogs.ScopeLogs).LogRecords;
        Assert.Equal(100, records.Count);
        Assert.Equal(100, body.Events);
        Assert.All(records, r =>
        {
            Assert.Contains(r.Attributes.Single(a => a.Key == "cortex.event_type").Value.StringValue, EventFactory.EventTypes);
            Assert.NotEqual(SeverityNumber.Unspecified, r.SeverityNumber);
            Assert.NotNull(r.Body);
        });
        Assert.Contains(records, r => r.Body.ValueCase == AnyValue.ValueOneofCase.StringValue);
        Assert.Contains(records, r => r.Body.ValueCase == AnyValue.ValueOneofCase.KvlistValue);
    }

    [Theory]
    [InlineData("fleet")]
    [InlineData("scattered")]
    public void StampingWritesEveryRecordsTimeAsTheSendTimeMinusItsAge(string name)
    {
        var body = new OtlpLogFactory(7, Workload.Parse(name)).CreateBody(100);

        var records = ExportLogsServiceRequest.Parser.ParseFrom(body.Stamp(SendTime)).ResourceLogs[0].ScopeLogs[0].LogRecords;

        Assert.Equal(body.AgesMilliseconds.Select(age => SendTimeNanos - ((ulong)age * 1_000_000)), records.Select(r => r.TimeUnixNano));
        Assert.True(body.AgesMilliseconds.Max() - body.AgesMilliseconds.Min() > Workload.Parse(name).MaxAgeMilliseconds / 2);
    }

    [Fact]
    public void StampingNeitherChangesThePoolsBytesNorTheMessagesSize()
    {
        var body = new OtlpLogFactory(7, Workload.Fleet).CreatePool(3, 50)[2];
        var pristine = body.Protobuf.ToArray();

        var first = body.Stamp(SendTime);
        var later = body.Stamp(SendTime.AddMinutes(5));

        Assert.Equal(pristine, body.Protobuf.ToArray());
        Assert.Equal(pristine.Length, first.Length);
        Assert.NotEqual(first, later);
        Assert.Equal(first, body.Stamp(SendTime));
    }

    [Fact]
    public void GzipContentDecompressesToTheStampedExport()
    {
        var body = new OtlpLogFactory(7, Workload.Fleet).CreateBody(100);

        var content = body.Content(SendTime, gzip: true);

        using var input = new System.IO.Compression.GZipStream(new MemoryStream(content), System.IO.Compression.CompressionMode.Decompress);
        using var protobuf = new MemoryStream();
        input.CopyTo(protobuf);
        Assert.Equal(body.Stamp(SendTime), protobuf.ToArray());
        Assert.Equal(body.Stamp(SendTime), body.Content(SendTime, gzip: false));
    }

    [Fact]
    public void BodyWithoutATimeFieldAtAnOffsetIsRefused()
    {
        var bytes = new byte[10];
        bytes[0] = OtlpRequestBody.TimeTag;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), 1);

        Assert.Equal(1, new OtlpRequestBody(bytes, [1], [0]).Events);
        Assert.Throws<ArgumentException>(() => new OtlpRequestBody(bytes, [2], [0]));
        Assert.Throws<ArgumentException>(() => new OtlpRequestBody(bytes, [3], [0]));
    }
}
