namespace Cortex.Api.Ports;

public enum AnalyticsJobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>
/// An analytics job as stored. <see cref="ResultJson"/> holds the answer when it is small enough
/// to return inline; a larger one is kept out of line (<see cref="IAnalyticsJobStore.SaveResultAsync"/>)
/// and reached through a link.
/// </summary>
public sealed record AnalyticsJob(
    Guid JobId,
    string Subject,
    string Operation,
    string ParametersJson,
    string CacheKey,
    AnalyticsJobStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? FinishedAt = null,
    string? Error = null,
    string? ResultJson = null,
    long? ResultBytes = null,
    bool ResultStoredApart = false)
{
    public bool IsFinished => Status is AnalyticsJobStatus.Succeeded or AnalyticsJobStatus.Failed;
}

/// <summary>
/// Where analytics jobs and their results live until they expire: the SQLite file (Embedded) or
/// a DynamoDB table with TTL and S3 (Aws). Reads never return an expired job.
/// </summary>
public interface IAnalyticsJobStore
{
    Task CreateAsync(AnalyticsJob job, CancellationToken cancellationToken);

    Task UpdateAsync(AnalyticsJob job, CancellationToken cancellationToken);

    /// <summary>The unexpired job, or null.</summary>
    Task<AnalyticsJob?> GetAsync(Guid jobId, CancellationToken cancellationToken);

    /// <summary>The subject's newest unexpired job with this cache key created at or after <paramref name="since"/> that has not failed, or null.</summary>
    Task<AnalyticsJob?> FindCachedAsync(string subject, string cacheKey, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The subject's unexpired jobs, newest first.</summary>
    Task<IReadOnlyList<AnalyticsJob>> ListAsync(string subject, int limit, CancellationToken cancellationToken);

    /// <summary>Keeps a result too large to return inline.</summary>
    Task SaveResultAsync(AnalyticsJob job, byte[] resultJson, CancellationToken cancellationToken);

    /// <summary>Where the owner downloads a result kept apart: a path of this app, or a presigned URL.</summary>
    Task<string> ResultLinkAsync(AnalyticsJob job, CancellationToken cancellationToken);

    /// <summary>A result kept apart, or null when there is none (or it expired).</summary>
    Task<byte[]?> ReadResultAsync(AnalyticsJob job, CancellationToken cancellationToken);
}
