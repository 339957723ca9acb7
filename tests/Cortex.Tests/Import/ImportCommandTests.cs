using System.Text;
using System.Text.Json.Nodes;
using Cortex.Api.Import;
using static Cortex.Tests.Api;
using static Cortex.Tests.Import.ImportFiles;

namespace Cortex.Tests.Import;

/// <summary>`cortex import FILE` against the same file as POST /events/import, each on its own store.</summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly CortexApplication _endpointApp = new();
    private readonly CortexApplication _commandApp = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("cortex-import-").FullName;

    public void Dispose()
    {
        _endpointApp.Dispose();
        _commandApp.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheCommandAndTheEndpointGiveTheSameReportAndStoreTheSameEvents()
    {
        var source = Unique("import-parity");
        var content = Gzip(Encoding.UTF8.GetBytes(Ndjson(source, 120, [5, 61, 119])));
        var path = Path.Combine(_directory, "events.ndjson.gz");
        await File.WriteAllBytesAsync(path, content, Cancellation);

        var response = await _endpointApp.CreateClient("importer")
            .PostAsync("/events/import?name=events.ndjson.gz", Body(content, gzip: true), Cancellation);
        var endpointReport = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!;
        var output = new StringWriter();
        var exitCode = await ImportCommand.RunAsync(["import", path], _commandApp.Services, output);
        var commandReport = JsonNode.Parse(output.ToString())!;

        Assert.Equal(0, exitCode);
        Assert.Equal(117, commandReport["accepted"]!.GetValue<long>());
        Assert.Equal(Comparable(endpointReport), Comparable(commandReport));
        Assert.Equal(
            await StoredAsync(_endpointApp, source),
            await StoredAsync(_commandApp, source));
    }

    [Fact]
    public async Task TheCommandExitsNonZeroWithTheReportWhenTheFileIsRefused()
    {
        var path = Path.Combine(_directory, "notgzip.ndjson.gz");
        await File.WriteAllTextAsync(path, Event("x") + "\n", Cancellation);

        var output = new StringWriter();
        var exitCode = await ImportCommand.RunAsync(["import", path], _commandApp.Services, output);
        var report = JsonNode.Parse(output.ToString())!;

        Assert.Equal(1, exitCode);
        Assert.Equal("refused", report["status"]!.GetValue<string>());
        Assert.Contains("not gzip", report["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>The report without its clock readings.</summary>
    private static string Comparable(JsonNode report)
    {
        var copy = report.DeepClone().AsObject();
        copy.Remove("started_at");
        copy.Remove("finished_at");
        return copy.ToJsonString();
    }

    /// <summary>The stored events without the fields that name who imported them and when.</summary>
    private static async Task<string[]> StoredAsync(CortexApplication app, string source)
    {
        var items = await ListBySourceAsync(app.CreateClient("reader", "events:read"), source);
        return [.. items.EnumerateArray()
            .Select(item =>
            {
                var copy = JsonNode.Parse(item.GetRawText())!.AsObject();
                copy.Remove("ingested_at");
                copy.Remove("submitted_by");
                copy.Remove("source_ip");
                copy.Remove("traceparent");
                copy.Remove("ttl");
                return copy.ToJsonString();
            })
            .Order(StringComparer.Ordinal)];
    }
}
