using Microsoft.Extensions.DependencyModel;

namespace Cortex.Tests.Hosting;

/// <summary>
/// Serilog's configuration reads a named list of assemblies instead of searching the app's
/// dependency manifest at start-up; the list must hold every Serilog library the app ships, or
/// configuration keys that name its sinks or enrichers would stop working.
/// </summary>
public sealed class SerilogAssembliesTests
{
    [Fact]
    public void EverySerilogLibraryTheAppShipsIsNamedForItsConfiguration()
    {
        var shipped = DependencyContext.Load(typeof(Cortex.Api.Hosting.LoggingExtensions).Assembly)!.RuntimeLibraries
            .Where(library => library.Name.Contains("Serilog", StringComparison.OrdinalIgnoreCase))
            .Select(library => library.Name)
            .ToList();

        var named = Cortex.Api.Hosting.LoggingExtensions.SerilogAssemblies.Select(assembly => assembly.GetName().Name).ToList();

        Assert.NotEmpty(shipped);
        Assert.All(shipped, library => Assert.Contains(library, named));
    }
}
