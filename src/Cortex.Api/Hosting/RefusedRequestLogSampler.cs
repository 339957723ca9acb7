using Microsoft.Extensions.Options;
using Serilog.Core;
using Serilog.Events;

namespace Cortex.Api.Hosting;

/// <summary>
/// Keeps a flood of refused requests (bad tokens, missing scopes, rate-limited clients) from
/// filling the log: a fixed number of their request lines per minute, the rest counted.
/// </summary>
internal sealed class RefusedRequestLogSampler(IOptions<LoggingOptions> options, TimeProvider clock) : ILogEventFilter
{
    public const string SuppressedProperty = "SuppressedRefusals";

    private readonly Lock _lock = new();
    private readonly int _perMinute = options.Value.RefusedRequestLinesPerMinute;
    private long _window = -1;
    private int _written;
    private long _suppressed;

    public bool IsEnabled(LogEvent logEvent)
    {
        if (!IsRefusal(logEvent))
        {
            return true;
        }

        long suppressed;
        lock (_lock)
        {
            var window = clock.GetUtcNow().ToUnixTimeSeconds() / 60;
            if (window != _window)
            {
                _window = window;
                _written = 0;
            }

            if (_written >= _perMinute)
            {
                _suppressed++;
                return false;
            }

            _written++;
            suppressed = _suppressed;
            _suppressed = 0;
        }

        if (suppressed > 0)
        {
            logEvent.AddOrUpdateProperty(new LogEventProperty(SuppressedProperty, new ScalarValue(suppressed)));
        }

        return true;
    }

    private static bool IsRefusal(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("StatusCode", out var value)
        && value is ScalarValue { Value: int status }
        && status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests;
}
