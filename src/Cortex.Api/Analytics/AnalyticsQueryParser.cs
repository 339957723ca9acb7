using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Analytics;

/// <summary>
/// Turns a request body into an <see cref="AnalyticsQuery"/>, or into every error by field
/// (<c>operation</c>, <c>parameters.from</c>, ...). It also writes the parameters in one
/// canonical form: the stored record of the job and, hashed with its owner, its cache key.
/// </summary>
internal static partial class AnalyticsQueryParser
{
    private static readonly string[] Filters = ["source", "event_type", "severity", "region"];
    private static readonly string[] Range = ["from", "to"];

    /// <summary>The parameters each operation accepts; any other is refused by name.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Parameters = new Dictionary<string, string[]>
    {
        [AnalyticsOperations.Summary] = [.. Range, .. Filters],
        [AnalyticsOperations.Counts] = [.. Range, .. Filters, "group_by", "bucket"],
        [AnalyticsOperations.Metric] = [.. Range, .. Filters, "field", "group_by", "bucket"],
        [AnalyticsOperations.TopSources] = [.. Range, "severity", "event_type", "region", "limit"],
        [AnalyticsOperations.SilentSources] = ["reference_from", "reference_to", .. Range, "event_type", "region", "limit"],
        [AnalyticsOperations.Integrity] = [.. Range, "late_after"],
    };

    public static readonly IReadOnlyDictionary<string, long> Buckets = new Dictionary<string, long>
    {
        ["1m"] = 60_000,
        ["1h"] = 3_600_000,
        ["1d"] = 86_400_000,
    };

    public static Parsed Parse(AnalyticsRequest request, AnalyticsOptions options)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var operation = request.Operation;
        if (operation is null || !Parameters.TryGetValue(operation, out var allowed))
        {
            Error("operation", $"operation must be one of: {string.Join(", ", AnalyticsOperations.All)}.");
            return new Parsed(null, null, Finish(errors));
        }

        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (request.Parameters is { ValueKind: JsonValueKind.Object } parameters)
        {
            foreach (var property in parameters.EnumerateObject())
            {
                if (allowed.Contains(property.Name))
                {
                    values[property.Name] = property.Value;
                }
                else
                {
                    Error("parameters." + property.Name, $"{operation} has no parameter {property.Name}; it takes: {string.Join(", ", allowed)}.");
                }
            }
        }
        else if (request.Parameters is { ValueKind: not JsonValueKind.Null })
        {
            Error("parameters", "parameters must be a JSON object.");
        }

        var reader = new Reader(values, Error);
        var range = reader.Range("from", "to", required: true);
        TimeRange? reference = operation == AnalyticsOperations.SilentSources ? reader.Range("reference_from", "reference_to", required: true) : null;
        var severity = reader.OneOf("severity", EventContract.Severities);
        var query = new AnalyticsQuery(
            operation,
            range ?? default,
            Source: reader.Text("source", EventContract.MaxSourceLength),
            EventType: reader.OneOf("event_type", EventContract.EventTypes),
            Severity: operation == AnalyticsOperations.TopSources ? severity ?? "critical" : severity,
            Region: reader.Text("region", EventContract.MaxRegionLength),
            GroupBy: reader.GroupBy(),
            BucketMs: reader.Bucket(),
            Field: reader.Field(operation == AnalyticsOperations.Metric),
            Limit: reader.Limit(operation == AnalyticsOperations.TopSources ? 10 : 100),
            Reference: reference,
            LateAfterMs: reader.Duration("late_after", TimeSpan.FromMinutes(5)));

        if (range is { } r && (reference ?? r) is { } start)
        {
            var from = Math.Min(start.FromMs, r.FromMs);
            var to = Math.Max(start.ToMs, r.ToMs);
            if (to - from > (long)options.MaxRange.TotalMilliseconds)
            {
                Error(reference is null ? "parameters.to" : "parameters.reference_from",
                    $"A job may examine at most {Describe(options.MaxRange)} of events; this one spans {Describe(TimeSpan.FromMilliseconds(to - from))}.");
            }
        }

        if (errors.Count > 0)
        {
            return new Parsed(null, null, Finish(errors));
        }

