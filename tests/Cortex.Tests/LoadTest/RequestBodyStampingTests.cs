using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Cortex.LoadTest;

namespace Cortex.Tests.LoadTest;

public sealed class RequestBodyStampingTests
{
    private static readonly DateTime SendTime = new(2026, 11, 23, 12, 0, 0, 123, DateTimeKind.Utc);

    [Theory]
    [InlineData("fleet", 100)]
    [InlineData("fleet", 0)]
    [InlineData("scattered", 100)]
    [InlineData("scattered", 0)]
    public void StampedBodyIsValidJsonWithEveryTimestampWithinTheWorkloadsAgeBeforeTheSendTime(string name, int batchSize)
    {
        var workload = Workload.Parse(name);
        var pool = new EventFactory(7, workload).CreatePool(20, batchSize);

        var timestamps = pool.SelectMany(body => Timestamps(body.Stamp(SendTime))).ToList();

        Assert.Equal(pool.Sum(b => b.Events), timestamps.Count);
        Assert.All(timestamps, t => Assert.InRange(t, SendTime.AddMilliseconds(-workload.MaxAgeMilliseconds), SendTime));
        // The ages are spread over the window, not all at one instant.
        Assert.True(timestamps.Max() - timestamps.Min() > TimeSpan.FromMilliseconds(workload.MaxAgeMilliseconds / 2));
    }

    [Fact]
    public void EveryTimestampIsTheSendTimeMinusTheEventsAge()
    {
        var body = new EventFactory(7, Workload.Fleet).CreateBody(100);

        var timestamps = Timestamps(body.Stamp(SendTime));

        Assert.Equal(body.AgesMilliseconds.Select(age => SendTime.AddMilliseconds(-age)), timestamps);
    }

    [Fact]
    public void StampingLaterMovesEveryTimestampByExactlyTheTimeDifference()
    {
        var body = new EventFactory(7, Workload.Fleet).CreateBody(100);
        var later = SendTime + TimeSpan.FromSeconds(754.321);

        var first = Timestamps(body.Stamp(SendTime));
        var second = Timestamps(body.Stamp(later));

        Assert.Equal(100, first.Count);
        Assert.All(first.Zip(second), pair => Assert.Equal(later - SendTime, pair.Second - pair.First));
    }

    [Fact]
    public void StampingNeitherChangesThePoolsBytesNorAnEarlierStamp()
    {
        var body = new EventFactory(7, Workload.Scattered).CreateBody(100);
        var pristine = body.Json.ToArray();

        var first = body.Stamp(SendTime);
        var firstCopy = first.ToArray();
        var second = body.Stamp(SendTime.AddMinutes(5));

        Assert.Equal(pristine, body.Json.ToArray());
        Assert.Equal(firstCopy, first);
        Assert.NotEqual(first, second);
        Assert.Equal(first, body.Stamp(SendTime));
        Assert.All(body.TimestampOffsets, offset =>
            Assert.Equal(RequestBody.PlaceholderTimestamp, System.Text.Encoding.UTF8.GetString(body.Json.Span.Slice(offset, RequestBody.TimestampLength))));
    }

    [Fact]
    public void GzipContentDecompressesToTheStampedJsonWithEveryEvent()
    {
        var body = new EventFactory(7, Workload.Fleet).CreateBody(100);

        var content = body.Content(SendTime, gzip: true);

        using var input = new GZipStream(new MemoryStream(content), CompressionMode.Decompress);
        using var json = new MemoryStream();
        input.CopyTo(json);
        Assert.True(content.Length < json.Length);
        Assert.Equal(body.JsonBytes, json.Length);
        Assert.Equal(body.Stamp(SendTime), json.ToArray());
        using var document = JsonDocument.Parse(json.ToArray());
        Assert.Equal(body.Events, document.RootElement.GetArrayLength());
    }

    [Fact]
    public void ContentWithoutGzipIsTheStampedJson()
    {
        var body = new EventFactory(7, Workload.Fleet).CreateBody(0);

        Assert.Equal(body.Stamp(SendTime), body.Content(SendTime, gzip: false));
    }

    [Fact]
    public void StampingRequiresAUtcTime()
    {
        var body = new EventFactory(7, Workload.Fleet).CreateBody(0);

        Assert.Throws<ArgumentException>(() => body.Stamp(DateTime.SpecifyKind(SendTime, DateTimeKind.Local)));
    }

    [Fact]
    public void BodyWithoutAPlaceholderAtAnOffsetIsRefused()
    {
        var json = """{"timestamp":"0001-01-01T00:00:00.000Z"}"""u8.ToArray();

        var body = new RequestBody(json, [14], [0]);

        Assert.Equal(1, body.Events);
        Assert.Throws<ArgumentException>(() => new RequestBody(json, [13], [0]));
    }

    private static List<DateTime> Timestamps(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var events = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.EnumerateArray().ToList() : [document.RootElement];
        return
        [
            .. events.Select(e => DateTime.ParseExact(
                e.GetProperty("timestamp").GetString()!,
                RequestBody.TimestampFormat,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)),
        ];
    }
}
