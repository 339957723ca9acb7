using System.Text.Json;
using Cortex.DevTools.AwsLocal;

namespace Cortex.IntegrationTests.Api;

/// <summary>
/// Write request units of the items a request actually carried, by DynamoDB's published sizing
/// rules: attribute names and values in UTF-8 bytes, numbers about one byte per two significant
/// digits plus one, maps and lists 3 bytes plus 1 per element; the item rounded up per 1 KB, plus
/// one entry per global secondary index whose keys the item has, sized from that index's
/// projection in terraform/resources.json and rounded up per 1 KB as well.
/// </summary>
internal sealed class DynamoDbWriteUnits(AwsResourceDefinition table)
{
    private const int Kilobyte = 1024;

    /// <summary>The items one PutItem, BatchWriteItem or TransactWriteItems body writes.</summary>
    public static IEnumerable<JsonElement> ItemsOf(AwsCall call)
    {
        var root = JsonDocument.Parse(call.Body).RootElement;
        return call.Operation switch
        {
            "DynamoDB.PutItem" => [root.GetProperty("Item")],
            "DynamoDB.BatchWriteItem" => root.GetProperty("RequestItems").EnumerateObject()
                .SelectMany(t => t.Value.EnumerateArray())
                .Where(r => r.TryGetProperty("PutRequest", out _))
                .Select(r => r.GetProperty("PutRequest").GetProperty("Item")),
            "DynamoDB.TransactWriteItems" => root.GetProperty("TransactItems").EnumerateArray()
                .Where(t => t.TryGetProperty("Put", out _))
                .Select(t => t.GetProperty("Put").GetProperty("Item")),
            "DynamoDB.UpdateItem" => throw new NotSupportedException("UpdateItem sizes depend on the stored item; count them by hand."),
            _ => [],
        };
    }

    /// <summary>Write units of a successful write of <paramref name="item"/>: the item and its index entries.</summary>
    public int Of(JsonElement item) => Units(ItemBytes(item)) + IndexEntryBytes(item).Sum(Units);

    /// <summary>Bytes stored for the item and its index entries, with DynamoDB's 100 bytes of overhead each.</summary>
    public long StoredBytes(JsonElement item) => ItemBytes(item) + 100 + IndexEntryBytes(item).Sum(b => b + 100L);

    public static int ItemBytes(JsonElement item) => item.EnumerateObject().Sum(a => Utf8(a.Name) + ValueBytes(a.Value));

    private IEnumerable<int> IndexEntryBytes(JsonElement item)
    {
        foreach (var index in table.Indexes)
        {
            if (!item.TryGetProperty(index.HashKey, out _) || !item.TryGetProperty(index.RangeKey, out _))
            {
                continue; // sparse: no entry
            }

            var keys = new HashSet<string>([table.HashKey, table.RangeKey, index.HashKey, index.RangeKey], StringComparer.Ordinal);
            yield return item.EnumerateObject()
                .Where(a => index.Projection switch
                {
                    "ALL" => true,
                    "INCLUDE" => keys.Contains(a.Name) || index.NonKeyAttributes.Contains(a.Name),
                    _ => keys.Contains(a.Name),
                })
                .Sum(a => Utf8(a.Name) + ValueBytes(a.Value));
        }
    }

    private static int Units(int bytes) => Math.Max(1, (bytes + Kilobyte - 1) / Kilobyte);

    private static int ValueBytes(JsonElement value)
    {
        var (type, content) = value.EnumerateObject().Single() is var p ? (p.Name, p.Value) : default;
        return type switch
        {
            "S" => Utf8(content.GetString()!),
            "N" => NumberBytes(content.GetString()!),
            "B" => content.GetBytesFromBase64().Length,
            "BOOL" or "NULL" => 1,
            "M" => 3 + content.EnumerateObject().Sum(e => Utf8(e.Name) + ValueBytes(e.Value) + 1),
            "L" => 3 + content.EnumerateArray().Sum(e => ValueBytes(e) + 1),
            "SS" => content.EnumerateArray().Sum(e => Utf8(e.GetString()!)),
            "NS" => content.EnumerateArray().Sum(e => NumberBytes(e.GetString()!)),
            "BS" => content.EnumerateArray().Sum(e => e.GetBytesFromBase64().Length),
            _ => throw new InvalidDataException($"Unknown attribute type {type}."),
        };
    }

    private static int NumberBytes(string number)
    {
        var mantissa = number.TrimStart('-', '+').Split('e', 'E')[0].Replace(".", string.Empty, StringComparison.Ordinal).Trim('0');
        return ((Math.Max(1, mantissa.Length) + 1) / 2) + 1;
    }

    private static int Utf8(string text) => System.Text.Encoding.UTF8.GetByteCount(text);
}
