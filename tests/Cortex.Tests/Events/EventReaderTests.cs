using System.Text;
using Cortex.Api.Events;

namespace Cortex.Tests.Events;

public sealed class EventReaderTests
{
    [Fact]
    public void ReadingACompleteEventReadsEveryField()
    {
        const string Body = """
            {
              "source": "server-web-01", "event_type": "cpu_usage", "severity": "warning",
              "data": { "cpu_percent": 87.5, "cores": [ 1.10, 2e5 ], "ok": true, "note": null },
              "timestamp": "2026-11-23T10:15:30.5+02:00", "hostname": "web-01", "region": "eu-west-1",
              "tags": { "env": "prod", "team": "core" }, "event_id": "0192f0c1-8a3e-7b6e-9d2a-5c4b3a291807",
              "ignored": { "deep": [1, 2, 3] }
            }
            """;

        var submission = ReadSingle(Encoding.UTF8.GetBytes(Body));

        Assert.Empty(submission.ReadErrors);
        Assert.Equal("server-web-01", submission.Source);
        Assert.Equal("cpu_usage", submission.EventType);
        Assert.Equal("warning", submission.Severity);
        Assert.Equal("""{"cpu_percent":87.5,"cores":[1.10,2e5],"ok":true,"note":null}""", Text(submission.Data));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 15, 30, 500, TimeSpan.Zero), submission.Timestamp);
        Assert.Equal("web-01", submission.Hostname);
        Assert.Equal("eu-west-1", submission.Region);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod", ["team"] = "core" }, submission.Tags);
        Assert.Equal(Guid.Parse("0192f0c1-8a3e-7b6e-9d2a-5c4b3a291807"), submission.EventId);
        Assert.Equal(Encoding.UTF8.GetByteCount(Body.Trim()), submission.SizeInBytes);
    }

    [Fact]
    public void ReadingAMinimalEventLeavesOptionalFieldsUnset()
    {
        var submission = ReadSingle("""{"source":"a","event_type":"uptime","data":{}}"""u8);

        Assert.Empty(submission.ReadErrors);
        Assert.Equal("{}", Text(submission.Data));
        Assert.Null(submission.Severity);
        Assert.Null(submission.Timestamp);
        Assert.Null(submission.Tags);
        Assert.Null(submission.EventId);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(" \n\t ", "empty")]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"source\":\"a\"} {}", "not valid JSON")]
    [InlineData("{\"source\":\"a\"} x", "not valid JSON")]
    [InlineData("{\"source\":\"a\",}", "not valid JSON")]
    [InlineData("{\"source\":\"a\" /* c */}", "not valid JSON")]
    [InlineData("{'source':'a'}", "not valid JSON")]
    [InlineData("{\"data\":{\"n\":NaN}}", "not valid JSON")]
    [InlineData("{\"data\":{\"n\":01}}", "not valid JSON")]
    [InlineData("{\"source\":\"a\",\"source\":\"b\"}", "duplicate key \"source\"")]
    [InlineData("{\"data\":{\"a\":{\"b\":1,\"b\":2}}}", "duplicate key \"b\"")]
    [InlineData("{\"data\":{\"a\":[{\"b\":1},{\"b\":2,\"b\":3}]}}", "duplicate key \"b\"")]
    [InlineData("{\"tags\":{\"k\":\"a\",\"k\":\"b\"}}", "duplicate key \"k\"")]
    [InlineData("{\"extra\":{\"x\":{\"y\":1,\"y\":1}}}", "duplicate key \"y\"")]
    [InlineData("{\"source\":{\"x\":1,\"x\":1}}", "duplicate key \"x\"")]
    [InlineData("[]", "not an array")]
    [InlineData("1", "not a number")]
    [InlineData("null", "not null")]
    [InlineData("\"s\"", "not a string")]
    [InlineData("true", "not a boolean")]
    public void ReadingABodyThatIsNotOneJsonObjectIsMalformed(string body, string message)
    {
        var error = MalformedSingle(Encoding.UTF8.GetBytes(body));

        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"source":"\ud800","event_type":"cpu_usage","data":{}}""")]
    [InlineData("""{"source":"a","event_type":"cpu_usage","data":{"t":"\udc00x"}}""")]
    [InlineData("""{"source":"a","event_type":"cpu_usage","data":{"\ud83d":1}}""")]
    [InlineData("""{"source":"a","event_type":"cpu_usage","data":{},"tags":{"k":"\ud83d"}}""")]
    [InlineData("""{"source":"a","event_type":"cpu_usage","data":{},"\udfff":1}""")]
    public void ReadingAnEscapedLoneSurrogateIsMalformed(string body)
    {
        var error = MalformedSingle(Encoding.UTF8.GetBytes(body));

        Assert.Contains("not valid", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D })]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D })]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D })]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xE2, 0x82, 0x22, 0x7D })]
    public void ReadingInvalidUtf8IsMalformed(byte[] body)
    {
        var error = MalformedSingle(body);

        Assert.Contains("UTF-8", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"source":5}""", "source")]
    [InlineData("""{"source":null}""", "source")]
    [InlineData("""{"event_type":["cpu_usage"]}""", "event_type")]
    [InlineData("""{"severity":null}""", "severity")]
    [InlineData("""{"severity":1}""", "severity")]
    [InlineData("""{"data":[]}""", "data")]
    [InlineData("""{"data":null}""", "data")]
    [InlineData("""{"data":{"n":1e126}}""", "data")]
    [InlineData("""{"timestamp":"2026-11-23T10:15:30"}""", "timestamp")]
    [InlineData("""{"timestamp":""}""", "timestamp")]
    [InlineData("""{"timestamp":{"at":1}}""", "timestamp")]
    [InlineData("""{"hostname":1}""", "hostname")]
    [InlineData("""{"region":false}""", "region")]
    [InlineData("""{"tags":"env=prod"}""", "tags")]
    [InlineData("""{"tags":{"env":1}}""", "tags.env")]
    [InlineData("""{"tags":{"env":null}}""", "tags.env")]
    [InlineData("""{"event_id":"0192F0C1-8A3E-7B6E-9D2A"}""", "event_id")]
    [InlineData("""{"event_id":"00000000-0000-0000-0000-000000000000"}""", "event_id")]
    [InlineData("""{"event_id":null}""", "event_id")]
    public void ReadingAFieldOfTheWrongShapeRecordsAReadErrorForIt(string body, string field)
    {
        var submission = ReadSingle(Encoding.UTF8.GetBytes(body));

        Assert.True(submission.HasReadError(field), string.Join(", ", submission.ReadErrors.Keys));
    }

    [Fact]
    public void ReadingNullHostnameAndRegionTreatsThemAsAbsent()
    {
        var submission = ReadSingle("""{"hostname":null,"region":null,"tags":null}"""u8);

        Assert.Empty(submission.ReadErrors);
        Assert.Null(submission.Hostname);
        Assert.Null(submission.Region);
        Assert.Null(submission.Tags);
    }

    [Theory]
    [InlineData(30, false)]
    [InlineData(31, true)]
    [InlineData(5000, true)]
    public void ReadingDataChecksItsNestingDepth(int levels, bool rejected)
    {
        var data = new StringBuilder();
        for (var i = 1; i < levels; i++)
        {
            data.Append(i % 2 == 0 ? "[" : "{\"a\":");
        }

        data.Append("{}");
        for (var i = levels - 1; i >= 1; i--)
        {
            data.Append(i % 2 == 0 ? "]" : "}");
        }

        var submission = ReadSingle(Encoding.UTF8.GetBytes($"{{\"data\":{data}}}"));

        Assert.Equal(rejected, submission.HasReadError("data"));
        Assert.Equal(rejected ? null : data.ToString(), Text(submission.Data));
    }

    [Fact]
    public void ReadingDataKeepsEscapedStringsAsValuesAndNumbersAsWritten()
    {
        var submission = ReadSingle("""{"data":{"t":"caf\u00e9 \"q\"","n":[1.10,-0.0001,2E+5,0e0]}}"""u8);

        Assert.Equal("""{"t":"café \"q\"","n":[1.10,-0.0001,2E+5,0e0]}""", Text(submission.Data));
    }

    [Fact]
    public void ReadingABatchReadsEachObjectAndMarksOtherItemsAsErrors()
    {
        var items = ReadBatch("""[{"source":"a"},42,"x",null,[{"source":"b"}],{"source":"c"}]"""u8, 500);

        Assert.Equal(6, items.Count);
        Assert.Equal("a", items[0].Source);
        Assert.Equal("c", items[5].Source);
        Assert.All(items.Skip(1).Take(4), i => Assert.True(i.HasReadError("$")));
        Assert.Contains("not an array", items[4].ReadErrors["$"][0], StringComparison.Ordinal);
        Assert.Equal(14, items[0].SizeInBytes);
    }

    [Fact]
    public void ReadingAnEmptyBatchGivesNoItems()
    {
        var items = ReadBatch(" [ ] "u8, 500);

        Assert.Empty(items);
    }

    [Fact]
    public void ReadingABatchWithMoreThanTheMaximumIsRefusedAsTooManyItems()
    {
        var body = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Repeat("{}", 4)) + "]");

        var read = EventReader.ReadBatch(body, 3);

        Assert.Equal(EventReadFailure.TooManyItems, read.Failure);
        Assert.Contains("at most 3", read.Error, StringComparison.Ordinal);
        Assert.Equal(3, ReadBatch(Encoding.UTF8.GetBytes("[{},{},{}]"), 3).Count);
    }

    [Theory]
    [InlineData("{}", "not an object")]
    [InlineData("[{}] []", "not valid JSON")]
    [InlineData("[{},]", "not valid JSON")]
    [InlineData("[{\"a\":1,\"a\":2}]", "duplicate key")]
    [InlineData("[", "not valid JSON")]
    public void ReadingABatchThatIsNotOneJsonArrayIsMalformed(string body, string message)
    {
        var error = MalformedBatch(Encoding.UTF8.GetBytes(body), 500);

        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadingTheNilUuidAsEventIdSaysTheNilUuidIsNotAccepted()
    {
        var submission = ReadSingle("""{"event_id":"00000000-0000-0000-0000-000000000000"}"""u8);

        var message = Assert.Single(submission.ReadErrors["event_id"]);
        Assert.Contains("nil UUID", message, StringComparison.Ordinal);
        Assert.DoesNotContain("must be a UUID", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadingADuplicateKeyNamesTheKeyRatherThanAPosition()
    {
        var error = MalformedSingle("""{"source":"a","data":{"k":1,"k":2}}"""u8.ToArray());

        Assert.Contains("duplicate key \"k\"", error, StringComparison.Ordinal);
        Assert.DoesNotContain("line", error, StringComparison.Ordinal);
    }

    private static string? Text(byte[]? utf8) => utf8 is null ? null : Encoding.UTF8.GetString(utf8);

    private static EventSubmission ReadSingle(ReadOnlySpan<byte> body)
    {
        var read = EventReader.ReadSingle(body.ToArray());
        Assert.Equal(EventReadFailure.None, read.Failure);
        return read.Value!;
    }

    private static List<EventSubmission> ReadBatch(ReadOnlySpan<byte> body, int maxItems)
    {
        var read = EventReader.ReadBatch(body.ToArray(), maxItems);
        Assert.Equal(EventReadFailure.None, read.Failure);
        return read.Value!;
    }

    private static string MalformedSingle(byte[] body)
    {
        var read = EventReader.ReadSingle(body);
        Assert.Equal(EventReadFailure.Malformed, read.Failure);
        return read.Error!;
    }

    private static string MalformedBatch(byte[] body, int maxItems)
    {
        var read = EventReader.ReadBatch(body, maxItems);
        Assert.Equal(EventReadFailure.Malformed, read.Failure);
        return read.Error!;
    }
}
