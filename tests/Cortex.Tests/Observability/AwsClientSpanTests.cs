using System.Diagnostics;
using System.Net;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Observability;
using Cortex.Tests.Consumer;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Cortex.Tests.Observability;

/// <summary>The explicit client spans around AWS calls (CortexDiagnostics.StartAwsClientSpan), on failure and success.</summary>
public sealed class AwsClientSpanTests : IDisposable
{
    private readonly Activity _test = new Activity(nameof(AwsClientSpanTests)).SetIdFormat(ActivityIdFormat.W3C).Start();
    private readonly List<Activity> _spans = [];
    private readonly ActivityListener _listener;

    public AwsClientSpanTests()
    {
        var traceId = _test.TraceId;
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == CortexDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.TraceId == traceId)
                {
                    lock (_spans)
                    {
                        _spans.Add(a);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task AnEventBridgeErrorAnswerMarksThePutEventsSpanAsFailed()
    {
        using var client = new EventBridgeClient(
            new AnswerHandler(HttpStatusCode.BadRequest, """{"__type":"ValidationException","message":"bad"}"""),
            new Uri("http://127.0.0.1:1/"), new FakeTimeProvider(), new AwsOptions());

        await Assert.ThrowsAnyAsync<Exception>(() => client.CallAsync("PutEvents", "{}"u8.ToArray(), DateTimeOffset.MaxValue, TestContext.Current.CancellationToken));

        var span = Assert.Single(_spans);
        Assert.Equal("EventBridge PutEvents", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(_test.SpanId, span.ParentSpanId);
        Assert.Equal("aws-api", span.GetTagItem("rpc.system"));
        Assert.Equal("EventBridge", span.GetTagItem("rpc.service"));
        Assert.Equal("PutEvents", span.GetTagItem("rpc.method"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Contains(span.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task AFailedPutItemMarksItsSpanAsFailedButADuplicateDoesNot()
    {
        var dynamo = Substitute.For<IAmazonDynamoDB>();
        var failing = ConsumerTestData.NewEvent();
        var duplicate = ConsumerTestData.NewEvent();
        dynamo.PutItemAsync(Arg.Is<PutItemRequest>(r => r.Item["event_id"].S == failing.EventIdText), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ProvisionedThroughputExceededException("slow down"));
        dynamo.PutItemAsync(Arg.Is<PutItemRequest>(r => r.Item["event_id"].S == duplicate.EventIdText), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ConditionalCheckFailedException("exists"));
        var store = new DynamoDbTelemetryStore(dynamo, Options.Create(new AwsOptions { TableName = "events" }), TimeProvider.System);

        await Assert.ThrowsAsync<ProvisionedThroughputExceededException>(() => store.SaveAsync([failing], TestContext.Current.CancellationToken));
        await store.SaveAsync([duplicate], TestContext.Current.CancellationToken);

        Assert.Equal(2, _spans.Count);
        Assert.All(_spans, s => Assert.Equal("DynamoDB PutItem", s.DisplayName));
        Assert.All(_spans, s => Assert.Equal("dynamodb", s.GetTagItem("db.system")));
        Assert.Equal(ActivityStatusCode.Error, _spans[0].Status);
        Assert.NotEqual(ActivityStatusCode.Error, _spans[1].Status);
        Assert.Equal("duplicate", _spans[1].GetTagItem("cortex.outcome"));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _test.Stop();
    }

    private sealed class AnswerHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") });
    }
}
