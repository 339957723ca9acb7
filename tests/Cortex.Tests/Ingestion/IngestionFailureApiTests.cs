using System.Globalization;
using System.Net;
using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Embedded;
using Cortex.Api.Ports;
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

        public async Task<IReadOnlyList<PublishOutcome>> PublishAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
        {
            if (events.Any(e => e.Source.StartsWith("overload-", StringComparison.Ordinal)))
            {
                throw new ServiceOverloadedException("The sink is overloaded; retry shortly.") { RetryAfter = TimeSpan.FromSeconds(3) };
            }

            if (events.Any(e => e.Source.StartsWith("bug-", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException(Secret);
            }

            var passing = events.Where(e => !e.Source.StartsWith("fail-", StringComparison.Ordinal)).ToList();
            var stored = passing.Count == 0 ? [] : await inner.PublishAsync(passing, cancellationToken);
            var outcomes = new PublishOutcome[events.Count];
            var next = 0;
            for (var i = 0; i < events.Count; i++)
            {
                outcomes[i] = events[i].Source.StartsWith("fail-", StringComparison.Ordinal)
                    ? PublishOutcome.Failed("The bus did not take the event; retry.")
                    : stored[next++];
            }

            return outcomes;
        }
    }
}
