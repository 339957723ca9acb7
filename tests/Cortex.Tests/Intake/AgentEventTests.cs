using Cortex.Api.Intake;

namespace Cortex.Tests.Intake;

public sealed class AgentEventTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 18, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void TheSameRecordGetsTheSameIdAndAnotherRecordAnother()
    {
        var first = AgentEvent.NameBasedId(At, "otlp-log", "host-a", "record-1");

        var again = AgentEvent.NameBasedId(At, "otlp-log", "host-a", "record-1");
        var other = AgentEvent.NameBasedId(At, "otlp-log", "host-a", "record-2");

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void ANameBasedIdStartsWithTheRecordsMillisecondsSoIdsSortByTime()
    {
        var earlier = AgentEvent.NameBasedId(At, "collectd-values", "zzz");
        var later = AgentEvent.NameBasedId(At.AddMilliseconds(1), "collectd-values", "aaa");

        var bytes = earlier.ToByteArray(bigEndian: true);
        var ms = bytes[..6].Aggregate(0L, (value, b) => (value << 8) | b);

        Assert.Equal(At.ToUnixTimeMilliseconds(), ms);
        Assert.True(earlier.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(later.ToByteArray(bigEndian: true)) < 0);
        Assert.Equal(0x80, bytes[6] & 0xF0);
        Assert.Equal(0x80, bytes[8] & 0xC0);
    }

    [Fact]
    public void WithoutATimeTheIdIsStillDeterministic()
    {
        var first = AgentEvent.NameBasedId(null, "otlp-log", "host-a", "record-1");

        var again = AgentEvent.NameBasedId(null, "otlp-log", "host-a", "record-1");

        Assert.Equal(first, again);
    }
}
