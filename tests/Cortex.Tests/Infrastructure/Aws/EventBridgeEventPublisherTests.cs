using System.Net;
using System.Text;
using System.Text.Json;
using Amazon;
using Amazon.Runtime;
using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Ports;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Tests.Infrastructure.Aws;

/// <summary>
/// Packing and PutEvents partial failures, which no emulator produces: a scripted transport under
/// the real retry and SigV4 handlers answers each call. Events of different hours never share an
/// entry, so <c>Event(hour: n)</c> puts events into entries of their own.
/// </summary>
public sealed class EventBridgeEventPublisherTests
{
    [Fact]
    public async Task InternalFailureEntriesAreResentUntilAccepted()
    {
        var transport = new ScriptedTransport(
            entries => Answer(entries.Select((_, i) => i == 1 ? Error("InternalFailure") : Ok()).ToArray()),
            entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);

        var outcomes = (await publisher.PublishAsync([Event(hour: 0), Event(hour: 1), Event(hour: 2)], TestContext.Current.CancellationToken)).Outcomes;

        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Accepted, o.Status));
        Assert.Equal(2, transport.Calls.Count);
        Assert.Equal(3, transport.Calls[0].Count);
        var resent = Assert.Single(transport.Calls[1]);
        Assert.Equal(transport.Calls[0][1].GetRawText(), resent.GetRawText());
        Assert.Equal(3, outcomes.Select(o => o.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task ThrottledEntriesAreResent()
    {
        var transport = new ScriptedTransport(
            entries => Answer(entries.Select(_ => Error("ThrottlingException")).ToArray()),
            entries => Answer(entries.Select(_ => Error("ThrottlingException")).ToArray()),
            entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);

        var outcomes = (await publisher.PublishAsync([Event(), Event()], TestContext.Current.CancellationToken)).Outcomes;

        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Accepted, o.Status));
        Assert.Equal(3, transport.Calls.Count);
    }

    [Fact]
    public async Task EntriesRefusedForAnotherReasonAreRejectedWithoutRetry()
    {
        var transport = new ScriptedTransport(
            entries => Answer(Ok(), Error("ValidationException", "Detail is malformed."), Ok()));
        var publisher = CreatePublisher(transport);

        var outcomes = (await publisher.PublishAsync([Event(hour: 0), Event(hour: 1), Event(hour: 2)], TestContext.Current.CancellationToken)).Outcomes;

        Assert.Equal([PublishStatus.Accepted, PublishStatus.Rejected, PublishStatus.Accepted], outcomes.Select(o => o.Status));
        Assert.Contains("ValidationException", outcomes[1].Error, StringComparison.Ordinal);
        Assert.Single(transport.Calls);
    }

    [Fact]
    public async Task EntriesStillFailingWhenTheRetryBudgetIsSpentAreFailed()
    {
        var transport = new ScriptedTransport(entries => Answer(
            [.. entries.Select(e => e.GetProperty("Source").GetString()!.EndsWith("always-failing", StringComparison.Ordinal) ? Error("InternalFailure") : Ok())]));
        var publisher = CreatePublisher(transport, budget: TimeSpan.FromSeconds(3));

        var outcomes = (await publisher.PublishAsync([Event(), Event(hour: 1) with { Source = "always-failing" }], TestContext.Current.CancellationToken)).Outcomes;

        Assert.Equal(PublishStatus.Accepted, outcomes[0].Status);
        Assert.Equal(PublishStatus.Failed, outcomes[1].Status);
        Assert.Contains("InternalFailure", outcomes[1].Error, StringComparison.Ordinal);
        Assert.True(transport.Calls.Count >= 2, "the failing entry was resent at least once");
        Assert.All(transport.Calls.Skip(1), call => Assert.Single(call));
    }

    [Fact]
    public async Task WholeCallServerErrorsAndThrottlingAreRetriedAndEachAttemptIsSignedOnce()
    {
        var transport = new ScriptedTransport(
            _ => new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("""{"__type":"InternalException"}""") },
            _ => new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("""{"__type":"ThrottlingException","message":"Rate exceeded"}""") },
            entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);

        var outcomes = (await publisher.PublishAsync([Event()], TestContext.Current.CancellationToken)).Outcomes;

        Assert.Equal(PublishStatus.Accepted, Assert.Single(outcomes).Status);
        Assert.Equal(3, transport.Requests.Count);
        Assert.All(transport.Requests, r => Assert.Single(r.Authorization));
    }

    [Fact]
    public async Task ARetriedCallIsSignedAgainWithTheCredentialsOfTheMoment()
    {
        var transport = new ScriptedTransport(
            _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("""{"__type":"ServiceUnavailable"}""") },
            entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport, credentials: new RotatingCredentials());

        var outcomes = (await publisher.PublishAsync([Event()], TestContext.Current.CancellationToken)).Outcomes;

        Assert.Equal(PublishStatus.Accepted, Assert.Single(outcomes).Status);
        Assert.Equal(2, transport.Requests.Count);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDROTATED1/", Assert.Single(transport.Requests[0].Authorization), StringComparison.Ordinal);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDROTATED2/", Assert.Single(transport.Requests[1].Authorization), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task ACallThatKeepsFailingIsAnsweredFailedWithoutWaitingPastTheBudget()
    {
        var transport = new ScriptedTransport(
            _ => new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("""{"__type":"InternalException"}""") });
        var clock = new InstantClock();
        var start = clock.GetUtcNow();
        var publisher = CreatePublisher(transport, budget: TimeSpan.FromSeconds(3), clock: clock);

        var outcomes = (await publisher.PublishAsync([Event()], TestContext.Current.CancellationToken)).Outcomes;

        Assert.Equal(PublishStatus.Failed, Assert.Single(outcomes).Status);
        Assert.Contains("InternalException", outcomes[0].Error, StringComparison.Ordinal);
        Assert.True(transport.Requests.Count >= 2, "the call was retried");
        Assert.True(clock.GetUtcNow() - start < TimeSpan.FromSeconds(3), $"backoff ran {clock.GetUtcNow() - start} on the fake clock, past the budget");
    }

    [Fact]
    public async Task CancellingDuringTheBackoffStopsThePublish()
    {
        var transport = new ScriptedTransport(
            _ => new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("""{"__type":"InternalException"}""") });
        var publisher = CreatePublisher(transport, clock: new FakeTimeProvider());
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var publishing = publisher.PublishAsync([Event()], cancel.Token);
        while (transport.Requests.Count == 0)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publishing.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Single(transport.Requests);
    }

    [Fact]
    public async Task WholeCallRefusalIsFailedNotRejected()
    {
        var transport = new ScriptedTransport(
            _ => new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("""{"__type":"AccessDeniedException","message":"no"}""") });
        var publisher = CreatePublisher(transport);

        var outcomes = (await publisher.PublishAsync([Event(), Event()], TestContext.Current.CancellationToken)).Outcomes;

        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Failed, o.Status));
        Assert.Single(transport.Calls);
    }

    [Fact]
    public async Task RequestsAreSignedPutEventsCallsWithTheExactContentType()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);
        var e = Event() with { Source = "web 01" };

        await publisher.PublishAsync([e], TestContext.Current.CancellationToken);

        var request = Assert.Single(transport.Requests);
        Assert.Equal("AWSEvents.PutEvents", request.Target);
        Assert.Equal("application/x-amz-json-1.1", request.ContentType);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDTEST/", Assert.Single(request.Authorization), StringComparison.Ordinal);
        Assert.Contains("/us-east-1/events/aws4_request", request.Authorization[0], StringComparison.Ordinal);
        var entry = Assert.Single(transport.Calls[0]);
        Assert.Equal(EventBridgeSource.For("cortex.producer.", "web 01"), entry.GetProperty("Source").GetString());
        Assert.Equal("cpu_usage", entry.GetProperty("DetailType").GetString());
        Assert.Equal("cortex-events-bus", entry.GetProperty("EventBusName").GetString());
        Assert.Equal(e.TimestampMs / 1000m, entry.GetProperty("Time").GetDecimal());
        Assert.Equal("{\"events\":[" + EventJson.ToJson(e, includeTrace: true) + "]}", entry.GetProperty("Detail").GetString());
    }

    [Fact]
    public async Task TwentyFiveEntriesAreSentAsCallsOfAtMostTen()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);

        var outcomes = (await publisher.PublishAsync([.. Enumerable.Range(0, 25).Select(i => Event(hour: i))], TestContext.Current.CancellationToken)).Outcomes;

        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Accepted, o.Status));
        Assert.Equal([10, 10, 5], transport.Calls.Select(c => c.Count).Order().Reverse());
    }

    [Fact]
    public async Task LargeEventsArePackedTwoToAnEntryAndEachEntryIsACallOfItsOwn()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);
        var big = $$"""{"blob":"{{new string('x', 100 * 1024)}}"}""";

        var outcomes = (await publisher.PublishAsync([.. Enumerable.Range(0, 5).Select(_ => Event() with { Data = Encoding.UTF8.GetBytes(big) })], TestContext.Current.CancellationToken)).Outcomes;

        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Accepted, o.Status));
        Assert.All(transport.Calls, call => Assert.Single(call));
        Assert.Equal([1, 2, 2], transport.Calls.Select(c => PackedEvents(c[0]).Count).Order());
        Assert.All(transport.Calls, call => Assert.InRange(EntrySize(call[0]), 1, AwsOptions.DefaultMaxEntryBytes));
    }

    [Fact]
    public async Task AHundredSmallEventsTravelAsOneEntryInTheirOrderAndShareItsMessageId()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);
        var events = Enumerable.Range(0, 100).Select(_ => Event()).ToArray();

        var outcomes = (await publisher.PublishAsync(events, TestContext.Current.CancellationToken)).Outcomes;

        var entry = Assert.Single(Assert.Single(transport.Calls));
        Assert.Equal(events.Select(e => e.EventId.ToString("D")), PackedEvents(entry).Select(e => e.GetProperty("event_id").GetString()));
        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Accepted, o.Status));
        Assert.Single(outcomes.Select(o => o.MessageId).Distinct());
        Assert.Equal(EventBridgeSource.For("cortex.producer.", "host-a"), entry.GetProperty("Source").GetString());
        Assert.Equal("cpu_usage", entry.GetProperty("DetailType").GetString());
    }

    [Fact]
    public async Task APackOfSeveralSourcesAndTypesIsLabelledMixed()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);

        await publisher.PublishAsync([Event(), Event() with { Source = "host-b", EventType = "uptime" }], TestContext.Current.CancellationToken);

        var entry = Assert.Single(Assert.Single(transport.Calls));
        Assert.Equal("cortex.producer.mixed", entry.GetProperty("Source").GetString());
        Assert.Equal("mixed", entry.GetProperty("DetailType").GetString());
        Assert.Equal(2, PackedEvents(entry).Count);
    }

    [Fact]
    public async Task EventsOfDifferentHoursNeverShareAnEntry()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);
        var events = new[] { Event(hour: 0), Event(hour: 1), Event(hour: 0), Event(hour: 1), Event(hour: 0) };

        await publisher.PublishAsync(events, TestContext.Current.CancellationToken);

        var entries = Assert.Single(transport.Calls);
        Assert.Equal(2, entries.Count);
        Assert.Equal([events[0].EventId, events[2].EventId, events[4].EventId], PackedEvents(entries[0]).Select(e => e.GetProperty("event_id").GetGuid()));
        Assert.Equal([events[1].EventId, events[3].EventId], PackedEvents(entries[1]).Select(e => e.GetProperty("event_id").GetGuid()));
    }

    [Fact]
    public async Task AFailedEntryAnswersExactlyItsEventsFailed()
    {
        // Two entries (two hours); the bus refuses the second for a reason that is not retried.
        var transport = new ScriptedTransport(entries => Answer(Ok(), Error("MalformedDetail", "refused")));
        var publisher = CreatePublisher(transport);
        var events = new[] { Event(hour: 0), Event(hour: 1), Event(hour: 0), Event(hour: 1), Event(hour: 1) };

        var outcomes = (await publisher.PublishAsync(events, TestContext.Current.CancellationToken)).Outcomes;

        Assert.Equal(
            [PublishStatus.Accepted, PublishStatus.Failed, PublishStatus.Accepted, PublishStatus.Failed, PublishStatus.Failed],
            outcomes.Select(o => o.Status));
        Assert.All(outcomes.Where(o => o.Status == PublishStatus.Failed), o => Assert.Contains("MalformedDetail", o.Error, StringComparison.Ordinal));
        Assert.Single(transport.Calls);
    }

    [Fact]
    public async Task AnEntryStillFailingWhenTheBudgetIsSpentAnswersEveryEventInItFailed()
    {
        var transport = new ScriptedTransport(entries => Answer([.. entries.Select(_ => Error("ThrottlingException"))]));
        var publisher = CreatePublisher(transport, budget: TimeSpan.FromSeconds(1));

        var outcomes = (await publisher.PublishAsync([.. Enumerable.Range(0, 50).Select(_ => Event())], TestContext.Current.CancellationToken)).Outcomes;

        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Failed, o.Status));
        Assert.All(transport.Calls, call => Assert.Single(call));
    }

    [Fact]
    public async Task APackFillsTheEntryLimitToTheLastByte()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));

        await CreatePublisher(transport).PublishAsync(await TwoEventsFillingTheLimitAsync(over: 0), TestContext.Current.CancellationToken);

        var entry = Assert.Single(Assert.Single(transport.Calls));
        Assert.Equal(AwsOptions.DefaultMaxEntryBytes, EntrySize(entry));
        Assert.Equal(2, PackedEvents(entry).Count);
    }

    [Fact]
    public async Task AnEventThatWouldOverfillAPackByOneByteGoesToTheNextEntry()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));

        var outcomes = (await CreatePublisher(transport).PublishAsync(await TwoEventsFillingTheLimitAsync(over: 1), TestContext.Current.CancellationToken)).Outcomes;

        var entries = transport.Calls.SelectMany(c => c).ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, entry => Assert.True(EntrySize(entry) <= AwsOptions.DefaultMaxEntryBytes));
        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Accepted, o.Status));
    }

    [Fact]
    public async Task NoPackOfEventsOfManySizesExceedsTheEntryLimit()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);
        var random = new Random(14);
        var events = Enumerable.Range(0, 200)
            .Select(_ => Event() with { Data = Encoding.UTF8.GetBytes($$"""{"blob":"{{new string('z', random.Next(10, 60_000))}}"}""") })
            .ToArray();

        var outcomes = (await publisher.PublishAsync(events, TestContext.Current.CancellationToken)).Outcomes;

        var entries = transport.Calls.SelectMany(c => c).ToList();
        Assert.All(outcomes, o => Assert.Equal(PublishStatus.Accepted, o.Status));
        Assert.All(entries, entry => Assert.True(EntrySize(entry) <= AwsOptions.DefaultMaxEntryBytes, $"an entry of {EntrySize(entry)} bytes"));
        var sent = entries.SelectMany(PackedEvents).Select(e => e.GetProperty("event_id").GetGuid()).Order();
        Assert.Equal(events.Select(e => e.EventId).Order(), sent);
        Assert.All(transport.Calls, call => Assert.True(call.Sum(EntrySize) <= AwsOptions.DefaultMaxEntryBytes));
    }

    [Fact]
    public async Task AnEventOverTheEntryLimitIsRejectedWithoutACall()
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        var publisher = CreatePublisher(transport);
        var huge = $$"""{"blob":"{{new string('x', 260 * 1024)}}"}""";

        var outcomes = (await publisher.PublishAsync([Event() with { Data = Encoding.UTF8.GetBytes(huge) }, Event()], TestContext.Current.CancellationToken)).Outcomes;

        Assert.Equal([PublishStatus.Rejected, PublishStatus.Accepted], outcomes.Select(o => o.Status));
        Assert.Single(Assert.Single(transport.Calls));
    }

    private static EventBridgeEventPublisher CreatePublisher(
        ScriptedTransport transport, TimeSpan? budget = null, AWSCredentials? credentials = null, TimeProvider? clock = null)
    {
        var options = new AwsOptions
        {
            QueueUrl = "http://127.0.0.1/queue",
            PublishRetryBudget = budget ?? TimeSpan.FromSeconds(10),
            PublishRetryBaseDelay = TimeSpan.FromMilliseconds(50),
        };
        clock ??= new InstantClock();
        var handler = EventBridgeClient.CreateHandler(
            credentials ?? new BasicAWSCredentials("AKIDTEST", "secret"), RegionEndpoint.USEast1, transport, options, clock);
        var client = new EventBridgeClient(handler, new Uri("https://events.us-east-1.amazonaws.com/"), clock, options);
        return new EventBridgeEventPublisher(client, Options.Create(options), NullLogger<EventBridgeEventPublisher>.Instance);
    }

    /// <summary>The entry's size as EventBridge counts it: Time 14 bytes, then Source, DetailType and Detail in UTF-8.</summary>
    private static int EntrySize(JsonElement entry) =>
        (entry.TryGetProperty("Time", out _) ? 14 : 0)
        + Encoding.UTF8.GetByteCount(entry.GetProperty("Source").GetString()!)
        + Encoding.UTF8.GetByteCount(entry.GetProperty("DetailType").GetString()!)
        + Encoding.UTF8.GetByteCount(entry.GetProperty("Detail").GetString()!);

    private static List<JsonElement> PackedEvents(JsonElement entry)
    {
        using var detail = JsonDocument.Parse(entry.GetProperty("Detail").GetString()!);
        return [.. detail.RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>Two events whose pack is <paramref name="over"/> bytes larger than the entry limit.</summary>
    private static async Task<TelemetryEvent[]> TwoEventsFillingTheLimitAsync(int over)
    {
        var first = Event() with { Data = Encoding.UTF8.GetBytes($$"""{"blob":"{{new string('a', 120 * 1024)}}"}""") };
        var probe = Event() with { Data = """{"blob":""}"""u8.ToArray() };
        var withEmptyBlob = EntrySize(await SingleEntryAsync([first, probe]));
        var fill = AwsOptions.DefaultMaxEntryBytes - withEmptyBlob + over;
        return [first, probe with { Data = Encoding.UTF8.GetBytes($$"""{"blob":"{{new string('b', fill)}}"}""") }];
    }

    /// <summary>The one entry a fresh publisher sends for <paramref name="events"/>.</summary>
    private static async Task<JsonElement> SingleEntryAsync(TelemetryEvent[] events)
    {
        var transport = new ScriptedTransport(entries => Answer(entries.Select(_ => Ok()).ToArray()));
        await CreatePublisher(transport).PublishAsync(events, TestContext.Current.CancellationToken);
        return Assert.Single(Assert.Single(transport.Calls));
    }

    private static TelemetryEvent Event(int hour = 0)
    {
        var time = new DateTimeOffset(2026, 3, 1, 12, 0, 0, 125, TimeSpan.Zero).AddHours(hour);
        return new TelemetryEvent
        {
            EventId = Guid.NewGuid(),
            Source = "host-a",
            EventType = "cpu_usage",
            Severity = "info",
            Timestamp = Rfc3339.ToUtcString(time),
            TimestampMs = time.ToUnixTimeMilliseconds(),
            Data = """{"v":87.50}"""u8.ToArray(),
            IngestedAt = Rfc3339.ToUtcString(time),
            RequestId = "req",
            SubmittedBy = "tester",
            ExpiresAt = time.AddDays(30).ToUnixTimeSeconds(),
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
    }

    private static string Ok() => $$"""{"EventId":"{{Guid.NewGuid()}}"}""";

    private static string Error(string code, string message = "failed") => $$"""{"ErrorCode":"{{code}}","ErrorMessage":"{{message}}"}""";

    private static HttpResponseMessage Answer(params string[] entries)
    {
        var failed = entries.Count(e => e.Contains("ErrorCode", StringComparison.Ordinal));
        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent($$"""{"FailedEntryCount":{{failed}},"Entries":[{{string.Join(",", entries)}}]}""", Encoding.UTF8, "application/x-amz-json-1.1"),
        };
    }

    /// <summary>
    /// A clock on which every backoff delay passes at once, advancing the time by the delay: the
    /// retry budget is spent after a known amount of backoff, however slow the machine is.
    /// </summary>
    private sealed class InstantClock : TimeProvider
    {
        private readonly Lock _lock = new();
        private DateTimeOffset _now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow()
        {
            lock (_lock)
            {
                return _now;
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    _now += dueTime;
                }
            }

            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new FiredTimer();
        }

        private sealed class FiredTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    /// <summary>Credentials that rotate on every read, as temporary credentials do when they are refreshed.</summary>
    private sealed class RotatingCredentials : AWSCredentials
    {
        private int _reads;

        public override ImmutableCredentials GetCredentials() =>
            new($"AKIDROTATED{Interlocked.Increment(ref _reads)}", "secret", null);

        public override Task<ImmutableCredentials> GetCredentialsAsync() => Task.FromResult(GetCredentials());
    }

    private sealed record SeenRequest(string Target, string? ContentType, string[] Authorization);

    /// <summary>Answers the n-th call with the n-th script step (the last step repeats), recording what it saw.</summary>
    private sealed class ScriptedTransport(params Func<List<JsonElement>, HttpResponseMessage>[] steps) : HttpMessageHandler
    {
        private int _next;

        public List<List<JsonElement>> Calls { get; } = [];

        public List<SeenRequest> Requests { get; } = [];

        public List<int> RequestSizes { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            var entries = JsonDocument.Parse(body).RootElement.GetProperty("Entries").EnumerateArray().Select(e => e.Clone()).ToList();
            Func<List<JsonElement>, HttpResponseMessage> step;
            lock (Calls)
            {
                Calls.Add(entries);
                RequestSizes.Add(body.Length);
                Requests.Add(new SeenRequest(
                    string.Join(",", request.Headers.GetValues("X-Amz-Target")),
                    request.Content.Headers.ContentType?.ToString(),
                    request.Headers.TryGetValues("Authorization", out var auth) ? [.. auth] : []));
                step = steps[Math.Min(_next++, steps.Length - 1)];
            }

            return step(entries);
        }
    }
}
