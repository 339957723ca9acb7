using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Cortex.IntegrationTests.Consumer;
using Cortex.Tests.Consumer;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Cortex.IntegrationTests.Import;

/// <summary>
/// The S3 inbox end to end against the emulator, with the test playing the Lambda service for the
/// import queue (receive, POST to the pass-through path, delete what was not reported failed) and
/// the in-process poller consuming the events queue into DynamoDB. S3 notifications are the
/// emulator's own (moto sends them); an emulator that does not gets the body S3 would send.
/// </summary>
public sealed class S3ImportFlowTests : IClassFixture<AwsResources>, IAsyncLifetime
{
    // moto's EventBridge takes one PutEvents call at a time, at a few hundred ms each on a busy
    // machine: 1,000 events keep the test within minutes; the size of a file changes nothing here.
    private const int EventCount = 10_000;
    private static readonly int[] InvalidLines = [3, 77, 250, 1_333, 2_500, 4_640, 6_777, 8_901, 9_999, 10_000];

    private readonly AwsResources _aws;
    private readonly AwsCortexApplication _app;
    private ImportInbox _inbox = null!;

    public S3ImportFlowTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
        _app = new AwsCortexApplication(aws);
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _inbox = await ImportInbox.CreateAsync(_aws.Emulator.Endpoint, _aws.Sqs, Cancellation);

