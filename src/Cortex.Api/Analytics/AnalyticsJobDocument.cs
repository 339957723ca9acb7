using System.Text.Json;
using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Analytics;

/// <summary>A job as GET /analytics/jobs/{job_id} returns it; absent members are null.</summary>
public sealed record AnalyticsJobDocument(
    Guid JobId,
    string Operation,
    JsonElement Parameters,
    string Status,
    bool Cached,
    string CreatedAt,
    string? StartedAt,
    string? FinishedAt,
    string ExpiresAt,
    string? Error,
    JsonElement? Result,
    string? ResultUrl,
    long? ResultBytes)
{
    internal static AnalyticsJobDocument From(AnalyticsJob job, bool cached, string? resultUrl, bool withResult)
    {
        using var parameters = JsonDocument.Parse(job.ParametersJson);
        JsonElement? result = null;
        if (withResult && job.ResultJson is { } json)
        {
            using var document = JsonDocument.Parse(json);
            result = document.RootElement.Clone();
        }

        return new AnalyticsJobDocument(
            job.JobId,
            job.Operation,
            parameters.RootElement.Clone(),
            JsonNamingPolicy.SnakeCaseLower.ConvertName(job.Status.ToString()),
            cached,
            Time(job.CreatedAt)!,
            Time(job.StartedAt),
            Time(job.FinishedAt),
            Time(job.ExpiresAt)!,
            job.Error,
            result,
            resultUrl,
            job.ResultBytes);
    }

    private static string? Time(DateTimeOffset? time) => time is { } t ? Rfc3339.ToUtcString(t) : null;
}

/// <summary>The caller's recent jobs, newest first, without their results.</summary>
public sealed record AnalyticsJobList(IReadOnlyList<AnalyticsJobDocument> Items);
