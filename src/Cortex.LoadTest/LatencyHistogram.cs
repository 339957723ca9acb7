namespace Cortex.LoadTest;

/// <summary>
/// A fixed-size log-linear histogram of non-negative values, in the manner of HdrHistogram:
/// values below 256 are kept exactly; above, every power of two is split into 128 equal buckets,
/// so a reported value is at most 1/128 (0.8 %) above the recorded one. Recording is lock-free
/// and allocation-free, so every request can be recorded however long the run.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 8;
    private const int SubBucketCount = 1 << SubBucketBits;
    private const int HalfCount = SubBucketCount / 2;

    private readonly long[] _counts = new long[IndexOf(long.MaxValue) + 1];
    private long _count;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max;

    public long Count => Volatile.Read(ref _count);

    public long Max => Volatile.Read(ref _max);

    public long Min => Count == 0 ? 0 : Volatile.Read(ref _min);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public void Record(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Add(ref _sum, value);
        Interlocked.Increment(ref _count);
        UpdateMax(value);
        UpdateMin(value);
    }

    /// <summary>Adds every value recorded in <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            var count = Volatile.Read(ref other._counts[i]);
            if (count != 0)
            {
                Interlocked.Add(ref _counts[i], count);
            }
        }

        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        Interlocked.Add(ref _count, other.Count);
        if (other.Count > 0)
        {
            UpdateMax(other.Max);
            UpdateMin(other.Min);
        }
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0-100) by the nearest-rank method: the smallest
    /// recorded value with at least that share of all values at or below it. Reported as the top of
    /// its bucket (never above the largest value recorded), so it never understates a latency.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalentValue(i), Max);
            }
        }

        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        var shift = 63 - (int)long.LeadingZeroCount(value) - (SubBucketBits - 1);
        return ((shift + 1) * HalfCount) + (int)((value >> shift) - HalfCount);
    }

    internal static long HighestEquivalentValue(int index)
    {
        if (index < SubBucketCount)
        {
            return index;
        }

        var shift = (index / HalfCount) - 1;
        var subBucket = (long)(index % HalfCount) + HalfCount;
        return ((subBucket + 1) << shift) - 1;
    }

    private void UpdateMax(long value)
    {
        var current = Volatile.Read(ref _max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void UpdateMin(long value)
    {
        var current = Volatile.Read(ref _min);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
