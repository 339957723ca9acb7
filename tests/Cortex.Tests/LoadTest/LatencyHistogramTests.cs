using Cortex.LoadTest;

namespace Cortex.Tests.LoadTest;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void PercentilesOfSmallValuesAreExactNearestRank()
    {
        var histogram = new LatencyHistogram();
        for (var value = 100; value >= 1; value--)
        {
            histogram.Record(value);
        }

        Assert.Equal(1, histogram.ValueAtPercentile(0));
        Assert.Equal(50, histogram.ValueAtPercentile(50));
        Assert.Equal(51, histogram.ValueAtPercentile(50.5));
        Assert.Equal(95, histogram.ValueAtPercentile(95));
        Assert.Equal(99, histogram.ValueAtPercentile(99));
        Assert.Equal(100, histogram.ValueAtPercentile(100));
    }

    [Fact]
    public void CountMinMaxAndMeanAreExact()
    {
        var histogram = new LatencyHistogram();

        histogram.Record(1_000);
        histogram.Record(3_000);
        histogram.Record(123_456_789);

        Assert.Equal(3, histogram.Count);
        Assert.Equal(1_000, histogram.Min);
        Assert.Equal(123_456_789, histogram.Max);
        Assert.Equal((1_000 + 3_000 + 123_456_789) / 3.0, histogram.Mean, 6);
    }

    [Theory]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(1_000)]
    [InlineData(25_000)]
    [InlineData(999_999)]
    [InlineData(60_000_000)]
    [InlineData(long.MaxValue / 3)]
    public void LargeValuesAreReportedAtMostOnePercentHigherAndNeverLower(long value)
    {
        var histogram = new LatencyHistogram();
        histogram.Record(value);
        histogram.Record(value * 2 / 3);

        var p50 = histogram.ValueAtPercentile(50);
        var bucketTop = LatencyHistogram.HighestEquivalentValue(LatencyHistogram.IndexOf(value * 2 / 3));

        Assert.InRange(p50, value * 2 / 3, (value * 2 / 3) + ((value * 2 / 3) / 128) + 1);
        Assert.Equal(Math.Min(bucketTop, value), p50);
        Assert.Equal(value, histogram.ValueAtPercentile(100));
    }

    [Fact]
    public void BucketsAreContiguousAndOrdered()
    {
        long previousTop = -1;

        for (var index = 0; index < LatencyHistogram.IndexOf(1L << 40); index++)
        {
            var top = LatencyHistogram.HighestEquivalentValue(index);
            Assert.Equal(index, LatencyHistogram.IndexOf(previousTop + 1));
            Assert.Equal(index, LatencyHistogram.IndexOf(top));
            previousTop = top;
        }
    }

    [Fact]
    public void P99OfAMostlyFastRunReflectsTheSlowTail()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 990; i++)
        {
            histogram.Record(2_000);
        }

        for (var i = 0; i < 10; i++)
        {
            histogram.Record(40_000);
        }

        Assert.Equal(2_000 + 7, histogram.ValueAtPercentile(99));
        Assert.InRange(histogram.ValueAtPercentile(99.1), 40_000, 40_000 + (40_000 / 128));
        Assert.Equal(40_000, histogram.Max);
    }

    [Fact]
    public void AddMergesCountsAndExtremes()
    {
        var first = new LatencyHistogram();
        var second = new LatencyHistogram();
        first.Record(10);
        first.Record(20);
        second.Record(5);
        second.Record(30);

        first.Add(second);

        Assert.Equal(4, first.Count);
        Assert.Equal(5, first.Min);
        Assert.Equal(30, first.Max);
        Assert.Equal(10, first.ValueAtPercentile(50));
        Assert.Equal(16.25, first.Mean);
    }

    [Fact]
    public void EmptyHistogramReportsZeros()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.ValueAtPercentile(99));
        Assert.Equal(0, histogram.Min);
        Assert.Equal(0, histogram.Mean);
    }

    [Fact]
    public void ConcurrentRecordingLosesNothing()
    {
        var histogram = new LatencyHistogram();

        Parallel.For(0, 8, worker =>
        {
            for (var i = 1; i <= 10_000; i++)
            {
                histogram.Record(i);
            }
        });

        Assert.Equal(80_000, histogram.Count);
        Assert.Equal(10_000, histogram.Max);
        Assert.Equal(1, histogram.Min);
    }

    [Fact]
    public void NegativeValuesAndPercentilesOutOfRangeAreRefused()
    {
        var histogram = new LatencyHistogram();

        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Record(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.ValueAtPercentile(100.1));
    }
}
