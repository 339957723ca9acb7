using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Cortex.Api.Infrastructure.Aws;
using Cortex.Api.Ports;
using Cortex.DevTools.AwsLocal;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.IntegrationTests.Infrastructure.Aws;

/// <summary>The Aws job store against the emulator: a table shaped as terraform/analytics.tf builds it, results in S3.</summary>
public sealed class DynamoDbAnalyticsJobStoreTests : IClassFixture<AwsEmulator>, IAsyncLifetime
{
    private readonly AwsEmulator _emulator;
    private readonly string _table = "cortex-analytics-jobs-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _bucket = "cortex-results-" + Guid.NewGuid().ToString("N")[..10];
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private AmazonDynamoDBClient _dynamo = null!;
    private AmazonS3Client _s3 = null!;

    public DynamoDbAnalyticsJobStoreTests(AwsEmulator emulator)
    {
        emulator.EnsureAvailable();
        _emulator = emulator;
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var aws = AwsLocalServices.EmulatorOptions(_emulator.Endpoint);
        _dynamo = new AmazonDynamoDBClient(aws.Credentials, new AmazonDynamoDBConfig { ServiceURL = aws.DefaultClientConfig.ServiceURL });
        _s3 = new AmazonS3Client(aws.Credentials, new AmazonS3Config { ServiceURL = aws.DefaultClientConfig.ServiceURL, ForcePathStyle = true });
        await _dynamo.CreateTableAsync(new CreateTableRequest
        {
            TableName = _table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            KeySchema = [new("job_id", KeyType.HASH)],
            AttributeDefinitions =
            [
                new("job_id", ScalarAttributeType.S), new("subject", ScalarAttributeType.S),
                new("cache_key", ScalarAttributeType.S), new("created_ms", ScalarAttributeType.N),
            ],
            GlobalSecondaryIndexes =
            [
                Index(DynamoDbAnalyticsJobStore.BySubjectIndex, "subject"),
                Index(DynamoDbAnalyticsJobStore.ByCacheKeyIndex, "cache_key"),
            ],
        }, Cancellation);
        await _s3.PutBucketAsync(_bucket, Cancellation);
    }

    public async ValueTask DisposeAsync()
    {
        await _dynamo.DeleteTableAsync(_table, CancellationToken.None);
        _dynamo.Dispose();
        _s3.Dispose();
    }

    [Fact]
    public async Task AJobIsKeptUpdatedListedAndFoundByItsCacheKeyUntilItExpires()
    {
        var store = Store();
        var older = Job("analyst", "key-1", _clock.GetUtcNow().AddMinutes(-2));
        var newer = Job("analyst", "key-1", _clock.GetUtcNow());
        var stranger = Job("stranger", "key-2", _clock.GetUtcNow());
        foreach (var job in new[] { older, newer, stranger })
        {
            await store.CreateAsync(job, Cancellation);
        }

        await store.UpdateAsync(newer with { Status = AnalyticsJobStatus.Succeeded, ResultJson = """{"totals":[]}""", ResultBytes = 13 }, Cancellation);
        var read = await store.GetAsync(newer.JobId, Cancellation);
        var listed = await store.ListAsync("analyst", 10, Cancellation);
        var cached = await store.FindCachedAsync("analyst", "key-1", _clock.GetUtcNow().AddMinutes(-1), Cancellation);
        var otherSubject = await store.FindCachedAsync("stranger", "key-1", _clock.GetUtcNow().AddMinutes(-5), Cancellation);
        _clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var expired = await store.GetAsync(newer.JobId, Cancellation);

        Assert.Equal(AnalyticsJobStatus.Succeeded, read!.Status);
        Assert.Equal("""{"totals":[]}""", read.ResultJson);
        Assert.Equal([newer.JobId, older.JobId], listed.Select(j => j.JobId));
        Assert.Equal(newer.JobId, cached!.JobId);
        Assert.Null(otherSubject);
        Assert.Null(expired);
    }

    [Fact]
    public async Task AResultKeptApartIsWrittenToS3AndLinkedByAPresignedUrl()
    {
        var store = Store();
        var job = Job("analyst", "key-3", _clock.GetUtcNow()) with { Status = AnalyticsJobStatus.Succeeded, ResultStoredApart = true };
        await store.CreateAsync(job, Cancellation);

        await store.SaveResultAsync(job, """{"counts":[{"events":1}]}"""u8.ToArray(), Cancellation);
        var read = await store.ReadResultAsync(job, Cancellation);
        var link = await store.ResultLinkAsync(job, Cancellation);

        Assert.Equal("""{"counts":[{"events":1}]}""", System.Text.Encoding.UTF8.GetString(read!));
        Assert.Contains($"analytics-results/{job.JobId:D}.json", link, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Signature=", link, StringComparison.Ordinal);
    }

    private DynamoDbAnalyticsJobStore Store() =>
        new(_dynamo, _s3, Options.Create(new AwsAnalyticsOptions { JobsTable = _table, ResultsBucket = _bucket }), _clock);

    private static AnalyticsJob Job(string subject, string cacheKey, DateTimeOffset createdAt) =>
        new(Guid.CreateVersion7(createdAt), subject, AnalyticsOperations.Summary, """{"from":"2026-11-20T00:00:00.000Z","to":"2026-11-21T00:00:00.000Z"}""",
            cacheKey, AnalyticsJobStatus.Queued, createdAt, createdAt.AddHours(1));

    private static GlobalSecondaryIndex Index(string name, string hashKey) => new()
    {
        IndexName = name,
        KeySchema = [new(hashKey, KeyType.HASH), new("created_ms", KeyType.RANGE)],
        Projection = new Projection { ProjectionType = ProjectionType.ALL },
    };
}
