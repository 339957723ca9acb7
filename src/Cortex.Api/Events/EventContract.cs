using System.Collections.Frozen;

namespace Cortex.Api.Events;

/// <summary>The fixed vocabulary and size limits of the event contract (DESIGN.md section 3).</summary>
public static class EventContract
{
    public static readonly string[] EventTypes =
    [
        "cpu_usage", "memory_usage", "disk_io", "network_latency", "network_throughput",
        "process_count", "uptime", "health_check", "custom",
    ];

    public static readonly string[] Severities = ["info", "warning", "critical"];

    public static readonly FrozenSet<string> EventTypeSet = EventTypes.ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> SeveritySet = Severities.ToFrozenSet(StringComparer.Ordinal);

    public const string DefaultSeverity = "info";
    public const int MaxSourceLength = 256;
    public const int MaxHostnameLength = 256;
    public const int MaxRegionLength = 64;
    public const int MaxTags = 50;
    public const int MaxTagKeyLength = 128;
    public const int MaxTagValueLength = 256;
    public const int MaxDataDepth = 30;

    /// <summary>Server-owned: the longest client address text kept (an IPv6 address with a zone fits).</summary>
    public const int MaxSourceIpLength = 64;

    /// <summary>Server-owned: the W3C traceparent is 55 characters; later versions may add fields.</summary>
    public const int MaxTraceParentLength = 256;
}
