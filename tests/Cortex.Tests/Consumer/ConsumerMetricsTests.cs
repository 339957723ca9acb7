using System.Diagnostics.Metrics;
using Cortex.Api.Consumer;
using Cortex.Api.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static Cortex.Tests.Consumer.ConsumerTestData;

namespace Cortex.Tests.Consumer;

/// <summary>The consumer's instruments, as SqsBatchHandler records them.</summary>
public sealed class ConsumerMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly InMemoryTelemetryStore _store = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private IMeterFactory MeterFactory => _services.GetRequiredService<IMeterFactory>();

    [Fact]
    public async Task EachBatchRecordsItsSize()
    {
        using var batchSize = Collect<long>("cortex.consumer.batch.size");
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([Record(NewEvent()), Record(NewEvent()), Record(NewEvent())]), TestContext.Current.CancellationToken);
        await handler.HandleAsync(new SqsBatch([Record(NewEvent())]), TestContext.Current.CancellationToken);

        Assert.Equal([3L, 1L], batchSize.GetMeasurementSnapshot().Select(m => m.Value));
    }

    [Fact]
    public async Task FailuresAreCountedByReason()
    {
        using var failures = Collect<long>("cortex.consumer.failures");
        var throttled = NewEvent();
        _store.OnSave = (e, _) => e.EventId == throttled.EventId ? throw new StoreUnavailableException() : Task.CompletedTask;
        var handler = CreateHandler();

        await handler.HandleAsync(
            new SqsBatch([Record("not json"), Record("""{"detail":"no object"}"""), Record(throttled), Record(NewEvent())]),
            TestContext.Current.CancellationToken);

        var measurements = failures.GetMeasurementSnapshot();
        Assert.Equal(2, measurements.ContainsTags(new KeyValuePair<string, object?>("reason", "malformed")).EvaluateAsCounter());
        Assert.Equal(1, measurements.ContainsTags(new KeyValuePair<string, object?>("reason", "store")).EvaluateAsCounter());
        Assert.Equal(3, measurements.EvaluateAsCounter());
    }

    [Fact]
    public async Task RecordsPastTheDeadlineAreCountedAsUnfinishedFailures()
    {
        using var failures = Collect<long>("cortex.consumer.failures");
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([Record(NewEvent()), Record(NewEvent())], Deadline: _clock.GetUtcNow()), TestContext.Current.CancellationToken);

        var measurement = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal(2, measurement.Value);
        Assert.Equal("unfinished", measurement.Tags["reason"]);
    }

    [Fact]
    public async Task ABatchWithoutFailuresRecordsNoFailure()
    {
        using var failures = Collect<long>("cortex.consumer.failures");
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([Record(NewEvent())]), TestContext.Current.CancellationToken);

        Assert.Empty(failures.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task DuplicatesAreCounted()
    {
        using var duplicates = Collect<long>("cortex.consumer.duplicates");
        var stored = NewEvent();
        _store.Events[stored.EventId] = stored;
        var twice = NewEvent();
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([Record(stored), Record(twice), Record(twice), Record(NewEvent())]), TestContext.Current.CancellationToken);

        Assert.Equal(2, duplicates.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task LagIsTheTimeFromIngestedAtToStoredInSeconds()
    {
        using var lag = Collect<double>("cortex.events.lag");
        var ingestedAt = _clock.GetUtcNow() - TimeSpan.FromMilliseconds(2500);
        var e = NewEvent() with { IngestedAt = Rfc3339.ToUtcString(ingestedAt) };
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([Record(e)]), TestContext.Current.CancellationToken);

        Assert.Equal(2.5, Assert.Single(lag.GetMeasurementSnapshot()).Value, precision: 3);
    }

    [Fact]
    public async Task ADuplicateRecordsNoLag()
    {
        using var lag = Collect<double>("cortex.events.lag");
        var e = NewEvent();
        _store.Events[e.EventId] = e;
        var handler = CreateHandler();

        await handler.HandleAsync(new SqsBatch([Record(e, receiveCount: 2)]), TestContext.Current.CancellationToken);

        Assert.Empty(lag.GetMeasurementSnapshot());
    }

    public void Dispose() => _services.Dispose();

    private MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(MeterFactory, "Cortex", instrument);

    private SqsBatchHandler CreateHandler() =>
        new(_store, _clock, Options.Create(new ConsumerOptions()), NewMetrics(MeterFactory), new FakeLogger<SqsBatchHandler>());
}
