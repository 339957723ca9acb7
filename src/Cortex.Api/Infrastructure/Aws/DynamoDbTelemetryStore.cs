using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Cortex.Api.Events;
using Cortex.Api.Observability;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;
using static Cortex.Api.Infrastructure.Aws.DynamoDbItemMapper;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// The events table (docs/dynamodb.md). Every write is a conditional put on the key the event id
/// alone gives, so a redelivered message or a client retry stores nothing twice. Listings Query
/// the table's time partitions or the by-source index newest first with the same order, bounds
/// and cursor positions as the SQLite store; expired items are filtered out because TTL deletion lags.
/// </summary>
internal sealed class DynamoDbTelemetryStore(IAmazonDynamoDB dynamo, IOptions<AwsOptions> options, TimeProvider clock) : ITelemetryStore
{
    private readonly AwsOptions _options = options.Value;

    public async Task<IReadOnlyList<SaveOutcome>> SaveAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
    {
        var outcomes = new SaveOutcome[events.Count];

        // BatchWriteItem cannot carry a condition, so one conditional PutItem per event. Any error
        // other than the condition (throttling, 5xx, validation) propagates: the caller fails the batch item.
        await Parallel.ForEachAsync(
            Enumerable.Range(0, events.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelWrites, CancellationToken = cancellationToken },
            async (i, ct) => outcomes[i] = await PutAsync(events[i], ct));
        return outcomes;
    }

    public async Task<string?> GetAsync(Guid eventId, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartAwsClientSpan("DynamoDB", "GetItem");
        GetItemResponse response;
        try
        {
            response = await dynamo.GetItemAsync(
            new GetItemRequest
            {
                TableName = _options.TableName,
                Key = KeyOf(eventId, _options.WriteShards),
                ConsistentRead = true,
                ProjectionExpression = "#doc, #ttl",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#doc"] = Doc, ["#ttl"] = Ttl },
            },
            cancellationToken);
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }

        if (response.Item is not { Count: > 0 } item || IsExpired(item))
        {
            return null;
        }

        return item[Doc].S;
    }

    public async Task<EventPage> QueryAsync(EventQuery query, CancellationToken cancellationToken)
    {
        var (lower, upper) = RangeOf(query);
        if (lower is not null && upper is not null && string.CompareOrdinal(lower, upper) > 0)
        {
            return new EventPage([], null);
        }

        // A source reads its own partitions of the by-source index; every other listing reads the
        // table's time partitions and filters by type (docs/dynamodb.md, "Reads per listing page").
        var (index, partitionAttribute, partitions) = query.Source is not null
            ? (BySourceIndex, SourceShard, SourcePartitions(query.Source, _options.SourceShards))
            : ((string?)null, Partition, TimePartitions(_options.WriteShards));

        var want = query.Limit + 1;
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var perPartition = new List<List<Dictionary<string, AttributeValue>>>();
        await Parallel.ForEachAsync(
            partitions,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelQueries, CancellationToken = cancellationToken },
            async (partition, ct) =>
            {
                var items = await QueryPartitionAsync(index, partitionAttribute, partition, query, lower, upper, want, now, ct);
                lock (perPartition)
                {
                    perPartition.Add(items);
                }
            });

