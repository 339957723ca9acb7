using System.Reflection;
using Cortex.Api.Consumer;

namespace Cortex.Tests.Architecture;

/// <summary>The deployable ships the product only: emulator launchers, benchmark endpoints and test factories live elsewhere.</summary>
public sealed class DeployableTests
{
    private static readonly Assembly Api = typeof(LambdaSqsEvent).Assembly;

    [Fact]
    public void CortexApiHoldsNoEmulatorLauncherOrBenchmarkEndpoint()
    {
        var offenders = Api.GetTypes()
            .Where(t => t.Namespace is { } ns && (ns.Contains(".Local", StringComparison.Ordinal) || ns.Contains("Benchmark", StringComparison.Ordinal))
                || t.Name.Contains("Moto", StringComparison.Ordinal)
                || t.Name.Contains("Provisioner", StringComparison.Ordinal)
                || t.Name.Contains("Baseline", StringComparison.Ordinal))
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void TheLambdaEventTypeOnlyReadsEventsAndWritesAnswers()
    {
        var methods = typeof(LambdaSqsEvent).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly);

        Assert.DoesNotContain(methods, m => m.Name == "Create");
    }
}
