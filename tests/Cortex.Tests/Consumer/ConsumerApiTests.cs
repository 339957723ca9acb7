using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.SQS;
using Cortex.Api.Consumer;
using Cortex.Api.Ports;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Cortex.Tests.Consumer.ConsumerTestData;

namespace Cortex.Tests.Consumer;

/// <summary>The app in Lambda mode with an in-memory store; events whose source starts with "fail-" make the store throw.</summary>
public sealed class LambdaApplicationFixture : IDisposable
{
    public const string FailingSourcePrefix = "fail-";

    private readonly CortexApplication _application = new(new Dictionary<string, string?> { ["Cortex:Lambda:Enabled"] = "true" });

    public LambdaApplicationFixture()
    {
        Store.OnSave = (e, _) => e.Source.StartsWith(FailingSourcePrefix, StringComparison.Ordinal)
            ? throw new StoreUnavailableException()
            : Task.CompletedTask;
        App = _application.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<ITelemetryStore>(Store)));
    }

    public InMemoryTelemetryStore Store { get; } = new();

    public WebApplicationFactory<Program> App { get; }

    public void Dispose() => _application.Dispose();
}

public sealed class ConsumerApiTests(LambdaApplicationFixture fixture) : IClassFixture<LambdaApplicationFixture>
{
    private const string Path = "/internal/lambda-events";

    private const string ApiGatewayContext =
        """{"resourceId":"abc123","resourcePath":"/events","httpMethod":"POST","requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","stage":"prod","identity":{"sourceIp":"203.0.113.7"}}""";

    private readonly InMemoryTelemetryStore _store = fixture.Store;
    private readonly HttpClient _client = fixture.App.CreateClient();

