using System.Threading.Channels;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// Answers committed write jobs once the WAL file is synced (pipelined group commit). The writer
/// commits without a sync and hands its jobs here, then starts the next commit while this task
/// syncs: one sync covers every commit that returned before it began, since the WAL is one file
/// appended in commit order. The writer does not wait for the disk, which gives about 7 %
/// more batch throughput (docs/performance.md).
/// If a sync fails, nothing written since the last good sync can be promised: those jobs fail
/// (their events go to the dead-letter spool, see <see cref="EmbeddedEventPublisher"/>), every later job
/// fails without another attempt, and <see cref="Failure"/> makes the store refuse writes and
/// report itself not ready.
/// </summary>
internal sealed class WalSyncer : IAsyncDisposable
{
    private readonly Action _syncWal;
    private readonly ILogger _logger;
    private readonly Channel<WriteJob[]> _committed = Channel.CreateUnbounded<WriteJob[]>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private readonly Task _loop;
    private Exception? _failure;

    /// <param name="syncWal">Makes everything written to the WAL so far durable (fsync).</param>
    public WalSyncer(Action syncWal, ILogger logger)
    {
        _syncWal = syncWal;
        _logger = logger;
        _loop = Task.Run(SyncLoop);
    }

    /// <summary>The error of the sync that failed, if one did; the store takes no more writes then.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    public bool IsRunning => !_loop.IsCompleted;

    /// <summary>Called by the writer after COMMIT returned for these jobs.</summary>
    public void Committed(WriteJob[] jobs) => _committed.Writer.TryWrite(jobs);

    /// <summary>Answers what was committed before this call, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _committed.Writer.TryComplete();
        await _loop;
    }

    private async Task SyncLoop()
    {
        var jobs = new List<WriteJob>();
        while (await _committed.Reader.WaitToReadAsync())
        {
            jobs.Clear();
            while (_committed.Reader.TryRead(out var committed))
            {
                jobs.AddRange(committed);
            }

            try
            {
                if (Failure is { } earlier)
                {
                    throw new InvalidOperationException("An earlier sync of the WAL failed; the store takes no more writes.", earlier);
                }

                _syncWal();
                foreach (var job in jobs)
                {
                    job.Completion.TrySetResult(job.Outcomes!);
                }
            }
            catch (Exception ex)
            {
                if (Interlocked.CompareExchange(ref _failure, ex, null) is null)
                {
                    _logger.LogCritical(ex, "Syncing the WAL failed; the embedded store takes no more writes");
                }

                foreach (var job in jobs)
                {
                    job.Completion.TrySetException(ex);
                }
            }
        }
    }
}
