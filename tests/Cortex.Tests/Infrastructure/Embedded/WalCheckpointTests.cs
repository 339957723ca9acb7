using Cortex.Api.Infrastructure.Embedded;
using Cortex.Api.Ports;
using Cortex.Tests.Consumer;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.Tests.Infrastructure.Embedded;

/// <summary>
/// The WAL under writes that never pause. A PASSIVE checkpoint cannot finish while commits keep
/// coming, so without the writer's own checkpoint the WAL is never rewound (5.4 GB after 40 s of
/// batch load, measured; 272 MiB in this test's 4 s).
/// </summary>
public sealed class WalCheckpointTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task TheWalStaysBoundedWhileTheWriterIsNeverIdle()
    {
        var (largest, stored) = await WriteWithoutPauseAsync(walLimitMiB: 4);

        Assert.True(stored > 10_000, $"only {stored} events were written; the test did not load the writer");
        Assert.True(largest < 16 * MiB, $"the WAL reached {largest / MiB} MiB while {stored} events were written");
    }

    /// <summary>
    /// A PASSIVE checkpoint from another connection cannot rewind a WAL that is written without a
    /// pause; the writer's checkpoint between two commits can, without waiting for the WAL to reach
    /// its limit (where the automatic checkpoint pauses ingestion for a long copy and sync).
    /// </summary>
    [Fact]
    public async Task AskedToRewindTheWriterCheckpointsBetweenCommitsAndTheNextCommitStartsTheWalAgain()
    {
        using var app = new CortexApplication(new Dictionary<string, string?>
        {
            ["Cortex:Embedded:CheckpointInterval"] = "01:00:00",
            ["Cortex:Embedded:WalLimitMiB"] = "1024",
        });
        var store = app.Services.GetRequiredService<SqliteTelemetryStore>();
        var writer = app.Services.GetRequiredService<SqliteWriter>();
        for (var i = 0; i < 20; i++)
        {
            await SaveBatchAsync(store);
        }

        var framesBefore = WalFrames(store.DatabasePath);
        writer.RequestWalRewind();
        await SaveBatchAsync(store);
        await SaveBatchAsync(store);
        var framesAfter = WalFrames(store.DatabasePath);

        Assert.True(framesBefore > 200, $"the WAL held only {framesBefore} frames before the rewind");
        Assert.True(framesAfter < framesBefore / 10, $"the WAL held {framesAfter} frames after the rewind, {framesBefore} before");
    }

    private static Task<IReadOnlyList<SaveOutcome>> SaveBatchAsync(SqliteTelemetryStore store) =>
        store.SaveAsync([.. Enumerable.Range(0, 100).Select(_ => ConsumerTestData.NewEvent("wal-rewind"))], TestContext.Current.CancellationToken);

    /// <summary>
    /// The frames in the WAL now, read from the WAL index (mxFrame, at byte 16 of the -shm file, in
    /// native byte order) rather than through a checkpoint, which would itself let the WAL rewind.
    /// </summary>
    private static long WalFrames(string databasePath)
    {
        using var shm = new FileStream(databasePath + "-shm", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[20];
        shm.ReadExactly(header);
        return BitConverter.ToUInt32(header[16..]);
    }

    private static async Task<(long LargestWal, int Stored)> WriteWithoutPauseAsync(int walLimitMiB)
    {
        using var app = new CortexApplication(new Dictionary<string, string?>
        {
            ["Cortex:Embedded:CheckpointInterval"] = "00:00:00.020",
            ["Cortex:Embedded:WalLimitMiB"] = walLimitMiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var store = app.Services.GetRequiredService<SqliteTelemetryStore>();
        var wal = new FileInfo(store.DatabasePath + "-wal");
        var until = DateTime.UtcNow.AddSeconds(4);
        long largest = 0;
        var stored = 0;

        // Sixteen writers keep the write queue full, so the writer commits back to back.
        var writers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (DateTime.UtcNow < until)
            {
                var events = Enumerable.Range(0, 100).Select(_ => ConsumerTestData.NewEvent("wal-bound")).ToList();
                var outcomes = await store.SaveAsync(events, TestContext.Current.CancellationToken);
                Interlocked.Add(ref stored, outcomes.Count(o => o == SaveOutcome.Stored));
            }
        })).ToList();
        while (writers.Any(w => !w.IsCompleted))
        {
            wal.Refresh();
            largest = Math.Max(largest, wal.Exists ? wal.Length : 0);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        await Task.WhenAll(writers);
        return (largest, stored);
    }
}
