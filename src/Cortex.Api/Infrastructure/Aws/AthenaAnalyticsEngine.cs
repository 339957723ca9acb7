using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Cortex.Api.Infrastructure.Analytics;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;
using static Cortex.Api.Infrastructure.Aws.DynamoDbItemMapper;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// Analytics over the data lake with Athena. The estimate is the size of the lake objects under
/// the day partitions the query reads (what Athena would scan at most, compressed). Integrity
/// adds the store's count for the range, read by Query with Select=COUNT on each time partition
/// of the table (never Scan), leaving out id claims as listings do.
/// </summary>
internal sealed class AthenaAnalyticsEngine(
    AthenaClient athena,
    IAmazonS3 s3,
    IAmazonDynamoDB dynamo,
    IOptions<AwsAnalyticsOptions> options,
    IOptions<AwsOptions> aws,
    TimeProvider clock) : IAnalyticsEngine
{
    public async Task<ScanEstimate> EstimateAsync(AnalyticsQuery query, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.LakeBucket))
        {
            throw new InvalidOperationException($"{AwsAnalyticsOptions.SectionName}:LakeBucket is not set: analytics cannot estimate a query.");
        }

        long bytes = 0;
        foreach (var day in LakeAnalyticsDialect.Days(query))
        {
            var request = new ListObjectsV2Request
            {
                BucketName = settings.LakeBucket,
                Prefix = string.Create(CultureInfo.InvariantCulture, $"{settings.LakeEventsPrefix}year={day.Year:D4}/month={day.Month:D2}/day={day.Day:D2}/"),
            };
            ListObjectsV2Response page;
            do
            {
                page = await s3.ListObjectsV2Async(request, cancellationToken);
                bytes += page.S3Objects?.Sum(o => o.Size ?? 0) ?? 0;
                request.ContinuationToken = page.NextContinuationToken;
            }
            while (page.IsTruncated == true);
        }

        return new ScanEstimate(bytes, "bytes", settings.ScanBudgetBytes);
    }

    public async Task<AnalyticsResult> RunAsync(AnalyticsQuery query, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var dialect = new LakeAnalyticsDialect($"\"{settings.GlueDatabase}\".\"{settings.GlueTable}\"");
        var tables = new List<AnalyticsTable>();
        foreach (var statement in AnalyticsSql.For(query, dialect))
        {
            var table = await RunStatementAsync(statement, settings, cancellationToken);
            if (query.Operation == AnalyticsOperations.Integrity)
            {
                var stored = await CountStoredAsync(query.Range, cancellationToken);
                table = new AnalyticsTable(table.Name, [.. table.Columns, "store_events"], [.. table.Rows.Select(r => (object?[])[.. r, stored])]);
            }

            tables.Add(table);
        }

        return new AnalyticsResult(tables);
    }

    private async Task<AnalyticsTable> RunStatementAsync(AnalyticsStatement statement, AwsAnalyticsOptions settings, CancellationToken cancellationToken)
    {
        var id = await athena.StartQueryExecutionAsync(statement.Sql, settings.GlueDatabase, settings.WorkGroup, Guid.NewGuid().ToString("N"), cancellationToken);
        var state = await athena.GetQueryExecutionAsync(id, cancellationToken);
        while (!state.IsFinished)
        {
            await Task.Delay(settings.PollInterval, clock, cancellationToken);
            state = await athena.GetQueryExecutionAsync(id, cancellationToken);
        }

        if (state.State != "SUCCEEDED")
        {
            // Athena's reason is about the query (a scan over the workgroup's cutoff, a syntax error): the owner may see it.
            throw new AnalyticsFailedException($"Athena query {id} {state.State.ToLowerInvariant()}: {state.Reason ?? "no reason given"}");
        }

        var rows = new List<object?[]>();
        string? token = null;
        var header = true;
        do
        {
            var (page, next) = await athena.GetQueryResultsAsync(id, token, cancellationToken);
            foreach (var row in page)
            {
                if (header)
                {
                    header = false;
                    continue;
                }

                rows.Add([.. statement.Columns.Select((c, i) => AnalyticsSql.Normalise(i < row.Length ? row[i] : null, c.Kind))]);
            }

            token = next;
        }
        while (token is not null);

        return new AnalyticsTable(statement.Table, [.. statement.Columns.Select(c => c.Name)], rows);
    }

    /// <summary>Unexpired stored events with a timestamp in the range, counted partition by partition.</summary>
    private async Task<long> CountStoredAsync(TimeRange range, CancellationToken cancellationToken)
    {
        long total = 0;
        var now = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        foreach (var partition in TimePartitions(aws.Value.WriteShards))
        {
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var response = await dynamo.QueryAsync(new QueryRequest
                {
                    TableName = aws.Value.TableName,
                    Select = Select.COUNT,
                    KeyConditionExpression = "#pk = :pk AND #ts BETWEEN :lo AND :hi",
                    FilterExpression = "#ttl > :now AND attribute_not_exists(#ref)",
                    ExpressionAttributeNames = new() { ["#pk"] = Partition, ["#ts"] = TsId, ["#ttl"] = Ttl, ["#ref"] = Ref },
                    ExpressionAttributeValues = new()
                    {
                        [":pk"] = new() { S = partition },
                        [":lo"] = new() { S = TimePrefix(range.FromMs) },
                        [":hi"] = new() { S = TimePrefix(range.ToMs) },
                        [":now"] = new() { N = now },
                    },
                    ExclusiveStartKey = start,
                }, cancellationToken);
                total += response.Count ?? 0;
                start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
        }

        return total;
    }
}