    public async ValueTask DisposeAsync()
    {
        await _inbox.DeleteAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task AnObjectInTheInboxBecomesItsValidEventsExactlyOnceWithAReportNamingTheInvalidLines()
    {
        using var factory = Factory();
        var client = factory.CreateAuthorizedClient("import-reader");
        var source = "s3-import-" + Guid.NewGuid().ToString("N")[..8];
        var key = $"inbox/{source}.ndjson";
        var content = Encoding.UTF8.GetBytes(Ndjson(source));

        var (eTag, messages) = await PutAndReceiveNotificationAsync(key, content);
        var (first, invocations) = await ImportUntilDoneAsync(client, messages);
        var report = await ReadReportAsync($"reports/{source}.ndjson.json");
        var stored = await WaitForCountAsync(client, source, EventCount - InvalidLines.Length);

        Assert.Empty(first);
        Assert.True(invocations > 1, "the import did not need more than one invocation: the resume path was not exercised");
        Assert.Equal("completed", report.GetProperty("status").GetString());
        Assert.Equal(eTag.Trim('"'), report.GetProperty("file").GetProperty("e_tag").GetString());
        Assert.Equal(EventCount, report.GetProperty("lines_read").GetInt64());
        Assert.Equal(EventCount - InvalidLines.Length, report.GetProperty("accepted").GetInt64());
        Assert.Equal(InvalidLines.Select(l => (long)l), report.GetProperty("rejections").EnumerateArray().Select(r => r.GetProperty("line").GetInt64()));
        Assert.Equal(EventCount - InvalidLines.Length, stored);

        // The same object put again, and the first notification delivered once more.
        var (_, again) = await PutAndReceiveNotificationAsync(key, content);
        await _inbox.Sqs.SendMessageAsync(_inbox.QueueUrl, messages[0].Body, Cancellation);
        var redelivered = await ReceiveAsync(1);
        var (second, _) = await ImportUntilDoneAsync(client, [.. again, .. redelivered]);
        await Task.Delay(TimeSpan.FromSeconds(3), Cancellation);

        Assert.Empty(second);
        Assert.Equal(EventCount - InvalidLines.Length, await CountAsync(client, source));
        Assert.Equal(report.GetProperty("finished_at").GetString(), (await ReadReportAsync($"reports/{source}.ndjson.json")).GetProperty("finished_at").GetString());
    }

    /// <summary>
    /// A deadline margin longer than the harness's 30 s deadline: every invocation stops after its
    /// first batch of 500 and saves its checkpoint, so the file takes several invocations, each
    /// continuing from the last, however fast the machine is.
    /// </summary>
    private WebApplicationFactory<Program> Factory() =>
        _app.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Cortex:Lambda:Enabled", "true");
            builder.UseSetting("Cortex:Import:Bucket", _inbox.Bucket);
            builder.UseSetting("Cortex:Import:BatchSize", "500");
            builder.UseSetting("Cortex:Import:MaxBatchesInFlight", "1");
            builder.UseSetting("Cortex:Import:DeadlineMargin", "00:00:31");
            builder.UseSetting("Cortex:Aws:Poller:Enabled", "true");
            builder.UseSetting("Cortex:Aws:Poller:WaitTimeSeconds", "1");
        });

    /// <summary>
    /// Invokes as Lambda would until no message is left failed: a failed message is an import that
    /// saved its checkpoint before the deadline. Lambda waits out the visibility timeout; the test
    /// makes the message visible again at once.
    /// </summary>
    private async Task<(HashSet<string> Failed, int Invocations)> ImportUntilDoneAsync(HttpClient client, List<Message> messages)
    {
        for (var invocation = 1; ; invocation++)
        {
            var failed = await InvokeAsync(client, messages);
            if (failed.Count == 0 || invocation == 40)
            {
                return (failed, invocation);
            }

            foreach (var message in messages.Where(m => failed.Contains(m.MessageId)))
            {
                await _inbox.Sqs.ChangeMessageVisibilityAsync(_inbox.QueueUrl, message.ReceiptHandle, 0, Cancellation);
            }

            messages = await ReceiveAsync(failed.Count);
        }
    }

    private static string Ndjson(string source)
    {
        var time = DateTimeOffset.UtcNow.AddHours(-1);
        var text = new StringBuilder();
        for (var line = 1; line <= EventCount; line++)
        {
            text.Append(InvalidLines.Contains(line)
                ? line % 2 == 0 ? "{not json" : $$$"""{"source":"{{{source}}}","event_type":"no_such_type","data":{}}"""
                : $$$"""{"source":"{{{source}}}","event_type":"cpu_usage","data":{"line":{{{line}}}},"timestamp":"{{{Timestamp(time, line)}}}"}""");
            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Timestamp(DateTimeOffset start, int line) =>
        start.AddMilliseconds(line).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Puts the object and returns its ETag with its notification: moto 5.2.1 sends S3's own (after an
    /// s3:TestEvent when the notification is set up, which the import handles as a no-op); an
    /// emulator that sends none gets the body S3 would have sent.
    /// </summary>
    private async Task<(string ETag, List<Message> Messages)> PutAndReceiveNotificationAsync(string key, byte[] content)
    {
        var put = await _inbox.S3.PutObjectAsync(new PutObjectRequest { BucketName = _inbox.Bucket, Key = key, InputStream = new MemoryStream(content) }, Cancellation);
        var messages = await ReceiveAsync(1, TimeSpan.FromSeconds(5), body => body.Contains("ObjectCreated", StringComparison.Ordinal));
        if (messages.Count == 0)
        {
            await _inbox.Sqs.SendMessageAsync(_inbox.QueueUrl, _inbox.Notification(key, put.ETag, content.Length), Cancellation);
            messages = await ReceiveAsync(1);
        }

        return (put.ETag, messages);
    }

    /// <summary>Receives until <paramref name="count"/> messages that <paramref name="wanted"/> accepts are in hand; others are deleted.</summary>
    private async Task<List<Message>> ReceiveAsync(int count, TimeSpan? within = null, Func<string, bool>? wanted = null)
    {
        var messages = new List<Message>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (messages.Count < count && DateTime.UtcNow < deadline)
        {
            var response = await _inbox.Sqs.ReceiveMessageAsync(
                new ReceiveMessageRequest { QueueUrl = _inbox.QueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1, VisibilityTimeout = 60 }, Cancellation);
            foreach (var message in response.Messages ?? [])
            {
                if (wanted is null || wanted(message.Body))
                {
                    messages.Add(message);
                }
                else
                {
                    await _inbox.Sqs.DeleteMessageAsync(_inbox.QueueUrl, message.ReceiptHandle, Cancellation);
                }
            }
        }

        return messages;
    }

    /// <summary>One Lambda invocation of the import queue's messages; returns the ids reported failed (left on the queue).</summary>
    private async Task<HashSet<string>> InvokeAsync(HttpClient client, IReadOnlyList<Message> messages)
    {
        var response = await ConsumerHarness.PostPassThroughAsync(client, LambdaSqsEvents.Create(messages, _inbox.QueueArn));
        var failed = ConsumerHarness.ReadFailures(await response.Content.ReadAsStringAsync(Cancellation));
        foreach (var message in messages.Where(m => !failed.Contains(m.MessageId)))
        {
            await _inbox.Sqs.DeleteMessageAsync(_inbox.QueueUrl, message.ReceiptHandle, Cancellation);
        }

        return failed;
    }

    private async Task<JsonElement> ReadReportAsync(string key)
    {
        using var response = await _inbox.S3.GetObjectAsync(_inbox.Bucket, key, Cancellation);
        return (await JsonDocument.ParseAsync(response.ResponseStream, cancellationToken: Cancellation)).RootElement.Clone();
    }

    /// <summary>Counts the events of a source through the API until there are <paramref name="expected"/> or they stop arriving.</summary>
    private static async Task<int> WaitForCountAsync(HttpClient client, string source, int expected)
    {
        var count = 0;
        var lastChange = DateTime.UtcNow;
        while (count < expected && DateTime.UtcNow - lastChange < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Cancellation);
            var now = await CountAsync(client, source);
            if (now != count)
            {
                count = now;
                lastChange = DateTime.UtcNow;
            }
        }

        return count;
    }

    /// <summary>Every event of the source through GET /events, page by page.</summary>
    private static async Task<int> CountAsync(HttpClient client, string source)
    {
        var count = 0;
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>(
                $"/events?source={source}&limit=1000{(cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor))}", Cancellation);
            count += page.GetProperty("items").GetArrayLength();
            cursor = page.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        return count;
    }
}
