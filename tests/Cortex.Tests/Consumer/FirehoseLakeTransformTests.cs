using System.Text;
using System.Text.Json;
using Cortex.Api.Consumer;
using Cortex.Api.Events;
using Microsoft.Extensions.Logging.Abstractions;
using static Cortex.Tests.Consumer.ConsumerTestData;

namespace Cortex.Tests.Consumer;

/// <summary>
/// The data lake's Firehose transformation: packs in, one JSON line per event out, partitioned by
/// the events' own hour. Firehose itself cannot run here (moto does not deliver EventBridge to
/// Firehose), so the function's answer is checked against the documented response shape.
/// </summary>
public sealed class FirehoseLakeTransformTests(LambdaApplicationFixture fixture) : IClassFixture<LambdaApplicationFixture>
{
    [Fact]
    public void APackBecomesOneJsonLinePerEventWithTheHourOfItsEventsAsPartitionKeys()
    {
        var events = Enumerable.Range(0, 3).Select(i => At(NewEvent(), new DateTimeOffset(2026, 11, 28, 7, 10 + i, 0, TimeSpan.Zero))).ToArray();

        var answer = Single(FirehoseLakeTransform.Transform(Request(PackDetail(events)), NullLogger.Instance));

        Assert.Equal("Ok", answer.GetProperty("result").GetString());
        var lines = Encoding.UTF8.GetString(answer.GetProperty("data").GetBytesFromBase64()).Split('\n');
        Assert.Equal("", lines[^1]);
        Assert.Equal(events.Select(e => EventJson.ToJson(e, includeTrace: true)), lines[..^1]);
        var keys = answer.GetProperty("metadata").GetProperty("partitionKeys");
        Assert.Equal(["2026", "11", "28", "07"], new[] { "year", "month", "day", "hour" }.Select(k => keys.GetProperty(k).GetString()));
    }

    [Fact]
    public void NumbersKeepTheirTextOnTheirLine()
    {
        var e = NewEvent() with { Data = """{"exact":87.50,"wide":12345678901234567890123456789012345678}"""u8.ToArray() };

        var answer = Single(FirehoseLakeTransform.Transform(Request(PackDetail([e])), NullLogger.Instance));

        Assert.Contains("""{"exact":87.50,"wide":12345678901234567890123456789012345678}""", Encoding.UTF8.GetString(answer.GetProperty("data").GetBytesFromBase64()), StringComparison.Ordinal);
    }

    [Fact]
    public void ADetailThatIsOneEventAsSentBeforePackingBecomesOneLine()
    {
        var e = NewEvent();

        var answer = Single(FirehoseLakeTransform.Transform(Request(EventJson.ToJson(e, includeTrace: true)), NullLogger.Instance));

        Assert.Equal("Ok", answer.GetProperty("result").GetString());
        Assert.Equal(EventJson.ToJson(e, includeTrace: true) + "\n", Encoding.UTF8.GetString(answer.GetProperty("data").GetBytesFromBase64()));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"events":[]}""")]
    [InlineData("""{"events":[{"event_id":"x"}]}""")]
    public void ARecordThatCannotBeSplitIsProcessingFailedAndKeepsItsData(string detail)
    {
        var answer = Single(FirehoseLakeTransform.Transform(Request(detail), NullLogger.Instance));

        Assert.Equal("ProcessingFailed", answer.GetProperty("result").GetString());
        Assert.Equal(detail, Encoding.UTF8.GetString(answer.GetProperty("data").GetBytesFromBase64()));
    }

    [Fact]
    public void APackSpanningTwoHoursIsProcessingFailedRatherThanFiledUnderAWrongHour()
    {
        var events = new[]
        {
            At(NewEvent(), new DateTimeOffset(2026, 11, 28, 7, 59, 59, TimeSpan.Zero)),
            At(NewEvent(), new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero)),
        };

        var answer = Single(FirehoseLakeTransform.Transform(Request(PackDetail(events)), NullLogger.Instance));

        Assert.Equal("ProcessingFailed", answer.GetProperty("result").GetString());
    }

    [Fact]
    public void EveryRecordIsAnsweredInOrderUnderItsOwnId()
    {
        var body = Request(PackDetail([NewEvent()]), "not json", PackDetail([NewEvent(), NewEvent()]));

        using var response = JsonDocument.Parse(FirehoseLakeTransform.Transform(body, NullLogger.Instance));

        var records = response.RootElement.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(["r0", "r1", "r2"], records.Select(r => r.GetProperty("recordId").GetString()));
        Assert.Equal(["Ok", "ProcessingFailed", "Ok"], records.Select(r => r.GetProperty("result").GetString()));
    }

    [Fact]
    public void AnSqsEventIsNotTakenForATransformationEvent()
    {
        Assert.False(FirehoseLakeTransform.IsTransformationEvent(Encoding.UTF8.GetBytes(LambdaSqsEvents.Create([Record(NewEvent())], QueueArn))));
        Assert.True(FirehoseLakeTransform.IsTransformationEvent(Request(PackDetail([NewEvent()]))));
    }

    [Fact]
    public async Task ThePassThroughPathAnswersFirehoseWithTheTransformationAndStoresNothing()
    {
        var e = NewEvent();

        var response = await ConsumerApiTests.SendAsync(fixture.App.CreateClient(), Encoding.UTF8.GetString(Request(PackDetail([e]))));

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var answer = Assert.Single(document.RootElement.GetProperty("records").EnumerateArray());
        Assert.Equal("Ok", answer.GetProperty("result").GetString());
        Assert.False(fixture.Store.Events.ContainsKey(e.EventId));
    }

    private static TelemetryEvent At(TelemetryEvent e, DateTimeOffset time) =>
        e with { Timestamp = Rfc3339.ToUtcString(time), TimestampMs = time.ToUnixTimeMilliseconds() };

    /// <summary>A Firehose data-transformation event whose records carry <paramref name="details"/> (what input_path $.detail sends).</summary>
    private static byte[] Request(params string[] details)
    {
        var records = details.Select((d, i) => new
        {
            recordId = $"r{i}",
            approximateArrivalTimestamp = 1_764_000_000_000,
            data = Convert.ToBase64String(Encoding.UTF8.GetBytes(d)),
        });
        return JsonSerializer.SerializeToUtf8Bytes(new
        {
            invocationId = Guid.NewGuid(),
            deliveryStreamArn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/cortex-events-firehose",
            region = "us-east-1",
            records,
        });
    }

    private static JsonElement Single(byte[] response)
    {
        using var document = JsonDocument.Parse(response);
        return Assert.Single(document.RootElement.GetProperty("records").EnumerateArray()).Clone();
    }
}
