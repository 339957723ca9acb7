using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cortex.Api.Hosting;
using Cortex.Tests.Infrastructure.Embedded;
using Microsoft.Data.Sqlite;

namespace Cortex.Tests.Operations;

public sealed class DeadLetterApiTests : IDisposable
{
    private readonly CortexApplication _app = new();
    private readonly HttpClient _writer;
    private readonly HttpClient _admin;

    public DeadLetterApiTests()
    {
        _writer = _app.CreateClient("dlq-writer", Scopes.Write, Scopes.Read);
        _admin = _app.CreateClient("dlq-admin", Scopes.Admin);
    }

    [Fact]
    public async Task AnEventWhoseCommitFailsIsAcceptedAndKeptForTheOperator()
    {
        await BreakStoreForSourceAsync("poison");

        var response = await _writer.PostAsync("/events", Event("poison", Guid.NewGuid()), Ct);
        var first = await PeekAsync();
        var second = await PeekAsync();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, first.GetProperty("approximate_count").GetInt64());
        var message = Assert.Single(first.GetProperty("messages").EnumerateArray());
        Assert.Equal("poison", message.GetProperty("source").GetString());
        Assert.Contains("injected failure", message.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, second.GetProperty("approximate_count").GetInt64());
    }

    [Fact]
    public async Task ReplayStoresEveryDeadLetterExactlyOnceAndEmptiesTheQueue()
    {
        await BreakStoreForSourceAsync("replayed");
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        foreach (var id in ids)
        {
            await _writer.PostAsync("/events", Event("replayed", id), Ct);
        }

        await RepairStoreAsync();
        var replay = await _admin.PostAsJsonAsync("/operations/dead-letters/replay", new { max_messages = 100, max_per_second = 100 }, Ct);
        var result = await replay.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var again = await (await _admin.PostAsJsonAsync("/operations/dead-letters/replay", new { }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var listing = await _writer.GetFromJsonAsync<JsonElement>("/events?source=replayed", Ct);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(3, result.GetProperty("moved").GetInt32());
        Assert.Equal(0, result.GetProperty("failed").GetInt32());
        Assert.Equal(0, again.GetProperty("moved").GetInt32());
        Assert.Equal(0, (await PeekAsync()).GetProperty("approximate_count").GetInt64());
        var stored = listing.GetProperty("items").EnumerateArray().Select(i => Guid.Parse(i.GetProperty("event_id").GetString()!)).Order().ToArray();
        Assert.Equal(ids.Order().ToArray(), stored);
    }

    [Fact]
    public async Task ReplayNeverExceedsTheRequestedRate()
    {
        await BreakStoreForSourceAsync("paced");
        for (var i = 0; i < 5; i++)
        {
            await _writer.PostAsync("/events", Event("paced", Guid.NewGuid()), Ct);
        }

        await RepairStoreAsync();
        var clock = Stopwatch.StartNew();
        var replay = await _admin.PostAsJsonAsync("/operations/dead-letters/replay", new { max_messages = 5, max_per_second = 10 }, Ct);

        // Five messages at ten per second leave four gaps of 100 ms: a lower bound only, never flaky.
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(390), $"replay took {clock.Elapsed}");
    }

    [Fact]
    public async Task PurgeRequiresTheQueueNameAsConfirmation()
    {
        await BreakStoreForSourceAsync("purged");
        await _writer.PostAsync("/events", Event("purged", Guid.NewGuid()), Ct);

        var missing = await _admin.PostAsJsonAsync("/operations/dead-letters/purge", new { }, Ct);
        var wrong = await _admin.PostAsJsonAsync("/operations/dead-letters/purge", new { confirm = "yes" }, Ct);
        var countAfterRefusals = (await PeekAsync()).GetProperty("approximate_count").GetInt64();
        var name = (await PeekAsync()).GetProperty("queue").GetString();
        var purge = await _admin.PostAsJsonAsync("/operations/dead-letters/purge", new { confirm = name }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("confirm", await wrong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(1, countAfterRefusals);
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(1, (await purge.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("purged").GetInt64());
        Assert.Equal(0, (await PeekAsync()).GetProperty("approximate_count").GetInt64());
    }

    [Fact]
    public async Task TheDeadLetterDepthIsAGauge()
    {
        // Meters are process-wide: a host's /metrics also shows the "Cortex" gauges of every other
        // host alive in this test process, and series with the same labels share one value. So
        // this queue gets a file name (its label) of its own, and the host that wrote the dead
        // letter is disposed before the host that reads the depth at start.
        var directory = Directory.CreateTempSubdirectory("cortex-dlq-gauge-").FullName;
        var queue = $"gauged-{Guid.NewGuid():N}.jsonl";
        var settings = new Dictionary<string, string?>
        {
            ["Cortex:Embedded:DatabasePath"] = Path.Combine(directory, "cortex.db"),
            ["Cortex:Embedded:DeadLetterPath"] = Path.Combine(directory, queue),
        };
        try
        {
            using (var first = new CortexApplication(settings))
            using (var writer = first.CreateClient("dlq-writer", Scopes.Write))
            {
                await BreakStoreForSourceAsync("gauged", first, writer);
                Assert.Equal(HttpStatusCode.Accepted, (await writer.PostAsync("/events", Event("gauged", Guid.NewGuid()), Ct)).StatusCode);
            }

            using var restarted = new CortexApplication(settings);
            using var client = restarted.CreateClient("dlq-admin", Scopes.Admin);

            // The monitor reads the depth in the background right after start; wait for that first read.
            var series = new System.Text.RegularExpressions.Regex($@"cortex_dlq_depth\{{[^}}]*queue=""{queue}""[^}}]*\}} (?<depth>\d+)");
            var metrics = await client.GetStringAsync("/metrics", Ct);
            for (var i = 0; i < 200 && !series.IsMatch(metrics); i++)
            {
                await Task.Delay(25, Ct);
                metrics = await client.GetStringAsync("/metrics", Ct);
            }

            Assert.Matches(series, metrics);
            Assert.Equal("1", series.Match(metrics).Groups["depth"].Value);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task OperationsNeedTheAdminScope()
    {
        var response = await _writer.GetAsync("/operations/dead-letters", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AFailingRequestDoesNotFailTheRequestsThatShareItsCommit()
    {
        await BreakStoreForSourceAsync("poison-neighbour");

        var requests = Enumerable.Range(0, 40)
            .Select(i => _writer.PostAsync("/events", Event(i % 10 == 0 ? "poison-neighbour" : "healthy-neighbour", Guid.NewGuid()), Ct));
        var responses = await Task.WhenAll(requests);

        var stored = await _writer.GetFromJsonAsync<JsonElement>("/events?source=healthy-neighbour&limit=100", Ct);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(36, stored.GetProperty("items").GetArrayLength());
        Assert.Equal(4, (await PeekAsync()).GetProperty("approximate_count").GetInt64());
    }

    public void Dispose()
    {
        _writer.Dispose();
        _admin.Dispose();
        _app.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Event(string source, Guid id) => new(
        $$"""{"source":"{{source}}","event_type":"custom","event_id":"{{id}}","data":{"n":1} }""", Encoding.UTF8, "application/json");

    private async Task<JsonElement> PeekAsync() =>
        await _admin.GetFromJsonAsync<JsonElement>("/operations/dead-letters?limit=100", Ct);

    /// <summary>Makes every insert of <paramref name="source"/> fail inside SQLite, as a full disk or corrupt page would.</summary>
    private async Task BreakStoreForSourceAsync(string source, CortexApplication? app = null, HttpClient? writer = null)
    {
        await (writer ?? _writer).GetAsync("/health/ready", Ct); // the store creates its schema on first use
        await StoreFaults.FailCommitsOfSourceAsync((app ?? _app).DatabasePath, source);
    }

    private async Task RepairStoreAsync()
    {
        foreach (var source in new[] { "poison", "replayed", "paced", "purged", "poison-neighbour" })
        {
            await StoreFaults.RepairCommitsOfSourceAsync(_app.DatabasePath, source);
        }
    }
}
