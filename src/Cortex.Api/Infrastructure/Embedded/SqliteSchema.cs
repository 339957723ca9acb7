using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// The tables and indexes, and how a file is brought to this build's version. The version is
/// kept in <c>PRAGMA user_version</c>: 0 on a file without tables, then 1 for the first schema
/// below; a new file is created at version 1 and migrated like an old one.
/// A later version adds one migration to <see cref="Current"/>: the statements that take a file
/// from the version before it. A file with a version this build does not know is refused.
/// </summary>
internal sealed class SqliteSchema
{
    /// <summary>
    /// Version 1. The event id is the UUID's 16 bytes in RFC 9562 (big-endian) order, which sorts
    /// like its text and keeps every index entry short (each index carries the key). The type
    /// index is by second, then id (see <see cref="SqliteEventQueries"/>); there is no index on
    /// time alone: a query without source or type merges the type index's ranges.
    /// </summary>
    private const string VersionOne = """
        CREATE TABLE events (
            event_id   BLOB    NOT NULL PRIMARY KEY,
            ts_ms      INTEGER NOT NULL,
            source     TEXT    NOT NULL,
            event_type TEXT    NOT NULL,
            severity   TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            document   TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX ix_events_source_time ON events (source, ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_type_second ON events (event_type, ts_ms / 1000, event_id, ts_ms);
        CREATE INDEX ix_events_expiry ON events (expires_at);
        """;

    /// <summary>
    /// Version 2: rows are kept in the order they were stored (<c>seq</c>, SQLite's rowid), and
    /// the event id moves to a unique index. Keyed by event id, the table put each row where its
    /// id sorts: ids that agents derive from a record's time (or that clients choose) land seconds
    /// apart, so every commit rewrote a page of whole documents per event; now they rewrite a page
    /// of the small id index, and documents are appended (docs/performance.md).
    /// </summary>
    private const string VersionTwo = """
        CREATE TABLE events_by_seq (
            seq        INTEGER PRIMARY KEY,
            event_id   BLOB    NOT NULL,
            ts_ms      INTEGER NOT NULL,
            source     TEXT    NOT NULL,
            event_type TEXT    NOT NULL,
            severity   TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            document   TEXT    NOT NULL
        );
        INSERT INTO events_by_seq (event_id, ts_ms, source, event_type, severity, expires_at, document)
            SELECT event_id, ts_ms, source, event_type, severity, expires_at, document FROM events ORDER BY ts_ms, event_id;
        DROP TABLE events;
        ALTER TABLE events_by_seq RENAME TO events;
        CREATE UNIQUE INDEX ix_events_id ON events (event_id);
        CREATE INDEX ix_events_source_time ON events (source, ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_type_second ON events (event_type, ts_ms / 1000, event_id, ts_ms);
        CREATE INDEX ix_events_expiry ON events (expires_at);
        """;

    /// <summary>
    /// Version 3: analytics jobs and their results, kept until <c>expires_at</c> (epoch seconds).
    /// <c>document</c> is the job without its result; <c>result</c> the result JSON, inline or kept apart.
    /// </summary>
    private const string VersionThree = """
        CREATE TABLE analytics_jobs (
            job_id     BLOB    NOT NULL PRIMARY KEY,
            subject    TEXT    NOT NULL,
            cache_key  TEXT    NOT NULL,
            created_ms INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            document   TEXT    NOT NULL,
            result     TEXT
        ) WITHOUT ROWID;
        CREATE INDEX ix_analytics_jobs_subject ON analytics_jobs (subject, created_ms DESC);
        CREATE INDEX ix_analytics_jobs_cache ON analytics_jobs (cache_key, created_ms DESC);
        CREATE INDEX ix_analytics_jobs_expiry ON analytics_jobs (expires_at);
        """;

    private readonly IReadOnlyList<string> _migrations;

    /// <param name="migrations">The statements that take version 1 to 2, 2 to 3, and so on.</param>
    public SqliteSchema(IReadOnlyList<string> migrations)
    {
        _migrations = migrations;
    }

    /// <summary>This build's schema.</summary>
    public static SqliteSchema Current { get; } = new([VersionTwo, VersionThree]);

    public int Version => 1 + _migrations.Count;

    /// <summary>
    /// Creates the schema in a file without tables, or migrates an older one, in one transaction;
    /// a failed migration leaves the file as it was. Writes <c>user_version</c> every time, so the
    /// transaction also creates the WAL file (and, with synchronous=FULL, syncs it).
    /// </summary>
    /// <exception cref="DatabaseUnusableException">The file's version is unknown to this build.</exception>
    public void Apply(SqliteConnection connection, string path, ILogger logger)
    {
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
        var tables = Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table';"), CultureInfo.InvariantCulture);
        if (version > Version || (version == 0 && tables > 0))
        {
            throw new DatabaseUnusableException(path,
                $"it has schema version {version}, which this build does not know (it reads version 1 to {Version}); a newer or a development build of Cortex wrote it. Run that build, or point Cortex:Embedded:DatabasePath at another file");
        }

        using var transaction = connection.BeginTransaction();
        var created = version == 0;
        if (created)
        {
            Execute(connection, transaction, VersionOne);
            version = 1;
        }

        for (var from = version; from < Version; from++)
        {
            Execute(connection, transaction, _migrations[from - 1]);
            if (!created)
            {
                // A new file takes the same steps; only a file that held data is worth a line.
                logger.LogInformation("Migrated {Path} from schema version {From} to {To}", path, from, from + 1);
            }
        }

        Execute(connection, transaction, $"PRAGMA user_version={Version};");
        transaction.Commit();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
