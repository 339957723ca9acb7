using System.Threading.Channels;
using Cortex.Api.Events;
using Cortex.Api.Observability;
using Cortex.Api.Ports;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// The embedded store. One writer task owns the write connection and commits whatever requests
/// are waiting in one transaction (group commit). With <c>Synchronous=FULL</c> (the default)
/// <see cref="WalSyncer"/> syncs the WAL file after each commit and only then completes the
/// callers' tasks, so every answered event survives a power cut, while the writer already builds
/// the next commit. Reads use pooled connections; they may see an event a few milliseconds
/// before its sender is answered.
/// </summary>
internal sealed class SqliteTelemetryStore : ITelemetryStore, IAsyncDisposable
{
    /// <summary>
    /// The schema version in <c>PRAGMA user_version</c>. 0: event_id stored as 36-character text
    /// (before 2026-11-23). 2: event_id stored as the UUID's 16 bytes in RFC 9562 (big-endian)
    /// order, which sorts like the text form; every index carries the key, so this makes each
    /// index entry 20 bytes shorter and the writer's pages fewer (measured in docs/performance.md).
    /// 3: no index on time alone (ix_events_time); queries without source or type merge the
    /// type index's ranges instead (see AllTypesQuery). 4: the type index is ordered by second and
    /// then by event id (ix_events_type_second) instead of by millisecond (ix_events_type_time), so
    /// inserts append to a few pages instead of landing all over the last seconds (see TypeKeys).
    /// </summary>
    internal const int SchemaVersion = 4;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS events (
            event_id   BLOB    NOT NULL PRIMARY KEY,
            ts_ms      INTEGER NOT NULL,
            source     TEXT    NOT NULL,
            event_type TEXT    NOT NULL,
            severity   TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            document   TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ix_events_source_time ON events (source, ts_ms DESC, event_id DESC);
        CREATE INDEX IF NOT EXISTS ix_events_type_second ON events (event_type, ts_ms / 1000, event_id, ts_ms);
        CREATE INDEX IF NOT EXISTS ix_events_expiry ON events (expires_at);
        """;

    /// <summary>Version 0 to 2: the same rows with event_id as 16 bytes; the old table and its indexes are dropped.</summary>
    private const string MigrateFromTextIds = """
        ALTER TABLE events RENAME TO events_text_ids;
        DROP INDEX IF EXISTS ix_events_source_time;
        DROP INDEX IF EXISTS ix_events_type_time;
        DROP INDEX IF EXISTS ix_events_type_second;
        DROP INDEX IF EXISTS ix_events_time;
        DROP INDEX IF EXISTS ix_events_expiry;
        """;

    private const string CopyTextIdRows = """
        INSERT INTO events (event_id, ts_ms, source, event_type, severity, expires_at, document)
        SELECT unhex(replace(event_id, '-', '')), ts_ms, source, event_type, severity, expires_at, document
        FROM events_text_ids;
        DROP TABLE events_text_ids;
        """;

    private readonly EmbeddedOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<SqliteTelemetryStore> _logger;
    private readonly string _connectionString;
    private readonly Channel<WriteJob> _jobs;
    private readonly FileStream? _wal;
    private readonly WalSyncer? _syncer;
    private readonly Task _writer;
    private readonly Task _checkpointer;
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    public SqliteTelemetryStore(IOptions<EmbeddedOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<SqliteTelemetryStore> logger)
    {
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        var path = Path.GetFullPath(Path.Combine(environment.ContentRootPath, _options.DatabasePath));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        DatabasePath = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        // The writer's connection stays open for the store's whole life, so SQLite never deletes
        // the WAL file (it does when the last connection closes) and the handle WalSyncer syncs is
        // always the file the writer appends to. The schema transaction runs on it with FULL: it
        // creates the WAL file if needed and syncs it and its directory entry.
        var writerConnection = Open();
        try
        {
            Execute(writerConnection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
            CreateOrMigrateSchema(writerConnection);
            if (_options.Synchronous == "FULL")
            {
                _wal = new FileStream(path + "-wal", FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
                _syncer = new WalSyncer(() => _wal.Flush(flushToDisk: true), logger);
            }
        }
        catch
        {
            writerConnection.Dispose();
            throw;
        }

        _jobs = Channel.CreateBounded<WriteJob>(new BoundedChannelOptions(_options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // Its own thread, not the thread pool: between commits the writer would otherwise wait in
        // the pool's queue behind request work, and it is the serial part of every write.
        _writer = Task.Factory.StartNew(() => WriteLoop(writerConnection), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _checkpointer = Task.Run(CheckpointLoop);
    }

    public string DatabasePath { get; }

    public async Task<IReadOnlyList<SaveOutcome>> SaveAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartClientSpan("sqlite insert", "sqlite", "INSERT");
        activity?.SetTag("cortex.events", events.Count);
        if (_syncer?.Failure is { } failure)
        {
            throw new InvalidOperationException("The embedded store stopped taking writes after its WAL could not be synced.", failure);
        }

        // Serialised here, on the request's thread, to keep the single writer's work small.
        var job = new WriteJob(events, [.. events.Select(e => EventJson.ToUtf8(e))]);
        if (!_jobs.Writer.TryWrite(job))
        {
            throw new ServiceOverloadedException("The embedded store's write queue is full; retry shortly.");
        }

        // Not cancellable once queued: the commit decides, and a 2xx follows only from it.
        try
        {
            return await job.Completion.Task;
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
    }

    /// <summary>Deletes expired events through the writer, so it never competes for the write lock.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var job = new WriteJob([], [], deleteExpiredBefore: _clock.GetUtcNow().ToUnixTimeSeconds());
        await _jobs.Writer.WriteAsync(job, cancellationToken);
        await job.Completion.Task;
        return job.Deleted;
    }

    public async Task<string?> GetAsync(Guid eventId, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartClientSpan("sqlite get", "sqlite", "SELECT");
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM events WHERE event_id = $id AND expires_at > $now";
        command.Parameters.AddWithValue("$id", IdBytes(eventId));
        command.Parameters.AddWithValue("$now", _clock.GetUtcNow().ToUnixTimeSeconds());
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<EventPage> QueryAsync(EventQuery query, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartClientSpan("sqlite query", "sqlite", "SELECT");
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$now", _clock.GetUtcNow().ToUnixTimeSeconds());
        command.Parameters.AddWithValue("$limit", query.Limit + 1);
        AddIfSet(command, "$source", query.Source);
        AddIfSet(command, "$type", query.EventType);
        AddIfSet(command, "$severity", query.Severity);
        AddIfSet(command, "$from", query.FromMs);
        AddIfSet(command, "$to", query.ToMs);
        if (query.After is { } after)
        {
            command.Parameters.AddWithValue("$after_ts", after.TimestampMs);
            command.Parameters.AddWithValue("$after_id", IdBytes(after.EventId));
        }

        command.CommandText = QueryText(query, command);
        var items = new List<string>(Math.Min(query.Limit, 128));
        EventPosition? last = null;
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (items.Count == query.Limit)
            {
                more = true;
                break;
            }

            items.Add(reader.GetString(0));
            last = new EventPosition(reader.GetInt64(1), new Guid(reader.GetFieldValue<byte[]>(2), bigEndian: true));
        }

        return new EventPage(items, more ? last : null);
    }

    /// <summary>The SELECT for <paramref name="query"/>; the nine type parameters of the all-types query are added to <paramref name="command"/>.</summary>
    internal static string QueryText(EventQuery query, SqliteCommand command) =>
        query.Source is not null
            ? SourceQuery(query)
            : query.EventType is not null
                ? TypeQuery(query, "$type")
                : AllTypesQuery(query, command);

    private static void AddIfSet(SqliteCommand command, string name, object? value)
    {
        if (value is not null)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }

    /// <summary>The conditions on the stored row: not expired, and the severity if one is asked for.</summary>
    private static string RowFilters(EventQuery query, string alias) =>
        $" AND {alias}expires_at > $now" + (query.Severity is null ? string.Empty : $" AND {alias}severity = $severity");

    /// <summary>The conditions on the sort key: the time range and the cursor's position.</summary>
    private static string KeyFilters(EventQuery query) =>
        (query.FromMs is null ? string.Empty : " AND ts_ms >= $from")
        + (query.ToMs is null ? string.Empty : " AND ts_ms < $to")
        + (query.After is null ? string.Empty : " AND (ts_ms < $after_ts OR (ts_ms = $after_ts AND event_id < $after_id))");

    /// <summary>
    /// A query by source reads one range of the source index, newest first, with the event type
    /// as a filter if one is given. The index is named, as DynamoDB's Query names its key: the
    /// planner could pick a worse one.
    /// </summary>
    private static string SourceQuery(EventQuery query) => $"""
        SELECT document, ts_ms, event_id FROM events INDEXED BY ix_events_source_time
        WHERE source = $source{(query.EventType is null ? string.Empty : " AND event_type = $type")}{RowFilters(query, string.Empty)}{KeyFilters(query)}
        ORDER BY ts_ms DESC, event_id DESC LIMIT $limit
        """;

    /// <summary>
    /// A query by event type. The type index is ordered by second, then by event id
    /// (<c>ix_events_type_second</c>), not by millisecond: agents send events up to seconds old,
    /// so with an index by millisecond each insert landed at a scattered place in the last
    /// seconds of its type, and that index was most of the pages every commit wrote
    /// (docs/performance.md). The ids Cortex assigns are UUIDv7, so within a second new entries
    /// go to the end; ids a client chose may land anywhere in their second, which costs what
    /// the index by millisecond cost.
    /// <para>
    /// Read newest first, SQLite sorts one second of keys at a time from the index alone ("USE
    /// TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY") in the subquery <c>k</c>, which runs as a
    /// co-routine because of its <c>LIMIT -1</c>. Rows are then fetched by primary key in that
    /// order, only as far as the page needs: <c>CROSS JOIN</c> keeps <c>k</c> the outer loop.
    /// (An ORDER BY on the outer query would sort the type's whole range instead.) The bounds on
    /// <c>ts_ms / 1000</c> only let the index seek: they hold for every row the exact bounds keep.
    /// </para>
    /// </summary>
    private static string TypeQuery(EventQuery query, string typeParameter)
    {
        var seconds = (query.FromMs is null ? string.Empty : " AND ts_ms / 1000 >= $from / 1000")
            + (query.ToMs is null ? string.Empty : " AND ts_ms / 1000 <= ($to - 1) / 1000")
            + (query.After is null ? string.Empty : " AND ts_ms / 1000 <= $after_ts / 1000");
        return $"""
            SELECT e.document, k.ts_ms, k.event_id
            FROM (SELECT event_id, ts_ms FROM events INDEXED BY ix_events_type_second
                  WHERE event_type = {typeParameter}{seconds}{KeyFilters(query)}
                  ORDER BY ts_ms / 1000 DESC, ts_ms DESC, event_id DESC LIMIT -1) AS k
            CROSS JOIN events AS e ON e.event_id = k.event_id
            WHERE 1{RowFilters(query, "e.")}
            LIMIT $limit
            """;
    }

    /// <summary>
    /// A query without source or type reads the type index once per event type (there are nine)
    /// and merges the ranges newest first; each range stops after a page. It replaces an index on
    /// time alone, which every insert had to update at a scattered place and which cost the
    /// writer a quarter of its throughput (docs/performance.md).
    /// </summary>
    private static string AllTypesQuery(EventQuery query, SqliteCommand command)
    {
        var ranges = new List<string>(EventContract.EventTypes.Length);
        for (var i = 0; i < EventContract.EventTypes.Length; i++)
        {
            command.Parameters.AddWithValue($"$type{i}", EventContract.EventTypes[i]);
            ranges.Add($"SELECT * FROM ({TypeQuery(query, $"$type{i}")})");
        }

        return string.Join("\nUNION ALL\n", ranges) + "\nORDER BY ts_ms DESC, event_id DESC LIMIT $limit";
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'events'";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) != 1)
        {
            throw new InvalidOperationException("The events table is missing.");
        }

        if (_writer.IsCompleted)
        {
            throw new InvalidOperationException("The writer has stopped.");
        }

        if (_syncer?.Failure is { } failure)
        {
            throw new InvalidOperationException("The WAL could not be synced; the store takes no more writes.", failure);
        }

        if (_syncer is { IsRunning: false })
        {
            throw new InvalidOperationException("The WAL syncer has stopped.");
        }

        if (_checkpointer.IsCompleted)
        {
            throw new InvalidOperationException("The WAL checkpointer has stopped; the WAL would grow without bound.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        // DI disposes this instance once per registration it is resolved through.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _jobs.Writer.TryComplete();
        await _writer;
        if (_syncer is not null)
        {
            await _syncer.DisposeAsync();
            await _wal!.DisposeAsync();
        }

        await _stopping.CancelAsync();
        await _checkpointer;
        _stopping.Dispose();
    }

    /// <summary>Creates the schema, or brings an older database file to <see cref="SchemaVersion"/> in one transaction.</summary>
    private void CreateOrMigrateSchema(SqliteConnection connection)
    {
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The database {DatabasePath} has schema version {version}, newer than this build's {SchemaVersion}; run a newer Cortex or point Cortex:Embedded:DatabasePath elsewhere.");
        }

        var hasEvents = Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events';"), System.Globalization.CultureInfo.InvariantCulture) == 1;
        using var transaction = connection.BeginTransaction();
        var migrateTextIds = hasEvents && version < 2;
        if (migrateTextIds)
        {
            Execute(connection, MigrateFromTextIds, transaction);
        }

        Execute(connection, Schema, transaction);
        if (migrateTextIds)
        {
            Execute(connection, CopyTextIdRows, transaction);
            _logger.LogInformation("Migrated {Path} from schema version {Version} (event ids as 16 bytes)", DatabasePath, version);
        }

        if (hasEvents && version < 3)
        {
            Execute(connection, "DROP INDEX IF EXISTS ix_events_time;", transaction);
            _logger.LogInformation("Migrated {Path} from schema version {Version} (index on time alone dropped)", DatabasePath, version);
        }

        if (hasEvents && version < 4)
        {
            // The schema above has already built ix_events_type_second over every row.
            Execute(connection, "DROP INDEX IF EXISTS ix_events_type_time;", transaction);
            _logger.LogInformation("Migrated {Path} from schema version {Version} (type index by second)", DatabasePath, version);
        }

        Execute(connection, $"PRAGMA user_version={SchemaVersion};", transaction);
        transaction.Commit();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private void WriteLoop(SqliteConnection connection)
    {
        using var owned = connection;

        // The writer's COMMIT never syncs: with FULL, WalSyncer syncs the WAL before anyone is
        // answered. In WAL mode NORMAL still syncs the WAL before each checkpoint and the database
        // file after it, so a checkpoint never makes the WAL restart over pages that are not yet
        // safe in the database file.
        Execute(connection, "PRAGMA synchronous=NORMAL;");
        Execute(connection, $"PRAGMA cache_size=-{_options.WriterCacheMiB * 1024};");

        // Checkpoints run on their own connection (CheckpointLoop), not inside the writer's commits,
        // except as a bound: a PASSIVE checkpoint never finishes while commits keep coming, so the
        // WAL is never rewound and grows without end. Once it is WalLimitMiB long, the
        // writer checkpoints after its commit (the background pass has copied most pages by then)
        // and the next commit starts the WAL from the top.
        var limitBytes = _options.WalLimitMiB * 1024L * 1024L;
        Execute(connection, $"PRAGMA wal_autocheckpoint={limitBytes / PageSize(connection)};");

        // When the WAL is rewound, keep the file up to the same limit and overwrite it in place.
        // Cutting it shorter (it was cut to 64 MiB) frees its blocks inside the next commit: with
        // ext4 mounted with discard that commit took 87-101 ms, every time the WAL was rewound.
        Execute(connection, $"PRAGMA journal_size_limit={limitBytes};");
        using var insert = new InsertCommand(connection);
        var group = new List<WriteJob>();
        while (_jobs.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            group.Clear();
            var events = 0;
            while (events < _options.MaxEventsPerCommit && _jobs.Reader.TryRead(out var job))
            {
                group.Add(job);
                events += job.Events.Count;
            }

            try
            {
                Commit(connection, insert, group);
                Committed([.. group]);
            }
            catch (Exception ex) when (group.Count > 1)
            {
                // One request's failure must not fail the others it shared a commit with:
                // retry each on its own, so only the failing ones are answered as failed.
                _logger.LogWarning(ex, "Group commit of {Events} events failed; committing its {Requests} requests one by one", events, group.Count);
                foreach (var job in group)
                {
                    CommitAlone(connection, insert, job);
                }
            }
            catch (Exception ex)
            {
                Fail(group[0], ex);
            }
        }
    }

    /// <summary>The stored form of an event id: its 16 bytes in RFC 9562 order, so byte order is the text's order.</summary>
    internal static byte[] IdBytes(Guid eventId) => eventId.ToByteArray(bigEndian: true);

    private static long PageSize(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size;";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Copies committed WAL pages into the database file on a timer. PASSIVE never blocks the
    /// writer or readers; it copies what it can and the next round continues.
    /// </summary>
    private async Task CheckpointLoop()
    {
        using var timer = new PeriodicTimer(_options.CheckpointInterval, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    using var connection = Open();
                    Execute(connection, $"PRAGMA synchronous={_options.Synchronous};");
                    Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
                }
                catch (SqliteException ex)
                {
                    _logger.LogWarning(ex, "WAL checkpoint failed; retrying at the next interval");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private void CommitAlone(SqliteConnection connection, InsertCommand insert, WriteJob job)
    {
        try
        {
            Commit(connection, insert, [job]);
            Committed([job]);
        }
        catch (Exception ex)
        {
            Fail(job, ex);
        }
    }

    /// <summary>Answers committed requests: with FULL once the WAL is synced, with NORMAL at once.</summary>
    private void Committed(WriteJob[] jobs)
    {
        if (_syncer is not null)
        {
            _syncer.Committed(jobs);
            return;
        }

        foreach (var job in jobs)
        {
            job.Completion.TrySetResult(job.Outcomes!);
        }
    }

    private void Fail(WriteJob job, Exception exception)
    {
        _logger.LogError(exception, "Commit of {Events} events failed; the request is answered as failed", job.Events.Count);
        job.Completion.TrySetException(exception);
    }

    private static void Commit(SqliteConnection connection, InsertCommand insert, IReadOnlyList<WriteJob> jobs)
    {
        using var transaction = connection.BeginTransaction();
        foreach (var job in jobs)
        {
            var outcomes = new SaveOutcome[job.Events.Count];
            for (var i = 0; i < job.Events.Count; i++)
            {
                outcomes[i] = insert.Execute(job.Events[i], job.Documents[i]);
            }

            job.Outcomes = outcomes;
            if (job.DeleteExpiredBefore is { } cutoff)
            {
                job.Deleted = DeleteExpired(connection, transaction, cutoff);
            }
        }

        transaction.Commit();
    }

    private static int DeleteExpired(SqliteConnection connection, SqliteTransaction transaction, long cutoff)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM events WHERE expires_at <= $cutoff";
        command.Parameters.AddWithValue("$cutoff", cutoff);
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// The prepared insert, reused for every event the writer stores. It binds through SQLite's C
    /// API (SQLitePCL.raw) rather than SqliteCommand: the id from the stack, the document as the
    /// UTF-8 bytes the request thread wrote. That took 2-3 us per event off the single writer
    /// (store-only probe, 16.7-18.0 -> 14.9 us CPU per event; docs/performance.md).
    /// </summary>
    private sealed class InsertCommand : IDisposable
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _statement;

        public InsertCommand(SqliteConnection connection)
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
}
