using Cortex.Api.Infrastructure.Analytics;
using Cortex.Api.Ports;
using DuckDB.NET.Data;

namespace Cortex.Tests.Analytics;

/// <summary>
/// The lake engine's SQL run by DuckDB over lake-formatted files: the statements come from the
/// same builder and the same lake dialect as Athena's; only the table (read_json over the hive
/// partitions) and two functions are DuckDB's.
/// </summary>
public sealed class DuckDbLake(string root)
{
    public AnalyticsResult Run(AnalyticsQuery query)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        var tables = new List<AnalyticsTable>();
        foreach (var statement in AnalyticsSql.For(query, new DuckDbLakeDialect(root)))
        {
            using var command = connection.CreateCommand();
            command.CommandText = statement.Sql;
            using var reader = command.ExecuteReader();
            var rows = new List<object?[]>();
            while (reader.Read())
            {
                rows.Add([.. statement.Columns.Select((c, i) => AnalyticsSql.Normalise(reader.GetValue(i), c.Kind))]);
            }

            tables.Add(new AnalyticsTable(statement.Table, [.. statement.Columns.Select(c => c.Name)], rows));
        }

        return new AnalyticsResult(tables);
    }

    private sealed class DuckDbLakeDialect(string root) : LakeAnalyticsDialect(Table(root))
    {
        public override string IntDiv(string dividend, string divisor) => $"({dividend}) // ({divisor})";

        protected override string EpochMs(string column) => $"epoch_ms(CAST(replace({column}, 'Z', '') AS TIMESTAMP))";

        protected override string NumericField(string field)
        {
            var path = Literal("$." + field);
            return $"CASE WHEN json_type(data, {path}) IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT') THEN CAST(json_extract(data, {path}) AS DOUBLE) END";
        }

        private static string Table(string root) => $"""
            read_json({Literal(Path.Combine(root, "events", "**", "*.gz"))}, format = 'newline_delimited', compression = 'gzip',
                      hive_partitioning = true,
                      columns = {"{"}'event_id': 'VARCHAR', 'source': 'VARCHAR', 'event_type': 'VARCHAR', 'severity': 'VARCHAR',
                                 'timestamp': 'VARCHAR', 'ingested_at': 'VARCHAR', 'region': 'VARCHAR', 'data': 'JSON'{"}"})
            """;
    }
}
