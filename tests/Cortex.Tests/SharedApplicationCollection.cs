namespace Cortex.Tests;

/// <summary>Small test classes that only read share one app instead of starting one each.</summary>
[CollectionDefinition(Name)]
public sealed class SharedApplicationCollection : ICollectionFixture<CortexApplicationFixture>
{
    public const string Name = "Shared application";
}
