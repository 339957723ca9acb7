using System.Net;
using Cortex.Api.Hosting;
using Cortex.Api.Infrastructure.Embedded;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Durability;

/// <summary>
/// DESIGN.md: a 202 is sent only after the commit is durable. With Synchronous=FULL the commit is
/// durable when the WAL sync returns, so the answer must wait for it: held here at the seam the
/// app syncs through (<see cref="IWalSync"/>), around the real fsync.
/// </summary>
public sealed class WalSyncBeforeAnswerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AnEventIsCommittedFirstAndAnsweredOnlyAfterTheWalSyncReturns()
    {
        using var held = new HeldWalSync();
        using var app = new CortexApplication();
        using var factory = app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<IWalSync>(held)));
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", CortexApplication.Token("wal-sync", Scopes.Write));
        var source = Unique("wal-sync");
        await PostAcceptedAsync(client, Event(Unique("warm-up"))); // startup's own commits are synced and answered
        held.Hold();

        var post = client.PostAsync("/events", Json(Event(source)), Cancellation);
        var syncStarted = await held.Started.WaitAsync(Patience, Cancellation);
        var committedBeforeSync = app.CountStored(source);
        var answeredDuringSync = await Task.WhenAny(post, Task.Delay(200, Cancellation)) == post;
        held.Release();
        var response = await post.WaitAsync(Patience, Cancellation);

        Assert.True(syncStarted, "the WAL was never synced for the commit");
        Assert.Equal(1, committedBeforeSync);
        Assert.False(answeredDuringSync, "the event was answered while its WAL sync had not returned");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(held.Synced > 0);
    }

    /// <summary>The real fsync; while held, each sync waits at its start until the test releases it.</summary>
    private sealed class HeldWalSync : IWalSync, IDisposable
    {
        private readonly FileWalSync _real = new();
        private readonly ManualResetEventSlim _released = new(initialState: true);
        private int _synced;

        public SemaphoreSlim Started { get; } = new(0);

        public int Synced => Volatile.Read(ref _synced);

        public void Open(string walPath) => _real.Open(walPath);

        public void Sync()
        {
            if (!_released.IsSet)
            {
                Started.Release();
                _released.Wait(Patience);
            }

            _real.Sync();
            Interlocked.Increment(ref _synced);
        }

        public void Hold() => _released.Reset();

        public void Release() => _released.Set();

        public void Dispose()
        {
            _released.Set();
            _real.Dispose();
            _released.Dispose();
            Started.Dispose();
        }
    }
}
