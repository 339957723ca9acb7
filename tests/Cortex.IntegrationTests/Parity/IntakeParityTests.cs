using System.Globalization;
using System.Net;
using System.Text.Json;
using Cortex.Api.Intake.Otlp.Proto;
using Google.Protobuf;
using static Cortex.Tests.Api;

namespace Cortex.IntegrationTests.Parity;

/// <summary>
/// The agent endpoints (collectd write_http, OTLP/HTTP) in both modes: the same answers, and in Aws
/// mode the mapped events arrive through the bus, the queue and the poller with the same content
/// (the ids are name-based, so even the event_id is the same in both modes).
/// </summary>
public sealed class IntakeParityTests : IClassFixture<ParityApps>
{
    private static readonly string[] Generated = ["ingested_at", "request_id", "ttl", "next_cursor"];

    private readonly ParityApps _apps;

    public IntakeParityTests(ParityApps apps)
    {
        apps.Resources.Emulator.EnsureAvailable();
        _apps = apps;
    }

    [Fact]
    public async Task ACollectdBodyWithARejectedRecordAnswersTheSame200AndStoresTheSameEventInBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-collectd");
        var host = Unique("parity-collectd");
        var time = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
        var body = $$$"""
            [{"values":[87.5,null],"dstypes":["gauge","gauge"],"dsnames":["value","unknown"],"time":{{{time}}},"interval":10.000,
              "host":"{{{host}}}","plugin":"cpu","plugin_instance":"","type":"percent","type_instance":"user"},
             {"values":[1],"dstypes":["gauge"],"dsnames":["value"],"time":{{{time}}},"host":"{{{new string('h', 257)}}}","plugin":"memory"}]
            """;

        var fromEmbedded = await embedded.PostAsync("/intake/collectd", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/intake/collectd", Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.OK, fromAws.StatusCode);
        Assert.Equal(1, (await ReadJsonAsync(fromAws)).GetProperty("rejected").GetInt32());
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
        var (listEmbedded, listAws) = await ListWhenStoredAsync(embedded, aws, host);
        await ParityApps.AssertSameAsync(listEmbedded, listAws, Generated);
    }

    [Fact]
    public async Task ACollectdBodyWhereNothingCanBeStoredAnswersTheSame422InBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-collectd");
        var body = """[{"values":[1],"dstypes":["gauge"],"dsnames":["value"],"time":1000,"host":"old","plugin":"cpu"}]""";

        var fromEmbedded = await embedded.PostAsync("/intake/collectd", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/intake/collectd", Json(body), Cancellation);

        await AssertProblemAsync(fromAws, HttpStatusCode.UnprocessableEntity, "timestamp");
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Fact]
    public async Task AnOtlpJsonExportWithARejectedRecordAnswersTheSamePartialSuccessAndStoresTheSameEventInBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-otlp");
        var host = Unique("parity-otlp");
        var nanos = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L).ToString(CultureInfo.InvariantCulture);
        var body = $$$"""
            {"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"{{{host}}}"}}]},
              "scopeLogs":[{"logRecords":[
                {"timeUnixNano":"{{{nanos}}}","severityNumber":13,"body":{"stringValue":"queue is long"},"traceId":"5b8efff798038103d269b633813fc60c"},
                {"timeUnixNano":"1000","body":{"stringValue":"far too old"}}]}]}]}
            """;

        var fromEmbedded = await embedded.PostAsync("/v1/logs", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/v1/logs", Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.OK, fromAws.StatusCode);
        Assert.Equal("1", (await ReadJsonAsync(fromAws)).GetProperty("partialSuccess").GetProperty("rejectedLogRecords").GetString());
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
        var (listEmbedded, listAws) = await ListWhenStoredAsync(embedded, aws, host);
        await ParityApps.AssertSameAsync(listEmbedded, listAws, Generated);
    }

    [Fact]
    public async Task AnOtlpProtobufMetricsExportAnswersTheSameBytesInBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-otlp");
        var host = Unique("parity-metrics");
        var request = new ExportMetricsServiceRequest
        {
            ResourceMetrics =
            {
                new ResourceMetrics
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "host.name", Value = new AnyValue { StringValue = host } } } },
                    ScopeMetrics =
                    {
                        new ScopeMetrics
                        {
                            Metrics =
                            {
                                new Metric { Name = "system.memory.usage", Unit = "By", Gauge = new Gauge { DataPoints = { new NumberDataPoint { AsInt = 1024 } } } },
                                new Metric { Name = "rpc.latency", Summary = new Summary { DataPoints = { new SummaryDataPoint() } } },
                            },
                        },
                    },
                },
            },
        };

        var fromEmbedded = await embedded.PostAsync("/v1/metrics", Protobuf(request.ToByteArray()), Cancellation);
        var fromAws = await aws.PostAsync("/v1/metrics", Protobuf(request.ToByteArray()), Cancellation);

        Assert.Equal(HttpStatusCode.OK, fromAws.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromEmbedded.StatusCode);
        var awsAnswer = await fromAws.Content.ReadAsByteArrayAsync(Cancellation);
        Assert.Equal(1, ExportMetricsServiceResponse.Parser.ParseFrom(awsAnswer).PartialSuccess.RejectedDataPoints);
        Assert.Equal(await fromEmbedded.Content.ReadAsByteArrayAsync(Cancellation), awsAnswer);
    }

    [Fact]
    public async Task ATruncatedProtobufBodyAnswersTheSame400InBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-otlp");
        var request = new ExportLogsServiceRequest
        {
            ResourceLogs = { new ResourceLogs { ScopeLogs = { new ScopeLogs { LogRecords = { new LogRecord { Body = new AnyValue { StringValue = "cut short" } } } } } } },
        };
        var truncated = request.ToByteArray()[..^2];

        var fromEmbedded = await embedded.PostAsync("/v1/logs", Protobuf(truncated), Cancellation);
        var fromAws = await aws.PostAsync("/v1/logs", Protobuf(truncated), Cancellation);

        await AssertProblemAsync(fromAws, HttpStatusCode.BadRequest, "protobuf");
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    /// <summary>Lists <paramref name="source"/> in both modes once Aws mode has stored it (through bus, queue and poller).</summary>
    private static async Task<(HttpResponseMessage Embedded, HttpResponseMessage Aws)> ListWhenStoredAsync(HttpClient embedded, HttpClient aws, string source)
    {
        var path = $"/events?source={Uri.EscapeDataString(source)}";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        HttpResponseMessage fromAws;
        while (true)
        {
            fromAws = await aws.GetAsync(path, Cancellation);
            var items = (await ReadJsonAsync(fromAws)).GetProperty("items");
            if (items.GetArrayLength() > 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200, Cancellation);
        }

        var fromEmbedded = await embedded.GetAsync(path, Cancellation);
        Assert.Equal(1, (await ReadJsonAsync(fromEmbedded)).GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Array, (await ReadJsonAsync(fromAws)).GetProperty("items").ValueKind);
        return (fromEmbedded, fromAws);
    }
}
