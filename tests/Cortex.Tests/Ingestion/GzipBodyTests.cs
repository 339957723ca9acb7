using System.IO.Compression;
using System.Net;
using System.Text;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Ingestion;

[Collection(SharedApplicationCollection.Name)]
public sealed class GzipBodyTests(CortexApplicationFixture fixture)
{
    private readonly CortexApplication _app = fixture.App;

    public static TheoryData<string, string> Truncations => new()
    {
        { "/events", "no-trailer" },
        { "/events", "no-final-block" },
        { "/events", "half-trailer" },
        { "/events/batch", "no-trailer" },
        { "/events/batch", "no-final-block" },
        { "/events/batch", "half-trailer" },
    };

    [Theory]
    [MemberData(nameof(Truncations))]
    public async Task ATruncatedGzipBodyIsRefusedWith400AndStoresNothing(string path, string truncation)
    {
        var client = _app.CreateClient("agent-gzip-truncated");
        var source = Unique("gzip-truncated");
        var body = path == "/events" ? Event(source) : $"[{Event(source)}]";

        var response = await client.PostAsync(path, Truncated(body, truncation), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "gzip");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task ACompleteGzipBodyFollowedByGarbageIsRefused()
    {
        var client = _app.CreateClient("agent-gzip-truncated");
        var source = Unique("gzip-trailing");
        var compressed = Compress(Event(source));

        var response = await client.PostAsync("/events", GzipContent([.. compressed, .. "junk"u8.ToArray()]), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "gzip");
        Assert.Equal(0, _app.CountStored(source));
    }

    private static ByteArrayContent Truncated(string body, string truncation)
    {
        var bytes = truncation switch
        {
            // Everything but the CRC-32 and ISIZE trailer.
            "no-trailer" => Compress(body)[..^8],
            "half-trailer" => Compress(body)[..^4],

            // A deflate stream that was flushed but never finished: no block has BFINAL set.
            "no-final-block" => Unfinished(body),
            _ => throw new ArgumentOutOfRangeException(nameof(truncation)),
        };
        return GzipContent(bytes);
    }

    private static ByteArrayContent GzipContent(byte[] bytes)
    {
        var content = JsonBytes(bytes);
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    private static byte[] Compress(string body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(body));
        }

        return output.ToArray();
    }

    private static byte[] Unfinished(string body)
    {
        using var output = new MemoryStream();
        using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        gzip.Write(Encoding.UTF8.GetBytes(body));
        gzip.Flush();

        // A sync flush ends with an empty stored block (00 00 FF FF); disposing would add the final block.
        var bytes = output.ToArray();
        Assert.Equal(new byte[] { 0x00, 0x00, 0xFF, 0xFF }, bytes[^4..]);
        return bytes;
    }
}
