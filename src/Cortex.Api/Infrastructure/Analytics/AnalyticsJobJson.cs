using System.Text.Json;
using System.Text.Json.Serialization;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Analytics;

/// <summary>A job as both job stores keep it: JSON without its result, which each store keeps beside it.</summary>
internal static class AnalyticsJobJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static string Write(AnalyticsJob job) => JsonSerializer.Serialize(job with { ResultJson = null }, Options);

    public static AnalyticsJob Read(string json, string? result)
    {
        var job = JsonSerializer.Deserialize<AnalyticsJob>(json, Options)!;
        return job.ResultStoredApart || result is null ? job : job with { ResultJson = result };
    }
}
