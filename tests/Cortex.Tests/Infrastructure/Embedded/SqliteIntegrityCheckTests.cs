using Cortex.Api.Infrastructure.Embedded;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Cortex.Tests.Infrastructure.Embedded;

/// <summary>
/// The startup integrity check reads the whole file, so it has a budget: when the budget is
/// spent the check is interrupted, startup goes on, and the connection works as before.
/// </summary>
public sealed class SqliteIntegrityCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cortex-integrity-").FullName;

    [Fact]
    public void ACheckThatOutrunsItsBudgetIsStoppedWithAWarningAndLeavesTheConnectionUsable()
    {
        var path = Path.Combine(_directory, "cortex.db");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        FillWithEvents(connection, path, rows: 200_000); // about 80 MB: a check long enough that a late timer still interrupts it
        var logger = new FakeLogger();

        SqliteIntegrityCheck.Run(connection, path, TimeSpan.FromMilliseconds(1), logger);

        var warning = Assert.Single(logger.Collector.GetSnapshot(), record => record.Level == LogLevel.Warning);
        Assert.Contains("did not finish", warning.Message, StringComparison.Ordinal);
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM events;";
        Assert.Equal(200_000L, count.ExecuteScalar());
    }

    [Fact]
    public void ACheckWithinItsBudgetOfAnIntactFileSaysNothing()
    {
        var path = Path.Combine(_directory, "cortex.db");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        FillWithEvents(connection, path, rows: 100);
        var logger = new FakeLogger();

        SqliteIntegrityCheck.Run(connection, path, TimeSpan.FromMinutes(1), logger);

        Assert.Empty(logger.Collector.GetSnapshot());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static void FillWithEvents(SqliteConnection connection, string path, int rows)
    {
        SqliteSchema.Current.Apply(connection, path, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
            INSERT INTO events (event_id, ts_ms, source, event_type, severity, expires_at, document) SELECT randomblob(16), 1790000000000 + i, 'source-' || (i % 100), 'custom', 'info', 9999999999, printf('{"padding":"%.300c"}', 'x') FROM n;
            """;
        insert.Parameters.AddWithValue("$rows", rows);
        insert.ExecuteNonQuery();
    }
}
