using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cortex.Api.Hosting;
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
    public async Task AnEventWhoseCommitFailsIsAnswered503AndKeptForTheOperator()
    {
        await BreakStoreForSourceAsync("poison");

        var response = await _writer.PostAsync("/events", Event("poison", Guid.NewGuid()), Ct);
        var first = await PeekAsync();
        var second = await PeekAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
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
        await BreakStoreForSourceAsync("gauged");
        await _writer.PostAsync("/events", Event("gauged", Guid.NewGuid()), Ct);
        using var restarted = _app.WithWebHostBuilder(_ => { }); // a new host reads the depth at start
        using var client = restarted.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", CortexApplication.Token("dlq-admin", Scopes.Admin));

        // The monitor reads the depth in the background right after start; wait for that first read.
        var metrics = await client.GetStringAsync("/metrics", Ct);
        for (var i = 0; i < 200 && !metrics.Contains("cortex_dlq_depth{", StringComparison.Ordinal); i++)
        {
            await Task.Delay(25, Ct);
            metrics = await client.GetStringAsync("/metrics", Ct);
        }

        Assert.Contains("cortex_dlq_depth{", metrics, StringComparison.Ordinal);
        Assert.Matches(@"cortex_dlq_depth\{[^}]*\} 1(\s|$)", metrics);
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

        Assert.Equal(36, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(4, responses.Count(r => r.StatusCode == HttpStatusCode.ServiceUnavailable));
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
    private async Task BreakStoreForSourceAsync(string source)
    {
        await _writer.GetAsync("/health/ready", Ct); // the store creates its schema on first use
        await ExecuteAsync($"CREATE TRIGGER IF NOT EXISTS fail_{source.Replace('-', '_')} BEFORE INSERT ON events "
            + $"WHEN NEW.source = '{source}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
    }

    private async Task RepairStoreAsync()
    {
        foreach (var trigger in new[] { "poison", "replayed", "paced", "purged", "poison_neighbour" })
        {
            await ExecuteAsync($"DROP TRIGGER IF EXISTS fail_{trigger};");
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_app.DatabasePath}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }
}
