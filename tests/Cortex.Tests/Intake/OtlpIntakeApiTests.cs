using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Cortex.Api.Intake.Otlp.Proto;
using Google.Protobuf;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Intake;

[Collection(SharedApplicationCollection.Name)]
public sealed class OtlpIntakeApiTests(CortexApplicationFixture fixture)
{
    private readonly CortexApplication _app = fixture.App;

    public static TheoryData<int, string> SeverityNumbers => new()
    {
        { 0, "info" }, { 9, "info" }, { 12, "info" }, { 13, "warning" }, { 16, "warning" }, { 17, "critical" }, { 24, "critical" },
    };

    public static TheoryData<string, string> MetricNames => new()
    {
        { "system.cpu.utilization", "cpu_usage" },
        { "system.memory.usage", "memory_usage" },
        { "system.disk.io", "disk_io" },
        { "system.network.io", "network_throughput" },
        { "system.processes.count", "process_count" },
        { "system.uptime", "uptime" },
        { "system.uptime.total", "custom" },
        { "http.server.duration", "custom" },
    };

    [Theory]
    [MemberData(nameof(SeverityNumbers))]
    public async Task ALogRecordsSeverityNumberMapsToASeverity(int severityNumber, string severity)
    {
        var host = Unique("otlp-severity");
        var record = Log("disk almost full");
        record.SeverityNumber = (SeverityNumber)severityNumber;

        var stored = await PostLogsAndListAsync(Resource(("host.name", host)), host, record);

        Assert.Equal(severity, Assert.Single(stored).GetProperty("severity").GetString());
    }

    [Fact]
    public async Task ALogRecordMapsSourceHostRegionTypeTimeAndDataFromTheRecordAndItsResource()
    {
        var host = Unique("otlp-log");
        var time = DateTimeOffset.UtcNow.AddSeconds(-30);
        var record = Log("disk almost full", ("cortex.event_type", "health_check"), ("disk", "sda"));
        record.TimeUnixNano = Nanos(time);
        record.SeverityText = "WARN";
        record.TraceId = ByteString.CopyFrom(Convert.FromHexString("5b8efff798038103d269b633813fc60c"));
        record.SpanId = ByteString.CopyFrom(Convert.FromHexString("eee19b7ec3c1b174"));

        var e = Assert.Single(await PostLogsAndListAsync(Resource(("host.name", host), ("service.name", "billing"), ("cloud.region", "eu-west-1")), host, record));

        Assert.Equal(host, e.GetProperty("source").GetString());
        Assert.Equal(host, e.GetProperty("hostname").GetString());
        Assert.Equal("eu-west-1", e.GetProperty("region").GetString());
        Assert.Equal("health_check", e.GetProperty("event_type").GetString());
        Assert.Equal(Millis(time), e.GetProperty("timestamp").GetString());
        var data = e.GetProperty("data");
        Assert.Equal("disk almost full", data.GetProperty("body").GetString());
        Assert.Equal("sda", data.GetProperty("attributes").GetProperty("disk").GetString());
        Assert.Equal("billing", data.GetProperty("resource").GetProperty("service.name").GetString());
        Assert.Equal("WARN", data.GetProperty("severity_text").GetString());
        Assert.Equal("5b8efff798038103d269b633813fc60c", data.GetProperty("trace_id").GetString());
        Assert.Equal("eee19b7ec3c1b174", data.GetProperty("span_id").GetString());
    }

    [Fact]
    public async Task WithoutHostNameTheSourceIsServiceNameAndWithoutEitherItIsOtlp()
    {
        var service = Unique("otlp-service");
        var marker = Unique("otlp-anonymous");

        var byService = await PostLogsAndListAsync(Resource(("service.name", service)), service, Log("hello"));
        var response = await PostAsync("/v1/logs", Protobuf(Logs(Resource(("deployment", marker)), Log("hello"))));
        var anonymous = await ListAsync($"/events?source=otlp&limit=1000");

        Assert.False(Assert.Single(byService).TryGetProperty("hostname", out _));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(anonymous, e => e.GetProperty("data").GetProperty("resource").GetProperty("deployment").GetString() == marker);
    }