        // Each partition is already newest first; ts_id orders exactly as (timestamp desc, event_id desc).
        var merged = perPartition.SelectMany(p => p)
            .OrderByDescending(item => item[TsId].S, StringComparer.Ordinal)
            .Take(want)
            .ToList();
        var more = merged.Count > query.Limit;
        var page = more ? merged[..query.Limit] : merged;
        return new EventPage(
            [.. page.Select(item => item[Doc].S)],
            more ? PositionOf(page[^1][TsId].S) : null);
    }

    public async Task CheckTableAsync(CancellationToken cancellationToken)
    {
        var table = await dynamo.DescribeTableAsync(new DescribeTableRequest { TableName = _options.TableName }, cancellationToken);
        if (table.Table.TableStatus != TableStatus.ACTIVE)
        {
            throw new InvalidOperationException($"The table is {table.Table.TableStatus}, not ACTIVE.");
        }
    }

    /// <summary>
    /// The ts_id bounds: lower inclusive (from), upper exclusive (the earlier of to and the cursor).
    /// "&lt;ts&gt;#" sorts before every id of that millisecond, so "&gt;= from#" keeps from's own
    /// millisecond and "&lt; to#" drops to's.
    /// </summary>
    internal static (string? Lower, string? UpperExclusive) RangeOf(EventQuery query)
    {
        var lower = query.FromMs is { } from ? TimePrefix(from) : null;
        string? upper = query.ToMs is { } to ? TimePrefix(to) : null;
        if (query.After is { } after)
        {
            var cursor = TsIdOf(after);
            if (upper is null || string.CompareOrdinal(cursor, upper) < 0)
            {
                upper = cursor;
            }
        }

        return (lower, upper);
    }

    private async Task<List<Dictionary<string, AttributeValue>>> QueryPartitionAsync(
        string? index, string partitionAttribute, string partition, EventQuery query,
        string? lower, string? upper, int want, long now, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["#pk"] = partitionAttribute,
            ["#ttl"] = Ttl,
            ["#ts"] = TsId,
            ["#doc"] = Doc,
        };
        var values = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [":pk"] = new() { S = partition },
            [":now"] = new() { N = now.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        var key = "#pk = :pk";
        if (lower is not null && upper is not null)
        {
            // BETWEEN is inclusive at both ends; an item equal to the upper bound (the cursor's own) is dropped below.
            key += " AND #ts BETWEEN :lo AND :hi";
            values[":lo"] = new() { S = lower };
            values[":hi"] = new() { S = upper };
        }
        else if (lower is not null)
        {
            key += " AND #ts >= :lo";
            values[":lo"] = new() { S = lower };
        }
        else if (upper is not null)
        {
            key += " AND #ts < :hi";
            values[":hi"] = new() { S = upper };
        }

        var filter = "#ttl > :now";
        if (index is null)
        {
            // Claims share the time partitions with listed items; they stand for an item listed elsewhere.
            filter += " AND attribute_not_exists(#ref)";
            names["#ref"] = Ref;
        }

        if (query.Severity is not null)
        {
            filter += " AND #sev = :sev";
            names["#sev"] = Severity;
            values[":sev"] = new() { S = query.Severity };
        }

        if (query.EventType is not null)
        {
            filter += " AND #type = :type";
            names["#type"] = EventType;
            values[":type"] = new() { S = query.EventType };
        }

        var items = new List<Dictionary<string, AttributeValue>>(Math.Min(want, 128));
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            using var activity = CortexDiagnostics.StartAwsClientSpan("DynamoDB", "Query");
            if (index is not null)
            {
                activity?.SetTag("aws.dynamodb.index_name", index);
            }

            var response = await QueryPageAsync(
                new QueryRequest
                {
                    TableName = _options.TableName,
                    IndexName = index,
                    KeyConditionExpression = key,
                    FilterExpression = filter,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ScanIndexForward = false,
                    ProjectionExpression = "#doc, #ts",
                    Limit = want,
                    ExclusiveStartKey = start,
                    ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
                },
                activity,
                cancellationToken);
            activity?.SetTag("aws.dynamodb.scanned_count", response.ScannedCount);
            activity?.SetTag("aws.dynamodb.count", response.Count);
            activity?.SetTag("aws.dynamodb.consumed_read_units", response.ConsumedCapacity?.CapacityUnits);
            foreach (var item in response.Items ?? [])
            {
                if (upper is not null && lower is not null && item[TsId].S == upper)
                {
                    continue;
                }

                items.Add(item);
                if (items.Count == want)
                {
                    return items;
                }
            }

            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return items;
    }

    private async Task<QueryResponse> QueryPageAsync(QueryRequest request, Activity? activity, CancellationToken cancellationToken)
    {
        try
        {
            return await dynamo.QueryAsync(request, cancellationToken);
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
    }

    /// <summary>
    /// A server-assigned id starts with the event's millisecond, so the listed item sits at the key
    /// the id gives and one conditional put decides. Any other id first claims that key with a copy
    /// of the item (one more write), then puts the listed item; a claim that already exists is the
    /// first write, whose listed item is put again in case the first writer stopped in between.
    /// </summary>
    private async Task<SaveOutcome> PutAsync(TelemetryEvent e, CancellationToken cancellationToken)
    {
        var item = ToItem(e, _options.WriteShards, _options.SourceShards);
        if (IsKeyedById(e))
        {
            return await PutIfAbsentAsync(item, cancellationToken) ? SaveOutcome.Stored : SaveOutcome.Duplicate;
        }

        if (await PutIfAbsentAsync(ToClaim(item, _options.WriteShards, e.EventId), cancellationToken))
        {
            await PutIfAbsentAsync(item, cancellationToken);
            return SaveOutcome.Stored;
        }

        if (await GetClaimAsync(e.EventId, cancellationToken) is { } claim && claim.ContainsKey(Ref))
        {
            await PutIfAbsentAsync(FromClaim(claim, e.EventId, _options.WriteShards, _options.SourceShards), cancellationToken);
        }

        return SaveOutcome.Duplicate;
    }

    /// <summary>True when the item was written, false when its key was taken (the first write wins).</summary>
    private async Task<bool> PutIfAbsentAsync(Dictionary<string, AttributeValue> item, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartAwsClientSpan("DynamoDB", "PutItem");
        try
        {
            await dynamo.PutItemAsync(
                new PutItemRequest
                {
                    TableName = _options.TableName,
                    Item = item,
                    ConditionExpression = "attribute_not_exists(#pk)",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#pk"] = Partition },
                },
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            // The condition that makes the write idempotent, not a failure.
            activity?.SetTag("cortex.outcome", "duplicate");
            return false;
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
    }

    private async Task<Dictionary<string, AttributeValue>?> GetClaimAsync(Guid eventId, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartAwsClientSpan("DynamoDB", "GetItem");
        try
        {
            var response = await dynamo.GetItemAsync(
                new GetItemRequest { TableName = _options.TableName, Key = KeyOf(eventId, _options.WriteShards), ConsistentRead = true },
                cancellationToken);
            return response.Item is { Count: > 0 } item ? item : null;
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
    }

    private bool IsExpired(Dictionary<string, AttributeValue> item) =>
        item.TryGetValue(Ttl, out var ttl) && ttl.N is not null
        && long.Parse(ttl.N, System.Globalization.CultureInfo.InvariantCulture) <= clock.GetUtcNow().ToUnixTimeSeconds();
}
