using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Cortex.Api.Infrastructure.Analytics;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// Analytics jobs in a DynamoDB table keyed by <c>job_id</c>, expired by DynamoDB's TTL
/// (<c>ttl</c>, epoch seconds; reads hide expired items before TTL deletes them), with two
/// indexes: <c>by-subject</c> (a caller's recent jobs) and <c>by-cache-key</c> (the identical
/// recent job), both sorted by <c>created_ms</c>. Results too large to keep inline go to S3.
/// </summary>
internal sealed class DynamoDbAnalyticsJobStore(IAmazonDynamoDB dynamo, IAmazonS3 s3, IOptions<AwsAnalyticsOptions> options, TimeProvider clock) : IAnalyticsJobStore
{
    public const string BySubjectIndex = "by-subject";
    public const string ByCacheKeyIndex = "by-cache-key";
    private const int CachedCandidates = 10;

    public Task CreateAsync(AnalyticsJob job, CancellationToken cancellationToken) =>
        dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = options.Value.JobsTable,
            Item = ToItem(job),
            ConditionExpression = "attribute_not_exists(job_id)",
        }, cancellationToken);

    public Task UpdateAsync(AnalyticsJob job, CancellationToken cancellationToken) =>
        dynamo.PutItemAsync(new PutItemRequest { TableName = options.Value.JobsTable, Item = ToItem(job) }, cancellationToken);

    public async Task<AnalyticsJob?> GetAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = options.Value.JobsTable,
            Key = new() { ["job_id"] = new() { S = jobId.ToString("D") } },
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? Live(item) : null;
    }

    public async Task<AnalyticsJob?> FindCachedAsync(string subject, string cacheKey, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var items = await QueryAsync(ByCacheKeyIndex, "cache_key", cacheKey, since.ToUnixTimeMilliseconds(), CachedCandidates, cancellationToken);
        return items.FirstOrDefault(j => j.Subject == subject && j.Status != AnalyticsJobStatus.Failed);
    }

    public Task<IReadOnlyList<AnalyticsJob>> ListAsync(string subject, int limit, CancellationToken cancellationToken) =>
        QueryAsync(BySubjectIndex, "subject", subject, null, limit, cancellationToken);

    public Task SaveResultAsync(AnalyticsJob job, byte[] resultJson, CancellationToken cancellationToken) =>
        s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = ResultsBucket(),
            Key = ResultKey(job),
            InputStream = new MemoryStream(resultJson),
            ContentType = "application/json",
        }, cancellationToken);

    public Task<string> ResultLinkAsync(AnalyticsJob job, CancellationToken cancellationToken) =>
        s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = ResultsBucket(),
            Key = ResultKey(job),
            Verb = HttpVerb.GET,
            Expires = clock.GetUtcNow().Add(options.Value.ResultLinkLifetime).UtcDateTime,
        });

    public async Task<byte[]?> ReadResultAsync(AnalyticsJob job, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(ResultsBucket(), ResultKey(job), cancellationToken);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<IReadOnlyList<AnalyticsJob>> QueryAsync(string index, string attribute, string value, long? sinceMs, int limit, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue> { [":v"] = new() { S = value } };
        var key = "#k = :v";
        if (sinceMs is { } since)
        {
            key += " AND created_ms >= :since";
            values[":since"] = new() { N = since.ToString(CultureInfo.InvariantCulture) };
        }

        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = options.Value.JobsTable,
            IndexName = index,
            KeyConditionExpression = key,
            ExpressionAttributeNames = new() { ["#k"] = attribute },
            ExpressionAttributeValues = values,
            ScanIndexForward = false,
            Limit = limit,
        }, cancellationToken);
        return [.. (response.Items ?? []).Select(Live).OfType<AnalyticsJob>()];
    }

    private AnalyticsJob? Live(Dictionary<string, AttributeValue> item)
    {
        var job = AnalyticsJobJson.Read(item["document"].S, item.TryGetValue("result", out var result) ? result.S : null);
        return job.ExpiresAt > clock.GetUtcNow() ? job : null;
    }

    private static Dictionary<string, AttributeValue> ToItem(AnalyticsJob job)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["job_id"] = new() { S = job.JobId.ToString("D") },
            ["subject"] = new() { S = job.Subject },
            ["cache_key"] = new() { S = job.CacheKey },
            ["created_ms"] = new() { N = job.CreatedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
            ["ttl"] = new() { N = job.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
            ["document"] = new() { S = AnalyticsJobJson.Write(job) },
        };
        if (job.ResultJson is { } result)
        {
            item["result"] = new() { S = result };
        }

        return item;
    }

    private string ResultsBucket() =>
        string.IsNullOrEmpty(options.Value.ResultsBucket)
            ? throw new InvalidOperationException($"{AwsAnalyticsOptions.SectionName}:ResultsBucket is not set: large analytics results have nowhere to go.")
            : options.Value.ResultsBucket;

    private string ResultKey(AnalyticsJob job) => $"{options.Value.ResultsPrefix}{job.JobId:D}.json";
}
