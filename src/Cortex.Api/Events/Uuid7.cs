using System.Security.Cryptography;

namespace Cortex.Api.Events;

/// <summary>
/// UUIDv7 ids (RFC 9562: 48 bits of Unix milliseconds, the version, 74 random bits) whose random
/// bits come from the CSPRNG in blocks of 4,000 bytes per thread. <see cref="Guid.CreateVersion7()"/>
/// reads /dev/urandom once per id on Linux, a system call that measured 1.4 us; an accepted event
/// needs two ids (event_id and message_id), which made ids about a tenth of the server's CPU per
/// batch event (docs/performance.md). <see cref="DiscardRandomBlocks"/> makes every thread draw a
/// new block before its next id: environments restored from one SnapStart snapshot would otherwise
/// hand out the same random bits from the blocks the snapshot holds.
/// </summary>
public static class Uuid7
{
    private const int RandomBytesPerId = 10;
    private const int IdsPerBlock = 400;

    [ThreadStatic]
    private static byte[]? _random;

    [ThreadStatic]
    private static int _used;

    [ThreadStatic]
    private static int _blockGeneration;

    private static int _generation;

    public static Guid New(DateTimeOffset now)
    {
        var milliseconds = now.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(now));
        var random = _random;
        var generation = Volatile.Read(ref _generation);
        if (random is null || _used == random.Length || _blockGeneration != generation)
        {
            random = _random ??= new byte[RandomBytesPerId * IdsPerBlock];
            RandomNumberGenerator.Fill(random);
            _used = 0;
            _blockGeneration = generation;
        }

        var bits = random.AsSpan(_used, RandomBytesPerId);
        _used += RandomBytesPerId;

        Span<byte> id = stackalloc byte[16];
        for (var i = 0; i < 6; i++)
        {
            id[i] = (byte)(milliseconds >> (40 - (8 * i)));
        }

        id[6] = (byte)(0x70 | (bits[0] & 0x0F)); // version 7, then 4 random bits
        id[7] = bits[1];
        id[8] = (byte)(0x80 | (bits[2] & 0x3F)); // variant 10, then 6 random bits
        bits[3..].CopyTo(id[9..]);
        bits.Clear(); // a used block does not keep the random bits of ids already handed out
        return new Guid(id, bigEndian: true);
    }

    /// <summary>Every thread's next id draws fresh random bits from the OS instead of its current block.</summary>
    public static void DiscardRandomBlocks() => Interlocked.Increment(ref _generation);
}
