using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Cortex.Tests.Terraform;

/// <summary>
/// The .tf files of one directory as JSON, converted by terraform/tests/hcl2json.mjs
/// (@cdktf/hcl2json, pinned in terraform/tests/package-lock.json). <see cref="RunToolAsync"/>
/// runs <c>npm ci</c> there first when a pinned package is missing, so a fresh clone needs only
/// <c>dotnet test</c>.
/// </summary>
internal sealed class TerraformModule
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<TerraformModule>>> Cache = new(StringComparer.Ordinal);
    private static readonly SemaphoreSlim NpmInstall = new(1, 1);

    private TerraformModule(
        string directory,
        IReadOnlyList<TerraformBlock> resources,
        IReadOnlyList<TerraformBlock> dataSources,
        IReadOnlyDictionary<string, JsonElement> locals,
        IReadOnlyDictionary<string, string> texts)
    {
        Directory = directory;
        Resources = resources;
        DataSources = dataSources;
        Locals = locals;
        Texts = texts;
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The deployable module, terraform/.</summary>
    public static string ModuleDirectory => Path.Combine(RepositoryRoot, "terraform");

    public static string FixtureDirectory(string name) =>
        Path.Combine(RepositoryRoot, "tests", "Cortex.Tests", "Terraform", "Fixtures", name);

    public string Directory { get; }

    public IReadOnlyList<TerraformBlock> Resources { get; }

    public IReadOnlyList<TerraformBlock> DataSources { get; }

    public IReadOnlyDictionary<string, JsonElement> Locals { get; }

    /// <summary>The raw text of each .tf file, by file name.</summary>
    public IReadOnlyDictionary<string, string> Texts { get; }

    public IEnumerable<TerraformBlock> ResourcesOfType(string type) => Resources.Where(block => block.Type == type);

    public IEnumerable<TerraformBlock> DataSourcesOfType(string type) => DataSources.Where(block => block.Type == type);

    public static Task<TerraformModule> LoadAsync(string directory) =>
        Cache.GetOrAdd(Path.GetFullPath(directory), path => new Lazy<Task<TerraformModule>>(() => ConvertAsync(path))).Value;

    private static async Task<TerraformModule> ConvertAsync(string directory)
    {
        var json = await RunToolAsync("hcl2json.mjs", directory);
        using var document = JsonDocument.Parse(json);

        var resources = new List<TerraformBlock>();
        var dataSources = new List<TerraformBlock>();
        var locals = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var file in document.RootElement.EnumerateObject())
        {
            foreach (var section in file.Value.EnumerateObject())
            {
                switch (section.Name)
                {
                    case "resource":
                        resources.AddRange(Blocks(section.Value, file.Name, isData: false));
                        break;
                    case "data":
                        dataSources.AddRange(Blocks(section.Value, file.Name, isData: true));
                        break;
                    case "locals":
                        foreach (var block in section.Value.EnumerateArray())
                        {
                            foreach (var local in block.EnumerateObject())
                            {
                                locals.Add(local.Name, local.Value.Clone());
                            }
                        }

                        break;
                }
            }
        }

        var texts = System.IO.Directory.EnumerateFiles(directory, "*.tf")
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllText, StringComparer.Ordinal);
        return new TerraformModule(directory, resources, dataSources, locals, texts);
    }

    private static IEnumerable<TerraformBlock> Blocks(JsonElement section, string file, bool isData)
    {
        foreach (var type in section.EnumerateObject())
        {
            foreach (var name in type.Value.EnumerateObject())
            {
                foreach (var body in name.Value.EnumerateArray())
                {
                    yield return new TerraformBlock(isData, type.Name, name.Name, body.Clone(), file);
                }
            }
        }
    }

    /// <summary>Runs one of the node scripts in terraform/tests on a module directory and returns its standard output.</summary>
    public static async Task<string> RunToolAsync(string script, string directory)
    {
        var tools = Path.Combine(RepositoryRoot, "terraform", "tests");
        await EnsureNodeModulesAsync(tools);
        return await RunAsync("node", tools, TimeSpan.FromMinutes(2), Path.Combine(tools, script), directory);
    }

    private static async Task EnsureNodeModulesAsync(string tools)
    {
        await NpmInstall.WaitAsync();
        try
        {
            var packages = new[] { "hcl2json", "provider-aws" };
            if (!packages.All(name => System.IO.Directory.Exists(Path.Combine(tools, "node_modules", "@cdktf", name))))
            {
                await RunAsync("npm", tools, TimeSpan.FromMinutes(5), "ci", "--no-audit", "--no-fund");
            }
        }
        finally
        {
            NpmInstall.Release();
        }
    }

    private static async Task<string> RunAsync(string fileName, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        using var deadline = new CancellationTokenSource(timeout);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
        }

        return await output;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Cortex.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Cortex.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>One resource or data block: its body is hcl2json's JSON (nested blocks are arrays, expressions are "${...}" strings).</summary>
internal sealed record TerraformBlock(bool IsData, string Type, string Name, JsonElement Body, string File)
{
    public string Address => IsData ? $"data.{Type}.{Name}" : $"{Type}.{Name}";

    public string Raw => Body.GetRawText();

    public JsonElement? Attribute(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) ? value : null;

    public string? String(string name) =>
        Attribute(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static IEnumerable<JsonElement> NestedBlocks(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];

    public IEnumerable<JsonElement> NestedBlocks(string name) => NestedBlocks(Body, name);
}