    [Theory]
    [InlineData("cpu_usage", "cpu_usage")]
    [InlineData("CPU_USAGE", "custom")]
    [InlineData("not-a-type", "custom")]
    public async Task TheEventTypeAttributeIsUsedOnlyWhenItIsOneOfTheNineTypes(string attribute, string eventType)
    {
        var host = Unique("otlp-type");

        var stored = await PostLogsAndListAsync(Resource(("host.name", host)), host, Log("x", ("cortex.event_type", attribute)));

        Assert.Equal(eventType, Assert.Single(stored).GetProperty("event_type").GetString());
    }

    [Fact]
    public async Task WithoutTimeUnixNanoTheObservedTimeIsUsedAndWithoutEitherTheServersClock()
    {
        var host = Unique("otlp-time");
        var observed = DateTimeOffset.UtcNow.AddMinutes(-2);
        var withObserved = Log("observed");
        withObserved.ObservedTimeUnixNano = Nanos(observed);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var stored = await PostLogsAndListAsync(Resource(("host.name", host)), host, withObserved, Log("now"));

        Assert.Equal(Millis(observed), stored.Single(e => e.GetProperty("data").GetProperty("body").GetString() == "observed").GetProperty("timestamp").GetString());
        var now = DateTimeOffset.Parse(stored.Single(e => e.GetProperty("data").GetProperty("body").GetString() == "now").GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(now, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Theory]
    [MemberData(nameof(MetricNames))]
    public async Task AMetricsEventTypeFollowsItsName(string name, string eventType)
    {
        var host = Unique("otlp-metric-type");
        var metric = new Metric { Name = name, Unit = "1", Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsDouble = 0.25, TimeUnixNano = Nanos(DateTimeOffset.UtcNow) } } } };

        var stored = await PostMetricsAndListAsync(host, metric);

