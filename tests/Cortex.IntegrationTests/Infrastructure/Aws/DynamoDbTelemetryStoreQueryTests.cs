using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Infrastructure.Embedded;
using Cortex.Api.Ports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.IntegrationTests.Infrastructure.Aws;

/// <summary>
/// Listing queries against a table of their own (every pattern sees the whole table), compared
/// page by page with the SQLite store holding the same events: same items, order and cursors.
/// </summary>
public sealed class DynamoDbTelemetryStoreQueryTests : IClassFixture<AwsResources>
{
    private static readonly DateTimeOffset Now = TestEvents.BaseTime.AddDays(1);
    private readonly AwsResources _aws;
    private readonly FakeTimeProvider _clock = new(Now);

    public DynamoDbTelemetryStoreQueryTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
    }

    [Fact]
    public async Task EveryQueryPatternPagesExactlyLikeTheSqliteStore()
    {
        var events = Dataset();
        var dynamo = CreateStore();
        await using var sqliteServices = CreateSqliteServices(out var directory);
        var sqlite = sqliteServices.GetRequiredService<SqliteTelemetryStore>();
        try
        {
            await dynamo.SaveAsync(events, TestContext.Current.CancellationToken);
            await sqlite.SaveAsync(events, TestContext.Current.CancellationToken);
            var t = TestEvents.BaseTime;
            var cases = new (EventQuery Query, string Name)[]
            {
                (Q(limit: 7), "all by time"),
                (Q(limit: 1000), "all by time, one page"),
                (Q(severity: "critical", limit: 3), "by time, severity"),
                (Q(from: t.AddSeconds(2), to: t.AddSeconds(5), limit: 4), "time range with ties at both bounds"),
                (Q(from: t.AddSeconds(3), to: t.AddSeconds(3), limit: 4), "empty range"),
                (Q(source: "q-s1", limit: 1), "by source"),
                (Q(source: "q-s2", severity: "warning", limit: 2), "by source, severity"),
                (Q(source: "q-s1", eventType: "disk_io", limit: 3), "by source and type"),
                (Q(source: "q-s2", from: t.AddSeconds(1), to: t.AddSeconds(6), limit: 3), "by source, range"),
                (Q(eventType: "cpu_usage", limit: 4), "by type"),
                (Q(eventType: "disk_io", severity: "info", from: t.AddSeconds(1), limit: 2), "by type, severity, from"),
                (Q(eventType: "uptime", limit: 5), "by type, nothing stored"),
            };

            foreach (var (query, name) in cases)
            {
                var expected = await AllPagesAsync(sqlite, query);
                var actual = await AllPagesAsync(dynamo, query);

                Assert.True(expected.Count > 0, name);
                Assert.True(expected.SequenceEqual(actual, PageComparer.Instance), $"{name}: DynamoDB pages differ from SQLite's");
            }

            Assert.Equal(events.Count(e => e.ExpiresAt > Now.ToUnixTimeSeconds()), (await AllPagesAsync(dynamo, Q(limit: 1000))).Single().Items.Count);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static EventQuery Q(
        string? source = null, string? eventType = null, string? severity = null,
        DateTimeOffset? from = null, DateTimeOffset? to = null, int limit = 100) =>
        new(source, eventType, severity, from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds(), limit, null);

    /// <summary>Two sources, two types, three severities, timestamps with ties, some expired; half the ids server-assigned.</summary>
    private static List<TelemetryEvent> Dataset()
    {
        string[] sources = ["q-s1", "q-s2"];
        string[] types = ["cpu_usage", "disk_io"];
        string[] severities = ["info", "warning", "critical"];
        var events = new List<TelemetryEvent>();
        for (var i = 0; i < 36; i++)
        {
            events.Add(TestEvents.Create(
                source: sources[i % 2],
                eventType: types[i / 2 % 2],
                severity: severities[i % 3],
                timestamp: TestEvents.BaseTime.AddSeconds(i % 7).AddMilliseconds(i % 5 == 0 ? 0 : 250),
                expiresAt: i % 11 == 0 ? Now.ToUnixTimeSeconds() - 5 : null,
                eventId: i % 2 == 0 ? Uuid7.New(TestEvents.BaseTime.AddSeconds(i % 7).AddMilliseconds(i % 5 == 0 ? 0 : 250)) : null));
        }

        return events;
    }

    private static async Task<List<EventPage>> AllPagesAsync(ITelemetryStore store, EventQuery query)
    {
        var pages = new List<EventPage>();
        EventPosition? after = null;
        do
        {
            var page = await store.QueryAsync(query with { After = after }, TestContext.Current.CancellationToken);
            pages.Add(page);
            after = page.Next;
        }
        while (after is not null && pages.Count < 200);

        return pages;
    }

    private DynamoDbTelemetryStore CreateStore() => new(_aws.Dynamo, Options.Create(_aws.Options), _clock);

    /// <summary>The embedded store as the app wires it, on a file of its own, unsynced (only query results are compared).</summary>
    private ServiceProvider CreateSqliteServices(out string directory)
    {
        directory = Path.Combine(Path.GetTempPath(), "cortex-it", Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{EmbeddedOptions.SectionName}:DatabasePath"] = Path.Combine(directory, "cortex.db"),
            [$"{EmbeddedOptions.SectionName}:Synchronous"] = "NORMAL",
        }).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { ContentRootPath = directory })
            .AddSingleton<TimeProvider>(_clock)
            .AddCortexEmbedded()
            .BuildServiceProvider();
    }

    private sealed class PageComparer : IEqualityComparer<EventPage>
    {
        public static readonly PageComparer Instance = new();

        public bool Equals(EventPage? x, EventPage? y) =>
            x is not null && y is not null && x.Next == y.Next && x.Items.SequenceEqual(y.Items);

        public int GetHashCode(EventPage obj) => obj.Items.Count;
    }
}
