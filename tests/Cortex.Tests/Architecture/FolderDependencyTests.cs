using System.Text.RegularExpressions;

namespace Cortex.Tests.Architecture;

/// <summary>
/// Every top-level folder of Cortex.Api is a layer: the shared kernel (the ports, the event
/// contract, hosting and observability), the adapters (Infrastructure) or a feature (every other
/// folder, so a new folder is a feature until it is listed here). Features depend on the kernel,
/// never on adapters; adapters implement the kernel's ports and never know a feature; the kernel
/// knows neither; and no two folders depend on each other, directly or around a cycle.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private static readonly string[] Kernel = ["Ports", "Events", "Hosting", "Observability"];
    private const string Adapters = "Infrastructure";

    private static readonly Lazy<Dictionary<string, IReadOnlyList<Dependency>>> Graph = new(ReadGraph);

    [Fact]
    public void TheGraphSeesEveryFolderAndTheDependenciesEveryoneKnowsAbout()
    {
        var graph = Graph.Value;

        Assert.Contains("Ingestion", graph.Keys);
        Assert.Contains(graph["Ingestion"], d => d.Folder == "Ports");
        Assert.Contains(graph[Adapters], d => d.Folder == "Ports");
        Assert.All(Kernel, folder => Assert.Contains(folder, graph.Keys));
    }

    [Fact]
    public void FeaturesDependOnTheKernelAndEachOtherButNeverOnAdapters()
    {
        var offenders = Edges(from => IsFeature(from), to => to == Adapters);

        Assert.Empty(offenders);
    }

    [Fact]
    public void AdaptersNeverDependOnAFeature()
    {
        var offenders = Edges(from => from == Adapters, IsFeature);

        Assert.Empty(offenders);
    }

    [Fact]
    public void TheKernelDependsOnNeitherFeaturesNorAdapters()
    {
        var offenders = Edges(from => Kernel.Contains(from), to => to == Adapters || IsFeature(to));

        Assert.Empty(offenders);
    }

    [Fact]
    public void NoFoldersDependOnEachOtherAroundACycle()
    {
        var graph = Graph.Value;
        var cycles = new List<string>();
        foreach (var start in graph.Keys)
        {
            var path = FindPath(graph, start, start, [start]);
            if (path is not null)
            {
                cycles.Add(string.Join(" -> ", path));
            }
        }

        Assert.Empty(cycles);
    }

    private static bool IsFeature(string folder) => folder != Adapters && !Kernel.Contains(folder);

    private static List<string> Edges(Func<string, bool> from, Func<string, bool> to) =>
        [.. Graph.Value
            .Where(entry => from(entry.Key))
            .SelectMany(entry => entry.Value.Where(d => to(d.Folder)).Select(d => $"{entry.Key} -> {d.Folder} ({d.File}: {d.Evidence})"))];

    private static List<string>? FindPath(
        Dictionary<string, IReadOnlyList<Dependency>> graph, string from, string target, List<string> path)
    {
        foreach (var next in graph[from].Select(d => d.Folder).Distinct())
        {
            if (next == target)
            {
                return [.. path, next];
            }

            if (!path.Contains(next) && graph.ContainsKey(next) && FindPath(graph, next, target, [.. path, next]) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads who depends on whom from the source: a `using Cortex.Api.X` directive (unused usings
    /// fail the build, so each one is a real dependency), a qualified name `Cortex.Api.X.` and a
    /// name relative to `Cortex.Api` such as `Ports.X`. Comments and string literals are ignored.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<Dependency>> ReadGraph()
    {
        var api = Repository.PathOf("src", "Cortex.Api");
        var folders = Directory.EnumerateDirectories(api)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ("bin" or "obj" or "Properties"))
            .Where(name => Directory.EnumerateFiles(Path.Combine(api, name), "*.cs", SearchOption.AllDirectories).Any())
            .ToHashSet(StringComparer.Ordinal);
        var relative = new Regex($@"(?<![\w.])(?<folder>{string.Join('|', folders)})\.[A-Z]\w*");

        var graph = new Dictionary<string, IReadOnlyList<Dependency>>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            var dependencies = new List<Dependency>();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(api, folder), "*.cs", SearchOption.AllDirectories))
            {
                var code = CommentOrString().Replace(File.ReadAllText(file), " ");
                var name = Path.GetRelativePath(api, file);
                var references = Qualified().Matches(code).Select(m => (Folder: m.Groups["folder"].Value, m.Value))
                    .Concat(relative.Matches(code).Select(m => (Folder: m.Groups["folder"].Value, m.Value)));
                dependencies.AddRange(references
                    .Where(r => r.Folder != folder && folders.Contains(r.Folder))
                    .Select(r => new Dependency(r.Folder, name, r.Value)));
            }

            graph[folder] = dependencies.DistinctBy(d => (d.Folder, d.File)).ToList();
        }

        return graph;
    }

    private sealed record Dependency(string Folder, string File, string Evidence);

    [GeneratedRegex(@"\bCortex\.Api\.(?<folder>\w+)")]
    private static partial Regex Qualified();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|""""""[\s\S]*?""""""|""(?:\\.|[^""\\\n])*""|'(?:\\.|[^'\\\n])'", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();
}