        Assert.Equal(eventType, Assert.Single(stored).GetProperty("event_type").GetString());
    }

    [Fact]
    public async Task GaugeSumAndHistogramPointsBecomeEventsAndOtherKindsAreRejectedAndCounted()
    {
        var host = Unique("otlp-metrics");
        var time = DateTimeOffset.UtcNow.AddSeconds(-10);
        var point = new NumberDataPoint { AsDouble = 0.75, TimeUnixNano = Nanos(time), Attributes = { Attribute("cpu", "0") } };
        var request = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    Resource = Resource(("host.name", host), ("cloud.region", "us-east-1")),
                    ScopeMetrics =
                    {
                        new ScopeMetrics
                        {
                            Metrics =
                            {
                                new Metric { Name = "system.cpu.utilization", Unit = "1", Gauge = new Gauge { DataPoints = { point } } },
                                new Metric { Name = "system.network.io", Unit = "By", Sum = new Sum { DataPoints = { new NumberDataPoint { AsInt = 1234567890123, TimeUnixNano = Nanos(time) } } } },
                                new Metric
                                {
                                    Name = "http.server.duration", Unit = "ms",
                                    Histogram = new Histogram { DataPoints = { new HistogramDataPoint { Count = 3, Sum = 12.5, BucketCounts = { 1, 2, 0 }, ExplicitBounds = { 5, 10 }, TimeUnixNano = Nanos(time) } } },
                                },
                                new Metric { Name = "rpc.latency", Summary = new Summary { DataPoints = { new SummaryDataPoint(), new SummaryDataPoint() } } },
                            },
                        },
                    },
                },
            },
        };

        var response = await PostAsync("/v1/metrics", Protobuf(request));
        var answer = ExportMetricsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(Cancellation));
        var stored = await ListAsync($"/events?source={host}&limit=1000");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(2, answer.PartialSuccess.RejectedDataPoints);
        Assert.Contains("rpc.latency", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(3, stored.Length);
        var cpu = stored.Single(e => e.GetProperty("event_type").GetString() == "cpu_usage");
        Assert.Equal(host, cpu.GetProperty("hostname").GetString());
        Assert.Equal("us-east-1", cpu.GetProperty("region").GetString());
        Assert.Equal(Millis(time), cpu.GetProperty("timestamp").GetString());
        Assert.Equal("""{"metric":"system.cpu.utilization","unit":"1","value":0.75,"attributes":{"cpu":"0"}}""", cpu.GetProperty("data").GetRawText());
        var network = stored.Single(e => e.GetProperty("event_type").GetString() == "network_throughput");
        Assert.Equal("1234567890123", network.GetProperty("data").GetProperty("value").GetRawText());
        var histogram = stored.Single(e => e.GetProperty("event_type").GetString() == "custom").GetProperty("data");
        Assert.Equal("""{"metric":"http.server.duration","unit":"ms","count":3,"sum":12.5,"bucket_counts":[1,2,0],"explicit_bounds":[5,10],"attributes":{}}""", histogram.GetRawText());
    }

    [Fact]
    public async Task AnOtelCollectorJsonBodyIsReadWithHexIdsAndStringIntegersAndAnsweredInJson()
    {
        var host = Unique("otlp-json");
        var nanos = Nanos(DateTimeOffset.UtcNow.AddSeconds(-5));
        var body = $$$"""
            {"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"{{{host}}}"}},{"key":"cloud.region","value":{"stringValue":"eu-central-1"}}]},
              "scopeLogs":[{"scope":{"name":"filelog"},"logRecords":[
                {"timeUnixNano":"{{{nanos}}}","observedTimeUnixNano":"{{{nanos}}}","severityNumber":17,"severityText":"ERROR",
                 "body":{"stringValue":"kernel: out of memory"},
                 "attributes":[{"key":"cortex.event_type","value":{"stringValue":"memory_usage"}},{"key":"pid","value":{"intValue":"4242"}},{"key":"ok","value":{"boolValue":false}}],
                 "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","futureField":1},
                {"timeUnixNano":"{{{nanos}}}","body":{"stringValue":"from a host too long"}}]}]},
              {"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"{{{new string('h', 257)}}}"}}]},
               "scopeLogs":[{"logRecords":[{"body":{"stringValue":"rejected"}}]}]}]}
            """;

        var response = await PostAsync("/v1/logs", Json(body));
        var answer = await ReadJsonAsync(response);
        var stored = await ListAsync($"/events?source={host}&limit=1000");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1", answer.GetProperty("partialSuccess").GetProperty("rejectedLogRecords").GetString());
        Assert.Contains("source", answer.GetProperty("partialSuccess").GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, stored.Length);
        var e = stored.Single(s => s.GetProperty("event_type").GetString() == "memory_usage");
        Assert.Equal("critical", e.GetProperty("severity").GetString());
        Assert.Equal("eu-central-1", e.GetProperty("region").GetString());
        var data = e.GetProperty("data");
        Assert.Equal("5b8efff798038103d269b633813fc60c", data.GetProperty("trace_id").GetString());
        Assert.Equal("eee19b7ec3c1b174", data.GetProperty("span_id").GetString());
        Assert.Equal("4242", data.GetProperty("attributes").GetProperty("pid").GetRawText());
        Assert.Equal(0, _app.CountStored(new string('h', 257)));
    }

    [Fact]
    public async Task AFullyAcceptedJsonExportIsAnsweredWithAnEmptyResponse()
    {
        var host = Unique("otlp-json-ok");
        var body = $$$"""{"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"{{{host}}}"}}]},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"}}]}]}]}""";

        var response = await PostAsync("/v1/logs", Json(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty((await ReadJsonAsync(response)).EnumerateObject());
    }

    [Theory]
    [InlineData("malformed")]
    [InlineData("truncated")]
    public async Task AnUndecodableProtobufBodyAnswers400AndStoresNothing(string kind)
    {
        var host = Unique("otlp-bad");
        var bytes = Logs(Resource(("host.name", host)), Log("one"), Log("two")).ToByteArray();
        var body = kind == "truncated" ? bytes[..^3] : [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01];

        var response = await PostAsync("/v1/logs", Api.Protobuf(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "protobuf");
        Assert.Equal(0, _app.CountStored(host));
    }

    [Fact]
    public async Task DuplicateJsonKeysAnswer400()
    {
        var response = await PostAsync("/v1/logs", Json("""{"resourceLogs":[],"resourceLogs":[]}"""));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "duplicate");
    }

    [Fact]
    public async Task AWrongContentTypeAnswers415()
    {
        var response = await PostAsync("/v1/metrics", new StringContent("{}", Encoding.UTF8, "text/plain"));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task MoreThan10000RecordsAnswer413AndStoreNothing()
    {
        var host = Unique("otlp-many");
        var records = Enumerable.Range(0, 10_001).Select(i => Log("r")).ToArray();

        var response = await PostAsync("/v1/logs", Protobuf(Logs(Resource(("host.name", host)), records)));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "10000");
        Assert.Equal(0, _app.CountStored(host));
    }

    [Fact]
    public async Task AGzipBombAnswers413()
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[6 * 1024 * 1024]);
        }

        var content = Api.Protobuf(compressed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");

        var response = await PostAsync("/v1/logs", content);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task ATokenWithoutEventsWriteIsRefused()
    {
        var reader = _app.CreateClient("otlp-reader", "events:read");

        var response = await reader.PostAsync("/v1/logs", Protobuf(Logs(Resource(), Log("x"))), Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TheSameExportSentTwiceIsStoredOnce()
    {
        var host = Unique("otlp-retry");
        var record = Log("retried");
        record.TimeUnixNano = Nanos(DateTimeOffset.UtcNow);
        var request = Logs(Resource(("host.name", host)), record);

        await PostAsync("/v1/logs", Protobuf(request));
        await PostAsync("/v1/logs", Protobuf(request));

        Assert.Single(await ListAsync($"/events?source={host}&limit=1000"));
    }

    internal static ulong Nanos(DateTimeOffset time) => (ulong)time.ToUnixTimeMilliseconds() * 1_000_000 + 123_456;

    private static string Millis(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds()).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static Resource Resource(params (string Key, string Value)[] attributes)
    {
        var resource = new Resource();
        resource.Attributes.AddRange(attributes.Select(a => Attribute(a.Key, a.Value)));
        return resource;
    }

    private static LogRecord Log(string body, params (string Key, string Value)[] attributes)
    {
        var record = new LogRecord { Body = new AnyValue { StringValue = body } };
        record.Attributes.AddRange(attributes.Select(a => Attribute(a.Key, a.Value)));
        return record;
    }

    private static ExportLogsServiceRequest Logs(Resource resource, params LogRecord[] records) => new()
    {
        ResourceLogs = { new ResourceLogs { Resource = resource, ScopeLogs = { new ScopeLogs { LogRecords = { records } } } } },
    };

    private static ByteArrayContent Protobuf(IMessage message) => Api.Protobuf(message.ToByteArray());

    private async Task<HttpResponseMessage> PostAsync(string path, HttpContent content) =>
        await _app.CreateClient("otlp-agent", "events:write").PostAsync(path, content, Cancellation);

    private async Task<JsonElement[]> ListAsync(string pathAndQuery)
    {
        var response = await _app.CreateClient("otlp-reader", "events:read").GetAsync(pathAndQuery, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ReadJsonAsync(response)).GetProperty("items").EnumerateArray().ToArray();
    }

    private async Task<JsonElement[]> PostLogsAndListAsync(Resource resource, string source, params LogRecord[] records)
    {
        var response = await PostAsync("/v1/logs", Protobuf(Logs(resource, records)));
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(Cancellation));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(answer.PartialSuccess);
        return await ListAsync($"/events?source={Uri.EscapeDataString(source)}&limit=1000");
    }

    private async Task<JsonElement[]> PostMetricsAndListAsync(string host, Metric metric)
    {
        var request = new ExportMetricsServiceRequest
        {
            ResourceMetrics = { new ResourceMetrics { Resource = Resource(("host.name", host)), ScopeMetrics = { new ScopeMetrics { Metrics = { metric } } } } },
        };
        var response = await PostAsync("/v1/metrics", Protobuf(request));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ListAsync($"/events?source={Uri.EscapeDataString(host)}&limit=1000");
    }
}
