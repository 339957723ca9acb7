using System.Text.Json.Nodes;
using Cortex.Api.Consumer;
using Cortex.Api.Events;
using Cortex.Api.Ingestion;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static Cortex.Tests.Consumer.ConsumerTestData;

namespace Cortex.Tests.Consumer;

public sealed class ConsumedEventReaderTests
{
    [Fact]
    public void AStoredEventReadsBackExactlyAsItWasWritten()
    {
        var e = NewEvent(traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01") with
        {
            Data = """{"exact":87.5,"wide":12345678901234567890123456789012345678,"nested":{"a":[1.10,null,true]}}"""u8.ToArray(),
        };

        Assert.True(ConsumedEventReader.TryRead(Envelope(e), out var read, out var reason), reason);

        Assert.Equal(EventJson.ToJson(e, includeTrace: true), EventJson.ToJson(Assert.Single(read), includeTrace: true));
    }

    [Fact]
    public void APackReadsBackEveryEventInItsOrder()
    {
        var events = Enumerable.Range(0, 5).Select(_ => NewEvent()).ToArray();

        Assert.True(ConsumedEventReader.TryRead(PackEnvelope(events), out var read, out var reason), reason);

        Assert.Equal(events.Select(e => EventJson.ToJson(e, includeTrace: true)), read.Select(e => EventJson.ToJson(e, includeTrace: true)));
    }

    [Fact]
    public void AMessageSentBeforePackingWithOneEventAsItsDetailIsStillRead()
    {
        var e = NewEvent();

        Assert.True(ConsumedEventReader.TryRead(SingleEventEnvelope(e), out var read, out var reason), reason);

        Assert.Equal(e.EventId, Assert.Single(read).EventId);
    }

    [Fact]
    public void APackWithOneInvalidEventIsRefusedWholeNamingTheEvent()
    {
        var bad = JsonNode.Parse(EventJson.ToJson(NewEvent()))!.AsObject();
        bad["event_type"] = "CPU_USAGE";
        var detail = "{\"events\":[" + EventJson.ToJson(NewEvent()) + "," + bad.ToJsonString() + "]}";

        Assert.False(ConsumedEventReader.TryRead(EnvelopeWithDetail(detail), out var read, out var reason));

        Assert.Null(read);
        Assert.Contains("1 of the pack's 2 events are invalid", reason, StringComparison.Ordinal);
        Assert.Contains("event 1: event_type", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"events":[]}""", "no events")]
    [InlineData("""{"events":{}}""", "not an array")]
    [InlineData("""{"events":[7]}""", "event 0: not a JSON object")]
    public void AMalformedPackIsRefused(string detail, string expected)
    {
        Assert.False(ConsumedEventReader.TryRead(EnvelopeWithDetail(detail), out _, out var reason));

        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void APackWithAPropertyBesideItsEventsIsRefused()
    {
        var detail = "{\"events\":[" + EventJson.ToJson(NewEvent()) + "],\"extra\":{\"a\":1}}";

        Assert.False(ConsumedEventReader.TryRead(EnvelopeWithDetail(detail), out _, out var reason));

        Assert.Contains("a property other than \"events\"", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("source", "\"a\\u0007b\"")]
    [InlineData("source", "\"\"")]
    [InlineData("event_type", "\"CPU_USAGE\"")]
    [InlineData("severity", "\"debug\"")]
    [InlineData("hostname", "7")]
    [InlineData("region", "\"0123456789012345678901234567890123456789012345678901234567890123456789\"")]
    [InlineData("tags", "{\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\":\"v\"}")]
    [InlineData("tags", "{\"env\":1}")]
    [InlineData("data", "{\"n\":1e200}")]
    [InlineData("data", "[1]")]
    [InlineData("event_id", "\"not-a-uuid\"")]
    [InlineData("timestamp", "\"2026-11-23T10:00:00\"")]
    public void AStoredEventBreakingAFieldRuleIsRefusedWithIngestionsOwnMessage(string field, string valueJson)
    {
        var detail = JsonNode.Parse(EventJson.ToJson(NewEvent()))!.AsObject();
        detail[field] = JsonNode.Parse(valueJson);
        var body = JsonNode.Parse("""{"source":"s","event_type":"cpu_usage","data":{}}""")!.AsObject();
        body[field] = JsonNode.Parse(valueJson);
        var ingestionErrors = IngestionErrors(body.ToJsonString());

        Assert.False(ConsumedEventReader.TryRead(EnvelopeWithDetail(detail.ToJsonString()), out _, out var reason));

        Assert.NotEmpty(ingestionErrors);
        Assert.All(ingestionErrors, message => Assert.Contains(message, reason, StringComparison.Ordinal));
    }

    [Fact]
    public void AStoredEventOlderThanTheIngestionWindowIsStillRead()
    {
        var old = DateTimeOffset.UtcNow.AddDays(-60);
        var e = NewEvent() with { Timestamp = Rfc3339.ToUtcString(old), TimestampMs = Rfc3339.TruncateToMilliseconds(old).ToUnixTimeMilliseconds() };

        Assert.True(ConsumedEventReader.TryRead(Envelope(e), out var read, out var reason), reason);

        Assert.Equal(e.Timestamp, Assert.Single(read).Timestamp);
    }

    [Fact]
    public void ADuplicateKeyIsReportedByNameNotAsAnEmptyPosition()
    {
        var detail = EventJson.ToJson(NewEvent()).Insert(1, "\"source\":\"first\",");

        Assert.False(ConsumedEventReader.TryRead(EnvelopeWithDetail(detail), out _, out var reason));

        Assert.Contains("duplicate key \"source\"", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("line", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ANilEventIdIsReportedAsTheNilUuidNotAsAMalformedUuid()
    {
        var detail = JsonNode.Parse(EventJson.ToJson(NewEvent()))!.AsObject();
        detail["event_id"] = Guid.Empty.ToString("D");

        Assert.False(ConsumedEventReader.TryRead(EnvelopeWithDetail(detail.ToJsonString()), out _, out var reason));

        Assert.Contains("nil UUID", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("must be a UUID", reason, StringComparison.Ordinal);
    }

    /// <summary>Every message ingestion gives for a body: read errors and field rules, time window included.</summary>
    private static List<string> IngestionErrors(string body)
    {
        var submission = EventReader.ReadSingle(System.Text.Encoding.UTF8.GetBytes(body)).Value!;
        var validator = new EventSubmissionValidator(Options.Create(new IngestionOptions()), new FakeTimeProvider(DateTimeOffset.UtcNow));
        return [.. submission.ReadErrors.Values.SelectMany(m => m), .. validator.Validate(submission).Errors.Select(f => f.ErrorMessage)];
    }
}
