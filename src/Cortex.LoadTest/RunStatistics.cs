using System.Collections.Concurrent;
using HdrHistogram;

namespace Cortex.LoadTest;

/// <summary>
/// What one run measured: an HdrHistogram of latencies (microseconds) over every HTTP response, counts per
/// status code, accepted events, and transport errors (no HTTP response at all) by kind.
/// Safe to record from many requests at once and to read while they record.
/// </summary>
public sealed class RunStatistics
{
    private readonly long[] _statusCounts = new long[600];
    private readonly ConcurrentDictionary<string, long> _transportErrors = new(StringComparer.Ordinal);
    private long _responses;
    private long _transportErrorCount;
    private long _events;
    private long _rejected;

    /// <summary>The longest latency recorded as itself: one hour. Longer ones are recorded as one hour.</summary>
    public const long HighestLatencyMicroseconds = 3_600_000_000;

    /// <summary>Every response's latency in microseconds, to 3 significant digits (0.1 %), safe to record from many threads.</summary>
    public HistogramBase Latency { get; } = new LongConcurrentHistogram(1, HighestLatencyMicroseconds, 3);

    /// <summary>Requests that completed, with a response or a transport error.</summary>
    public long Requests => Responses + TransportErrorCount;

    public long Responses => Volatile.Read(ref _responses);

    public long TransportErrorCount => Volatile.Read(ref _transportErrorCount);

    /// <summary>Events the server acknowledged (2xx), counted per item for partial batches.</summary>
    public long EventsAccepted => Volatile.Read(ref _events);

    /// <summary>Events a successful response said were rejected (OTLP partial_success).</summary>
    public long EventsRejected => Volatile.Read(ref _rejected);

    /// <summary>Responses that were not 2xx plus transport errors.</summary>
    public long Errors
    {
        get
        {
            long errors = TransportErrorCount;
            for (var status = 0; status < _statusCounts.Length; status++)
            {
                if (status is < 200 or >= 300)
                {
                    errors += Volatile.Read(ref _statusCounts[status]);
                }
            }

            return errors;
        }
    }

    public void RecordResponse(int statusCode, long latencyMicroseconds, int eventsAccepted, int eventsRejected = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(eventsAccepted);
        ArgumentOutOfRangeException.ThrowIfNegative(eventsRejected);
        Interlocked.Add(ref _rejected, eventsRejected);
        var slot = statusCode is >= 100 and < 600 ? statusCode : 0;
        Interlocked.Increment(ref _statusCounts[slot]);
        Interlocked.Add(ref _events, eventsAccepted);
        Latency.RecordValue(Math.Clamp(latencyMicroseconds, 0, HighestLatencyMicroseconds));
        Interlocked.Increment(ref _responses);
    }

    public void RecordTransportError(string kind)
    {
        _transportErrors.AddOrUpdate(kind, 1, (_, count) => count + 1);
        Interlocked.Increment(ref _transportErrorCount);
    }

    /// <summary>Responses per status code, only codes seen, in ascending order (0 = a code outside 100-599).</summary>
    public IReadOnlyDictionary<int, long> StatusCounts()
    {
        var counts = new SortedDictionary<int, long>();
        for (var status = 0; status < _statusCounts.Length; status++)
        {
            var count = Volatile.Read(ref _statusCounts[status]);
            if (count > 0)
            {
                counts[status] = count;
            }
        }

        return counts;
    }

    public IReadOnlyDictionary<string, long> TransportErrors() =>
        new SortedDictionary<string, long>(_transportErrors, StringComparer.Ordinal);
}
