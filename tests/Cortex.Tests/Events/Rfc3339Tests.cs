using Cortex.Api.Events;

namespace Cortex.Tests.Events;

public sealed class Rfc3339Tests
{
    [Theory]
    [InlineData("2026-11-23T10:15:30Z", "2026-11-23T10:15:30.000Z")]
    [InlineData("2026-11-23T10:15:30.1Z", "2026-11-23T10:15:30.100Z")]
    [InlineData("2026-11-23T10:15:30.123Z", "2026-11-23T10:15:30.123Z")]
    [InlineData("2026-11-23T10:15:30.1239999Z", "2026-11-23T10:15:30.123Z")]
    [InlineData("2026-11-23T10:15:30.123456789Z", "2026-11-23T10:15:30.123Z")]
    [InlineData("2026-11-23t10:15:30z", "2026-11-23T10:15:30.000Z")]
    [InlineData("2026-11-23T10:15:30.5+02:00", "2026-11-23T08:15:30.500Z")]
    [InlineData("2026-11-23T10:15:30-08:00", "2026-11-23T18:15:30.000Z")]
    [InlineData("2026-11-23T01:15:30+05:30", "2026-11-22T19:45:30.000Z")]
    [InlineData("2026-11-23T10:15:30+00:00", "2026-11-23T10:15:30.000Z")]
    [InlineData("2028-02-29T23:59:59.999-00:01", "2028-03-01T00:00:59.999Z")]
    public void ParsingAValidDateTimeNormalisesItToUtcMilliseconds(string text, string normalised)
    {
        var parsed = Rfc3339.TryParse(text, out var value);

        Assert.True(parsed, text);
        Assert.Equal(normalised, Rfc3339.ToUtcString(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-11-23")]
    [InlineData("2026-11-23T10:15:30")]
    [InlineData("2026-11-23T10:15:30.123")]
    [InlineData("2026-11-23 10:15:30Z")]
    [InlineData(" 2026-11-23T10:15:30Z")]
    [InlineData("2026-11-23T10:15:30Z ")]
    [InlineData("2026-11-23T10:15Z")]
    [InlineData("2026-11-23T10:15:30.Z")]
    [InlineData("2026-11-23T24:00:00Z")]
    [InlineData("2026-11-23T10:60:00Z")]
    [InlineData("2026-02-29T10:15:30Z")]
    [InlineData("2026-13-01T10:15:30Z")]
    [InlineData("2026-00-10T10:15:30Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("2026-11-23T10:15:30+0200")]
    [InlineData("2026-11-23T10:15:30+24:00")]
    [InlineData("2026-11-23T10:15:30+02")]
    [InlineData("2026-11-23T10:15:30UTC")]
    [InlineData("2026-11-23T10:15:30ZZ")]
    [InlineData("+2026-11-23T10:15:30Z")]
    [InlineData("２０２６-11-23T10:15:30Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("1732356930")]
    public void ParsingAnythingElseFails(string text)
    {
        var parsed = Rfc3339.TryParse(text, out _);

        Assert.False(parsed, text);
    }

    [Fact]
    public void TruncatingDropsSubMillisecondTicks()
    {
        var value = new DateTimeOffset(2026, 11, 23, 10, 15, 30, TimeSpan.Zero).AddTicks(1_239_999);

        var truncated = Rfc3339.TruncateToMilliseconds(value);

        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 15, 30, 123, TimeSpan.Zero), truncated);
        Assert.Equal("2026-11-23T10:15:30.123Z", Rfc3339.ToUtcString(truncated));
    }

    [Fact]
    public void FormattingGivesWhatTheFormatStringGivesForAnyInstantAndOffset()
    {
        var random = new Random(20261123);
        var instants = new List<DateTimeOffset> { DateTimeOffset.MinValue, DateTimeOffset.MaxValue, DateTimeOffset.UnixEpoch };
        for (var i = 0; i < 10_000; i++)
        {
            var ticks = random.NextInt64(DateTimeOffset.MinValue.UtcTicks + TimeSpan.TicksPerDay, DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerDay);
            instants.Add(new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60))));
        }

        foreach (var instant in instants)
        {
            Assert.Equal(instant.UtcDateTime.ToString(Rfc3339.Format, System.Globalization.CultureInfo.InvariantCulture), Rfc3339.ToUtcString(instant));
        }
    }
}
