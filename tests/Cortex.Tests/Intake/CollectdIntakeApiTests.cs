using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Intake;

[Collection(SharedApplicationCollection.Name)]
public sealed class CollectdIntakeApiTests(CortexApplicationFixture fixture)
{
    private readonly CortexApplication _app = fixture.App;

    public static TheoryData<string, string> PluginTypes => new()
    {
        { "cpu", "cpu_usage" },
        { "memory", "memory_usage" },
        { "disk", "disk_io" },
        { "interface", "network_throughput" },
        { "ping", "network_latency" },
        { "processes", "process_count" },
        { "uptime", "uptime" },
        { "load", "custom" },
    };

    [Theory]
    [MemberData(nameof(PluginTypes))]
    public async Task AValueListBecomesOneEventTypedByItsPluginWithItsHostTimeAndValues(string plugin, string eventType)
    {
        var client = _app.CreateClient("collectd-agent");
        var host = Unique("collectd-host");
        var time = DateTimeOffset.UtcNow.AddMinutes(-1);
        var body = $$"""
            [{"values":[87.5,12],"dstypes":["gauge","derive"],"dsnames":["value","other"],"time":{{Seconds(time)}},"interval":1.000,
              "host":"{{host}}","plugin":"{{plugin}}","plugin_instance":"0","type":"percent","type_instance":"user"}]
            """;

        var response = await client.PostAsync("/intake/collectd", Json(body), Cancellation);
        var answer = await ReadJsonAsync(response);
        var stored = await ListBySourceAsync(client, host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answer.GetProperty("accepted").GetInt32());
        var e = Assert.Single(stored.EnumerateArray());
        Assert.Equal(host, e.GetProperty("source").GetString());
        Assert.Equal(eventType, e.GetProperty("event_type").GetString());
        Assert.Equal("info", e.GetProperty("severity").GetString());
        Assert.Equal(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), e.GetProperty("timestamp").GetString());
        var data = e.GetProperty("data");
        Assert.Equal(plugin, data.GetProperty("plugin").GetString());
        Assert.Equal("0", data.GetProperty("plugin_instance").GetString());
        Assert.Equal("percent", data.GetProperty("type").GetString());
        Assert.Equal("user", data.GetProperty("type_instance").GetString());
        Assert.Equal("1.000", data.GetProperty("interval").GetRawText());
        Assert.Equal("""{"value":87.5,"other":12}""", data.GetProperty("values").GetRawText());
        Assert.Equal("""{"value":"gauge","other":"derive"}""", data.GetProperty("dstypes").GetRawText());
    }

    [Fact]
    public async Task AnUnknownValueIsDroppedFromValuesNotStoredAsText()
    {
        var client = _app.CreateClient("collectd-agent");
        var host = Unique("collectd-nan");
        var body = ValueList(host, "interface", values: "[null,42]", dsnames: """["rx","tx"]""", dstypes: """["derive","derive"]""");

        var response = await client.PostAsync("/intake/collectd", Json(body), Cancellation);
        var stored = await ListBySourceAsync(client, host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = Assert.Single(stored.EnumerateArray()).GetProperty("data");
        Assert.Equal("""{"tx":42}""", data.GetProperty("values").GetRawText());
        Assert.Equal("""{"rx":"derive","tx":"derive"}""", data.GetProperty("dstypes").GetRawText());
    }

    [Theory]
    [InlineData("FAILURE", "critical")]
    [InlineData("WARNING", "warning")]
    [InlineData("OKAY", "info")]
    [InlineData("failure", "critical")]
    public async Task ANotificationBecomesAHealthCheckWithItsSeverityAndMessage(string severity, string expected)
    {
        var client = _app.CreateClient("collectd-agent");
        var host = Unique("collectd-notify");
        var body = $$"""
            [{"time":{{Seconds(DateTimeOffset.UtcNow)}},"severity":"{{severity}}","message":"Host {{host}}, plugin df: disk almost full",
              "host":"{{host}}","plugin":"df","plugin_instance":"root","type":"percent_bytes","type_instance":"used"}]
            """;

        var response = await client.PostAsync("/intake/collectd", Json(body), Cancellation);
        var stored = await ListBySourceAsync(client, host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var e = Assert.Single(stored.EnumerateArray());
        Assert.Equal("health_check", e.GetProperty("event_type").GetString());
        Assert.Equal(expected, e.GetProperty("severity").GetString());
        Assert.Equal($"Host {host}, plugin df: disk almost full", e.GetProperty("data").GetProperty("message").GetString());
        Assert.Equal("df", e.GetProperty("data").GetProperty("plugin").GetString());
    }

    [Fact]
    public async Task ABodyWithSomeBadRecordsAnswers200StoresTheGoodOnesAndCountsTheRest()
    {
        var client = _app.CreateClient("collectd-agent");
        var host = Unique("collectd-mixed");
        var longHost = new string('h', 257);
        var body = "[" + string.Join(',',
            ValueList(host, "cpu")[1..^1],
            ValueList(longHost, "cpu")[1..^1],
            """{"values":[1],"dstypes":["gauge"],"dsnames":["value"],"host":"x","plugin":"cpu","time":"yesterday"}""",
            ValueList(host, "memory")[1..^1]) + "]";

        var response = await client.PostAsync("/intake/collectd", Json(body), Cancellation);
        var answer = await ReadJsonAsync(response);
        var stored = await ListBySourceAsync(client, host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, answer.GetProperty("records").GetInt32());
        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(2, answer.GetProperty("rejected").GetInt32());
        var reasons = answer.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray();
        Assert.Contains(reasons, r => r.StartsWith("record 1: source", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("record 2: time", StringComparison.Ordinal));
        Assert.Equal(["cpu_usage", "memory_usage"], stored.EnumerateArray().Select(e => e.GetProperty("event_type").GetString()).Order());
        Assert.Equal(0, _app.CountStored(longHost));
    }

    [Fact]
    public async Task ABodyWhereNothingCanBeStoredAnswers422()
    {
        var client = _app.CreateClient("collectd-agent");
        var marker = Unique("collectd-old");
        var body = ValueList(marker, "cpu", time: DateTimeOffset.UtcNow.AddDays(-8));

        var response = await client.PostAsync("/intake/collectd", Json(body), Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "timestamp");
        Assert.Equal(1, problem.GetProperty("rejected").GetInt32());
        Assert.Equal(0, _app.CountStored(marker));
    }

    [Fact]
    public async Task AValueListSentTwiceIsStoredOnce()
    {
        var client = _app.CreateClient("collectd-agent");
        var host = Unique("collectd-again");
        var body = ValueList(host, "cpu");

        var first = await client.PostAsync("/intake/collectd", Json(body), Cancellation);
        var second = await client.PostAsync("/intake/collectd", Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, (await ListBySourceAsync(client, host)).GetArrayLength());
    }

    [Theory]
    [InlineData("[{\"values\":[1],", "not valid JSON")]
    [InlineData("{\"values\":[1]}", "array")]
    public async Task AnUndecodableBodyAnswers400(string body, string detail)
    {
        var client = _app.CreateClient("collectd-agent");

        var response = await client.PostAsync("/intake/collectd", Json(body), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task DuplicateKeysAnswer400AndStoreNothing()
    {
        var client = _app.CreateClient("collectd-agent");
        var host = Unique("collectd-dup");
        var body = ValueList(host, "cpu").Replace("\"plugin\":\"cpu\"", "\"plugin\":\"cpu\",\"plugin\":\"memory\"", StringComparison.Ordinal);

        var response = await client.PostAsync("/intake/collectd", Json(body), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "duplicate");
        Assert.Equal(0, _app.CountStored(host));
    }

    [Fact]
    public async Task MoreThan10000RecordsAnswer413AndStoreNothing()
    {
        var client = _app.CreateClient("collectd-agent");
        var host = Unique("collectd-many");
        var record = ValueList(host, "cpu")[1..^1];
        var body = "[" + string.Join(',', Enumerable.Repeat(record, 10_001)) + "]";

        var response = await client.PostAsync("/intake/collectd", Json(body), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "10000");
        Assert.Equal(0, _app.CountStored(host));
    }

    [Fact]
    public async Task AGzipBombAnswers413()
    {
        var client = _app.CreateClient("collectd-agent");
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write("[ "u8);
            gzip.Write(new byte[6 * 1024 * 1024].Select(_ => (byte)' ').ToArray());
            gzip.Write("]"u8);
        }

        var content = JsonBytes(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");

        var response = await client.PostAsync("/intake/collectd", content, Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task AGzipBodyIsAccepted()
    {
        var client = _app.CreateClient("collectd-agent");
        var host = Unique("collectd-gzip");
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(ValueList(host, "cpu")));
        }

        var content = JsonBytes(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");

        var response = await client.PostAsync("/intake/collectd", content, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await ListBySourceAsync(client, host)).GetArrayLength());
    }

    [Fact]
    public async Task AWrongContentTypeAnswers415()
    {
        var client = _app.CreateClient("collectd-agent");

        var response = await client.PostAsync("/intake/collectd", new StringContent("[]", Encoding.UTF8, "text/plain"), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task ATokenWithoutEventsWriteIsRefused()
    {
        var reader = _app.CreateClient("collectd-reader", "events:read");
        var anonymous = _app.CreateClient();

        var forbidden = await reader.PostAsync("/intake/collectd", Json(ValueList("h", "cpu")), Cancellation);
        var unauthorized = await anonymous.PostAsync("/intake/collectd", Json(ValueList("h", "cpu")), Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    private static string Seconds(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);

    private static string ValueList(
        string host, string plugin, string values = "[87.5]", string dsnames = """["value"]""", string dstypes = """["gauge"]""", DateTimeOffset? time = null) =>
        $$"""
        [{"values":{{values}},"dstypes":{{dstypes}},"dsnames":{{dsnames}},"time":{{Seconds(time ?? DateTimeOffset.UtcNow)}},"interval":10.000,
          "host":{{JsonSerializer.Serialize(host)}},"plugin":"{{plugin}}","plugin_instance":"","type":"gauge","type_instance":""}]
        """;
}
