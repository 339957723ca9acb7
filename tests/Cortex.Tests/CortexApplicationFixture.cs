namespace Cortex.Tests;

/// <summary>One app per test class (xunit class fixture); tests use distinct sources and subjects.</summary>
public sealed class CortexApplicationFixture : IDisposable
{
    public CortexApplication App { get; } = new();

    public void Dispose() => App.Dispose();
}
