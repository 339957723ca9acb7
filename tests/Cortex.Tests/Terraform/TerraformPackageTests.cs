using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Cortex.Tests.Terraform;

/// <summary>The Lambda package: terraform/package.sh, terraform/lambda/zip.sh and run.sh.</summary>
public sealed class TerraformPackageTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cortex-zip-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task TheSameFilesZipToTheSameBytesWhateverTheirTimesAndCreationOrder()
    {
        var first = Path.Combine(_directory, "first");
        var second = Path.Combine(_directory, "second");
        Write(first, ["b.dll", "a.json", "run.sh", "sub/c.txt"], new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc));
        Write(second, ["sub/c.txt", "run.sh", "a.json", "b.dll"], new DateTime(2026, 11, 29, 17, 3, 0, DateTimeKind.Utc));

        var firstZip = await ZipAsync(first);
        var secondZip = await ZipAsync(second);

        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(firstZip, TestContext.Current.CancellationToken)), SHA256.HashData(await File.ReadAllBytesAsync(secondZip, TestContext.Current.CancellationToken)));
        using var archive = await ZipFile.OpenReadAsync(firstZip, TestContext.Current.CancellationToken);
        Assert.Equal(["a.json", "b.dll", "run.sh", "sub/c.txt"], archive.Entries.Select(entry => entry.FullName));
        Assert.All(archive.Entries, entry => Assert.Equal(new DateTime(1980, 1, 1), entry.LastWriteTime.DateTime));
        Assert.Equal(Convert.ToInt32("100755", 8), archive.Entries.Single(entry => entry.Name == "run.sh").ExternalAttributes >>> 16);
        Assert.Equal(Convert.ToInt32("100644", 8), archive.Entries.Single(entry => entry.Name == "b.dll").ExternalAttributes >>> 16);
    }

    [Fact]
    public void TheHandlerStartsTheAppFromTheTaskRoot()
    {
        var runSh = File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "lambda", "run.sh"));

        Assert.Contains("exec dotnet \"$LAMBDA_TASK_ROOT/Cortex.Api.dll\" \"$@\"", runSh, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePackageIsZippedReproduciblyAndItsArchitectureChecked()
    {
        var script = File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "package.sh"));

        Assert.Contains("\"$here/lambda/zip.sh\" \"$publish\" \"$zip_path\"", script, StringComparison.Ordinal);
        Assert.Contains(".runtimeTarget.name", script, StringComparison.Ordinal);
        Assert.Contains("od -An -t u2 -j 18 -N 2", script, StringComparison.Ordinal);
        Assert.Contains("{\"architecture\":\"%s\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePackageRunsWithWorkstationGarbageCollection()
    {
        var script = File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "package.sh"));

        Assert.Contains("-p:ServerGarbageCollection=false", script, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static void Write(string directory, string[] names, DateTime time)
    {
        foreach (var name in names)
        {
            var path = Path.Combine(directory, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"content of {name}");
            File.SetLastWriteTimeUtc(path, time);
            time = time.AddMinutes(7);
        }
    }

    private static async Task<string> ZipAsync(string directory)
    {
        var zip = directory + ".zip";
        var start = new ProcessStartInfo(Path.Combine(TerraformModule.ModuleDirectory, "lambda", "zip.sh"))
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(directory);
        start.ArgumentList.Add(zip);
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"zip.sh failed: {error}");
        return zip;
    }
}
