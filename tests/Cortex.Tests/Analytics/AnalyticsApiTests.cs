using System.Net;
using System.Text.Json;
using Cortex.Api.Hosting;
using Cortex.Api.Infrastructure.Embedded;
using Cortex.Api.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Analytics;

/// <summary>POST/GET /analytics/jobs in Embedded mode: the job lifecycle, the cache, limits and ownership.</summary>
public sealed class AnalyticsApiTests : IDisposable
{
    private readonly List<IDisposable> _apps = [];

    [Fact]
    public async Task AJobGoesFromQueuedToRunningToSucceededWithItsResult()
    {
        // One worker: while the first job runs, the second waits in the queue.
        var (app, engine) = GatedApp(new() { ["Cortex:Analytics:Workers"] = "1" });
        using var client = app.CreateClient("analyst", Scopes.Read, Scopes.Write);
        var source = Unique("lifecycle");
        await PostAcceptedAsync(client, Event(source, data: """{"cpu_percent":40}"""));
        await PostAcceptedAsync(client, Event(source, data: """{"cpu_percent":60}"""));
        await client.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);
        await engine.StartedAsync(Cancellation);

        var created = await client.PostAsync("/analytics/jobs", Json(Metric(source)), Cancellation);
        var accepted = await ReadJsonAsync(created);
        var location = created.Headers.Location!.ToString();
        var queued = await GetJobAsync(client, location);
        engine.Open(1);
        await engine.StartedAsync(Cancellation);
        var running = await GetJobAsync(client, location);
        engine.Open(1);
        var done = await FinishedAsync(client, location);

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        Assert.Equal($"/analytics/jobs/{accepted.GetProperty("job_id").GetString()}", location);
        Assert.False(accepted.GetProperty("cached").GetBoolean());
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.False(queued.TryGetProperty("started_at", out _));
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.True(running.TryGetProperty("started_at", out _));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.True(done.TryGetProperty("finished_at", out _));
        var row = done.GetProperty("result").GetProperty("metric")[0];
        Assert.Equal(2, row.GetProperty("count").GetInt32());
        Assert.Equal(50.0, row.GetProperty("avg").GetDouble());
        Assert.Equal(40.0, row.GetProperty("p50").GetDouble());
        Assert.Equal(60.0, row.GetProperty("p95").GetDouble());
    }

    [Fact]
    public async Task AJobTheEngineRefusesFailsWithTheEnginesReason()
    {
        var (app, engine) = GatedApp();
        engine.Failure = new AnalyticsFailedException("Athena: Query exhausted resources at this scale factor.");
        engine.Open();
        using var client = app.CreateClient("analyst", Scopes.Read);

        var created = await client.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);
        var done = await FinishedAsync(client, created.Headers.Location!.ToString());

        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Equal("Athena: Query exhausted resources at this scale factor.", done.GetProperty("error").GetString());
        Assert.False(done.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task AnUnexpectedEngineErrorFailsTheJobWithoutItsInternals()
    {
        var (app, engine) = GatedApp();
        engine.Failure = new InvalidOperationException("connection string Password=secret");
        engine.Open();
        using var client = app.CreateClient("analyst", Scopes.Read);

        var created = await client.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);
        var done = await FinishedAsync(client, created.Headers.Location!.ToString());

        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.DoesNotContain("secret", done.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("engine failed", done.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameJobWithinTheCacheTtlReturnsTheCachedJobAndSaysSo()
    {
        var app = App();
        using var client = app.CreateClient("analyst", Scopes.Read);
        var first = await client.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);
        var firstJob = await ReadJsonAsync(first);
        await FinishedAsync(client, first.Headers.Location!.ToString());

        // The same parameters written differently (member order, offset) are the same job.
        var again = await client.PostAsync("/analytics/jobs", Json("""{"parameters":{"to":"2026-11-21T01:00:00+01:00","from":"2026-11-20T00:00:00Z"},"operation":"summary"}"""), Cancellation);
        var againJob = await ReadJsonAsync(again);
        var otherSubject = await ReadJsonAsync(await app.CreateClient("someone-else", Scopes.Read).PostAsync("/analytics/jobs", Json(Summary()), Cancellation));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(againJob.GetProperty("cached").GetBoolean());
        Assert.Equal(firstJob.GetProperty("job_id").GetString(), againJob.GetProperty("job_id").GetString());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal("succeeded", againJob.GetProperty("status").GetString());
        Assert.True(againJob.TryGetProperty("result", out _));
        Assert.False(otherSubject.GetProperty("cached").GetBoolean());
        Assert.NotEqual(firstJob.GetProperty("job_id").GetString(), otherSubject.GetProperty("job_id").GetString());
    }

    [Fact]
    public async Task AJobExpiresAfterItsTtlAndIsDeletedByTheCleanup()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = App(new() { ["Cortex:Analytics:JobTtl"] = "01:00:00", ["Cortex:Embedded:CleanupInterval"] = "02:00:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", TokenIssuer.Create(CortexApplication.Auth, "analyst", [Scopes.Read], TimeSpan.FromDays(1)));
        var created = await client.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);
        var location = created.Headers.Location!.ToString();
        await FinishedAsync(client, location);

        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var expired = await client.GetAsync(location, Cancellation);
        var listed = await ReadJsonAsync(await client.GetAsync("/analytics/jobs", Cancellation));
        clock.Advance(TimeSpan.FromHours(2));
        var rows = await EventuallyAsync(() => CountJobs(app), 0);

        await AssertProblemAsync(expired, HttpStatusCode.NotFound);
        Assert.Equal(0, listed.GetProperty("items").GetArrayLength());
        Assert.Equal(0, rows);
    }

    [Fact]
    public async Task AResultLargerThanTheInlineLimitIsServedByLink()
    {
        var app = App(new() { ["Cortex:Analytics:MaxInlineResultBytes"] = "0" });
        using var client = app.CreateClient("analyst", Scopes.Read);
        var created = await client.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);

        var done = await FinishedAsync(client, created.Headers.Location!.ToString());
        var url = done.GetProperty("result_url").GetString()!;
        var download = await client.GetAsync(url, Cancellation);
        var body = await ReadJsonAsync(download);
        var stranger = await app.CreateClient("someone-else", Scopes.Read).GetAsync(url, Cancellation);

        Assert.False(done.TryGetProperty("result", out _));
        Assert.Equal($"{created.Headers.Location}/result", url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, body.GetProperty("totals")[0].GetProperty("events").GetInt32());
        Assert.Equal(done.GetProperty("result_bytes").GetInt64(), (await download.Content.ReadAsByteArrayAsync(Cancellation)).Length);
        await AssertProblemAsync(stranger, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AJobEstimatedToReadMoreThanTheBudgetIsRefusedWithTheEstimate()
    {
        var app = App(new() { ["Cortex:Embedded:AnalyticsScanBudgetEvents"] = "2" });
        using var client = app.CreateClient("analyst", Scopes.Read, Scopes.Write);
        var from = DateTimeOffset.UtcNow.AddHours(-1);
        for (var i = 0; i < 3; i++)
        {
            await PostAcceptedAsync(client, Event(Unique("budget")));
        }

        var response = await client.PostAsync("/analytics/jobs", Json(Summary(from, from.AddHours(2))), Cancellation);

        var errors = await AssertValidationProblemAsync(response, HttpStatusCode.UnprocessableEntity, "parameters");
        var problem = await ReadJsonAsync(response);
        Assert.Equal(3, problem.GetProperty("estimate").GetProperty("amount").GetInt64());
        Assert.Equal("events", problem.GetProperty("estimate").GetProperty("unit").GetString());
        Assert.Equal(2, problem.GetProperty("estimate").GetProperty("budget").GetInt64());
        Assert.Contains("budget", errors.GetProperty("parameters")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatingOrReadingJobsNeedsTheReadScope()
    {
        var app = App();
        using var writer = app.CreateClient("writer-only", Scopes.Write);

        var created = await writer.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);
        var listed = await writer.GetAsync("/analytics/jobs", Cancellation);

        await AssertProblemAsync(created, HttpStatusCode.Forbidden);
        await AssertProblemAsync(listed, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnotherSubjectCannotReadOrListAJobItDidNotCreate()
    {
        var app = App();
        using var owner = app.CreateClient("owner", Scopes.Read);
        using var stranger = app.CreateClient("stranger", Scopes.Read);
        var created = await owner.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);
        var location = created.Headers.Location!.ToString();
        await FinishedAsync(owner, location);

        var read = await stranger.GetAsync(location, Cancellation);
        var strangerList = await ReadJsonAsync(await stranger.GetAsync("/analytics/jobs", Cancellation));
        var ownerList = await ReadJsonAsync(await owner.GetAsync("/analytics/jobs", Cancellation));
        var missing = await stranger.GetAsync($"/analytics/jobs/{Guid.NewGuid()}", Cancellation);

        var problem = await AssertProblemAsync(read, HttpStatusCode.NotFound);
        Assert.Equal((await AssertProblemAsync(missing, HttpStatusCode.NotFound)).GetProperty("title").GetString(), problem.GetProperty("title").GetString());
        Assert.Equal(0, strangerList.GetProperty("items").GetArrayLength());
        Assert.Equal(1, ownerList.GetProperty("items").GetArrayLength());
        Assert.False(ownerList.GetProperty("items")[0].TryGetProperty("result", out _));
    }

    [Fact]
    public async Task ASubjectWithTooManyActiveJobsIsToldToWait()
    {
        var (app, engine) = GatedApp(new() { ["Cortex:Analytics:MaxActiveJobsPerSubject"] = "1" });
        using var client = app.CreateClient("busy", Scopes.Read);
        var first = await client.PostAsync("/analytics/jobs", Json(Summary()), Cancellation);

        var second = await client.PostAsync("/analytics/jobs", Json(Metric("any")), Cancellation);
        var otherSubject = await app.CreateClient("idle", Scopes.Read).PostAsync("/analytics/jobs", Json(Metric("any")), Cancellation);
        engine.Open();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await AssertProblemAsync(second, HttpStatusCode.TooManyRequests);
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, otherSubject.StatusCode);
    }

    [Theory]
    [InlineData("""{"operation":"histogram","parameters":{}}""", "operation", "summary, counts, metric, top_sources, silent_sources, integrity")]
    [InlineData("""{"parameters":{}}""", "operation", "summary, counts")]
    [InlineData("""{"operation":"summary"}""", "parameters.from", "required")]
    [InlineData("""{"operation":"summary","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-20T00:00:00Z"}}""", "parameters.to", "later than from")]
    [InlineData("""{"operation":"summary","parameters":{"from":"2026-01-01T00:00:00Z","to":"2026-03-01T00:00:00Z"}}""", "parameters.to", "at most 31 days")]
    [InlineData("""{"operation":"summary","parameters":{"from":"2026-11-20","to":"2026-11-21T00:00:00Z"}}""", "parameters.from", "RFC 3339")]
    [InlineData("""{"operation":"summary","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z","bucket":"1h"}}""", "parameters.bucket", "summary has no parameter bucket")]
    [InlineData("""{"operation":"counts","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z","bucket":"5m"}}""", "parameters.bucket", "1m, 1h, 1d")]
    [InlineData("""{"operation":"counts","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z","group_by":["host"]}}""", "parameters.group_by", "source, event_type, severity, region")]
    [InlineData("""{"operation":"counts","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z","severity":"fatal"}}""", "parameters.severity", "info, warning, critical")]
    [InlineData("""{"operation":"metric","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z"}}""", "parameters.field", "required")]
    [InlineData("""{"operation":"metric","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z","field":"data.x') OR 1=1 --"}}""", "parameters.field", "path below data")]
    [InlineData("""{"operation":"top_sources","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z","limit":0}}""", "parameters.limit", "1 to 1000")]
    [InlineData("""{"operation":"silent_sources","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z"}}""", "parameters.reference_from", "required")]
    [InlineData("""{"operation":"integrity","parameters":{"from":"2026-11-20T00:00:00Z","to":"2026-11-21T00:00:00Z","late_after":"soon"}}""", "parameters.late_after", "5m")]
    public async Task EveryParameterIsValidatedWithAProblemNamingIt(string body, string field, string message)
    {
        var app = App();
        using var client = app.CreateClient("analyst", Scopes.Read);

        var response = await client.PostAsync("/analytics/jobs", Json(body), Cancellation);

        var errors = await AssertValidationProblemAsync(response, HttpStatusCode.UnprocessableEntity, field);
        Assert.Contains(message, errors.GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwaggerShowsTheOperationsWithAnExamplePerOperation()
    {
        var app = App();
        using var client = app.CreateClient();

        var document = await ReadJsonAsync(await client.GetAsync("/swagger/v1/swagger.json", Cancellation));

        var paths = document.GetProperty("paths");
        var examples = paths.GetProperty("/analytics/jobs").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("examples");
        Assert.Equal(AnalyticsOperations.All, examples.EnumerateObject().Select(e => e.Name));
        Assert.True(paths.GetProperty("/analytics/jobs/{job_id}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/analytics/jobs/{job_id}/result").TryGetProperty("get", out _));
    }

    public void Dispose()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            app.Dispose();
        }
    }

    private static string Summary(DateTimeOffset? from = null, DateTimeOffset? to = null) =>
        $$$"""{"operation":"summary","parameters":{"from":"{{{Time(from ?? GoldenEvents.Start)}}}","to":"{{{Time(to ?? GoldenEvents.Start.AddDays(1))}}}"}}""";

    private static string Metric(string source)
    {
        var now = DateTimeOffset.UtcNow;
        return $$$"""{"operation":"metric","parameters":{"from":"{{{Time(now.AddHours(-1))}}}","to":"{{{Time(now.AddHours(1))}}}","source":{{{JsonSerializer.Serialize(source)}}},"field":"data.cpu_percent"}}""";
    }

    private static string Time(DateTimeOffset time) => Cortex.Api.Events.Rfc3339.ToUtcString(time);

    private CortexApplication App(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var app = new CortexApplication(settings, testServices: services);
        _apps.Add(app);
        return app;
    }

    private (CortexApplication App, GatedAnalyticsEngine Engine) GatedApp(Dictionary<string, string?>? settings = null)
    {
        GatedAnalyticsEngine? engine = null;
        var app = App(settings, services => services.AddSingleton<IAnalyticsEngine>(sp =>
            engine = new GatedAnalyticsEngine(ActivatorUtilities.CreateInstance<SqliteAnalyticsEngine>(sp))));
        _ = app.Services.GetRequiredService<IAnalyticsEngine>();
        return (app, engine!);
    }

    private static async Task<JsonElement> GetJobAsync(HttpClient client, string location)
    {
        var response = await client.GetAsync(location, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    /// <summary>Polls the job until it finishes; the bound only stops a broken build from hanging.</summary>
    private static async Task<JsonElement> FinishedAsync(HttpClient client, string location)
    {
        var job = await GetJobAsync(client, location);
        for (var i = 0; i < 400 && job.GetProperty("status").GetString() is "queued" or "running"; i++)
        {
            await Task.Delay(25, Cancellation);
            job = await GetJobAsync(client, location);
        }

        return job;
    }

    private static long CountJobs(CortexApplication app)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM analytics_jobs";
        return (long)command.ExecuteScalar()!;
    }

    private static async Task<long> EventuallyAsync(Func<long> probe, long expected)
    {
        var value = probe();
        for (var i = 0; i < 200 && value != expected; i++)
        {
            await Task.Delay(50, Cancellation);
            value = probe();
        }

        return value;
    }
}
