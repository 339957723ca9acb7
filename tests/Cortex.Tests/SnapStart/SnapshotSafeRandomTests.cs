using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Cortex.Api.Events;

namespace Cortex.Tests.SnapStart;

/// <summary>
/// Environments restored from one SnapStart snapshot share every byte of memory the snapshot held,
/// including the state of any <see cref="Random"/>. Product code must therefore draw its random
/// numbers from a source with no such state (ids: <c>Uuid7</c>, jitter: <see cref="SnapshotSafeRandom"/>).
/// </summary>
public sealed class SnapshotSafeRandomTests
{
    [Fact]
    public void ProductCodeCallsNoRandomWhoseStateASnapshotWouldCopy()
    {
        using var stream = File.OpenRead(typeof(SnapshotSafeRandom).Assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();

        var calls = metadata.MemberReferences
            .Select(metadata.GetMemberReference)
            .Where(member => member.Parent.Kind == HandleKind.TypeReference
                && IsSystemRandom(metadata, metadata.GetTypeReference((TypeReferenceHandle)member.Parent)))
            .Select(member => "System.Random." + metadata.GetString(member.Name))
            .ToList();

        Assert.Empty(calls);
    }

    [Fact]
    public void DrawsAreUniformInTheUnitInterval()
    {
        var draws = Enumerable.Range(0, 10_000).Select(_ => SnapshotSafeRandom.NextDouble()).ToList();

        Assert.All(draws, d => Assert.InRange(d, 0.0, Math.BitDecrement(1.0)));
        Assert.InRange(draws.Count(d => d < 0.5), 4_500, 5_500);
        Assert.Equal(draws.Count, draws.Distinct().Count());
    }

    private static bool IsSystemRandom(MetadataReader metadata, TypeReference type) =>
        metadata.GetString(type.Namespace) == "System" && metadata.GetString(type.Name) == "Random";
}
