using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// Remembers that SQLite reported the file damaged (SQLITE_CORRUPT or SQLITE_NOTADB) on any
/// connection, logs it once at Critical, and keeps readiness at 503 until a restart: damaged pages
/// do not mend, and a restart runs the integrity check again.
/// </summary>
internal sealed class SqliteDamage(SqliteDatabase database, ILogger<SqliteDamage> logger)
{
    private string? _report;

    /// <summary>What SQLite said when it first reported damage, or null.</summary>
    public string? Report => Volatile.Read(ref _report);

    /// <summary>Records <paramref name="exception"/> if it reports damage. Always false, so it can observe from an exception filter.</summary>
    public bool Observe(Exception exception)
    {
        if (exception is SqliteException { SqliteErrorCode: var code } sqlite
            && (code & 0xFF) is raw.SQLITE_CORRUPT or raw.SQLITE_NOTADB
            && Interlocked.CompareExchange(ref _report, sqlite.Message, null) is null)
        {
            logger.LogCritical(
                "The database {Path:l} is damaged ({Error:l}); readiness reports 503 until it is restored from a backup or salvaged and Cortex is restarted",
                database.Path, sqlite.Message);
        }

        return false;
    }
}
