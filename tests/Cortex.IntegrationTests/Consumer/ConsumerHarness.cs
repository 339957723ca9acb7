using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.SQS.Model;
using Cortex.Api.Consumer;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Ports;
using Cortex.Tests.Consumer;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.IntegrationTests.Consumer;

/// <summary>
/// Drives the consumer entry points against the emulator: plays the Lambda service for the
/// pass-through endpoint, and builds app variants with the poller or the endpoint switched on.
/// </summary>
internal static class ConsumerHarness
{
    public const string PassThroughPath = "/internal/lambda-events";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>The Aws-mode app with the pass-through endpoint mapped, and optionally a store wrapped around DynamoDB.</summary>
    public static WebApplicationFactory<Program> WithLambda(
        this AwsCortexApplication app, Func<ITelemetryStore, ITelemetryStore>? decorate = null) =>
        app.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Cortex:Lambda:Enabled", "true");
            Decorate(builder, decorate);
        });

    /// <summary>The Aws-mode app with the in-process poller running on short long-polls.</summary>
    public static WebApplicationFactory<Program> WithPoller(
        this AwsCortexApplication app, Func<ITelemetryStore, ITelemetryStore>? decorate = null, int visibilityTimeoutSeconds = 180) =>
        app.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Cortex:Aws:Poller:Enabled", "true");
            builder.UseSetting("Cortex:Aws:Poller:WaitTimeSeconds", "1");
            builder.UseSetting("Cortex:Aws:Poller:VisibilityTimeoutSeconds", visibilityTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Cortex:Aws:Poller:InitialBackoff", "00:00:00.200");
            builder.UseSetting("Cortex:Aws:Poller:MaxBackoff", "00:00:01");
            Decorate(builder, decorate);
        });

    /// <summary>A client with a token, for a factory made by WithWebHostBuilder.</summary>
    public static HttpClient CreateAuthorizedClient(this WebApplicationFactory<Program> factory, string subject)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer", Cortex.Api.Hosting.TokenIssuer.Create(
                new Cortex.Api.Hosting.AuthOptions { SigningKey = AwsCortexApplication.SigningKey, Issuer = "cortex", Audience = "cortex-api" },
                subject, Cortex.Api.Hosting.Scopes.All, TimeSpan.FromMinutes(10)));
        return client;
    }

    /// <summary>Receives until <paramref name="count"/> messages are in hand (not deleted), or the time is up.</summary>
    public static async Task<List<Message>> ReceiveWithoutDeletingAsync(
        this AwsResources aws, int count, string? queueUrl = null, TimeSpan? within = null, int? visibilityTimeout = null)
    {
        var messages = new List<Message>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (messages.Count < count && DateTime.UtcNow < deadline)
        {
            var response = await aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl ?? aws.QueueUrl,
                MaxNumberOfMessages = Math.Min(10, count - messages.Count),
                WaitTimeSeconds = 1,
                VisibilityTimeout = visibilityTimeout,
                MessageSystemAttributeNames = [SqsRecord.ReceiveCountAttribute],
            }, Cancellation);
            messages.AddRange(response.Messages ?? []);
        }

        return messages;
    }

    /// <summary>
    /// One Lambda invocation with ReportBatchItemFailures: POSTs the SQS event the way the Lambda Web
    /// Adapter does, then deletes the messages not reported as failed. Returns the failed ids.
    /// </summary>
    public static async Task<LambdaInvocation> InvokeLambdaAsync(HttpClient client, AwsResources aws, IReadOnlyList<Message> messages)
    {
        var body = LambdaSqsEvents.Create(messages, aws.Provisioned.QueueArn);
        var response = await PostPassThroughAsync(client, body);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var failed = ReadFailures(text);

        foreach (var message in messages.Where(m => !failed.Contains(m.MessageId)))
        {
            await aws.Sqs.DeleteMessageAsync(aws.QueueUrl, message.ReceiptHandle, Cancellation);
        }

        return new LambdaInvocation(failed, text);
    }

    public static Task<HttpResponseMessage> PostPassThroughAsync(HttpClient client, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, PassThroughPath)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(Cortex.Api.Hosting.ClientAddress.RequestContextHeader, "null");
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds();
        request.Headers.TryAddWithoutValidation(ConsumerApi.LambdaContextHeader,
            $$"""{"request_id":"{{Guid.NewGuid()}}","deadline":{{deadline}},"invoked_function_arn":"arn:aws:lambda:us-east-1:123456789012:function:cortex-api"}""");
        return client.SendAsync(request, Cancellation);
    }

    public static HashSet<string> ReadFailures(string responseBody)
    {
        using var document = JsonDocument.Parse(responseBody);
        return document.RootElement.GetProperty("batchItemFailures").EnumerateArray()
            .Select(f => f.GetProperty("itemIdentifier").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>GET /events/{id} until it answers 200, or the time is up; returns the last response body and status.</summary>
    public static async Task<(System.Net.HttpStatusCode Status, JsonElement? Body)> WaitForEventAsync(
        HttpClient client, string eventId, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            using var response = await client.GetAsync($"/events/{eventId}", Cancellation);
            if (response.IsSuccessStatusCode)
            {
                return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation));
            }

            if (DateTime.UtcNow >= deadline)
            {
                return (response.StatusCode, null);
            }

            await Task.Delay(200, Cancellation);
        }
    }

    /// <summary>
    /// How many listed items the table holds for <paramref name="eventId"/> (0 or 1): every item of
    /// the id's time partition, whatever its timestamp, except claims (docs/dynamodb.md).
    /// </summary>
    public static async Task<int> CountItemsAsync(this AwsResources aws, string eventId)
    {
        var count = 0;
        Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>? start = null;
        do
        {
            var response = await aws.Dynamo.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
            {
                TableName = aws.Definition.TableName,
                KeyConditionExpression = "pk = :pk",
                FilterExpression = "event_id = :id AND attribute_not_exists(#ref)",
                ExpressionAttributeNames = new() { ["#ref"] = "ref" },
                ExpressionAttributeValues = new()
                {
                    [":pk"] = new() { S = DynamoDbItemMapper.ShardOf(Guid.Parse(eventId), aws.Definition.WriteShards).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    [":id"] = new() { S = eventId },
                },
                ConsistentRead = true,
                ExclusiveStartKey = start,
            }, Cancellation);
            count += response.Count ?? 0;
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return count;
    }

    private static void Decorate(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder, Func<ITelemetryStore, ITelemetryStore>? decorate)
    {
        if (decorate is null)
        {
            return;
        }

        builder.ConfigureTestServices(services =>
            services.AddSingleton(sp => decorate(sp.GetRequiredService<DynamoDbTelemetryStore>())));
    }
}

