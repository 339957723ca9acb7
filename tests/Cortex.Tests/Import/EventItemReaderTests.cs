using System.Text;
using Cortex.Api.Import;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Import;

public sealed class EventItemReaderTests
{
    [Fact]
    public async Task NdjsonLinesAreNumberedLikeAnEditorDoesWithBlankLinesCountedAndSkipped()
    {
        var items = await ReadAllAsync(ImportFormats.Ndjson, "{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}", maxItemBytes: 1024);

        Assert.Equal([(1L, "{\"a\":1}"), (4L, "{\"b\":2}"), (5L, "{\"c\":3}")], items.Items);
        Assert.Equal(5, items.Lines);
        Assert.Null(items.FileProblem);
    }

    [Fact]
    public async Task AnNdjsonLineOverTheLimitIsAProblemOfItsOwnAndReadingGoesOn()
    {
        var longLine = "{\"x\":\"" + new string('y', 200) + "\"}";

        var items = await ReadAllAsync(ImportFormats.Ndjson, $"{{\"a\":1}}\n{longLine}\n{{\"b\":2}}\n{longLine}", maxItemBytes: 100);

        Assert.Equal([(1L, "{\"a\":1}"), (2L, "problem"), (3L, "{\"b\":2}"), (4L, "problem")], items.Items);
    }

    [Fact]
    public async Task JsonArrayItemsAreFoundAcrossReadsOfAnySize()
    {
        var items = await ReadAllAsync(ImportFormats.JsonArray, " [ {\"a\":[1,{\"b\":\"]\"}]} , 42,\n\"s\" ,{ } ] \n", maxItemBytes: 1024);

        Assert.Equal([(1L, "{\"a\":[1,{\"b\":\"]\"}]}"), (2L, "42"), (3L, "\"s\""), (4L, "{ }")], items.Items);
        Assert.Null(items.FileProblem);
    }

    [Theory]
    [InlineData("[{\"a\":1},{\"b\":", "breaks after item 1")]
    [InlineData("[{\"a\":1}] {}", "content after")]
    [InlineData("[{\"a\":1},,{}]", "breaks after item 1")]
    public async Task ABrokenJsonArrayStopsTheReadWithAFileProblem(string content, string problem)
    {
        var items = await ReadAllAsync(ImportFormats.JsonArray, content, maxItemBytes: 1024);

        Assert.Contains(problem, items.FileProblem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJsonArrayItemOverTheLimitIsAFileProblem()
    {
        var items = await ReadAllAsync(ImportFormats.JsonArray, "[{\"x\":\"" + new string('y', 300_000) + "\"}]", maxItemBytes: 1024);

        Assert.Contains("larger than 1024 bytes", items.FileProblem, StringComparison.Ordinal);
    }

    private static async Task<(List<(long, string)> Items, long Lines, string? FileProblem)> ReadAllAsync(string format, string content, int maxItemBytes)
    {
        var reader = EventItemReader.Create(format, new TrickleStream(Encoding.UTF8.GetBytes(content)), maxItemBytes);
        var items = new List<(long, string)>();
        while (await reader.ReadAsync(Cancellation))
        {
            items.Add((reader.Line, reader.Problem is null ? Encoding.UTF8.GetString(reader.Item.Span) : "problem"));
        }

        return (items, reader.Line, reader.FileProblem);
    }

    /// <summary>Gives its bytes a few at a time, so every item is split across reads somewhere.</summary>
    private sealed class TrickleStream(byte[] content) : MemoryStream(content)
    {
        private int _next;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _next = (_next % 3) + 1;
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, _next)], cancellationToken);
        }
    }
}
