using System.ComponentModel.DataAnnotations;
using Serilog.Events;

namespace Cortex.Api.Hosting;

/// <summary>What the request log writes (Cortex:Logging). Levels per category are Serilog's own settings.</summary>
public sealed class LoggingOptions
{
    public const string SectionName = "Cortex:Logging";

    /// <summary>The level of the line for a request answered below 400 (Debug in production keeps the hot path quiet).</summary>
    public LogEventLevel SuccessfulRequestLevel { get; set; } = LogEventLevel.Information;

    /// <summary>
    /// At most this many request lines per minute for refused requests (401, 403, 429); the rest are
    /// counted, and the next line written carries the count as <c>SuppressedRefusals</c>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int RefusedRequestLinesPerMinute { get; set; } = 60;
}