    [Fact]
    public async Task TheEndpointIsNotMappedWhenLambdaIsDisabled()
    {
        using var app = new CortexApplication();
        var client = app.CreateClient();

        var response = await SendAsync(client, LambdaSqsEvents.Create([Record(NewEvent())], QueueArn));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(app.Services.GetService<IAmazonSQS>());
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), s => s is SqsQueuePoller);
    }

    [Fact]
    public async Task ARequestWithoutTheRequestContextHeaderIsRefused()
    {
        var e = NewEvent();

        var response = await SendAsync(_client, LambdaSqsEvents.Create([Record(e)], QueueArn), requestContext: null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(e.EventId, _store.Calls);
    }

    [Theory]
    [InlineData(ApiGatewayContext)]
    [InlineData("{}")]
    [InlineData("")]
    [InlineData("nullx")]
    public async Task ARequestThatCameThroughApiGatewayIsRefused(string requestContext)
    {
        var e = NewEvent();

        var response = await SendAsync(_client, LambdaSqsEvents.Create([Record(e)], QueueArn), requestContext);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(e.EventId, _store.Calls);
    }

    [Fact]
    public async Task ABatchThatIsStoredEntirelyAnswersAnEmptyFailureList()
    {
        var events = new[] { NewEvent(), NewEvent(), NewEvent() };

        var response = await SendAsync(_client, LambdaSqsEvents.Create(events.Select(e => Record(e)), QueueArn));

        Assert.Empty(await FailuresAsync(response));
        Assert.All(events, e => Assert.True(_store.Events.ContainsKey(e.EventId)));
    }

    [Fact]
    public async Task APartiallyFailedBatchReportsOnlyTheFailedMessages()
    {
        var throttled = Record(NewEvent(source: LambdaApplicationFixture.FailingSourcePrefix + "partial"));
        var malformed = Record("{\"detail\":{\"source\":\"x\"}}");
        var stored = NewEvent();

        var response = await SendAsync(_client, LambdaSqsEvents.Create([Record(stored), throttled, malformed], QueueArn));

        Assert.Equal([throttled.MessageId, malformed.MessageId], await FailuresAsync(response));
        Assert.True(_store.Events.ContainsKey(stored.EventId));
    }

    [Fact]
    public async Task AStoreThatThrowsForEverythingFailsEveryMessage()
    {
        var records = Enumerable.Range(0, 4)
            .Select(i => Record(NewEvent(source: LambdaApplicationFixture.FailingSourcePrefix + "all")))
            .ToArray();

        var response = await SendAsync(_client, LambdaSqsEvents.Create(records, QueueArn));

        Assert.Equal(records.Select(r => r.MessageId), await FailuresAsync(response));
    }

    [Fact]
    public async Task AFifoSourceIsHandledInOrderAndStopsAtTheFirstFailure()
    {
        var first = NewEvent();
        var throttled = Record(NewEvent(source: LambdaApplicationFixture.FailingSourcePrefix + "fifo"));
        var after = NewEvent();
        var afterRecord = Record(after);

        var response = await SendAsync(_client, LambdaSqsEvents.Create([Record(first), throttled, afterRecord], FifoQueueArn));

        Assert.Equal([throttled.MessageId, afterRecord.MessageId], await FailuresAsync(response));
        Assert.True(_store.Events.ContainsKey(first.EventId));
        Assert.DoesNotContain(after.EventId, _store.Calls);
    }

    [Fact]
    public async Task AnInvocationWhoseDeadlineHasPassedFailsEveryMessageWithoutStoringAny()
    {
        var events = new[] { NewEvent(), NewEvent() };
        var deadline = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds();
        var body = LambdaSqsEvents.Create(events.Select(e => Record(e)), QueueArn);

        var response = await SendAsync(_client, body, lambdaContext: $$"""{"request_id":"r-1","deadline":{{deadline}},"invoked_function_arn":"arn:aws:lambda:us-east-1:123456789012:function:cortex-api"}""");

        Assert.Equal(2, (await FailuresAsync(response)).Count);
        Assert.All(events, e => Assert.DoesNotContain(e.EventId, _store.Calls));
    }

    [Fact]
    public async Task AnInvocationWithTimeLeftIsStoredNormally()
    {
        var e = NewEvent();
        var deadline = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();

        var response = await SendAsync(_client, LambdaSqsEvents.Create([Record(e)], QueueArn), lambdaContext: $$"""{"deadline":{{deadline}}}""");

        Assert.Empty(await FailuresAsync(response));
        Assert.True(_store.Events.ContainsKey(e.EventId));
    }

    [Fact]
    public async Task AnUnparseableBodyReportsEveryMessageIdItCanFindAndTheWholeBatch()
    {
        var body = """{"Records":[{"messageId":"11111111-aaaa-4bbb-8ccc-000000000001","body":"x"},{"messageId":"11111111-aaaa-4bbb-8ccc-000000000002","body":""" + "\u0001";

        var response = await SendAsync(_client, body);

        var failures = await FailuresAsync(response);
        Assert.Contains("11111111-aaaa-4bbb-8ccc-000000000001", failures);
        Assert.Contains("11111111-aaaa-4bbb-8ccc-000000000002", failures);
        Assert.Contains(LambdaSqsEvent.WholeBatchFailed, failures);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json at all")]
    [InlineData("{\"foo\":1}")]
    [InlineData("[]")]
    [InlineData("{\"Records\":{}}")]
    [InlineData("{\"Records\":[{\"body\":\"no id\"}]}")]
    [InlineData("{\"Records\":[{\"EventSource\":\"aws:sns\",\"Sns\":{\"MessageId\":\"m-1\"}}]}")]
    public async Task ABodyThatIsNotAnSqsEventFailsTheWholeBatch(string body)
    {
        var response = await SendAsync(_client, body);

        Assert.Contains(LambdaSqsEvent.WholeBatchFailed, await FailuresAsync(response));
    }

    [Fact]
    public async Task AnEmptyRecordListAnswersAnEmptyFailureList()
    {
        var response = await SendAsync(_client, """{"Records":[]}""");

        Assert.Empty(await FailuresAsync(response));
    }

    [Fact]
    public void TheEndpointIsAnonymousAndExemptFromRateLimiting()
    {
        var endpoint = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == Path);

        Assert.NotNull(endpoint.Metadata.GetMetadata<IAllowAnonymous>());
        Assert.NotNull(endpoint.Metadata.GetMetadata<DisableRateLimitingAttribute>());
    }

    [Fact]
    public async Task AnEmbeddedAppStoresTheBatchInSqliteWhereTheQueryApiReadsIt()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Lambda:Enabled"] = "true" });
        var e = NewEvent(source: "consumer-sqlite");

        var response = await SendAsync(app.CreateClient(), LambdaSqsEvents.Create([Record(e)], QueueArn));
        var again = await SendAsync(app.CreateClient(), LambdaSqsEvents.Create([Record(e, receiveCount: 2)], QueueArn));
        var read = await app.CreateClient("reader").GetStringAsync($"/events/{e.EventIdText}", TestContext.Current.CancellationToken);

        Assert.Empty(await FailuresAsync(response));
        Assert.Empty(await FailuresAsync(again));
        Assert.Contains("\"data\":{\"cpu_percent\":87.5,\"load_avg_1m\":2.30}", read, StringComparison.Ordinal);
        Assert.Contains($"\"request_id\":\"{e.RequestId}\"", read, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHandlerFailingAsAWholeReportsEveryMessageAsFailed()
    {
        var clock = new FailingClock();
        using var application = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Lambda:Enabled"] = "true" });
        using var app = application.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)));
        var client = app.CreateClient();
        var records = new[] { Record(NewEvent()), Record(NewEvent()) };
        clock.Fail = true;

        var response = await SendAsync(client, LambdaSqsEvents.Create(records, QueueArn), lambdaContext: """{"deadline":4102444800000}""");

        Assert.Equal(records.Select(r => r.MessageId), await FailuresAsync(response));
    }

    [Theory]
    [InlineData("/events")]
    [InlineData("/events/batch")]
    [InlineData("/health")]
    [InlineData("internal")]
    public void APassThroughPathThatCollidesWithAPublicRouteStopsTheAppFromStarting(string path)
    {
        using var app = new CortexApplication(new Dictionary<string, string?>
        {
            ["Cortex:Lambda:Enabled"] = "true",
            ["Cortex:Lambda:PassThroughPath"] = path,
        });

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("PassThroughPath", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void ThePassThroughPathIsConfigurable()
    {
        using var app = new CortexApplication(new Dictionary<string, string?>
        {
            ["Cortex:Lambda:Enabled"] = "true",
            ["Cortex:Lambda:PassThroughPath"] = "/lwa/sqs",
        });
        _ = app.CreateClient();

        var patterns = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText);

        Assert.Contains("/lwa/sqs", patterns);
        Assert.DoesNotContain(Path, patterns);
    }

    internal static async Task<HttpResponseMessage> SendAsync(
        HttpClient client, string body, string? requestContext = "null", string? lambdaContext = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (requestContext is not null)
        {
            request.Headers.TryAddWithoutValidation(Cortex.Api.Hosting.ClientAddress.RequestContextHeader, requestContext);
        }

        if (lambdaContext is not null)
        {
            request.Headers.TryAddWithoutValidation(ConsumerApi.LambdaContextHeader, lambdaContext);
        }

        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Checks what Lambda needs (200, JSON, a batchItemFailures array) and returns the identifiers.</summary>
    internal static async Task<List<string>> FailuresAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var failures = document.RootElement.GetProperty("batchItemFailures");
        Assert.Equal(JsonValueKind.Array, failures.ValueKind);
        return [.. failures.EnumerateArray().Select(f => f.GetProperty("itemIdentifier").GetString()!)];
    }

    private static string Flatten(Exception error)
    {
        var messages = new StringBuilder();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.AppendLine(e.Message);
        }

        return messages.ToString();
    }
}
