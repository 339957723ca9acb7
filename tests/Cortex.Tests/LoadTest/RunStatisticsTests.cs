using Cortex.LoadTest;
using HdrHistogram;

namespace Cortex.Tests.LoadTest;

public sealed class RunStatisticsTests
{
    [Fact]
    public void ResponsesAreCountedPerStatusCodeWithAcceptedEvents()
    {
        var statistics = new RunStatistics();

        statistics.RecordResponse(202, 1_500, 1);
        statistics.RecordResponse(202, 2_500, 1);
        statistics.RecordResponse(207, 3_000, 60);
        statistics.RecordResponse(429, 100, 0);
        statistics.RecordResponse(503, 200, 0);

        Assert.Equal(new Dictionary<int, long> { [202] = 2, [207] = 1, [429] = 1, [503] = 1 }, statistics.StatusCounts());
        Assert.Equal(62, statistics.EventsAccepted);
        Assert.Equal(5, statistics.Responses);
        Assert.Equal(5, statistics.Latency.TotalCount);
        Assert.Equal(2, statistics.Errors);
    }

    [Fact]
    public void TransportErrorsAreCountedByKindAndAsRequestsWithoutLatency()
    {
        var statistics = new RunStatistics();

        statistics.RecordResponse(202, 1_000, 1);
        statistics.RecordTransportError("ConnectionRefused");
        statistics.RecordTransportError("ConnectionRefused");
        statistics.RecordTransportError("timeout");

        Assert.Equal(new Dictionary<string, long> { ["ConnectionRefused"] = 2, ["timeout"] = 1 }, statistics.TransportErrors());
        Assert.Equal(4, statistics.Requests);
        Assert.Equal(3, statistics.TransportErrorCount);
        Assert.Equal(3, statistics.Errors);
        Assert.Equal(1, statistics.Latency.TotalCount);
    }

    [Fact]
    public void AStatusOutsideHttpRangeIsCountedUnderZero()
    {
        var statistics = new RunStatistics();

        statistics.RecordResponse(999, 10, 0);

        Assert.Equal(new Dictionary<int, long> { [0] = 1 }, statistics.StatusCounts());
        Assert.Equal(1, statistics.Errors);
    }

    [Fact]
    public void LatencySummaryConvertsMicrosecondsToMilliseconds()
    {
        var statistics = new RunStatistics();
        for (var i = 1; i <= 100; i++)
        {
            statistics.RecordResponse(202, i * 100, 1);
        }

        var summary = LatencySummary.From(statistics.Latency);

        // HdrHistogram with 3 significant digits: every value is within 0.1 % of what was recorded.
        Assert.InRange(summary.P50, 5.0, 5.0 * 1.001);
        Assert.InRange(summary.P99, 9.9, 9.9 * 1.001);
        Assert.InRange(summary.Max, 10.0, 10.0 * 1.001);
        Assert.InRange(summary.Mean, 5.05 * 0.999, 5.05 * 1.001);
    }

    [Fact]
    public void AnEmptyRunSummarisesAsZeros()
    {
        var summary = LatencySummary.From(new RunStatistics().Latency);

        Assert.Equal(new LatencySummary(0, 0, 0, 0, 0, 0, 0), summary);
    }

    [Fact]
    public void ALatencyBeyondTheHistogramsRangeIsRecordedAtItsTopInsteadOfFailingTheRun()
    {
        var statistics = new RunStatistics();

        statistics.RecordResponse(202, RunStatistics.HighestLatencyMicroseconds * 10, 1);
        statistics.RecordResponse(202, -5, 1);

        Assert.Equal(2, statistics.Latency.TotalCount);
        Assert.InRange(statistics.Latency.GetMaxValue(), RunStatistics.HighestLatencyMicroseconds, RunStatistics.HighestLatencyMicroseconds * 1.001);
    }

    [Fact]
    public void ConcurrentRecordingLosesNothing()
    {
        var statistics = new RunStatistics();

        Parallel.For(0, 8, worker =>
        {
            for (var i = 1; i <= 10_000; i++)
            {
                statistics.RecordResponse(202, i, 1);
            }
        });

        Assert.Equal(80_000, statistics.Latency.TotalCount);
        Assert.Equal(80_000, statistics.EventsAccepted);
    }
}
