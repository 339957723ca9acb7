using System.Globalization;
using Cortex.Api.Infrastructure.Analytics;
using Cortex.Api.Ports;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// Analytics over the SQLite file, on a read-only connection of its own: in WAL mode readers
/// never wait for the writer, and the writer never waits for them. There is no lake in Embedded
/// mode: integrity reads the store as both sides, so it reports late events and agrees with itself.
/// </summary>
internal sealed class SqliteAnalyticsEngine(SqliteDatabase database, IOptions<EmbeddedOptions> options, TimeProvider clock) : IAnalyticsEngine
{
    public Task<ScanEstimate> EstimateAsync(AnalyticsQuery query, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            using var connection = database.OpenReadOnly();
            using var command = connection.CreateCommand();
            command.CommandText = SqliteAnalyticsDialect.EstimateSql(query);
            var count = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
            return new ScanEstimate(count, "events", options.Value.AnalyticsScanBudgetEvents);
        }, cancellationToken);

    public Task<AnalyticsResult> RunAsync(AnalyticsQuery query, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var dialect = new SqliteAnalyticsDialect(clock.GetUtcNow().ToUnixTimeSeconds());
            using var connection = database.OpenReadOnly();
            var tables = new List<AnalyticsTable>();
            foreach (var statement in AnalyticsSql.For(query, dialect))
            {
                var table = Read(connection, statement, cancellationToken);
                tables.Add(query.Operation == AnalyticsOperations.Integrity ? WithStoreCount(table) : table);
            }

            return new AnalyticsResult(tables);
        }, cancellationToken);

    private static AnalyticsTable Read(SqliteConnection connection, AnalyticsStatement statement, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = statement.Sql;
        using var registration = cancellationToken.Register(() => SQLitePCL.raw.sqlite3_interrupt(connection.Handle));
        var rows = new List<object?[]>();
        try
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var row = new object?[statement.Columns.Count];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = AnalyticsSql.Normalise(reader.GetValue(i), statement.Columns[i].Kind);
                }

                rows.Add(row);
            }
        }
        catch (SqliteException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        return new AnalyticsTable(statement.Table, [.. statement.Columns.Select(c => c.Name)], rows);
    }

    /// <summary>The store is the only copy here, so its count is the lake's distinct events.</summary>
    private static AnalyticsTable WithStoreCount(AnalyticsTable table)
    {
        var distinct = table.Columns.ToList().IndexOf("distinct_event_ids");
        return new AnalyticsTable(table.Name, [.. table.Columns, "store_events"], [.. table.Rows.Select(r => (object?[])[.. r, r[distinct]])]);
    }
}
