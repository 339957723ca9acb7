using Cortex.Api.Import;

namespace Cortex.Tests.Import;

public sealed class S3NotificationTests
{
    // As moto 5.2.1 and S3 send it: the key URL-encoded, the ETag without quotes.
    private const string ObjectCreated = """
        {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-11-29T19:46:56.406936",
          "eventName": "ObjectCreated:Put", "s3": {"s3SchemaVersion": "1.0", "configurationId": "import-inbox",
          "bucket": {"name": "chk", "arn": "arn:aws:s3:::chk"}, "object": {"key": "inbox%2F2026+11%2Fa.ndjson", "size": 3, "eTag": "764efa883dda1e11db47671c4a3bbd9e"}}}]}
        """;

    [Fact]
    public void AnObjectCreatedNotificationNamesTheBucketTheDecodedKeyAndTheETag()
    {
        var (created, problem) = S3Notification.Parse(ObjectCreated);

        Assert.True(S3Notification.IsNotification(ObjectCreated));
        Assert.Null(problem);
        Assert.Equal(new S3ObjectCreated("chk", "inbox/2026 11/a.ndjson", "764efa883dda1e11db47671c4a3bbd9e"), Assert.Single(created));
    }

    [Fact]
    public void TheTestEventIsANotificationWithNothingToImport()
    {
        const string testEvent = """{"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-29T19:46:54.572064", "Bucket": "chk"}""";

        var (created, problem) = S3Notification.Parse(testEvent);

        Assert.True(S3Notification.IsNotification(testEvent));
        Assert.Null(problem);
        Assert.Empty(created);
    }

    [Theory]
    [InlineData("""{"version":"0","id":"1","detail-type":"cortex.event","source":"cortex.producer.web","detail":{"data":{"eventSource":"aws:s3"}}}""")]
    [InlineData("""{"Records":[{"eventSource":"aws:sqs"}]}""")]
    [InlineData("not json")]
    public void OtherMessagesAreNotClaimed(string body)
    {
        Assert.False(S3Notification.IsNotification(body));
    }

    [Fact]
    public void ANotificationWithoutItsObjectIsAProblemNotAnEmptyImport()
    {
        var (_, problem) = S3Notification.Parse("""{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"chk"}}}]}""");

        Assert.NotNull(problem);
    }
}
