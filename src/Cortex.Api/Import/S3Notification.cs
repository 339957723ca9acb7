using System.Text.Json;

namespace Cortex.Api.Import;

/// <summary>
/// The body S3 sends to a queue for its event notifications: <c>{"Records":[{"eventSource":"aws:s3",
/// "eventName":"ObjectCreated:Put","s3":{"bucket":{"name":...},"object":{"key":...,"eTag":...}}}]}</c>,
/// keys URL-encoded (a space as +); or the test event S3 sends when the notification is set up.
/// </summary>
internal static class S3Notification
{
    /// <summary>Whether a queue message is an S3 notification (and not an EventBridge event carrying Cortex events).</summary>
    public static bool IsNotification(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (root.TryGetProperty("Event", out var test) && test.ValueKind == JsonValueKind.String && test.GetString() == "s3:TestEvent")
            {
                return true;
            }

            return root.TryGetProperty("Records", out var records)
                && records.ValueKind == JsonValueKind.Array
                && records.GetArrayLength() > 0
                && records[0].ValueKind == JsonValueKind.Object
                && records[0].TryGetProperty("eventSource", out var eventSource)
                && eventSource.ValueKind == JsonValueKind.String
                && eventSource.GetString() == "aws:s3";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The objects a notification says were created; none for the test event and other event kinds.</summary>
    public static (List<S3ObjectCreated> Objects, string? Problem) Parse(string body)
    {
        var created = new List<S3ObjectCreated>();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("Records", out var records))
            {
                return (created, null); // s3:TestEvent
            }

            foreach (var record in records.EnumerateArray())
            {
                var eventName = record.GetProperty("eventName").GetString() ?? string.Empty;
                if (!eventName.StartsWith("ObjectCreated:", StringComparison.Ordinal))
                {
                    continue;
                }

                var s3 = record.GetProperty("s3");
                var item = s3.GetProperty("object");
                created.Add(new S3ObjectCreated(
                    s3.GetProperty("bucket").GetProperty("name").GetString()!,
                    Uri.UnescapeDataString(item.GetProperty("key").GetString()!.Replace('+', ' ')),
                    item.TryGetProperty("eTag", out var eTag) && eTag.ValueKind == JsonValueKind.String ? eTag.GetString()!.Trim('"') : null));
            }

            return (created, null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (created, "the body is not an S3 event notification");
        }
    }
}

/// <summary>An object an S3 notification says was created; <paramref name="ETag"/> without quotes.</summary>
internal sealed record S3ObjectCreated(string Bucket, string Key, string? ETag);
