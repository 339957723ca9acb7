using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cortex.Api.Hosting;

namespace Cortex.IntegrationTests.Operations;

/// <summary>/operations/dead-letters in Aws mode: the SQS dead-letter adapter against the emulator.</summary>
public sealed class DeadLetterApiTests : IClassFixture<AwsResources>, IAsyncLifetime
{
    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;
    private readonly string _dlqUrl;

    public DeadLetterApiTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
        _dlqUrl = aws.Settings["Cortex:Aws:DeadLetterQueueUrl"]!;
    }

    private string QueueName => _dlqUrl.TrimEnd('/').Split('/')[^1];

    public async ValueTask InitializeAsync()
    {
        // The tests of this class share the queues: each starts from empty ones.
        await DeadLetterQueueSeeder.DrainAsync(_aws.Sqs, _dlqUrl);
        await DeadLetterQueueSeeder.DrainAsync(_aws.Sqs, _aws.QueueUrl);
    }

    [Fact]
    public async Task PeekingListsTheMessagesWithoutConsumingThem()
    {
        var bodies = await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, _dlqUrl, 3);
        var client = _app.CreateClient("operator");

        var first = await client.GetFromJsonAsync<JsonElement>("/operations/dead-letters?limit=10", TestContext.Current.CancellationToken);
        var second = await client.GetFromJsonAsync<JsonElement>("/operations/dead-letters?limit=10", TestContext.Current.CancellationToken);
        var visibleAtOnce = await DeadLetterQueueSeeder.DrainAsync(_aws.Sqs, _dlqUrl);

        Assert.Equal(QueueName, first.GetProperty("queue").GetString());
        Assert.Equal(3, first.GetProperty("approximate_count").GetInt64());
        Assert.Equal(3, second.GetProperty("approximate_count").GetInt64());
        var firstMessages = first.GetProperty("messages").EnumerateArray().ToList();
        var secondMessages = second.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(bodies.Order(), firstMessages.Select(m => m.GetProperty("body").GetString()).Order());
        Assert.Equal(Ids(firstMessages), Ids(secondMessages));
        Assert.All(firstMessages, m => Assert.Equal("cpu_usage", m.GetProperty("event_type").GetString()));
        Assert.All(firstMessages, m => Assert.Equal(1, m.GetProperty("receive_count").GetInt32()));
        Assert.All(secondMessages, m => Assert.Equal(2, m.GetProperty("receive_count").GetInt32()));
        Assert.All(secondMessages, m => Assert.Contains("received 2 times in all, peeks included", m.GetProperty("reason").GetString(), StringComparison.Ordinal));
        Assert.Equal(Ids(firstMessages), visibleAtOnce.Select(m => m.MessageId).Order());
        Assert.All(visibleAtOnce, m => Assert.Equal("3", m.Attributes["ApproximateReceiveCount"]));
    }

    [Fact]
    public async Task AMessageThatFailedEveryReceiveOfTheConsumerQueueIsListedWithItsReason()
    {
        var body = DeadLetterQueueSeeder.Body(7, Guid.NewGuid().ToString());
        await _aws.Sqs.SendMessageAsync(_aws.QueueUrl, body, TestContext.Current.CancellationToken);
        var client = _app.CreateClient("operator");

        // A consumer that never deletes: each receive ends at once, and after the queue's
        // maxReceiveCount (3) SQS moves the message to the dead-letter queue.
        var receives = 0;
        for (var attempt = 0; attempt < 20 && await DeadLetterQueueSeeder.CountAsync(_aws.Sqs, _dlqUrl) == 0; attempt++)
        {
            var response = await _aws.Sqs.ReceiveMessageAsync(
                new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = _aws.QueueUrl, VisibilityTimeout = 0, WaitTimeSeconds = 0 },
                TestContext.Current.CancellationToken);
            receives += response.Messages?.Count ?? 0;
        }

        var page = await client.GetFromJsonAsync<JsonElement>("/operations/dead-letters", TestContext.Current.CancellationToken);

        Assert.Equal(3, receives);
        var message = Assert.Single(page.GetProperty("messages").EnumerateArray());
        Assert.Equal(body, message.GetProperty("body").GetString());
        // The three failed receives and this peek; moto does not set DeadLetterQueueSourceArn, AWS does
        // (SqsDeadLetterQueueMessageTests pins the reason for both).
        Assert.EndsWith("received 4 times in all, peeks included.", message.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(message.GetProperty("sent_at").ValueKind == JsonValueKind.String);
        Assert.False(message.TryGetProperty("failed_at", out _), "SQS does not record when it dead-lettered a message");
    }

    [Fact]
    public async Task ReplayingMovesEveryMessageBackToTheSourceQueueExactlyOnceAtTheRequestedRate()
    {
        var bodies = await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, _dlqUrl, 5);
        var client = _app.CreateClient("operator");
        var stopwatch = Stopwatch.StartNew();

        var response = await client.PostAsync("/operations/dead-letters/replay", Json("""{"max_messages":100,"max_per_second":10}"""), TestContext.Current.CancellationToken);
        stopwatch.Stop();
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var replayed = await DeadLetterQueueSeeder.DrainAsync(_aws.Sqs, _aws.QueueUrl);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, result.GetProperty("moved").GetInt32());
        Assert.Equal(0, result.GetProperty("failed").GetInt32());
        Assert.Equal("receive-send-delete", result.GetProperty("method").GetString());
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(0.4), $"5 messages at 10/s took only {stopwatch.Elapsed}");
        Assert.Equal(0, await DeadLetterQueueSeeder.CountAsync(_aws.Sqs, _dlqUrl));
        Assert.Equal(bodies.Order(), replayed.Select(m => m.Body).Order());
    }

    [Fact]
    public async Task ReplayingStopsAtMaxMessagesAndLeavesTheRestInTheDeadLetterQueue()
    {
        await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, _dlqUrl, 4);
        var client = _app.CreateClient("operator");

        var response = await client.PostAsync("/operations/dead-letters/replay", Json("""{"max_messages":3,"max_per_second":100}"""), TestContext.Current.CancellationToken);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var replayed = await DeadLetterQueueSeeder.DrainAsync(_aws.Sqs, _aws.QueueUrl);
        var left = await DeadLetterQueueSeeder.DrainAsync(_aws.Sqs, _dlqUrl);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, result.GetProperty("moved").GetInt32());
        Assert.Equal("receive-send-delete", result.GetProperty("method").GetString());
        Assert.Equal(3, replayed.Count);
        Assert.Single(left);
        Assert.DoesNotContain(left[0].Body, replayed.Select(m => m.Body));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"confirm":"some-other-queue"}""")]
    public async Task PurgingWithoutTheQueueNameAsConfirmationAnswers400AndDeletesNothing(string body)
    {
        await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, _dlqUrl, 2);
        var client = _app.CreateClient("operator");

        var response = await client.PostAsync("/operations/dead-letters/purge", Json(body), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("confirm", out _));
        Assert.Equal(2, await DeadLetterQueueSeeder.CountAsync(_aws.Sqs, _dlqUrl));
    }

    [Fact]
    public async Task PurgingWithTheQueueNameEmptiesTheQueue()
    {
        await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, _dlqUrl, 3);
        var client = _app.CreateClient("operator");

        var response = await client.PostAsync("/operations/dead-letters/purge", Json($$"""{"confirm":"{{QueueName}}"}"""), TestContext.Current.CancellationToken);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, result.GetProperty("purged").GetInt64());
        Assert.Equal(0, await DeadLetterQueueSeeder.CountAsync(_aws.Sqs, _dlqUrl));
    }

    [Fact]
    public async Task EveryOperationNeedsTheAdminScope()
    {
        await DeadLetterQueueSeeder.SeedAsync(_aws.Sqs, _dlqUrl, 1);
        var client = _app.CreateClient();
        var token = TokenIssuer.Create(
            new AuthOptions { SigningKey = AwsCortexApplication.SigningKey, Issuer = "cortex", Audience = "cortex-api" },
            "reader", [Scopes.Read, Scopes.Write], TimeSpan.FromMinutes(5));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var peek = await client.GetAsync("/operations/dead-letters", TestContext.Current.CancellationToken);
        var replay = await client.PostAsync("/operations/dead-letters/replay", Json("{}"), TestContext.Current.CancellationToken);
        var purge = await client.PostAsync("/operations/dead-letters/purge", Json($$"""{"confirm":"{{QueueName}}"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, peek.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, replay.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, purge.StatusCode);
        Assert.Equal(1, await DeadLetterQueueSeeder.CountAsync(_aws.Sqs, _dlqUrl));
    }

    public ValueTask DisposeAsync()
    {
        _app.Dispose();
        return ValueTask.CompletedTask;
    }

    private static List<string> Ids(IEnumerable<JsonElement> messages) =>
        [.. messages.Select(m => m.GetProperty("id").GetString()!).Order()];

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
