using Cortex.Api.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Tests.Infrastructure;

public sealed class ReplayPacerTests
{
    [Fact]
    public async Task TheFirstMessageGoesAtOnceAndEachNextOneWaitsOneIntervalOfTheClock()
    {
        var clock = new FakeTimeProvider();
        using var pacer = new ReplayPacer(maxPerSecond: 4, clock);

        var first = pacer.WaitAsync(TestContext.Current.CancellationToken);
        var second = pacer.WaitAsync(TestContext.Current.CancellationToken).AsTask();
        var secondBeforeItsTime = second.IsCompleted;
        clock.Advance(TimeSpan.FromMilliseconds(249));
        var secondAlmostAtItsTime = second.IsCompleted;
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(secondBeforeItsTime);
        Assert.False(secondAlmostAtItsTime);
    }

    [Fact]
    public async Task TimeWithoutMessagesDoesNotSaveUpABurst()
    {
        var clock = new FakeTimeProvider();
        using var pacer = new ReplayPacer(maxPerSecond: 1, clock);
        clock.Advance(TimeSpan.FromSeconds(10));

        await pacer.WaitAsync(TestContext.Current.CancellationToken);
        var next = pacer.WaitAsync(TestContext.Current.CancellationToken);

        Assert.False(next.IsCompleted);
    }

    [Fact]
    public async Task AWaitEndsWhenTheReplayIsCancelled()
    {
        var clock = new FakeTimeProvider();
        using var pacer = new ReplayPacer(maxPerSecond: 1, clock);
        using var cancel = new CancellationTokenSource();
        await pacer.WaitAsync(TestContext.Current.CancellationToken);

        var waiting = pacer.WaitAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
