namespace Cortex.Tests.Architecture;

/// <summary>The event contract is shared by ingestion and the consumer, so it depends on neither.</summary>
public sealed class EventContractTests
{
    [Theory]
    [InlineData("Cortex.Api.Ingestion")]
    [InlineData("Cortex.Api.Consumer")]
    public void TheEventContractDoesNotReferenceAFeatureThatUsesIt(string feature)
    {
        var folder = Repository.PathOf("src", "Cortex.Api", "Events");

        var offenders = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(file => File.ReadAllText(file).Contains(feature, StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(Repository.Root, file))
            .ToList();

        Assert.Empty(offenders);
    }
}
