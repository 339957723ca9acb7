using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cortex.Tests.Terraform;

/// <summary>The invariants of the deployable module in terraform/, checked statically (no provider download).</summary>
public sealed class TerraformPolicyTests
{
    /// <summary>
    /// Wildcards AWS requires, as "policy document/statement sid". Each has a comment where it
    /// occurs in terraform/; EveryAllowListedWildcardIsStillNeeded keeps this list from rotting.
    /// </summary>
    internal static readonly IReadOnlySet<string> WildcardAllowList = new HashSet<string>(StringComparer.Ordinal)
    {
        // Key policy: resource "*" means this key; "kms:*" for the account root is AWS's default
        // statement, which only lets IAM policies grant use of the key.
        "kms_key/EnableIamPoliciesForThisKey",
        // Key policy: resource "*" means this key (CloudWatch publishes to the encrypted topic).
        "kms_key/LetCloudWatchAlarmsPublishToTheEncryptedTopic",
        // Key policy: resource "*" means this key (CloudWatch Logs encrypts this account's log groups).
        "kms_key/LetCloudWatchLogsEncryptThisAccountsLogGroups",
        // xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.
        "lambda/XRayWriteTraces",
    };

    private static readonly string[] PublicRoutes =
    [
        "GET /analytics/jobs",
        "GET /analytics/jobs/{job_id}",
        "GET /analytics/jobs/{job_id}/result",
        "GET /events",
        "GET /events/{event_id}",
        "GET /health",
        "GET /health/ready",
        "GET /operations/dead-letters",
        "POST /analytics/jobs",
        "POST /events",
        "POST /events/batch",
        "POST /intake/collectd",
        "POST /operations/dead-letters/purge",
        "POST /operations/dead-letters/replay",
        "POST /v1/logs",
        "POST /v1/metrics",
    ];

    /// <summary>Endpoints the app serves that API Gateway deliberately does not route, and why.</summary>
    private static readonly Dictionary<string, string> NotRouted = new(StringComparer.Ordinal)
    {
        ["POST /internal/lambda-events"] = "the Lambda Web Adapter's pass-through path for SQS and Firehose events",
        ["POST /internal/snapstart/before-checkpoint"] = "a SnapStart hook, called by the adapter inside the sandbox",
        ["POST /internal/snapstart/after-restore"] = "a SnapStart hook, called by the adapter inside the sandbox",
        ["POST /events/import"] = "files are imported through the S3 inbox in Aws mode: API Gateway's 10 MB payload and 30 s limits are far below a file's",
    };

    [Fact]
    public async Task EveryQueueHasADeadLetterQueueOrIsOne()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.QueuesWithoutDeadLetterQueue(module);

