using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Cortex.DevTools.AwsLocal;

namespace Cortex.IntegrationTests.Import;

/// <summary>
/// The import inbox of terraform/resources.json (<c>import</c>) in the emulator, under names with a
/// unique suffix: the bucket, the import queue with its DLQ, and the bucket's notification to the
/// queue for objects created under the inbox prefix.
/// </summary>
internal sealed class ImportInbox(IAmazonS3 s3, IAmazonSQS sqs, string bucket, string queueUrl, string queueArn, string dlqUrl)
{
    public IAmazonS3 S3 => s3;

    public IAmazonSQS Sqs => sqs;

    public string Bucket => bucket;

    public string QueueUrl => queueUrl;

    public string QueueArn => queueArn;

    public string DeadLetterQueueUrl => dlqUrl;

    public static async Task<ImportInbox> CreateAsync(Uri endpoint, IAmazonSQS sqs, CancellationToken cancellationToken)
    {
        var definition = JsonNode.Parse(await File.ReadAllTextAsync(AwsResourceDefinition.Locate(), cancellationToken))!["import"]!;
        var suffix = "-" + Guid.NewGuid().ToString("N")[..10];
        var options = AwsLocalServices.EmulatorOptions(endpoint);
        var s3 = options.CreateServiceClient<IAmazonS3>();
        var bucket = definition["bucket_prefix"]!.GetValue<string>() + suffix;
        await s3.PutBucketAsync(bucket, cancellationToken);

        var dlqUrl = (await sqs.CreateQueueAsync(definition["dead_letter_queue"]!["name"]!.GetValue<string>() + suffix, cancellationToken)).QueueUrl;
        var dlqArn = await ArnAsync(sqs, dlqUrl, cancellationToken);
        var queue = definition["queue"]!;
        var redrive = new JsonObject { ["deadLetterTargetArn"] = dlqArn, ["maxReceiveCount"] = queue["max_receive_count"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = queue["name"]!.GetValue<string>() + suffix,
            Attributes = new() { ["VisibilityTimeout"] = "60", ["RedrivePolicy"] = redrive.ToJsonString() },
        }, cancellationToken)).QueueUrl;
        var queueArn = await ArnAsync(sqs, queueUrl, cancellationToken);

        await s3.PutBucketNotificationAsync(new PutBucketNotificationRequest
        {
            BucketName = bucket,
            QueueConfigurations =
            [
                new QueueConfiguration
                {
                    Id = "import-inbox",
                    Queue = queueArn,
                    Events = [EventType.ObjectCreatedAll],
                    Filter = new Filter
                    {
                        S3KeyFilter = new S3KeyFilter { FilterRules = [new FilterRule("prefix", definition["inbox_prefix"]!.GetValue<string>())] },
                    },
                },
            ],
        }, cancellationToken);
        return new ImportInbox(s3, sqs, bucket, queueUrl, queueArn, dlqUrl);
    }

    /// <summary>The body S3 sends to the queue when <paramref name="key"/> is created, for an emulator that does not send it.</summary>
    public string Notification(string key, string eTag, long size) => JsonSerializer.Serialize(new
    {
        Records = new[]
        {
            new
            {
                eventVersion = "2.1",
                eventSource = "aws:s3",
                awsRegion = "us-east-1",
                eventTime = DateTimeOffset.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
                eventName = "ObjectCreated:Put",
                s3 = new
                {
                    s3SchemaVersion = "1.0",
                    configurationId = "import-inbox",
                    bucket = new { name = bucket, arn = $"arn:aws:s3:::{bucket}" },
                    @object = new { key = Uri.EscapeDataString(key).Replace("%2F", "/", StringComparison.Ordinal), size, eTag = eTag.Trim('"') },
                },
            },
        },
    });

    public async Task DeleteAsync()
    {
        foreach (var url in new[] { queueUrl, dlqUrl })
        {
            await sqs.DeleteQueueAsync(url, CancellationToken.None);
        }

        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, CancellationToken.None);
        foreach (var item in objects.S3Objects ?? [])
        {
            await s3.DeleteObjectAsync(bucket, item.Key, CancellationToken.None);
        }

        await s3.DeleteBucketAsync(bucket, CancellationToken.None);
        s3.Dispose();
    }

    private static async Task<string> ArnAsync(IAmazonSQS sqs, string url, CancellationToken cancellationToken) =>
        (await sqs.GetQueueAttributesAsync(url, ["QueueArn"], cancellationToken)).QueueARN;
}