        return new Parsed(query, Canonical(query), null);
    }

    /// <summary>The cache key: the owner, the operation and the canonical parameters, hashed.</summary>
    public static string CacheKey(string subject, string operation, string canonicalParameters) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject + "\n" + operation + "\n" + canonicalParameters)));

    /// <summary>The parameters after defaults, in a fixed order and form, as JSON.</summary>
    public static string Canonical(AnalyticsQuery query)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            var names = Parameters[query.Operation];
            if (query.Reference is { } reference)
            {
                writer.WriteString("reference_from", Time(reference.FromMs));
                writer.WriteString("reference_to", Time(reference.ToMs));
            }

            writer.WriteString("from", Time(query.Range.FromMs));
            writer.WriteString("to", Time(query.Range.ToMs));
            WriteIfSet(writer, "source", query.Source);
            WriteIfSet(writer, "event_type", query.EventType);
            WriteIfSet(writer, "severity", query.Severity);
            WriteIfSet(writer, "region", query.Region);
            if (names.Contains("group_by"))
            {
                writer.WriteStartArray("group_by");
                foreach (var group in query.Groups)
                {
                    writer.WriteStringValue(group);
                }

                writer.WriteEndArray();
                WriteIfSet(writer, "bucket", Buckets.FirstOrDefault(b => b.Value == query.BucketMs).Key);
            }

            WriteIfSet(writer, "field", query.Field is null ? null : "data." + query.Field);
            if (names.Contains("limit"))
            {
                writer.WriteNumber("limit", query.Limit);
            }

            if (names.Contains("late_after"))
            {
                writer.WriteString("late_after", (query.LateAfterMs / 1000).ToString(CultureInfo.InvariantCulture) + "s");
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Time(long ms) => Rfc3339.ToUtcString(DateTimeOffset.FromUnixTimeMilliseconds(ms));

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.##} days" : span.TotalHours >= 1 ? $"{span.TotalHours:0.##} hours" : $"{span.TotalMinutes:0.##} minutes";

    private static Dictionary<string, string[]> Finish(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    [GeneratedRegex(@"^data(\.[A-Za-z_][A-Za-z0-9_]{0,63}){1,8}$")]
    private static partial Regex FieldPath();

    [GeneratedRegex(@"^([1-9][0-9]{0,5})(s|m|h)$")]
    private static partial Regex DurationText();

    public sealed record Parsed(AnalyticsQuery? Query, string? CanonicalParameters, Dictionary<string, string[]>? Errors);

    private sealed class Reader(Dictionary<string, JsonElement> values, Action<string, string> error)
    {
        public TimeRange? Range(string fromName, string toName, bool required)
        {
            var from = Timestamp(fromName, required);
            var to = Timestamp(toName, required);
            if (from is null || to is null)
            {
                return null;
            }

            if (from >= to)
            {
                error("parameters." + toName, $"{toName} must be later than {fromName}.");
                return null;
            }

            return new TimeRange(from.Value, to.Value);
        }

        public string? Text(string name, int maxLength)
        {
            if (!values.TryGetValue(name, out var value))
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text || text.Length > maxLength || text.Any(char.IsControl))
            {
                error("parameters." + name, $"{name} must be a string of 1-{maxLength} characters without control characters.");
                return null;
            }

            return text;
        }

        public string? OneOf(string name, string[] allowed)
        {
            if (!values.TryGetValue(name, out var value))
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.String && value.GetString() is { } text && allowed.Contains(text))
            {
                return text;
            }

            error("parameters." + name, $"{name} must be one of: {string.Join(", ", allowed)}.");
            return null;
        }

        public List<string>? GroupBy()
        {
            if (!values.TryGetValue("group_by", out var value))
            {
                return null;
            }

            var groups = value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Select(g => g.ValueKind == JsonValueKind.String ? g.GetString() ?? string.Empty : string.Empty).ToList()
                : null;
            if (groups is null || groups.Any(g => !AnalyticsOperations.GroupDimensions.Contains(g))
                || groups.Distinct().Count() != groups.Count)
            {
                error("parameters.group_by", $"group_by must be an array of distinct names from: {string.Join(", ", AnalyticsOperations.GroupDimensions)}.");
                return null;
            }

            return groups;
        }

        public long? Bucket()
        {
            if (!values.TryGetValue("bucket", out var value))
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.String && Buckets.TryGetValue(value.GetString()!, out var ms))
            {
                return ms;
            }

            error("parameters.bucket", $"bucket must be one of: {string.Join(", ", Buckets.Keys)}.");
            return null;
        }

        public string? Field(bool required)
        {
            if (!values.TryGetValue("field", out var value))
            {
                if (required)
                {
                    error("parameters.field", "field is required: the path of a numeric member of data, for example data.cpu_percent.");
                }

                return null;
            }

            if (value.ValueKind == JsonValueKind.String && value.GetString() is { } path && FieldPath().IsMatch(path))
            {
                return path["data.".Length..];
            }

            error("parameters.field", "field must be a path below data of up to 8 names (letters, digits, _), for example data.cpu_percent.");
            return null;
        }

        public int Limit(int defaultLimit)
        {
            if (!values.TryGetValue("limit", out var value))
            {
                return defaultLimit;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var limit) && limit is >= 1 and <= 1000)
            {
                return limit;
            }

            error("parameters.limit", "limit must be an integer from 1 to 1000.");
            return defaultLimit;
        }

        public long Duration(string name, TimeSpan defaultValue)
        {
            if (!values.TryGetValue(name, out var value))
            {
                return (long)defaultValue.TotalMilliseconds;
            }

            var match = value.ValueKind == JsonValueKind.String ? DurationText().Match(value.GetString()!) : null;
            if (match is not { Success: true })
            {
                error("parameters." + name, $"{name} must be a duration such as 30s, 5m or 2h.");
                return (long)defaultValue.TotalMilliseconds;
            }

            var amount = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return amount * match.Groups[2].Value switch { "s" => 1000L, "m" => 60_000L, _ => 3_600_000L };
        }

        private long? Timestamp(string name, bool required)
        {
            if (!values.TryGetValue(name, out var value))
            {
                if (required)
                {
                    error("parameters." + name, $"{name} is required (RFC 3339 date-time with Z or an offset).");
                }

                return null;
            }

            if (value.ValueKind == JsonValueKind.String && Rfc3339.TryParse(value.GetString()!, out var time))
            {
                return time.ToUnixTimeMilliseconds();
            }

            error("parameters." + name, $"{name} must be an RFC 3339 date-time with Z or an offset.");
            return null;
        }
    }
}
