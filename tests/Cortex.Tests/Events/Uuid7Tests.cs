using Cortex.Api.Events;

namespace Cortex.Tests.Events;

public sealed class Uuid7Tests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 15, 30, 123, TimeSpan.Zero);

    [Fact]
    public void AnIdIsVersion7WithTheRfc9562VariantAndStartsWithItsMillisecond()
    {
        var id = Uuid7.New(Now);

        var bytes = id.ToByteArray(bigEndian: true);
        var milliseconds = bytes[..6].Aggregate(0L, (value, b) => (value << 8) | b);
        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, bytes[8] >> 6);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), milliseconds);
        Assert.StartsWith(Guid.CreateVersion7(Now).ToString("D")[..13], id.ToString("D"), StringComparison.Ordinal);
    }

    [Fact]
    public void IdsFromManyThreadsAreAllDifferentAcrossManyRandomBlocks()
    {
        // 8 threads x 5,000 ids: each thread refills its block of 400 ids a dozen times.
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                ids.Add(Uuid7.New(Now));
            }
        });

        Assert.Equal(40_000, ids.Distinct().Count());
    }

    [Fact]
    public void IdsOfLaterMillisecondsSortAfterEarlierOnesInTextAndStoredByteOrder()
    {
        var earlier = Uuid7.New(Now);
        var later = Uuid7.New(Now.AddMilliseconds(1));

        Assert.True(string.CompareOrdinal(earlier.ToString("D"), later.ToString("D")) < 0);
        Assert.True(earlier.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(later.ToByteArray(bigEndian: true)) < 0);
    }

    [Fact]
    public void TheRandomBitsDifferBetweenIdsOfTheSameMillisecond()
    {
        var ids = Enumerable.Range(0, 1_000).Select(_ => Uuid7.New(Now).ToString("N")[12..]).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void AnInstantBeforeTheUnixEpochIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Uuid7.New(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }
}
