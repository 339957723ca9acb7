using Cortex.Api.Events;
using Cortex.Api.Ports;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// The prepared insert, reused for every event the writer stores. It binds through SQLite's C
/// API (SQLitePCL.raw) rather than SqliteCommand: the id from the stack, the document as the
/// UTF-8 bytes the request thread wrote. That takes 2-3 us per event off the single writer
/// (docs/performance.md).
/// </summary>
internal sealed class SqliteInsert : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public SqliteInsert(SqliteConnection connection)
    {
        _db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(_db, """
            INSERT INTO events (event_id, ts_ms, source, event_type, severity, expires_at, document)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            ON CONFLICT (event_id) DO NOTHING
            """, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>Runs inside the writer's open transaction (SQLite's, on the same connection).</summary>
    public SaveOutcome Execute(TelemetryEvent e, byte[] document)
    {
        Span<byte> id = stackalloc byte[16];
        e.EventId.TryWriteBytes(id, bigEndian: true, out _);
        try
        {
            Check(raw.sqlite3_bind_blob(_statement, 1, id));
            Check(raw.sqlite3_bind_int64(_statement, 2, e.TimestampMs));
            Check(raw.sqlite3_bind_text(_statement, 3, e.Source));
            Check(raw.sqlite3_bind_text(_statement, 4, e.EventType));
            Check(raw.sqlite3_bind_text(_statement, 5, e.Severity));
            Check(raw.sqlite3_bind_int64(_statement, 6, e.ExpiresAt));
            Check(raw.sqlite3_bind_text(_statement, 7, document));
            var rc = raw.sqlite3_step(_statement);
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return raw.sqlite3_changes(_db) == 1 ? SaveOutcome.Stored : SaveOutcome.Duplicate;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);
}
