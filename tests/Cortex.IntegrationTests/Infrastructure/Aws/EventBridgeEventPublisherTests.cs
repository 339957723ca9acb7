using System.Text.Json;
using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Ports;
using Cortex.DevTools.AwsLocal;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cortex.IntegrationTests.Infrastructure.Aws;

public sealed class EventBridgeEventPublisherTests : IClassFixture<AwsResources>
{
    private readonly AwsResources _aws;

    public EventBridgeEventPublisherTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
    }

    [Fact]
    public async Task PublishedEventArrivesInTheQueueAsTheDetailOfAnEventBridgeEvent()
    {
        var (publisher, _) = CreatePublisher();
        var e = TestEvents.Create(source: "host a/ü", data: """{"load":87.50,"cores":[1,2]}""");

        var outcomes = (await publisher.PublishAsync([e], TestContext.Current.CancellationToken)).Outcomes;
        var messages = await _aws.ReceiveAsync(1);

        var outcome = Assert.Single(outcomes);
        Assert.Equal(PublishStatus.Accepted, outcome.Status);
        var body = JsonDocument.Parse(Assert.Single(messages).Body).RootElement;
        Assert.Equal(outcome.MessageId, body.GetProperty("id").GetString());
        Assert.Equal("cpu_usage", body.GetProperty("detail-type").GetString());
        Assert.Equal(EventBridgeSource.For("cortex.producer.", "host a/ü"), body.GetProperty("source").GetString());
        Assert.StartsWith("cortex.producer.host_a/", body.GetProperty("source").GetString(), StringComparison.Ordinal);
        var detail = EventJson.FromElement(Assert.Single(body.GetProperty("detail").GetProperty("events").EnumerateArray()));
        Assert.Equal(e.EventId, detail.EventId);
        Assert.Equal("host a/ü", detail.Source);
        Assert.Equal(e.Timestamp, detail.Timestamp);
        Assert.Equal(e.TraceParent, detail.TraceParent);
        Assert.Equal(e.ExpiresAt, detail.ExpiresAt);
    }

    [Fact]
    public async Task TwentyFiveEventsOfOneHourGoOutAsOnePackInOneCallAndArriveAsOneMessage()
    {
        var (publisher, calls) = CreatePublisher();
        var events = Enumerable.Range(0, 25).Select(i => TestEvents.Create(source: $"chunk-{i}")).ToList();

        var outcomes = (await publisher.PublishAsync(events, TestContext.Current.CancellationToken)).Outcomes;
        var messages = await _aws.ReceiveAsync(1);

        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Accepted, o.Status));
        Assert.Single(outcomes.Select(o => o.MessageId).Distinct());
        Assert.Single(calls);
        var body = JsonDocument.Parse(Assert.Single(messages).Body).RootElement;
        Assert.Equal(outcomes[0].MessageId, body.GetProperty("id").GetString());
        Assert.Equal("cortex.producer.mixed", body.GetProperty("source").GetString());
        Assert.Equal(
            events.Select(e => e.EventIdText),
            body.GetProperty("detail").GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event_id").GetString()));
    }

    [Fact]
    public async Task EventsOfThreeHoursArriveAsThreeMessages()
    {
        var (publisher, _) = CreatePublisher();
        var events = Enumerable.Range(0, 9).Select(i => TestEvents.Create(timestamp: TestEvents.BaseTime.AddHours(i % 3))).ToList();

        var outcomes = (await publisher.PublishAsync(events, TestContext.Current.CancellationToken)).Outcomes;
        var messages = await _aws.ReceiveAsync(3);

        Assert.Equal(3, outcomes.Select(o => o.MessageId).Distinct().Count());
        Assert.Equal(3, messages.Count);
        Assert.All(messages, m => Assert.Equal(3, JsonDocument.Parse(m.Body).RootElement.GetProperty("detail").GetProperty("events").GetArrayLength()));
    }

    [Fact]
    public async Task BusCheckIsHealthyForTheProvisionedBus()
    {
        using var client = CreateClient(_aws.Options);
        var check = new EventBusHealthCheck(client, Options.Create(_aws.Options));

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task BusCheckFailsReadinessWhenTheBusIsMissing()
    {
        var options = _aws.Options;
        options.EventBusName = "cortex-missing-bus-" + Guid.NewGuid().ToString("N")[..8];
        using var client = CreateClient(options);
        var check = new EventBusHealthCheck(client, Options.Create(options));

        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    private (EventBridgeEventPublisher Publisher, List<string> Calls) CreatePublisher()
    {
        var calls = new List<string>();
        var client = CreateClient(_aws.Options, calls);
        return (new EventBridgeEventPublisher(client, Options.Create(_aws.Options), NullLogger<EventBridgeEventPublisher>.Instance), calls);
    }

    private EventBridgeClient CreateClient(AwsOptions options, List<string>? calls = null)
    {
        var aws = AwsLocalServices.EmulatorOptions(_aws.Emulator.Endpoint);
        var transport = new RecordingHandler(calls ?? []) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false } };
        var handler = EventBridgeClient.CreateHandler(aws.Credentials, aws.Region, transport, options, TimeProvider.System);
        return new EventBridgeClient(handler, EventBridgeClient.ResolveEndpoint(aws), TimeProvider.System, options);
    }

    /// <summary>Records the X-Amz-Target of each call that reaches the wire.</summary>
    private sealed class RecordingHandler(List<string> calls) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (calls)
            {
                calls.Add(string.Join(",", request.Headers.GetValues("X-Amz-Target")));
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