internal sealed record LambdaInvocation(HashSet<string> Failed, string Body);

/// <summary>The real store, except that chosen events fail a set number of times first.</summary>
internal sealed class FaultyStore(ITelemetryStore inner, Func<Exception> fault) : ITelemetryStore
{
    private readonly Dictionary<Guid, int> _remaining = [];
    private int _saves;

    /// <summary>How many SaveAsync calls reached the real store.</summary>
    public int Saves => Volatile.Read(ref _saves);

    public FaultyStore FailFor(Guid eventId, int times)
    {
        lock (_remaining)
        {
            _remaining[eventId] = times;
        }

        return this;
    }

    public Task<IReadOnlyList<SaveOutcome>> SaveAsync(IReadOnlyList<Cortex.Api.Events.TelemetryEvent> events, CancellationToken cancellationToken)
    {
        lock (_remaining)
        {
            foreach (var e in events)
            {
                if (_remaining.TryGetValue(e.EventId, out var left) && left > 0)
                {
                    _remaining[e.EventId] = left - 1;
                    throw fault();
                }
            }
        }

        Interlocked.Increment(ref _saves);
        return inner.SaveAsync(events, cancellationToken);
    }

    public Task<string?> GetAsync(Guid eventId, CancellationToken cancellationToken) => inner.GetAsync(eventId, cancellationToken);

    public Task<EventPage> QueryAsync(EventQuery query, CancellationToken cancellationToken) => inner.QueryAsync(query, cancellationToken);
}
