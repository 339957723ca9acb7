namespace Cortex.IntegrationTests.Api;

/// <summary>
/// The list prices the cost table of docs/performance.md is computed with: us-east-1, on-demand,
/// free tiers ignored, first pricing tier. Check the AWS pricing pages when <see cref="AsOf"/> is old.
/// </summary>
internal static class AwsPriceList
{
    public static readonly DateOnly AsOf = new(2026, 11, 29);

    /// <summary>API Gateway HTTP API, per million requests; a request is metered in 512 KB units.</summary>
    public const decimal HttpApiPerMillionRequests = 1.00m;

    public const int HttpApiRequestUnitBytes = 512 * 1024;

    /// <summary>API Gateway REST API, per million requests (the previous front door, for comparison).</summary>
    public const decimal RestApiPerMillionRequests = 3.50m;

    public const decimal LambdaPerMillionRequests = 0.20m;

    /// <summary>Lambda arm64, per GB-second of duration.</summary>
    public const decimal LambdaArm64PerGbSecond = 0.0000133334m;

    /// <summary>EventBridge custom events, per million; every 64 KB chunk of an entry is one event.</summary>
    public const decimal EventBridgePerMillionEvents = 1.00m;

    /// <summary>SQS standard queue, per million requests; every 64 KB chunk of a payload is one request.</summary>
    public const decimal SqsPerMillionRequests = 0.40m;

    public const int ChunkBytes = 64 * 1024;

    /// <summary>DynamoDB on-demand, per million write request units (1 KB each, rounded up).</summary>
    public const decimal DynamoDbPerMillionWriteUnits = 0.625m;

    /// <summary>DynamoDB on-demand, per million read request units (4 KB strongly consistent, 8 KB eventually).</summary>
    public const decimal DynamoDbPerMillionReadUnits = 0.125m;

    /// <summary>DynamoDB standard table class, per GB-month: the base table and every index copy, 100 bytes overhead per entry.</summary>
    public const decimal DynamoDbStoragePerGbMonth = 0.25m;
}
