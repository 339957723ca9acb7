using Cortex.LoadTest;

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
        Assert.Equal(5, statistics.Latency.Count);
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
        Assert.Equal(1, statistics.Latency.Count);
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

        Assert.InRange(summary.P50, 5.0, 5.0 * 129 / 128);
        Assert.InRange(summary.P99, 9.9, 9.9 * 129 / 128);
        Assert.Equal(10.0, summary.Max);
        Assert.Equal(5.05, summary.Mean);
    }
}
