using Cortex.Api.Infrastructure.Embedded;
using Cortex.Api.Ports;
using Cortex.Tests.Consumer;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cortex.Tests.Infrastructure.Embedded;

/// <summary>
/// With Synchronous=FULL the writer commits without syncing and WalSyncer answers each request
/// only after a sync of the WAL that began after the request's commit returned.
/// </summary>
public sealed class WalSyncerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ACommittedRequestIsAnsweredOnlyWhenTheWalSyncHasReturned()
    {
        using var syncStarted = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        await using var syncer = new WalSyncer(() => { syncStarted.Release(); release.Wait(Patience); }, NullLogger.Instance);
        var job = CommittedJob();

        syncer.Committed([job]);
        Assert.True(await syncStarted.WaitAsync(Patience, TestContext.Current.CancellationToken));
        await Task.Delay(50, TestContext.Current.CancellationToken);

        Assert.False(job.Completion.Task.IsCompleted);
        release.Release();
        Assert.Equal([SaveOutcome.Stored], await job.Completion.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CommitsThatReturnDuringASyncAreAnsweredTogetherByTheNextSync()
    {
        var syncs = 0;
        using var firstStarted = new SemaphoreSlim(0);
        using var releaseFirst = new SemaphoreSlim(0);
        await using var syncer = new WalSyncer(
            () =>
            {
                if (Interlocked.Increment(ref syncs) == 1)
                {
                    firstStarted.Release();
                    releaseFirst.Wait(Patience);
                }
            },
            NullLogger.Instance);
        var first = CommittedJob();
        var during = Enumerable.Range(0, 5).Select(_ => CommittedJob()).ToList();

        syncer.Committed([first]);
        Assert.True(await firstStarted.WaitAsync(Patience, TestContext.Current.CancellationToken));
        foreach (var job in during)
        {
            syncer.Committed([job]);
        }

        Assert.All(during, job => Assert.False(job.Completion.Task.IsCompleted));
        releaseFirst.Release();
        await Task.WhenAll(during.Select(job => job.Completion.Task)).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.True(first.Completion.Task.IsCompletedSuccessfully);
        Assert.Equal(2, Volatile.Read(ref syncs));
    }

    [Fact]
    public async Task AFailedSyncFailsItsRequestsAndEveryLaterOneWithoutSyncingAgain()
    {
        var syncs = 0;
        await using var syncer = new WalSyncer(
            () =>
            {
                Interlocked.Increment(ref syncs);
                throw new IOException("fsync: input/output error");
            },
            NullLogger.Instance);
        var failed = CommittedJob();
        var later = CommittedJob();

        syncer.Committed([failed]);
        var error = await Assert.ThrowsAsync<IOException>(() => failed.Completion.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));
        syncer.Committed([later]);
        var laterError = await Assert.ThrowsAsync<InvalidOperationException>(() => later.Completion.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));

        Assert.Same(error, syncer.Failure);
        Assert.Same(error, laterError.InnerException);
        Assert.Equal(1, Volatile.Read(ref syncs));
    }

    [Fact]
    public async Task StoppingAnswersEveryRequestCommittedBeforeIt()
    {
        var syncer = new WalSyncer(() => Thread.Sleep(20), NullLogger.Instance);
        var jobs = Enumerable.Range(0, 20).Select(_ => CommittedJob()).ToList();
        foreach (var job in jobs)
        {
            syncer.Committed([job]);
        }

        await syncer.DisposeAsync();

        Assert.All(jobs, job => Assert.True(job.Completion.Task.IsCompletedSuccessfully));
        Assert.False(syncer.IsRunning);
    }

    private static WriteJob CommittedJob() =>
        new([ConsumerTestData.NewEvent("wal-syncer")], [[]]) { Outcomes = [SaveOutcome.Stored] };
}
