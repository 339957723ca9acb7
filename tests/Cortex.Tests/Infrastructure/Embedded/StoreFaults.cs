using Microsoft.Data.Sqlite;

namespace Cortex.Tests.Infrastructure.Embedded;

/// <summary>Makes SQLite fail the commit of chosen events, as a full disk or a damaged page would, through a trigger in the real file.</summary>
public static class StoreFaults
{
    /// <summary>Every insert of an event from <paramref name="source"/> aborts its transaction.</summary>
    public static Task FailCommitsOfSourceAsync(string databasePath, string source) =>
        ExecuteAsync(databasePath, $"CREATE TRIGGER IF NOT EXISTS {TriggerName(source)} BEFORE INSERT ON events "
            + $"WHEN NEW.source = '{source}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");

    public static Task RepairCommitsOfSourceAsync(string databasePath, string source) =>
        ExecuteAsync(databasePath, $"DROP TRIGGER IF EXISTS {TriggerName(source)};");

    private static string TriggerName(string source) => "fail_" + source.Replace('-', '_');

    private static async Task ExecuteAsync(string databasePath, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
