using Cortex.Api.Infrastructure.Analytics;
using Cortex.Api.Ports;
using Microsoft.Data.Sqlite;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// Analytics jobs in the <c>analytics_jobs</c> table of the events file. Each write is one short
/// statement on a pooled connection, never the ingestion writer's: a job changes state a few
/// times in its life, so the write lock it takes is as brief as an event commit.
/// </summary>
internal sealed class SqliteAnalyticsJobStore(SqliteDatabase database, TimeProvider clock) : IAnalyticsJobStore
{
    /// <summary>Failed jobs are not reused; a few identical recent ones are enough to find one that did not fail.</summary>
    private const int CachedCandidates = 10;

    public Task CreateAsync(AnalyticsJob job, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO analytics_jobs (job_id, subject, cache_key, created_ms, expires_at, document, result)
            VALUES ($id, $subject, $cache_key, $created_ms, $expires_at, $document, $result)
            """;
        Bind(command, job);
        command.ExecuteNonQuery();
    }, cancellationToken);

    public Task UpdateAsync(AnalyticsJob job, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE analytics_jobs SET document = $document, result = coalesce($result, result) WHERE job_id = $id";
        Bind(command, job);
        command.ExecuteNonQuery();
    }, cancellationToken);

    public Task SaveResultAsync(AnalyticsJob job, byte[] resultJson, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE analytics_jobs SET result = $result WHERE job_id = $id";
        command.Parameters.AddWithValue("$id", job.JobId.ToByteArray(bigEndian: true));
        command.Parameters.AddWithValue("$result", System.Text.Encoding.UTF8.GetString(resultJson));
        command.ExecuteNonQuery();
    }, cancellationToken);

    public Task<AnalyticsJob?> GetAsync(Guid jobId, CancellationToken cancellationToken) => Task.Run(() =>
        Query("WHERE job_id = $id AND expires_at > $now", command => command.Parameters.AddWithValue("$id", jobId.ToByteArray(bigEndian: true)), 1)
            .SingleOrDefault(), cancellationToken);

    public Task<AnalyticsJob?> FindCachedAsync(string subject, string cacheKey, DateTimeOffset since, CancellationToken cancellationToken) => Task.Run(() =>
        Query(
            "INDEXED BY ix_analytics_jobs_cache WHERE cache_key = $cache_key AND created_ms >= $since AND subject = $subject AND expires_at > $now ORDER BY created_ms DESC",
            command =>
            {
                command.Parameters.AddWithValue("$cache_key", cacheKey);
                command.Parameters.AddWithValue("$subject", subject);
                command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
            },
            CachedCandidates).FirstOrDefault(job => job.Status != AnalyticsJobStatus.Failed), cancellationToken);

    public Task<IReadOnlyList<AnalyticsJob>> ListAsync(string subject, int limit, CancellationToken cancellationToken) => Task.Run(() =>
        (IReadOnlyList<AnalyticsJob>)Query(
            "INDEXED BY ix_analytics_jobs_subject WHERE subject = $subject AND expires_at > $now ORDER BY created_ms DESC",
            command => command.Parameters.AddWithValue("$subject", subject),
            limit), cancellationToken);

    public Task<string> ResultLinkAsync(AnalyticsJob job, CancellationToken cancellationToken) =>
        Task.FromResult($"/analytics/jobs/{job.JobId:D}/result");

    public Task<byte[]?> ReadResultAsync(AnalyticsJob job, CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT result FROM analytics_jobs WHERE job_id = $id AND expires_at > $now";
        command.Parameters.AddWithValue("$id", job.JobId.ToByteArray(bigEndian: true));
        command.Parameters.AddWithValue("$now", clock.GetUtcNow().ToUnixTimeSeconds());
        return command.ExecuteScalar() is string result ? System.Text.Encoding.UTF8.GetBytes(result) : null;
    }, cancellationToken);

    /// <summary>Deletes expired jobs and their results; returns how many.</summary>
    public Task<int> DeleteExpiredAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM analytics_jobs WHERE expires_at <= $now";
        command.Parameters.AddWithValue("$now", clock.GetUtcNow().ToUnixTimeSeconds());
        return command.ExecuteNonQuery();
    }, cancellationToken);

    private List<AnalyticsJob> Query(string where, Action<SqliteCommand> bind, int limit)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT document, result FROM analytics_jobs {where} LIMIT $limit";
        command.Parameters.AddWithValue("$now", clock.GetUtcNow().ToUnixTimeSeconds());
        command.Parameters.AddWithValue("$limit", limit);
        bind(command);
        using var reader = command.ExecuteReader();
        var jobs = new List<AnalyticsJob>();
        while (reader.Read())
        {
            jobs.Add(AnalyticsJobJson.Read(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return jobs;
    }

    private static void Bind(SqliteCommand command, AnalyticsJob job)
    {
        command.Parameters.AddWithValue("$id", job.JobId.ToByteArray(bigEndian: true));
        command.Parameters.AddWithValue("$subject", job.Subject);
        command.Parameters.AddWithValue("$cache_key", job.CacheKey);
        command.Parameters.AddWithValue("$created_ms", job.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$expires_at", job.ExpiresAt.ToUnixTimeSeconds());
        command.Parameters.AddWithValue("$document", AnalyticsJobJson.Write(job));
        command.Parameters.AddWithValue("$result", (object?)job.ResultJson ?? DBNull.Value);
    }
}
