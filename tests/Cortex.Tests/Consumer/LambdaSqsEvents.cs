using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.SQS.Model;
using Cortex.Api.Consumer;
using Cortex.Api.Events;

namespace Cortex.Tests.Consumer;

/// <summary>Builds the JSON Lambda delivers for an SQS event source mapping, as the Lambda Web Adapter POSTs it to the pass-through path.</summary>
public static class LambdaSqsEvents
{
    /// <summary>The event Lambda would deliver for <paramref name="messages"/> received from a queue.</summary>
    public static string Create(IEnumerable<Message> messages, string eventSourceArn, string awsRegion = "us-east-1") =>
        Write(messages.Select(m => new EventRecord(m.MessageId, m.ReceiptHandle, m.Body, m.Attributes, m.MD5OfBody)), eventSourceArn, awsRegion);

    /// <summary>The event Lambda would deliver for <paramref name="records"/>, with made-up receipt handles.</summary>
    public static string Create(IEnumerable<SqsRecord> records, string eventSourceArn, string awsRegion = "us-east-1") =>
        Write(records.Select(r => new EventRecord(
            r.MessageId, Convert.ToBase64String(Encoding.UTF8.GetBytes("receipt-" + r.MessageId)), r.Body, r.Attributes, null)), eventSourceArn, awsRegion);

    private static string Write(IEnumerable<EventRecord> records, string eventSourceArn, string awsRegion)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, EventJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Records");
            foreach (var record in records)
            {
                writer.WriteStartObject();
                writer.WriteString("messageId", record.MessageId);
                writer.WriteString("receiptHandle", record.ReceiptHandle);
                writer.WriteString("body", record.Body);
                writer.WriteStartObject("attributes");
                foreach (var (name, value) in record.Attributes ?? new Dictionary<string, string>())
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
                writer.WriteStartObject("messageAttributes");
                writer.WriteEndObject();
                writer.WriteString("md5OfBody", record.Md5OfBody ?? Md5Hex(record.Body ?? string.Empty));
                writer.WriteString("eventSource", "aws:sqs");
                writer.WriteString("eventSourceARN", eventSourceArn);
                writer.WriteString("awsRegion", awsRegion);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

#pragma warning disable CA5351 // SQS's md5OfBody is MD5 by definition; it is a checksum, not security.
    private static string Md5Hex(string body) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));
#pragma warning restore CA5351

    private sealed record EventRecord(
        string MessageId, string ReceiptHandle, string? Body, IReadOnlyDictionary<string, string>? Attributes, string? Md5OfBody);
}
