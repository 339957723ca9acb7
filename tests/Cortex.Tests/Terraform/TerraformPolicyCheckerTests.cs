namespace Cortex.Tests.Terraform;

/// <summary>Proves each check can fail: Fixtures/insecure/main.tf breaks every rule once.</summary>
public sealed class TerraformPolicyCheckerTests
{
    private const string InternalPath = "/internal/lambda-events";

    [Fact]
    public async Task AQueueWithoutRedriveThatIsNoDeadLetterQueueIsReported()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.QueuesWithoutDeadLetterQueue(module);

        Assert.Equal(["aws_sqs_queue.orphan has no redrive_policy to a dead-letter queue and is no dead-letter queue itself"], violations);
    }

    [Fact]
    public async Task ADeadLetterQueueWithoutAlarmIsReported()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.DeadLetterQueuesWithoutAlarm(module);

        Assert.Equal(["dead-letter queue aws_sqs_queue.silent_dlq has no 'ApproximateNumberOfMessagesVisible > 0' alarm with actions"], violations);
    }

    [Fact]
    public async Task ARuleTargetWithoutDeadLetterQueueOrRetryPolicyIsReported()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.RuleTargetsWithoutDeadLetterQueue(module);

        Assert.Equal(
            [
                "aws_cloudwatch_event_target.no_dlq has no dead_letter_config pointing at an SQS queue",
                "aws_cloudwatch_event_target.no_dlq has no retry_policy",
            ],
            violations);
    }

    [Fact]
    public async Task AMappingWithoutReportBatchItemFailuresIsReported()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.MappingsWithoutBatchItemFailures(module);

        Assert.Single(violations, violation => violation.StartsWith("aws_lambda_event_source_mapping.whole_batch ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProxyCatchAllAnyMethodAndInternalPathsAreReported()
    {
        var module = await LoadAsync();

        var (routes, violations) = TerraformPolicy.ApiRoutes(module, InternalPath);

        Assert.Contains("aws_api_gateway_resource.proxy is a greedy catch-all ({proxy+}) that could reach the internal path", violations);
        Assert.Contains("aws_api_gateway_method.proxy_any is an ANY method on /{proxy+}", violations);
        Assert.Contains("aws_api_gateway_resource.internal exposes /internal, an internal path", violations);
        Assert.Contains("aws_api_gateway_resource.lambda_events exposes /internal/lambda-events, an internal path", violations);
        Assert.Contains("POST /internal/lambda-events", routes);
        Assert.Contains("aws_api_gateway_rest_api.api is a REST API resource; Cortex's public routes are the HTTP API's only", violations);
    }

    [Fact]
    public async Task HttpApiDefaultRouteGreedyAnyRouteAndInternalRoutesAreReported()
    {
        var module = await LoadAsync();

        var (routes, violations) = TerraformPolicy.ApiRoutes(module, InternalPath);

        Assert.Contains("aws_apigatewayv2_route.default is the $default catch-all route, which could reach the internal path", violations);
        Assert.Contains("aws_apigatewayv2_route.proxy_any is a greedy catch-all (/{proxy+}) that could reach the internal path", violations);
        Assert.Contains("aws_apigatewayv2_route.proxy_any is an ANY method on /{proxy+}", violations);
        Assert.Contains("aws_apigatewayv2_route.hooks exposes /internal/snapstart/before-checkpoint, an internal path", violations);
        Assert.Contains("POST /internal/snapstart/before-checkpoint", routes);
    }

    [Fact]
    public async Task WildcardActionsWildcardResourcesAndInlinePoliciesAreReported()
    {
        var module = await LoadAsync();

        var (violations, _) = TerraformPolicy.WildcardGrants(module, TerraformPolicyTests.WildcardAllowList);

        Assert.Equal(
            [
                "aws_iam_role_policy.inline.policy is not a data.aws_iam_policy_document reference, so it cannot be checked",
                "data.aws_iam_policy_document.too_broad statement EverythingInS3 grants wildcard actions s3:*",
                "data.aws_iam_policy_document.too_broad statement ReadAnyBucket grants on resource \"arn:aws:s3:::*\"",
                "data.aws_iam_policy_document.too_broad statement ReadAnyTable grants on resource \"*\"",
            ],
            violations.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnAllowListEntryExcusesOnlyItsOwnStatement()
    {
        var module = await LoadAsync();
        var allowList = new HashSet<string>(StringComparer.Ordinal) { "too_broad/ReadAnyTable" };

        var (violations, allowListed) = TerraformPolicy.WildcardGrants(module, allowList);

        Assert.Equal(["too_broad/ReadAnyTable"], allowListed.Order(StringComparer.Ordinal));
        Assert.Contains("data.aws_iam_policy_document.too_broad statement EverythingInS3 grants wildcard actions s3:*", violations);
        Assert.DoesNotContain(violations, violation => violation.Contains("ReadAnyTable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnencryptedStoresAreReported()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.UnencryptedStores(module);

        Assert.Equal(
            [
                "aws_dynamodb_table.plain has no server_side_encryption { enabled = true }",
                "aws_kinesis_firehose_delivery_stream.plain has no server_side_encryption { enabled = true }",
                "aws_s3_bucket.open does not block all public access",
                "aws_s3_bucket.open has no default server-side encryption",
                "aws_sns_topic.plain has no kms_master_key_id",
                "aws_sqs_queue.main has no server-side encryption",
                "aws_sqs_queue.silent_dlq has no server-side encryption",
            ],
            violations.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HardCodedSharedNamesAreReported()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.HardCodedSharedNames(module, ["cortex-events-queue", "cortex-alerts", "cortex-events-dlq"]);

        Assert.Equal(
            [
                "aws_sns_topic.plain.name is not taken from local values (resources.json)",
                "aws_sqs_queue.orphan.name is not taken from local values (resources.json)",
                "main.tf hard-codes \"cortex-alerts\" from resources.json; use local.resources",
                "main.tf hard-codes \"cortex-events-queue\" from resources.json; use local.resources",
            ],
            violations.Order(StringComparer.Ordinal));
    }

    private static Task<TerraformModule> LoadAsync() => TerraformModule.LoadAsync(TerraformModule.FixtureDirectory("insecure"));
}
