using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cortex.Api.Events;

/// <summary>
/// Random numbers for retry jitter that differ between environments restored from one SnapStart
/// snapshot. Every draw reads the operating system's generator, so there is no generator state in
/// memory for a snapshot to copy. <see cref="Random.Shared"/> and seeded <see cref="Random"/>s keep
/// theirs in memory: restored environments would draw the same delays and retry in lockstep.
/// </summary>
internal static class SnapshotSafeRandom
{
    /// <summary>Uniform in [0, 1), with 53 random bits (a double's precision).</summary>
    public static double NextDouble()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return (BinaryPrimitives.ReadUInt64LittleEndian(bytes) >> 11) * (1.0 / (1UL << 53));
    }
}
