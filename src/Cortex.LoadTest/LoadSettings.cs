namespace Cortex.LoadTest;

/// <summary>One load run's settings, as parsed from the command line.</summary>
public sealed record LoadSettings
{
    public string Name { get; init; } = "run";

    public required Uri Url { get; init; }

    /// <summary>"single" (POST one event), "batch" (POST a JSON array) or "otlp" (POST an OTLP/HTTP protobuf logs export).</summary>
    public string Mode { get; init; } = "single";

    /// <summary>Events per batch request, or log records per OTLP export.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>How events are spread over agents and time: <see cref="Workload.Fleet"/> (default) or <see cref="Workload.Scattered"/>.</summary>
    public Workload Workload { get; init; } = Workload.Fleet;

    /// <summary>Connections, and in closed-loop mode also requests in flight; one token subject each.</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Target requests per second (open loop); null for closed loop.</summary>
    public double? Rate { get; init; }

    public TimeSpan? Duration { get; init; }

    public long? Count { get; init; }

    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    /// <summary>The request path; defaults to /events or /events/batch by mode.</summary>
    public string? Path { get; init; }

    /// <summary>Send no bearer token (for a server without auth, such as benchmarks/Cortex.Bare).</summary>
    public bool Anonymous { get; init; }

    public bool Gzip { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public int Seed { get; init; } = 42;

    public bool IsBatch => string.Equals(Mode, "batch", StringComparison.Ordinal);

    public bool IsOtlp => string.Equals(Mode, "otlp", StringComparison.Ordinal);

    /// <summary>Events each request carries: the batch size for batch and otlp, 1 for single.</summary>
    public int EventsPerRequest => IsBatch || IsOtlp ? BatchSize : 1;

    public string EffectivePath => Path ?? (IsOtlp ? "/v1/logs" : IsBatch ? "/events/batch" : "/events");

    public Uri Target => new(Url, EffectivePath);
}
