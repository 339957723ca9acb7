using Cortex.Api.Infrastructure.Embedded;
using Cortex.Api.Ports;
using Microsoft.Data.Sqlite;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Infrastructure.Embedded;

/// <summary>
/// How SQLite runs each listing, read from EXPLAIN QUERY PLAN on a real database file: every
/// query seeks an index (never scans the table), and a query by type sorts one second of keys at
/// a time instead of its type's whole range, however many events the store holds.
/// </summary>
public sealed class QueryPlanTests : IDisposable
{
    private static readonly EventPosition Cursor = new(1_790_000_000_000, Guid.CreateVersion7());

    private readonly string _directory = Directory.CreateTempSubdirectory("cortex-plan-").FullName;

    public static TheoryData<string> TypeQueries => ["plain", "filtered"];

    [Theory]
    [MemberData(nameof(TypeQueries))]
    public async Task AQueryByTypeSortsOneSecondOfIndexKeysAtATimeAndFetchesRowsByRowid(string shape)
    {
        var plan = await PlanAsync(shape == "plain"
            ? new EventQuery(null, "disk_io", null, null, null, 100, null)
            : new EventQuery(null, "disk_io", "critical", 1_789_000_000_000, 1_791_000_000_000, 100, Cursor));

        Assert.Contains(plan, line => line.Contains("CO-ROUTINE k", StringComparison.Ordinal));
        Assert.Contains(plan, line => line.Contains("SEARCH events USING COVERING INDEX ix_events_type_second (event_type=?", StringComparison.Ordinal));
        Assert.Contains(plan, line => line.Contains("USE TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY", StringComparison.Ordinal));
        Assert.Contains(plan, line => line.Contains("SEARCH e USING INTEGER PRIMARY KEY (rowid=?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("USE TEMP B-TREE FOR ORDER BY", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("SCAN events", StringComparison.Ordinal));
        if (shape == "filtered")
        {
            Assert.Contains(plan, line => line.Contains("(event_type=? AND <expr>>? AND <expr><?)", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AQueryWithoutSourceOrTypeMergesNineTypeRangesEachSortedBySecond()
    {
        var plan = await PlanAsync(new EventQuery(null, null, "info", null, null, 100, Cursor));

        Assert.Contains(plan, line => line.Contains("MERGE (UNION ALL)", StringComparison.Ordinal));
        Assert.Equal(9, plan.Count(line => line.Contains("SEARCH events USING COVERING INDEX ix_events_type_second (event_type=?", StringComparison.Ordinal)));
        Assert.Equal(9, plan.Count(line => line.Contains("USE TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY", StringComparison.Ordinal)));
        Assert.DoesNotContain(plan, line => line.Contains("SCAN events", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AQueryBySourceReadsTheSourceIndexInOrderWithoutSorting()
    {
        var plan = await PlanAsync(new EventQuery("server-web-01", "cpu_usage", "warning", 1_789_000_000_000, null, 100, Cursor));

        Assert.Contains(plan, line => line.Contains("SEARCH events USING INDEX ix_events_source_time (source=?", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Creates the store's schema through the app, then explains the query on that file.</summary>
    private async Task<List<string>> PlanAsync(EventQuery query)
    {
        var path = Path.Combine(_directory, "cortex.db");
        using (var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = path }))
        {
            using var client = app.CreateClient("plan-writer");
            await PostAcceptedAsync(client, Event(Unique("plan")));
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + SqliteEventQueries.QueryText(query, command);
        var plan = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            plan.Add(reader.GetString(3));
        }

        return plan;
    }
}
