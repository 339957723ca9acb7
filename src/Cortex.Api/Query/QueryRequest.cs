using System.Globalization;
using System.Reflection;
using Cortex.Api.Events;

namespace Cortex.Api.Query;

/// <summary>
/// The query string of GET /events as sent, bound by hand so that unknown or repeated
/// parameters can be reported rather than silently ignored.
/// </summary>
public sealed record QueryRequest(
    string? Source,
    string? EventType,
    string? Severity,
    string? From,
    string? To,
    string? Limit,
    string? Cursor,
    IReadOnlyList<string> UnknownParameters,
    IReadOnlyList<string> RepeatedParameters)
{
    public static readonly string[] KnownParameters = ["source", "event_type", "severity", "from", "to", "limit", "cursor"];

    public static ValueTask<QueryRequest?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        _ = parameter;
        var query = context.Request.Query;
        var unknown = new List<string>();
        var repeated = new List<string>();
        foreach (var (key, values) in query)
        {
            if (!KnownParameters.Contains(key, StringComparer.Ordinal))
            {
                unknown.Add(key);
            }
            else if (values.Count > 1)
            {
                repeated.Add(key);
            }
        }

        string? Get(string name) => query.TryGetValue(name, out var v) ? v[0] : null;
        return ValueTask.FromResult<QueryRequest?>(new QueryRequest(
            Get("source"), Get("event_type"), Get("severity"), Get("from"), Get("to"), Get("limit"), Get("cursor"), unknown, repeated));
    }

    /// <summary>The limit as a number, or null when absent or not a whole number.</summary>
    public int? LimitValue =>
        int.TryParse(Limit, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : null;

    public long? FromMs => ParseTime(From);

    public long? ToMs => ParseTime(To);

    public QueryFilter Filter => new(Source, EventType, Severity, FromMs, ToMs);

    internal static long? ParseTime(string? value) =>
        value is not null && Rfc3339.TryParse(value, out var time) ? time.ToUnixTimeMilliseconds() : null;
}
