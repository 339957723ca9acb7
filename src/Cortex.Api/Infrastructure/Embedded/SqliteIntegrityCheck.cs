using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// <c>PRAGMA quick_check</c> at startup, stopped when its time budget is spent: it reads the whole
/// file, so on a large database it checks what it can and startup goes on (logged). Damage found
/// within the budget refuses the start; damage met later is caught by <see cref="SqliteDamage"/>.
/// </summary>
internal static class SqliteIntegrityCheck
{
    private const int MaxProblems = 3;

    /// <exception cref="DatabaseUnusableException">The check found damage.</exception>
    public static void Run(SqliteConnection connection, string path, TimeSpan budget, ILogger logger)
    {
        if (budget <= TimeSpan.Zero)
        {
            return;
        }

        var problems = new List<string>();
        using var timeout = new CancellationTokenSource(budget);
        var handle = connection.Handle!;
        var interrupt = timeout.Token.Register(() => raw.sqlite3_interrupt(handle));
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA quick_check({MaxProblems});";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                problems.Add(reader.GetString(0));
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == raw.SQLITE_INTERRUPT)
        {
            logger.LogWarning("The integrity check of {Path} did not finish within {Budget}; starting without it (Cortex:Embedded:IntegrityCheckBudget)", path, budget);
            return;
        }
        finally
        {
            // Waits for a running callback, so no interrupt reaches a later statement.
            interrupt.Dispose();
        }

        if (problems is not ["ok"])
        {
            throw new DatabaseUnusableException(path,
                $"the integrity check found damage ({string.Join("; ", problems)}). Restore it from a backup, or salvage it with the sqlite3 shell's .recover into a new file");
        }
    }
}
