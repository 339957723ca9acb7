namespace Cortex.Tests;

/// <summary>Paths in the source tree, found from the test binaries' location.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
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
