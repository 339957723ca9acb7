using System.Globalization;
using System.Net;
using Cortex.Api.Events;
using Cortex.Api.Hosting;
using Cortex.Api.Infrastructure.Embedded;
using Cortex.Api.Ports;
using Cortex.Tests.Infrastructure.Embedded;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Ingestion;

/// <summary>
/// What clients see when the hand-off fails: a publisher in front of the real one fails events
/// whose source says so, so each status path can be reached on demand.
/// </summary>
public sealed class IngestionFailureApiTests : IClassFixture<IngestionFailureApiTests.FailingPublisherFixture>
{
    private readonly FailingPublisherFixture _fixture;

    public IngestionFailureApiTests(FailingPublisherFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task AnEventThatCannotBeHandedOffReturns503WithRetryAfter()
    {
        var client = _fixture.CreateClient();
        var source = Unique("fail");

        var response = await client.PostAsync("/events", Json(Event(source)), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "retry");
        AssertRetryAfter(response);
        Assert.Equal(0, _fixture.App.CountStored(source));
    }

    [Fact]
    public async Task AnOverloadedSinkReturns503WithRetryAfter()
    {
        var client = _fixture.CreateClient();
        var source = Unique("overload");

        var single = await client.PostAsync("/events", Json(Event(source)), Cancellation);
        var batch = await client.PostAsync("/events/batch", Json($"[{Event(source)}]"), Cancellation);

        await AssertProblemAsync(single, HttpStatusCode.ServiceUnavailable, "overloaded");
        await AssertProblemAsync(batch, HttpStatusCode.ServiceUnavailable, "overloaded");
        Assert.Equal("3", single.Headers.GetValues("Retry-After").Single());
        AssertRetryAfter(batch);
    }

    [Fact]
    public async Task ABatchWhoseEventsAllFailReturns503WithResults()
    {
        var client = _fixture.CreateClient();
        var source = Unique("fail");

        var response = await client.PostAsync("/events/batch", Json($"[{Event(source)},{Event(source)}]"), Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        AssertRetryAfter(response);
        Assert.All(problem.GetProperty("results").EnumerateArray(), r => Assert.Equal("failed", r.GetProperty("status").GetString()));
        Assert.Equal(2, problem.GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task ABatchWithAcceptedRejectedAndFailedEventsReturns207WithEachOutcome()
    {
        var client = _fixture.CreateClient();
        var good = Unique("good");
        var failing = Unique("fail");
        var failingId = Guid.NewGuid().ToString("D");

        var response = await client.PostAsync(
            "/events/batch",
            Json($"[{Event(good)},{Event(failing, $"\"event_id\":\"{failingId}\"")},{{\"source\":\"{good}\"}}]"),
            Cancellation);
        var result = await ReadJsonAsync(response);

        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        var items = result.GetProperty("results");
        Assert.Equal(["accepted", "failed", "rejected"], items.EnumerateArray().Select(i => i.GetProperty("status").GetString()));
        Assert.Equal(failingId, items[1].GetProperty("event_id").GetString());
        Assert.False(string.IsNullOrEmpty(items[1].GetProperty("error").GetString()));
        Assert.Equal(1, (await ListBySourceAsync(client, good)).GetArrayLength());
        Assert.Equal(0, _fixture.App.CountStored(failing));
    }

    [Fact]
    public async Task AnUnexpectedErrorReturns500WithoutInternals()
    {
        var client = _fixture.CreateClient();

        var response = await client.PostAsync("/events", Json(Event(Unique("bug"))), Cancellation);
        var problem = await AssertProblemAsync(response, HttpStatusCode.InternalServerError);

        var text = problem.GetRawText();
        Assert.DoesNotContain(FailingPublisher.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(FailingPublisher), text, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("request_id").GetString()));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task AnEventWhoseCommitFailsIsSpooledAnsweredAcceptedAndStoredOnceByReplay()
    {
        using var app = new CortexApplication();
        using var writer = app.CreateClient("commit-fails", Scopes.Write);
        using var admin = app.CreateClient("commit-fails-admin", Scopes.Admin);
        var source = Unique("commit-fails");
        await writer.GetAsync("/health/ready", Cancellation);
        await StoreFaults.FailCommitsOfSourceAsync(app.DatabasePath, source);

        var first = await writer.PostAsync("/events", Json(Event(source)), Cancellation);
        var accepted = await ReadJsonAsync(first);
        var eventId = accepted.GetProperty("event_id").GetString()!;
        var storedBeforeReplay = app.CountStored(source);

        // A client that lost the answer sends the same event again, with the id it was given.
        var retry = await writer.PostAsync("/events", Json(Event(source, $"\"event_id\":\"{eventId}\"")), Cancellation);
        await StoreFaults.RepairCommitsOfSourceAsync(app.DatabasePath, source);
        var replay = await admin.PostAsync("/operations/dead-letters/replay", Json("""{"max_messages":100,"max_per_second":100}"""), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());
        Assert.Equal(eventId, accepted.GetProperty("message_id").GetString());
        Assert.Equal(0, storedBeforeReplay);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(1, app.CountStoredById(eventId));
        Assert.Equal(1, app.CountStored(source));
    }

    /// <summary>Spools that cannot keep an event: a path under a regular file, and a file that cannot be synced to disk.</summary>
    public static TheoryData<string> UnusableSpools => ["under-a-file", "/dev/null"];

    [Theory]
    [MemberData(nameof(UnusableSpools))]
    public async Task AnEventThatCanBeNeitherCommittedNorSpooledIs503AndARetryStoresItOnce(string spool)
    {
        var notADirectory = Path.GetTempFileName();
        try
        {
            using var app = new CortexApplication(new Dictionary<string, string?>
            {
                ["Cortex:Embedded:DeadLetterPath"] = spool == "under-a-file" ? Path.Combine(notADirectory, "dead-letters.jsonl") : spool,
            });
            using var writer = app.CreateClient("spool-fails", Scopes.Write);
            var source = Unique("spool-fails");
            await writer.GetAsync("/health/ready", Cancellation);
            await StoreFaults.FailCommitsOfSourceAsync(app.DatabasePath, source);

            var failed = await writer.PostAsync("/events", Json(Event(source)), Cancellation);
            await AssertProblemAsync(failed, HttpStatusCode.ServiceUnavailable, "retry");
            var storedAfterFailure = app.CountStored(source);
            await StoreFaults.RepairCommitsOfSourceAsync(app.DatabasePath, source);
            var retried = await writer.PostAsync("/events", Json(Event(source)), Cancellation);

            AssertRetryAfter(failed);
            Assert.Equal(0, storedAfterFailure);
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
            Assert.Equal(1, app.CountStored(source));
        }
        finally
        {
            File.Delete(notADirectory);
        }
    }

    [Fact]
    public async Task TheMessageIdOfAnEmbeddedEventIsItsEventId()
    {
        var client = _fixture.CreateClient();

        var response = await client.PostAsync("/events", Json(Event(Unique("message-id"))), Cancellation);
        var accepted = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(accepted.GetProperty("event_id").GetString(), accepted.GetProperty("message_id").GetString());
    }

    private static void AssertRetryAfter(HttpResponseMessage response)
    {
        var value = response.Headers.GetValues("Retry-After").Single();
        Assert.True(int.Parse(value, CultureInfo.InvariantCulture) >= 1, value);
    }

    public sealed class FailingPublisherFixture : IDisposable
    {
        private readonly WebApplicationFactory<Program> _factory;

        public FailingPublisherFixture()
        {
            _factory = App.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
                services.AddSingleton<IEventPublisher>(sp => new FailingPublisher(ActivatorUtilities.CreateInstance<EmbeddedEventPublisher>(sp)))));
        }

        public CortexApplication App { get; } = new();

        public HttpClient CreateClient()
        {
            var client = _factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", CortexApplication.Token("agent-failures"));
            return client;
        }

        public void Dispose()
        {
            _factory.Dispose();
            App.Dispose();
        }
    }

    /// <summary>Fails by source prefix: "fail-" transiently, "overload-" as saturation, "bug-" with an exception.</summary>
    private sealed class FailingPublisher(IEventPublisher inner) : IEventPublisher
    {
        public const string Secret = "connection string Password=hunter2";

        public async Task<PublishResult> PublishAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
        {
            if (events.Any(e => e.Source.StartsWith("overload-", StringComparison.Ordinal)))
            {
                return PublishResult.Overloaded("The sink is overloaded; retry shortly.", TimeSpan.FromSeconds(3));
            }

            if (events.Any(e => e.Source.StartsWith("bug-", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException(Secret);
            }

            var passing = events.Where(e => !e.Source.StartsWith("fail-", StringComparison.Ordinal)).ToList();
            var stored = passing.Count == 0 ? [] : (await inner.PublishAsync(passing, cancellationToken)).Outcomes;
            var outcomes = new PublishOutcome[events.Count];
            var next = 0;
            for (var i = 0; i < events.Count; i++)
            {
                outcomes[i] = events[i].Source.StartsWith("fail-", StringComparison.Ordinal)
                    ? PublishOutcome.Failed("The bus did not take the event; retry.")
                    : stored[next++];
            }

            return PublishResult.Completed(outcomes);
        }
    }
}
