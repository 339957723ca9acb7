using System.Globalization;
using HdrHistogram;

namespace Cortex.LoadTest;

/// <summary>The result of one load run, as printed and as written to the --output JSON file.</summary>
public sealed record RunReport
{
    public required string Name { get; init; }

    public required string Url { get; init; }

    public required string Mode { get; init; }

    public required int BatchSize { get; init; }

    /// <summary>The --workload: "fleet" or "scattered" (see <see cref="LoadTest.Workload"/>).</summary>
    public required string Workload { get; init; }

    /// <summary>What the workload means, in one line, so a JSON report explains itself.</summary>
    public string? WorkloadDescription { get; init; }

    public required int Concurrency { get; init; }

    public double? TargetRate { get; init; }

    public bool Gzip { get; init; }

    public bool Anonymous { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required double DurationSeconds { get; init; }

    public required long Requests { get; init; }

    public required long EventsAccepted { get; init; }

    /// <summary>OTLP records the server answered 200 for but rejected (partial_success); not in <see cref="EventsAccepted"/>.</summary>
    public long EventsRejected { get; init; }

    public required double RequestsPerSecond { get; init; }

    public required double EventsPerSecond { get; init; }

    public required LatencySummary LatencyMs { get; init; }

    public required IReadOnlyDictionary<string, long> StatusCounts { get; init; }

    public required IReadOnlyDictionary<string, long> TransportErrors { get; init; }

    public required long Errors { get; init; }

    public required double AverageJsonBytesPerRequest { get; init; }

    public ServerReport? Server { get; init; }

    public required double ClientCpuSeconds { get; init; }

    public required string LoadAverageStart { get; init; }

    public required string LoadAverageEnd { get; init; }

    public static RunReport From(LoadSettings settings, RunStatistics statistics, TimeSpan elapsed) => new()
    {
        Name = settings.Name,
        Url = settings.Target.ToString(),
        Mode = settings.Mode,
        BatchSize = settings.EventsPerRequest,
        Workload = settings.Workload.Name,
        WorkloadDescription = settings.Workload.Description,
        Concurrency = settings.Concurrency,
        TargetRate = settings.Rate,
        Gzip = settings.Gzip,
        Anonymous = settings.Anonymous,
        StartedAt = DateTimeOffset.UtcNow - elapsed,
        DurationSeconds = Math.Round(elapsed.TotalSeconds, 3),
        Requests = statistics.Requests,
        EventsAccepted = statistics.EventsAccepted,
        EventsRejected = statistics.EventsRejected,
        RequestsPerSecond = Math.Round(statistics.Requests / Math.Max(elapsed.TotalSeconds, 1e-9), 1),
        EventsPerSecond = Math.Round(statistics.EventsAccepted / Math.Max(elapsed.TotalSeconds, 1e-9), 1),
        LatencyMs = LatencySummary.From(statistics.Latency),
        StatusCounts = statistics.StatusCounts().ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value),
        TransportErrors = statistics.TransportErrors(),
        Errors = statistics.Errors,
        AverageJsonBytesPerRequest = 0,
        ClientCpuSeconds = 0,
        LoadAverageStart = string.Empty,
        LoadAverageEnd = string.Empty,
    };
}

/// <summary>Latency percentiles in milliseconds, from a histogram recorded in microseconds.</summary>
public sealed record LatencySummary(double Mean, double P50, double P90, double P95, double P99, double P999, double Max)
{
    public static LatencySummary From(HistogramBase histogram) => histogram.TotalCount == 0
        ? new(0, 0, 0, 0, 0, 0, 0)
        : new(
            Math.Round(histogram.GetMean() / 1000, 3),
            Milliseconds(histogram.GetValueAtPercentile(50)),
            Milliseconds(histogram.GetValueAtPercentile(90)),
            Milliseconds(histogram.GetValueAtPercentile(95)),
            Milliseconds(histogram.GetValueAtPercentile(99)),
            Milliseconds(histogram.GetValueAtPercentile(99.9)),
            Milliseconds(histogram.GetMaxValue()));

    private static double Milliseconds(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}

/// <summary>What the server process used during the measured phase (from /proc, when --pid is given).</summary>
public sealed record ServerReport(
    int Pid,
    double PeakSampledRssMb,
    double VmHwmMb,
    double RssEndMb,
    double CpuSeconds,
    double CpuCoresBusy,
    double CpuMillisecondsPerThousandEvents);
