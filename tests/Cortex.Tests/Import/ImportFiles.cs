using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Cortex.Tests.Import;

/// <summary>Files of events for the import tests, and the requests that send them.</summary>
internal static class ImportFiles
{
    /// <summary>
    /// An NDJSON file of <paramref name="lines"/> events of <paramref name="source"/>, all an hour
    /// old (the same time on every call within that hour), with <paramref name="invalid"/> line
    /// numbers replaced by lines that fail in different ways.
    /// </summary>
    public static string Ndjson(string source, int lines, IReadOnlyCollection<int>? invalid = null, DateTimeOffset? at = null)
    {
        var text = new StringBuilder();
        foreach (var line in Lines(source, lines, invalid, at))
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    public static IEnumerable<string> Lines(string source, int lines, IReadOnlyCollection<int>? invalid = null, DateTimeOffset? at = null)
    {
        var time = (at ?? DateTimeOffset.UtcNow.AddHours(-1)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        for (var line = 1; line <= lines; line++)
        {
            if (invalid?.Contains(line) == true)
            {
                yield return (line % 3) switch
                {
                    0 => "this is not json",
                    1 => $$"""{"event_type":"cpu_usage","data":{},"timestamp":"{{time}}"}""",
                    _ => $$"""{"source":{{JsonSerializer.Serialize(source)}},"event_type":"cpu_usage","data":{"n":1},"timestamp":"{{time}}",""",
                };
                continue;
            }

            yield return $$"""{"source":{{JsonSerializer.Serialize(source)}},"event_type":"cpu_usage","severity":"info","data":{"line":{{line}},"cpu_percent":87.5},"timestamp":"{{time}}"}""";
        }
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    public static ByteArrayContent Body(byte[] content, string mediaType = "application/x-ndjson", bool gzip = false)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        if (gzip)
        {
            body.Headers.ContentEncoding.Add("gzip");
        }

        return body;
    }

    public static ByteArrayContent Body(string content, string mediaType = "application/x-ndjson") => Body(Encoding.UTF8.GetBytes(content), mediaType);
}
