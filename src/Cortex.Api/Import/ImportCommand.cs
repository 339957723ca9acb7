using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Cortex.Api.Import;

/// <summary>
/// `cortex import FILE` (`dotnet run --project src/Cortex.Api -- import FILE`): imports a local
/// file with the app's own configuration and prints the report, the one POST /events/import gives.
/// A progress bar goes to stderr when stderr is a terminal.
/// </summary>
public static class ImportCommand
{
    public static bool IsInvoked(string[] args) => args.Length > 0 && args[0] == "import";

    public static async Task<int> RunAsync(string[] args, IServiceProvider services, TextWriter output)
    {
        var importer = services.GetRequiredService<EventImporter>();
        var file = new Argument<FileInfo>("file") { Description = "The NDJSON or JSON-array file to import (.gz for gzip)." };
        var name = new Option<string?>("--name") { Description = "The name the report gives the file (default: the file name)." };
        var reportPath = new Option<FileInfo?>("--report") { Description = "Also write the report to this file (stdout carries the log lines too)." };
        var root = new RootCommand("Import a file of events and print its report.") { file, name, reportPath };
        root.SetAction(async (parse, token) =>
        {
            var path = parse.GetValue(file)!.FullName;
            if (!File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"No such file: {path}");
                return 2;
            }

            var source = ImportSource.ForFile(path, $"cli:{Environment.UserName}");
            if (parse.GetValue(name) is { Length: > 0 } given)
            {
                source = new ImportSource
                {
                    Identity = new ImportFileIdentity { Name = given },
                    OpenAsync = source.OpenAsync,
                    Compression = source.Compression,
                    HashContent = true,
                    SubmittedBy = source.SubmittedBy,
                };
            }

            var bar = Console.IsErrorRedirected ? null : new ProgressBar(new FileInfo(path).Length);
            var report = await importer.ImportAsync(source, new ImportRun { Progress = bar }, token);
            if (bar is not null)
            {
                ProgressBar.Finish();
            }
            var json = JsonSerializer.Serialize(report, ImportReport.Json);
            await output.WriteLineAsync(json);
            if (parse.GetValue(reportPath) is { } reportFile)
            {
                await File.WriteAllTextAsync(reportFile.FullName, json, token);
            }

            return report.Status == ImportReport.CompletedStatus && report.Failed == 0 ? 0 : 1;
        });

        return await root.Parse(args[1..]).InvokeAsync();
    }

    /// <summary>One redrawn stderr line: a bar over the file's bytes and the report's counts.</summary>
    private sealed class ProgressBar(long totalBytes) : IProgress<ImportProgress>
    {
        private const int Width = 30;

        public void Report(ImportProgress value)
        {
            var fraction = totalBytes == 0 ? 1 : Math.Clamp((double)value.RawBytesRead / totalBytes, 0, 1);
            var filled = (int)(fraction * Width);
            var r = value.Report;
            Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {fraction:P0} lines {r.LinesRead:N0} accepted {r.Accepted:N0} rejected {r.Rejected:N0} failed {r.Failed:N0}  "));
        }

        public static void Finish() => Console.Error.WriteLine();
    }
}