        Assert.Empty(violations);
        Assert.Equal(6, module.ResourcesOfType("aws_sqs_queue").Count());
    }

    [Fact]
    public async Task EveryDeadLetterQueueRaisesAnAlarm()
    {
        var module = await LoadAsync();

        var deadLetterQueues = TerraformPolicy.DeadLetterQueues(module);
        var violations = TerraformPolicy.DeadLetterQueuesWithoutAlarm(module);

        Assert.Equal(["events_dlq", "import_dlq", "to_firehose_target_dlq", "to_sqs_target_dlq"], deadLetterQueues.Order(StringComparer.Ordinal));
        Assert.Empty(violations);
    }

    [Fact]
    public async Task EveryRuleTargetHasADeadLetterQueueAndARetryPolicy()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.RuleTargetsWithoutDeadLetterQueue(module);

        Assert.Empty(violations);
        Assert.Equal(2, module.ResourcesOfType("aws_cloudwatch_event_target").Count());
    }

    [Fact]
    public async Task TheQueueMappingReportsBatchItemFailures()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.MappingsWithoutBatchItemFailures(module);

        Assert.Empty(violations);
        Assert.Equal(["events_queue", "import_queue"], module.ResourcesOfType("aws_lambda_event_source_mapping").Select(m => m.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheApiExposesExactlyThePublicRoutesAndNothingInternal()
    {
        var module = await LoadAsync();
        var passThroughPath = Resources().GetProperty("lambda").GetProperty("pass_through_path").GetString()!;

        var (routes, violations) = TerraformPolicy.ApiRoutes(module, passThroughPath);

        Assert.Empty(violations);
        Assert.Equal(PublicRoutes, routes);
    }

    [Fact]
    public void EveryEndpointTheAppServesIsAPublicRouteOrDeliberatelyNotRouted()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Lambda:Enabled"] = "true" });
        _ = app.CreateClient();

        var served = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .Where(route => !NotRouted.ContainsKey(route))
            .Order(StringComparer.Ordinal);

        Assert.Equal(PublicRoutes, served);
    }

    [Fact]
    public async Task NoPolicyGrantsWildcardsOutsideTheAllowList()
    {
        var module = await LoadAsync();

        var (violations, _) = TerraformPolicy.WildcardGrants(module, WildcardAllowList);

        Assert.Empty(violations);
        Assert.True(module.DataSourcesOfType("aws_iam_policy_document").Count() >= 10);
    }

    [Fact]
    public async Task EveryAllowListedWildcardIsStillNeeded()
    {
        var module = await LoadAsync();

        var (_, allowListed) = TerraformPolicy.WildcardGrants(module, WildcardAllowList);

        Assert.Equal(WildcardAllowList.Order(StringComparer.Ordinal), allowListed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EveryStoreIsEncrypted()
    {
        var module = await LoadAsync();

        var violations = TerraformPolicy.UnencryptedStores(module);

        Assert.Empty(violations);
        Assert.Equal(["analytics_jobs", "events"], module.ResourcesOfType("aws_dynamodb_table").Select(table => table.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["data_lake", "import"], module.ResourcesOfType("aws_s3_bucket").Select(b => b.Name).Order(StringComparer.Ordinal));
        Assert.Single(module.ResourcesOfType("aws_sns_topic"));
        Assert.Single(module.ResourcesOfType("aws_kinesis_firehose_delivery_stream"));
    }

    [Fact]
    public async Task TheTableHasItsKeysAndOneProjectedIndexFromResourcesJsonSoAnEventIsTwoWrites()
    {
        var module = await LoadAsync();
        var table = Resources().GetProperty("table");
        var index = Assert.Single(table.GetProperty("global_secondary_indexes").EnumerateArray());
        var resource = Assert.Single(module.ResourcesOfType("aws_dynamodb_table"), t => t.Name == "events");
        var indexBlock = resource.Attribute("dynamic")!.Value.GetProperty("global_secondary_index")[0].GetProperty("content")[0];

        Assert.Equal("${local.table.hash_key}", resource.String("hash_key"));
        Assert.Equal("${local.table.range_key}", resource.String("range_key"));
        Assert.Equal("INCLUDE", index.GetProperty("projection").GetString());
        Assert.DoesNotContain("data", index.GetProperty("non_key_attributes").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("${try(global_secondary_index.value.non_key_attributes, null)}", indexBlock.GetProperty("non_key_attributes").GetString());
        Assert.All(
            new[] { table.GetProperty("hash_key"), table.GetProperty("range_key"), index.GetProperty("hash_key") },
            key => Assert.True(table.GetProperty("attributes").TryGetProperty(key.GetString()!, out _)));
    }

    [Fact]
    public async Task SharedNamesComeFromResourcesJsonAndAreNotHardCoded()
    {
        var module = await LoadAsync();
        var sharedNames = TerraformPolicy.SharedNames(Resources());

        var violations = TerraformPolicy.HardCodedSharedNames(module, sharedNames);

        Assert.Empty(violations);
        Assert.Contains("cortex-events-queue", sharedNames);
        Assert.Contains("by-source", sharedNames);
        Assert.Contains("/internal/lambda-events", sharedNames);
        Assert.Contains(
            module.Locals,
            local => local.Key == "resources" && local.Value.GetString() == "${jsondecode(file(\"${path.module}/resources.json\"))}");
    }

    [Fact]
    public async Task EveryAlarmNotifiesTheAlertsTopic()
    {
        var module = await LoadAsync();

        var alarms = module.ResourcesOfType("aws_cloudwatch_metric_alarm").ToList();

        Assert.Equal(8, alarms.Count);
        Assert.Equal(4, module.Locals["dead_letter_queues"].EnumerateObject().Count());
        Assert.All(alarms, alarm => Assert.Equal("${local.alarm_actions}", alarm.String("alarm_actions")));
        Assert.All(alarms, alarm => Assert.Null(alarm.Attribute("actions_enabled")));
        Assert.Equal("${aws_sns_topic.alerts.arn}", Assert.Single(module.Locals["alarm_actions"].EnumerateArray()).GetString());
        Assert.Equal(
            ["5xx", "ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible", "DeliveryToS3.DataFreshness", "Errors", "Latency", "Throttles"],
            alarms.Select(alarm => alarm.String("metric_name")!).Where(name => !name.StartsWith("${", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PipelineSettingsComeFromResourcesJson()
    {
        var module = await LoadAsync();
        TerraformBlock Resource(string type, string name) => module.ResourcesOfType(type).Single(block => block.Name == name);

        var queue = Resource("aws_sqs_queue", "events");
        var deadLetterQueue = Resource("aws_sqs_queue", "events_dlq");

        Assert.Equal("${local.queue_visibility_timeout_seconds}", queue.String("visibility_timeout_seconds"));
        Assert.Equal("${local.resources.queue.message_retention_seconds}", queue.String("message_retention_seconds"));
        Assert.Matches(@"maxReceiveCount\s*=\s*local\.resources\.dead_letter_queue\.max_receive_count", queue.String("redrive_policy"));
        Assert.Equal("${local.resources.dead_letter_queue.message_retention_seconds}", deadLetterQueue.String("message_retention_seconds"));
        Assert.Equal("${jsonencode(local.resources.rules.to_sqs.event_pattern)}", Resource("aws_cloudwatch_event_rule", "to_sqs").String("event_pattern"));
        Assert.Equal("${jsonencode(local.resources.rules.to_firehose.event_pattern)}", Resource("aws_cloudwatch_event_rule", "to_firehose").String("event_pattern"));
        Assert.Equal("${local.lambda_timeout}", Resource("aws_lambda_function", "api").String("timeout"));
        Assert.Equal("${local.resources.lambda.timeout_seconds}", module.Locals["lambda_timeout"].GetString());
        Assert.Equal("${local.table.ttl_attribute}", Resource("aws_dynamodb_table", "events").NestedBlocks("ttl").Single().GetProperty("attribute_name").GetString());
    }

    [Fact]
    public async Task TheFunctionRunsBehindTheWebAdapterWithTheAgreedSettings()
    {
        var module = await LoadAsync();
        var function = Assert.Single(module.ResourcesOfType("aws_lambda_function"));
        var environment = module.Locals["lambda_environment"];

        string Setting(string name) => environment.GetProperty(name).GetString()!;

        Assert.Equal("dotnet10", function.String("runtime"));
        Assert.Equal("run.sh", function.String("handler"));
        Assert.Equal("${local.lambda_layers}", function.String("layers"));
        Assert.StartsWith("${concat(\n    [local.lambda_adapter_layer_arn],", module.Locals["lambda_layers"].GetString(), StringComparison.Ordinal);
        Assert.Contains("753240598075:layer:%s:%d", module.Locals["lambda_adapter_layer_arn"].GetString(), StringComparison.Ordinal);
        Assert.Equal("Active", function.NestedBlocks("tracing_config").Single().GetProperty("mode").GetString());
        Assert.Equal("${var.lambda_reserved_concurrency}", function.String("reserved_concurrent_executions"));
        Assert.Equal("/opt/bootstrap", Setting("AWS_LAMBDA_EXEC_WRAPPER"));
        Assert.Equal("buffered", Setting("AWS_LWA_INVOKE_MODE"));
        Assert.Equal("/health", Setting("AWS_LWA_READINESS_CHECK_PATH"));
        Assert.Equal("${tostring(local.lambda_port)}", Setting("AWS_LWA_PORT"));
        Assert.Equal("http://127.0.0.1:${local.lambda_port}", Setting("ASPNETCORE_URLS"));
        Assert.Equal("${local.resources.lambda.pass_through_path}", Setting("AWS_LWA_PASS_THROUGH_PATH"));
        Assert.Equal("${local.resources.lambda.pass_through_path}", Setting("Cortex__Lambda__PassThroughPath"));
        Assert.Equal("Aws", Setting("Cortex__Mode"));
        Assert.Equal("true", Setting("Cortex__Lambda__Enabled"));
        Assert.Equal("false", Setting("Cortex__Aws__Poller__Enabled"));
        Assert.Equal("${aws_cloudwatch_event_bus.events.name}", Setting("Cortex__Aws__EventBusName"));
        Assert.Equal("${aws_sqs_queue.events.url}", Setting("Cortex__Aws__QueueUrl"));
        Assert.Equal("${aws_sqs_queue.events_dlq.url}", Setting("Cortex__Aws__DeadLetterQueueUrl"));
        Assert.Equal("${aws_dynamodb_table.events.name}", Setting("Cortex__Aws__TableName"));
        Assert.Equal("${tostring(local.table.write_shards)}", Setting("Cortex__Aws__WriteShards"));
        Assert.Equal("${tostring(local.table.source_shards)}", Setting("Cortex__Aws__SourceShards"));
        Assert.Equal("${local.resources.event_source_prefix}", Setting("Cortex__Aws__EventSourcePrefix"));
        Assert.Equal("${local.signing_key_parameter}", Setting("Cortex__Auth__SigningKeyParameter"));
    }

    [Fact]
    public async Task TheAdotCollectorLayerIsOptionalAndReceivesTheAppsSpansOnLocalhost()
    {
        var module = await LoadAsync();
        var function = Assert.Single(module.ResourcesOfType("aws_lambda_function"));
        var adot = module.Locals["adot_environment"];

        Assert.Contains("var.enable_adot_collector ? [var.adot_collector_layer_arn] : []", module.Locals["lambda_layers"].GetString(), StringComparison.Ordinal);
        Assert.Contains("var.enable_adot_collector ? local.adot_environment : {}", function.Raw, StringComparison.Ordinal);
        Assert.Equal("http://localhost:4317", adot.GetProperty("Cortex__Observability__OtlpEndpoint").GetString());
        Assert.Equal("/var/task/collector.yaml", adot.GetProperty("OPENTELEMETRY_COLLECTOR_CONFIG_URI").GetString());
        Assert.Contains("awsxray", File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "lambda", "collector.yaml")), StringComparison.Ordinal);
        Assert.Contains("lambda/collector.yaml", File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "package.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDataLakeSplitsPacksIntoGzippedLinesPartitionedByEventTime()
    {
        var module = await LoadAsync();
        var stream = Assert.Single(module.ResourcesOfType("aws_kinesis_firehose_delivery_stream"));
        var s3 = stream.NestedBlocks("extended_s3_configuration").Single();
        var processor = Assert.Single(TerraformBlock.NestedBlocks(TerraformBlock.NestedBlocks(s3, "processing_configuration").Single(), "processors"));
        var parameters = TerraformBlock.NestedBlocks(processor, "parameters")
            .ToDictionary(p => p.GetProperty("parameter_name").GetString()!, p => p.GetProperty("parameter_value").GetString());

        Assert.Equal("GZIP", s3.GetProperty("compression_format").GetString());
        Assert.Contains("year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/", s3.GetProperty("prefix").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("!{timestamp:", s3.GetProperty("prefix").GetString(), StringComparison.Ordinal);
        Assert.Contains("!{firehose:error-output-type}", s3.GetProperty("error_output_prefix").GetString(), StringComparison.Ordinal);
        Assert.Equal("Lambda", processor.GetProperty("type").GetString());
        Assert.Equal("${aws_lambda_alias.live.arn}", parameters["LambdaArn"]);
        Assert.Contains("lambda:InvokeFunction", module.DataSourcesOfType("aws_iam_policy_document").Single(d => d.Name == "firehose").Raw, StringComparison.Ordinal);
        Assert.Equal("$.detail", module.ResourcesOfType("aws_cloudwatch_event_target").Single(t => t.Name == "to_firehose").String("input_path"));
    }


    [Fact]
    public void ResourcesJsonRedriveSettingsFollowTheDesign()
    {
        var resources = Resources();
        var queue = resources.GetProperty("queue");
        var deadLetterQueue = resources.GetProperty("dead_letter_queue");
        var timeout = resources.GetProperty("lambda").GetProperty("timeout_seconds").GetInt32();

        Assert.Equal(3, deadLetterQueue.GetProperty("max_receive_count").GetInt32());
        Assert.Equal(14 * 24 * 3600, deadLetterQueue.GetProperty("message_retention_seconds").GetInt32());
        Assert.True(queue.GetProperty("visibility_timeout_seconds").GetInt32() >= 6 * timeout);
    }

    private static Task<TerraformModule> LoadAsync() => TerraformModule.LoadAsync(TerraformModule.ModuleDirectory);

    private static JsonElement Resources()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "resources.json")));
        return document.RootElement.Clone();
    }
}
