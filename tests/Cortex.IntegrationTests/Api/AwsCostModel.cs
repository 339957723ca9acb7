using System.Globalization;
using System.Text;
using System.Text.Json;
using static Cortex.IntegrationTests.Api.AwsPriceList;

namespace Cortex.IntegrationTests.Api;

/// <summary>
/// Dollars per million events of one ingestion path, from what the app actually sent: the HTTP
/// request bodies, the PutEvents entries (each delivered to SQS as one message by the rule), the
/// SQS requests per message the consumer made, and the DynamoDB items it wrote.
/// </summary>
internal sealed record PathCost(string Path, decimal ApiGateway, decimal LambdaRequests, decimal EventBridge, decimal Sqs, decimal DynamoDb)
{
    public decimal Total => ApiGateway + LambdaRequests + EventBridge + Sqs + DynamoDb;

    public static string Table(params PathCost[] paths)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"| per million events (prices of {AsOf:yyyy-MM-dd}) |");
        foreach (var path in paths)
        {
            text.Append(CultureInfo.InvariantCulture, $" {path.Path} |");
        }

        text.AppendLine().Append("|---|").AppendJoin(string.Empty, paths.Select(_ => "---|")).AppendLine();
        foreach (var (name, value) in new (string, Func<PathCost, decimal>)[]
        {
            ("API Gateway (HTTP API)", p => p.ApiGateway), ("Lambda requests", p => p.LambdaRequests), ("EventBridge", p => p.EventBridge),
            ("SQS", p => p.Sqs), ("DynamoDB writes", p => p.DynamoDb), ("total", p => p.Total),
        })
        {
            text.Append(CultureInfo.InvariantCulture, $"| {name} |").AppendJoin(string.Empty, paths.Select(p => string.Create(CultureInfo.InvariantCulture, $" ${value(p):0.000} |"))).AppendLine();
        }

        return text.ToString();
    }
}

/// <summary>The measured inputs shared by every path, and the computation of one path's cost.</summary>
internal sealed class AwsCostModel
{
    /// <summary>DynamoDB write units per stored event, from the written items.</summary>
    public required decimal WriteUnitsPerEvent { get; init; }

    /// <summary>ReceiveMessage and DeleteMessageBatch requests per SQS message, as the consumer made them.</summary>
    public required decimal ReceivesPerMessage { get; init; }

    public required decimal DeletesPerMessage { get; init; }

    /// <summary>What EventBridge adds around an entry's detail in the SQS message the rule delivers.</summary>
    public required int EnvelopeBytes { get; init; }

    public static decimal PerMillion(decimal units, int events, decimal pricePerMillion) => units / events * pricePerMillion;

    public PathCost Cost(string path, int events, IReadOnlyList<string> requestBodies, IEnumerable<AwsCall> calls)
    {
        var entries = calls.Where(c => c.Operation == "EventBridge.PutEvents").SelectMany(EntryBytes).ToList();
        var apiUnits = requestBodies.Sum(b => Chunks(Encoding.UTF8.GetByteCount(b), HttpApiRequestUnitBytes));
        var eventBridgeUnits = entries.Sum(b => Chunks(b, ChunkBytes));

        // Per message: one send (the rule's delivery), its share of a receive, whose payload is the
        // messages it returns, and its share of a delete batch.
        var sqsUnits = entries.Sum(bytes =>
        {
            var message = bytes + EnvelopeBytes;
            var perReceive = message / ReceivesPerMessage;
            return Chunks(message, ChunkBytes) + (ReceivesPerMessage * Chunks((int)Math.Ceiling(perReceive), ChunkBytes)) + DeletesPerMessage;
        });
        var consumerInvocations = entries.Count * ReceivesPerMessage;
        return new PathCost(
            path,
            PerMillion(apiUnits, events, HttpApiPerMillionRequests),
            PerMillion(requestBodies.Count + consumerInvocations, events, LambdaPerMillionRequests),
            PerMillion(eventBridgeUnits, events, EventBridgePerMillionEvents),
            PerMillion(sqsUnits, events, SqsPerMillionRequests),
            WriteUnitsPerEvent * DynamoDbPerMillionWriteUnits);
    }

    /// <summary>
    /// The billed size of each PutEvents entry: Source, DetailType, Detail and Resources in UTF-8
    /// bytes, and 14 bytes when Time is set.
    /// </summary>
    public static IEnumerable<int> EntryBytes(AwsCall putEvents)
    {
        foreach (var entry in JsonDocument.Parse(putEvents.Body).RootElement.GetProperty("Entries").EnumerateArray())
        {
            var bytes = 0;
            foreach (var field in new[] { "Source", "DetailType", "Detail" })
            {
                bytes += entry.TryGetProperty(field, out var value) ? Encoding.UTF8.GetByteCount(value.GetString()!) : 0;
            }

            if (entry.TryGetProperty("Resources", out var resources))
            {
                bytes += resources.EnumerateArray().Sum(r => Encoding.UTF8.GetByteCount(r.GetString()!));
            }

            yield return bytes + (entry.TryGetProperty("Time", out _) ? 14 : 0);
        }
    }

    private static int Chunks(int bytes, int chunk) => Math.Max(1, (bytes + chunk - 1) / chunk);
}
