using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.SQS;
using Cortex.Api.Consumer;
using Cortex.Api.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Serilog.Core;
using Serilog.Events;

namespace Cortex.IntegrationTests.Observability;

/// <summary>
/// One trace from the client's request to the stored item in Aws mode: POST /events (server) ->
/// EventBridge PutEvents (client); the consumer span continues it from the event's traceparent ->
/// DynamoDB PutItem (client). The consumer's log lines carry the same trace id.
/// </summary>
public sealed class TraceTests : IClassFixture<AwsResources>, IDisposable
{
    private readonly AwsResources _aws;
    private readonly List<Activity> _spans = [];
    private readonly CapturingSink _logs = new();
    private readonly WebApplicationFactory<Program> _app;

    public TraceTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws).WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Cortex:Observability:Tracing", "true");
            builder.UseSetting("Serilog:MinimumLevel:Default", "Debug");
            builder.ConfigureTestServices(services =>
            {
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
                services.AddSingleton<ILogEventSink>(_logs);
            });
        });
    }

    [Fact]
    public async Task OneTraceRunsFromThePostThroughTheBusAndTheConsumerToTheTable()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpanId = ActivitySpanId.CreateRandom();
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenIssuer.Create(
            new AuthOptions { SigningKey = AwsCortexApplication.SigningKey, Issuer = "cortex", Audience = "cortex-api" },
            "agent-traced", [Scopes.Write], TimeSpan.FromMinutes(5)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events")
        {
            Content = new StringContent("""{"source":"trace-test","event_type":"cpu_usage","data":{"cpu":12.5}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpanId}-01");

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var eventId = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("event_id").GetString();
        var stored = await ConsumeUntilStoredAsync(traceId);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(stored, "the consumer did not store the event within 60 s");
        var trace = Spans(traceId);
        var post = Assert.Single(trace, s => s.Kind == ActivityKind.Server && s.DisplayName.StartsWith("POST", StringComparison.Ordinal));
        var putEvents = Assert.Single(trace, s => s.DisplayName == "EventBridge PutEvents");
        var consume = Assert.Single(trace, s => s.Kind == ActivityKind.Consumer);
        var putItem = Assert.Single(trace, s => s.DisplayName == "DynamoDB PutItem");

        Assert.Equal(callerSpanId, post.ParentSpanId);
        Assert.Equal(post.SpanId, putEvents.ParentSpanId);
        Assert.Equal(ActivityKind.Client, putEvents.Kind);
        Assert.Equal("aws-api", putEvents.GetTagItem("rpc.system"));
        Assert.Equal("EventBridge", putEvents.GetTagItem("rpc.service"));
        Assert.Equal("PutEvents", putEvents.GetTagItem("rpc.method"));

        // The event's traceparent is the accepting request's span: the consumer continues it.
        Assert.Equal(post.SpanId, consume.ParentSpanId);
        Assert.Equal(eventId, consume.GetTagItem("cortex.event_id"));
        Assert.Equal(consume.SpanId, putItem.ParentSpanId);
        Assert.Equal(ActivityKind.Client, putItem.Kind);
        Assert.Equal("dynamodb", putItem.GetTagItem("db.system"));
        Assert.Equal("PutItem", putItem.GetTagItem("rpc.method"));
        Assert.All([post, putEvents, consume, putItem], s => Assert.NotEqual(ActivityStatusCode.Error, s.Status));

        var consumerLog = Assert.Single(_logs.Events, e =>
            e.Properties.TryGetValue("SourceContext", out var context) && context.ToString().Contains(nameof(SqsBatchHandler), StringComparison.Ordinal)
            && e.Properties.TryGetValue("EventId", out var id) && id.ToString().Trim('"') == eventId);
        Assert.Equal(traceId, consumerLog.TraceId);
        Assert.Equal(consume.SpanId, consumerLog.SpanId);
    }

    [Fact]
    public async Task ThePollerRecordsClientSpansForReceiveMessageAndDeleteMessageBatch()
    {
        await _aws.Sqs.SendMessageAsync(_aws.QueueUrl, "not an EventBridge event", TestContext.Current.CancellationToken);
        var poller = CreatePoller();

        // The exporter sees every Cortex span in the test process, including other tests' pollers:
        // poll under a parent of this test's own, and look only at that trace.
        var traceId = ActivityTraceId.CreateRandom();
        using (var parent = new Activity("poll-under-test").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            await poller.PollOnceAsync(TestContext.Current.CancellationToken);
        }

        var receive = Assert.Single(Spans(traceId), s => s.DisplayName == "SQS ReceiveMessage");
        Assert.Equal(ActivityKind.Client, receive.Kind);
        Assert.Equal("aws-api", receive.GetTagItem("rpc.system"));
        Assert.Equal("SQS", receive.GetTagItem("rpc.service"));
        Assert.Equal("ReceiveMessage", receive.GetTagItem("rpc.method"));
        Assert.DoesNotContain(Spans(traceId), s => s.DisplayName == "SQS DeleteMessageBatch"); // a malformed message is not deleted
    }

    public void Dispose() => _app.Dispose();

    private async Task<bool> ConsumeUntilStoredAsync(ActivityTraceId traceId)
    {
        var poller = CreatePoller();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await poller.PollOnceAsync(TestContext.Current.CancellationToken);
            if (Spans(traceId).Any(s => s.DisplayName == "DynamoDB PutItem"))
            {
                return true;
            }
        }

        return false;
    }

    private SqsQueuePoller CreatePoller() =>
        ActivatorUtilities.CreateInstance<SqsQueuePoller>(
            _app.Services,
            _app.Services.GetRequiredService<IAmazonSQS>(),
            Options.Create(new SqsPollerOptions { Enabled = true, QueueUrl = _aws.QueueUrl, WaitTimeSeconds = 1 }));

    private List<Activity> Snapshot()
    {
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    private List<Activity> Spans(ActivityTraceId traceId) => [.. Snapshot().Where(s => s.TraceId == traceId)];

    private sealed class CapturingSink : ILogEventSink
    {
        private readonly ConcurrentQueue<LogEvent> _events = new();

        public IReadOnlyList<LogEvent> Events => [.. _events];

        public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
    }
}
