using System.Net;
using System.Text;
using Cortex.Api.Import;
using static Cortex.Tests.Api;
using static Cortex.Tests.Import.ImportFiles;

namespace Cortex.Tests.Import;

public sealed class ImportApiTests : IDisposable
{
    private readonly CortexApplication _app = new(new Dictionary<string, string?> { ["Cortex:Import:MaxFileBytes"] = "1000000" });

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task AnNdjsonFileWithInvalidLinesStoresTheValidEventsAndNamesEachRejectedLine()
    {
        var source = Unique("import");
        var client = _app.CreateClient("importer");

        var response = await client.PostAsync("/events/import?name=backfill.ndjson", Body(Ndjson(source, 60, [3, 10, 44])), Cancellation);
        var report = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("completed", report.GetProperty("status").GetString());
        Assert.Equal("backfill.ndjson", report.GetProperty("file").GetProperty("name").GetString());
        Assert.Equal("ndjson", report.GetProperty("file").GetProperty("format").GetString());
        Assert.Equal(64, report.GetProperty("file").GetProperty("sha256").GetString()!.Length);
        Assert.Equal(60, report.GetProperty("lines_read").GetInt64());
        Assert.Equal(57, report.GetProperty("accepted").GetInt64());
        Assert.Equal(3, report.GetProperty("rejected").GetInt64());
        Assert.Equal(0, report.GetProperty("failed").GetInt64());
        Assert.Equal([3L, 10L, 44L], [.. report.GetProperty("rejections").EnumerateArray().Select(r => r.GetProperty("line").GetInt64())]);
        Assert.Contains("not valid JSON", report.GetProperty("rejections")[0].GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("source is required.", report.GetProperty("rejections")[1].GetProperty("errors").GetProperty("source")[0].GetString());
        Assert.Equal(57, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    [Fact]
    public async Task ImportingTheSameFileTwiceStoresNothingTheSecondTime()
    {
        var source = Unique("import-twice");
        var client = _app.CreateClient("importer");
        var file = Ndjson(source, 40, [7]);

        var first = await ReadJsonAsync(await client.PostAsync("/events/import", Body(file), Cancellation));
        var ids = (await ListBySourceAsync(client, source)).EnumerateArray().Select(e => e.GetProperty("event_id").GetString()).ToHashSet();
        var second = await ReadJsonAsync(await client.PostAsync("/events/import", Body(file), Cancellation));
        var idsAfter = (await ListBySourceAsync(client, source)).EnumerateArray().Select(e => e.GetProperty("event_id").GetString()).ToHashSet();

        Assert.Equal(39, first.GetProperty("accepted").GetInt64());
        Assert.Equal(39, second.GetProperty("accepted").GetInt64());
        Assert.Equal(first.GetProperty("request_id").GetString(), second.GetProperty("request_id").GetString());
        Assert.Equal(39, ids.Count);
        Assert.Equal(ids, idsAfter);
        Assert.Equal(39, _app.CountStored(source));
    }

    [Fact]
    public async Task AGzipEncodedJsonArrayIsImportedItemByItem()
    {
        var source = Unique("import-array");
        var client = _app.CreateClient("importer");
        var array = "[\n" + string.Join(",\n", Lines(source, 25)) + ",\n42\n]\n";

        var response = await client.PostAsync("/events/import", Body(Gzip(Encoding.UTF8.GetBytes(array)), "application/json", gzip: true), Cancellation);
        var report = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("json_array", report.GetProperty("file").GetProperty("format").GetString());
        Assert.Equal("gzip", report.GetProperty("file").GetProperty("compression").GetString());
        Assert.Equal(Encoding.UTF8.GetByteCount(array), report.GetProperty("file").GetProperty("uncompressed_bytes").GetInt64());
        Assert.Equal(25, report.GetProperty("accepted").GetInt64());
        Assert.Equal(26, report.GetProperty("rejections")[0].GetProperty("line").GetInt64());
        Assert.Equal(25, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    [Fact]
    public async Task AClientEventIdKeepsTheFirstWriteWhenAFileCarriesItAgain()
    {
        var source = Unique("import-first-write");
        var client = _app.CreateClient("importer");
        var eventId = Guid.CreateVersion7().ToString();
        await PostAcceptedAsync(client, Event(source, $"\"event_id\":\"{eventId}\"", data: """{"written":"first"}"""));
        var line = Event(source, $"\"event_id\":\"{eventId}\"", data: """{"written":"by the file"}""");

        var report = await ReadJsonAsync(await client.PostAsync("/events/import", Body(line + "\n"), Cancellation));
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal(1, report.GetProperty("accepted").GetInt64());
        Assert.Equal("first", stored.GetProperty("data").GetProperty("written").GetString());
    }

    [Fact]
    public async Task ALineLongerThanTheLargestEventIsRejectedAloneAndTheNextLineIsRead()
    {
        var source = Unique("import-long");
        var client = _app.CreateClient("importer");
        var lines = Lines(source, 3).ToArray();
        var longLine = Event(source, data: $$"""{"padding":"{{new string('x', 300 * 1024)}}"}""");
        var file = $"{lines[0]}\n{longLine}\n{lines[1]}\n\n{lines[2]}";

        var report = await ReadJsonAsync(await client.PostAsync("/events/import", Body(file), Cancellation));

        Assert.Equal(5, report.GetProperty("lines_read").GetInt64());
        Assert.Equal(3, report.GetProperty("accepted").GetInt64());
        Assert.Equal(2, report.GetProperty("rejections")[0].GetProperty("line").GetInt64());
        Assert.Contains("longer than", report.GetProperty("rejections")[0].GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[], bool, HttpStatusCode, string> RefusedFiles => new()
    {
        { "empty", [], false, HttpStatusCode.UnprocessableEntity, "empty" },
        { "blank lines only", Encoding.UTF8.GetBytes("\n \n\n"), false, HttpStatusCode.UnprocessableEntity, "empty" },
        { "declared gzip, not gzip", Encoding.UTF8.GetBytes(Event("x") + "\n"), true, HttpStatusCode.UnprocessableEntity, "not gzip" },
        { "binary", [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00], false, HttpStatusCode.UnprocessableEntity, "binary" },
        { "neither NDJSON nor array", Encoding.UTF8.GetBytes("source,event_type\nweb,cpu_usage\n"), false, HttpStatusCode.UnprocessableEntity, "neither NDJSON nor a JSON array" },
        { "over the limit", new byte[1_000_001], false, HttpStatusCode.RequestEntityTooLarge, "import limit" },
    };

    [Theory]
    [MemberData(nameof(RefusedFiles))]
    public async Task AFileThatCannotBeImportedIsRefusedWithAReportAndNothingStored(string name, byte[] content, bool gzip, HttpStatusCode status, string reason)
    {
        var client = _app.CreateClient("importer");

        var response = await client.PostAsync($"/events/import?name={Uri.EscapeDataString(name)}", Body(content, gzip: gzip), Cancellation);
        var problem = await AssertProblemAsync(response, status, reason);

        Assert.Equal("refused", problem.GetProperty("report").GetProperty("status").GetString());
        Assert.Equal(name, problem.GetProperty("report").GetProperty("file").GetProperty("name").GetString());
        Assert.Equal(0, problem.GetProperty("report").GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task TruncatedGzipIsRefusedBeforeAnyOfItIsStored()
    {
        var source = Unique("import-truncated");
        var client = _app.CreateClient("importer");
        var gzip = Gzip(Encoding.UTF8.GetBytes(Ndjson(source, 200)));

        var response = await client.PostAsync("/events/import", Body(gzip[..(gzip.Length * 2 / 3)], gzip: true), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "gzip");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task AJsonArrayThatBreaksHalfwayIsRefusedBeforeAnyOfItIsStored()
    {
        var source = Unique("import-broken-array");
        var client = _app.CreateClient("importer");
        var array = "[" + string.Join(",", Lines(source, 30)) + ",{\"source\": oops}]";

        var response = await client.PostAsync("/events/import", Body(array, "application/json"), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "not a valid JSON array");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task AnythingButNdjsonOrJsonIsUnsupportedMediaType()
    {
        var client = _app.CreateClient("importer");

        var response = await client.PostAsync("/events/import", Body(Event("x"), "text/csv"), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task ImportNeedsTheWriteScope()
    {
        var client = _app.CreateClient("reader", "events:read");

        var response = await client.PostAsync("/events/import", Body(Event("x") + "\n"), Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TheReportNamesAtMostTheFirstHundredRejectedLinesAndCountsThemAll()
    {
        var client = _app.CreateClient("importer");
        var file = string.Concat(Enumerable.Range(1, 250).Select(i => i % 2 == 0 ? "not json\n" : "{\"source\":\"\"}\n"));

        var report = await ReadJsonAsync(await client.PostAsync("/events/import", Body(file), Cancellation));

        Assert.Equal(250, report.GetProperty("rejected").GetInt64());
        Assert.Equal(ImportOptions.RejectionsShown, report.GetProperty("rejections").GetArrayLength());
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), report.GetProperty("rejections").EnumerateArray().Select(r => r.GetProperty("line").GetInt64()));
    }
}
