using System.IO.Compression;
using System.Text.Json;
using Cortex.LoadTest;

namespace Cortex.Tests.LoadTest;

public sealed class EventFactoryTests
{
    [Fact]
    public void SingleBodyIsOneEventInTheReadmeShape()
    {
        var body = new EventFactory(7).CreateBody(0, DateTimeOffset.UtcNow);

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.StartsWith("server-web-", root.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Contains(root.GetProperty("event_type").GetString(), Cortex.Api.Events.EventContract.EventTypes);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("data").ValueKind);
    }

    [Fact]
    public void BatchBodyHoldsTheRequestedNumberOfVariedEvents()
    {
        var body = new EventFactory(7).CreateBody(100, DateTimeOffset.UtcNow);

        using var document = JsonDocument.Parse(body);
        var items = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(100, items.Count);
        Assert.True(items.Select(e => e.GetProperty("data").GetRawText()).Distinct().Count() > 50);
        Assert.True(items.Select(e => e.GetProperty("event_type").GetString()).Distinct().Count() > 3);
    }

    [Fact]
    public void GzipPoolDecompressesToTheJsonItMeasured()
    {
        var pool = new EventFactory(7).CreatePool(3, 10, gzip: true, DateTimeOffset.UtcNow);

        foreach (var body in pool)
        {
            using var input = new GZipStream(new MemoryStream(body.Content), CompressionMode.Decompress);
            using var json = new MemoryStream();
            input.CopyTo(json);
            Assert.Equal(body.JsonBytes, json.Length);
            Assert.Equal(10, body.Events);
            Assert.Equal(10, JsonDocument.Parse(json.ToArray()).RootElement.GetArrayLength());
        }
    }
}
