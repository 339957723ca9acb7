using System.Globalization;
using System.Threading.Channels;
using Cortex.Api.Ports;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// The one writer: a thread that owns the write connection and commits whatever requests are
/// waiting in one transaction (group commit). With <c>Synchronous=FULL</c> (the default) it hands
/// each commit to <see cref="WalSyncer"/>, which syncs the WAL and only then answers the callers,
/// while this thread already builds the next commit.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private readonly EmbeddedOptions _options;
    private readonly SqliteDamage _damage;
    private readonly ILogger<SqliteWriter> _logger;
    private readonly Channel<WriteJob> _jobs;
    private readonly WalSyncer? _syncer;
    private readonly Task _writer;
    private int _disposed;
    private int _rewindRequested;

    public SqliteWriter(IOptions<EmbeddedOptions> options, SqliteDatabase database, IWalSync walSync, SqliteDamage damage, ILogger<SqliteWriter> logger)
    {
        _options = options.Value;
        _damage = damage;
        _logger = logger;

        // The writer's connection stays open for the store's whole life, so SQLite never deletes
        // the WAL file (it does when the last connection closes) and the file the sync holds is
        // always the file the writer appends to.
        var connection = database.OpenForWriting(SqliteSchema.Current);
        try
        {
            if (_options.Synchronous == "FULL")
            {
                walSync.Open(database.Path + "-wal");
                _syncer = new WalSyncer(walSync.Sync, logger);
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _jobs = Channel.CreateBounded<WriteJob>(new BoundedChannelOptions(_options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        // Its own thread, not the thread pool: between commits the writer would otherwise wait in
        // the pool's queue behind request work, and it is the serial part of every write.
        _writer = Task.Factory.StartNew(() => WriteLoop(connection), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Why the writer takes no more writes, or null while it does.</summary>
    public string? Problem =>
        _writer.IsCompleted ? "The writer has stopped."
        : _syncer?.Failure is not null ? "The WAL could not be synced; the store takes no more writes."
        : _syncer is { IsRunning: false } ? "The WAL syncer has stopped."
        : null;

    /// <summary>Queues a request's events; false when the queue is full.</summary>
    /// <exception cref="InvalidOperationException">An earlier WAL sync failed: nothing more can be promised.</exception>
    public bool TryWrite(WriteJob job)
    {
        if (_syncer?.Failure is { } failure)
        {
            throw new InvalidOperationException("The embedded store stopped taking writes after its WAL could not be synced.", failure);
        }

        return _jobs.Writer.TryWrite(job);
    }

    /// <summary>
    /// Asks the writer to checkpoint between two commits (see <see cref="WalCheckpointer"/>): with the
    /// background pass having copied almost everything, the writer pauses only to copy the rest, and
    /// its next commit starts the WAL from the top.
    /// </summary>
    public void RequestWalRewind() => Volatile.Write(ref _rewindRequested, 1);

    /// <summary>Queues a job, waiting for room (maintenance work, not requests).</summary>
    public ValueTask WriteAsync(WriteJob job, CancellationToken cancellationToken) => _jobs.Writer.WriteAsync(job, cancellationToken);

    /// <summary>Commits and answers what is queued, then stops.</summary>
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
        }
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

        // Checkpoints run on their own connection (WalCheckpointer), and the writer copies only
        // what that pass left behind, when asked. Its automatic checkpoint at WalLimitMiB is the
        // bound should that fall behind: without one, a WAL under steady writes is never rewound
        // and grows without end.
        var limitBytes = _options.WalLimitMiB * 1024L * 1024L;
        Execute(connection, $"PRAGMA wal_autocheckpoint={limitBytes / PageSize(connection)};");

        // When the WAL is rewound, keep the file up to the same limit and overwrite it in place.
        // Cutting it shorter frees its blocks inside the next commit: with ext4 mounted with
        // discard that commit took 87-101 ms every time the WAL was rewound.
        Execute(connection, $"PRAGMA journal_size_limit={limitBytes};");
        using var insert = new SqliteInsert(connection);
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

            if (Interlocked.Exchange(ref _rewindRequested, 0) == 1)
            {
                CheckpointBetweenCommits(connection);
            }
        }
    }

    private void CheckpointBetweenCommits(SqliteConnection connection)
    {
        try
        {
            Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
        }
        catch (SqliteException ex)
        {
            _damage.Observe(ex);
            _logger.LogWarning(ex, "The writer's checkpoint failed; the WAL is rewound later");
        }
    }

    private void CommitAlone(SqliteConnection connection, SqliteInsert insert, WriteJob job)
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
        _damage.Observe(exception);
        _logger.LogError(exception, "Commit of {Events} events failed; the request is answered as failed", job.Events.Count);
        job.Completion.TrySetException(exception);
    }

    private static void Commit(SqliteConnection connection, SqliteInsert insert, IReadOnlyList<WriteJob> jobs)
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

    private static long PageSize(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size;";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
