using System.Collections.Concurrent;
using System.Text.Json;

namespace Cortex.Tests.Terraform;

/// <summary>
/// The result of terraform/tests/check.mjs on one directory: every resource, data source and
/// provider block checked against the hashicorp/aws schema that @cdktf/provider-aws carries, and
/// every reference resolved (see the script's header for the rules).
/// </summary>
internal sealed record TerraformCheck(
    string ProviderVersion,
    int Blocks,
    int References,
    IReadOnlyList<string> SchemaErrors,
    IReadOnlyList<string> ReferenceErrors)
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<TerraformCheck>>> Cache = new(StringComparer.Ordinal);

    public static Task<TerraformCheck> RunAsync(string directory) =>
        Cache.GetOrAdd(Path.GetFullPath(directory), path => new Lazy<Task<TerraformCheck>>(() => CheckAsync(path))).Value;

    private static async Task<TerraformCheck> CheckAsync(string directory)
    {
        using var document = JsonDocument.Parse(await TerraformModule.RunToolAsync("check.mjs", directory));
        var root = document.RootElement;

        static IReadOnlyList<string> Strings(JsonElement array) =>
            array.EnumerateArray().Select(item => item.GetString()!).Order(StringComparer.Ordinal).ToList();

        return new TerraformCheck(
            root.GetProperty("provider").GetString()!,
            root.GetProperty("blocks").GetInt32(),
            root.GetProperty("references").GetInt32(),
            Strings(root.GetProperty("schema")),
            Strings(root.GetProperty("referenceErrors")));
    }
}
