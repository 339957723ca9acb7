using System.Text.Json;
using System.Text.RegularExpressions;
using Cortex.Api.Events;

namespace Cortex.Tests.Terraform;

/// <summary>What a first terraform apply in a fresh account, and the running function, need from the module.</summary>
public sealed partial class TerraformDeploymentTests
{
    [Fact]
    public async Task TheHttpApiUsesPayloadFormatTwoTheDefaultStageAndNoRegionWideLoggingRole()
    {
        var module = await LoadAsync();

        var integration = Resource(module, "aws_apigatewayv2_integration", "lambda");
        var stage = Resource(module, "aws_apigatewayv2_stage", "api");
        var settings = stage.NestedBlocks("default_route_settings").Single();

        Assert.Equal("HTTP", Resource(module, "aws_apigatewayv2_api", "api").String("protocol_type"));
        Assert.Equal("2.0", integration.String("payload_format_version"));
        Assert.Equal("AWS_PROXY", integration.String("integration_type"));
        Assert.Equal(30000, integration.Attribute("timeout_milliseconds")!.Value.GetInt32());
        Assert.Equal("$default", stage.String("name"));
        Assert.True(stage.Attribute("auto_deploy")!.Value.GetBoolean());
        Assert.Equal("${var.api_throttling_rate_limit}", settings.GetProperty("throttling_rate_limit").GetString());
        Assert.Equal("${var.api_throttling_burst_limit}", settings.GetProperty("throttling_burst_limit").GetString());
        Assert.Equal("${aws_cloudwatch_log_group.api_access.arn}", stage.NestedBlocks("access_log_settings").Single().GetProperty("destination_arn").GetString());
        Assert.Empty(module.ResourcesOfType("aws_api_gateway_account"));
    }

    [Fact]
    public async Task ThereIsNoLocalStackSwitch()
    {
        var module = await LoadAsync();

        var variables = module.Texts["variables.tf"];
        var provider = module.Texts["providers.tf"];

        Assert.DoesNotContain("localstack", variables, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("endpoints", provider, StringComparison.Ordinal);
        Assert.All(module.Texts.Values, text => Assert.DoesNotContain("use_localstack", text, StringComparison.Ordinal));
        Assert.All(
            module.Resources.Where(resource => resource.Type.StartsWith("aws_glue_", StringComparison.Ordinal) || resource.Type.StartsWith("aws_athena_", StringComparison.Ordinal)),
            resource => Assert.Null(resource.Attribute("count")));
    }

    [Fact]
    public async Task TheFunctionMayMakeEverySqsCallOfTheDeadLetterToolsOnTheDeadLetterQueue()
    {
        var module = await LoadAsync();
        var source = File.ReadAllText(Path.Combine(TerraformModule.RepositoryRoot, "src", "Cortex.Api", "Infrastructure", "Aws", "SqsDeadLetterQueue.cs"));
        var called = SqsCall().Matches(source)
            .Select(match => "sqs:" + match.Groups[1].Value.Replace("Batch", string.Empty, StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);

        var onDeadLetterQueue = Strings(Statement(module, "lambda", "OperateTheDeadLetterQueue"), "actions");
        var onQueue = Strings(Statement(module, "lambda", "ConsumeTheEventsQueue"), "actions");

        // SendMessage goes to the events queue (replay); everything else is on the DLQ.
        Assert.Equal(called.Where(action => action != "sqs:SendMessage").Order(StringComparer.Ordinal), onDeadLetterQueue.Order(StringComparer.Ordinal));
        Assert.Contains("sqs:SendMessage", called);
        Assert.Contains("sqs:SendMessage", onQueue);
        Assert.Equal(["${aws_sqs_queue.events_dlq.arn}"], Strings(Statement(module, "lambda", "OperateTheDeadLetterQueue"), "resources"));
    }

    [Fact]
    public async Task TheQueuesVisibilityTimeoutCoversSixFunctionTimeoutsAndTheBatchingWindow()
    {
        var module = await LoadAsync();

        var timeout = module.Locals["queue_visibility_timeout_seconds"].GetString();

        Assert.Contains("local.resources.queue.visibility_timeout_seconds", timeout, StringComparison.Ordinal);
        Assert.Contains("6 * local.lambda_timeout + var.consumer_batching_window_seconds", timeout, StringComparison.Ordinal);
        Assert.StartsWith("${max(", timeout, StringComparison.Ordinal);
        Assert.Null(Resource(module, "aws_sqs_queue", "events").Attribute("lifecycle"));
        Assert.Null(Resource(module, "aws_lambda_event_source_mapping", "events_queue").Attribute("lifecycle"));
    }

    [Fact]
    public async Task EveryNameTheStackGivesStartsWithItsPrefix()
    {
        var module = await LoadAsync();
        var names = module.Locals["names"];
        var named = new (string Type, string Attribute)[]
        {
            ("aws_sqs_queue", "name"), ("aws_cloudwatch_event_bus", "name"), ("aws_cloudwatch_event_rule", "name"),
            ("aws_dynamodb_table", "name"), ("aws_lambda_function", "function_name"), ("aws_sns_topic", "name"),
            ("aws_kinesis_firehose_delivery_stream", "name"), ("aws_glue_catalog_database", "name"),
            ("aws_athena_workgroup", "name"), ("aws_iam_role", "name"), ("aws_iam_role_policy", "name"),
            ("aws_kms_alias", "name"), ("aws_cloudwatch_log_group", "name"), ("aws_apigatewayv2_api", "name"),
            ("aws_cloudwatch_dashboard", "dashboard_name"), ("aws_s3_bucket", "bucket"),
        };

        Assert.All(names.EnumerateObject(), name => Assert.Matches(@"^(/)?\$\{(replace\(|trimsuffix\()?local\.name_prefix", name.Value.GetString()));
        Assert.Equal("${coalesce(var.name_prefix, \"${var.environment}-\")}", module.Locals["name_prefix"].GetString());
        Assert.Equal("${local.names.function}", module.Locals["function_name"].GetString());
        foreach (var (type, attribute) in named)
        {
            var resources = module.ResourcesOfType(type).ToList();
            Assert.NotEmpty(resources);
            Assert.All(resources, resource => Assert.Matches(
                @"local\.(names\.|function_name|data_lake_bucket)",
                resource.String(attribute) ?? $"{resource.Address} has no {attribute}"));
        }
    }

    [Fact]
    public async Task LostEventsThrottlingAndLakeErrorsRaiseAlarms()
    {
        var module = await LoadAsync();

        var alarms = module.Locals["first_occurrence_alarms"].GetString()!;
        var alarm = Resource(module, "aws_cloudwatch_metric_alarm", "first_occurrence");
        var filter = Resource(module, "aws_cloudwatch_log_metric_filter", "firehose_error_records");

        Assert.Matches(@"\n\s+FailedInvocations\s+= ", alarms);
        Assert.Matches(@"\n\s+InvocationsFailedToBeSentToDlq\s+= ", alarms);
        Assert.Contains("for key, rule in local.event_rules", alarms, StringComparison.Ordinal);
        Assert.Equal(2, module.Locals["event_rules"].EnumerateObject().Count());
        Assert.Contains("for metric in [\"ReadThrottleEvents\", \"WriteThrottleEvents\"]", alarms, StringComparison.Ordinal);
        Assert.Contains("for index in local.table.global_secondary_indexes", module.Locals["dynamodb_throttle_targets"].GetString(), StringComparison.Ordinal);
        Assert.Contains("aws_cloudwatch_log_metric_filter.firehose_error_records.metric_transformation[0].name", alarms, StringComparison.Ordinal);
        Assert.Equal("${aws_cloudwatch_log_group.firehose.name}", filter.String("log_group_name"));
        Assert.Equal("${local.first_occurrence_alarms}", alarm.String("for_each"));
        Assert.Equal("GreaterThanThreshold", alarm.String("comparison_operator"));
        Assert.Equal(0, alarm.Attribute("threshold")!.Value.GetInt32());
    }

    [Fact]
    public async Task TheWebAdapterLayerIsTheAwsPartitionsAndOtherPartitionsAreRefused()
    {
        var module = await LoadAsync();

        var region = module.Texts["variables.tf"];

        Assert.Contains("!startswith(var.aws_region, \"cn-\") && !startswith(var.aws_region, \"us-gov-\")", region, StringComparison.Ordinal);
        Assert.Contains(":753240598075:layer:", module.Locals["lambda_adapter_layer_arn"].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSigningKeyIsReadByTheFunctionAndIsNeitherInItsEnvironmentNorInTheState()
    {
        var module = await LoadAsync();
        var environment = module.Locals["lambda_environment"];

        var read = Statement(module, "lambda", "ReadTheSigningKey");

        Assert.Empty(module.DataSourcesOfType("aws_ssm_parameter"));
        Assert.False(environment.TryGetProperty("Cortex__Auth__SigningKey", out _));
        Assert.Equal("${local.signing_key_parameter}", environment.GetProperty("Cortex__Auth__SigningKeyParameter").GetString());
        Assert.Equal("${tostring(var.signing_key_generation)}", environment.GetProperty("SIGNING_KEY_GENERATION").GetString());
        Assert.Equal(["ssm:GetParameter"], Strings(read, "actions"));
        Assert.Equal(["${local.signing_key_parameter_arn}"], Strings(read, "resources"));
        Assert.Equal(
            "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${local.signing_key_parameter}",
            module.Locals["signing_key_parameter_arn"].GetString());
    }

    [Fact]
    public async Task TheFunctionRefusesAPackagePublishedForAnotherArchitecture()
    {
        var module = await LoadAsync();
        var function = Resource(module, "aws_lambda_function", "api");

        var preconditions = function.NestedBlocks("lifecycle").SelectMany(lifecycle => TerraformBlock.NestedBlocks(lifecycle, "precondition"));

        Assert.Contains(preconditions, precondition => precondition.GetProperty("condition").GetString() == "${local.lambda_package.architecture == var.lambda_architecture}");
        Assert.Contains("trimsuffix(local.lambda_zip_path, \".zip\")}.json", module.Locals["lambda_package"].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryLogGroupExpiresAndIsEncrypted()
    {
        var module = await LoadAsync();

        var logGroups = module.ResourcesOfType("aws_cloudwatch_log_group").ToList();

        Assert.Equal(3, logGroups.Count);
        Assert.All(logGroups, group => Assert.Equal("${var.log_retention_days}", group.String("retention_in_days")));
        Assert.All(logGroups, group => Assert.Equal("${aws_kms_key.cortex.arn}", group.String("kms_key_id")));
        Assert.Contains(
            "kms:EncryptionContext:aws:logs:arn",
            Statement(module, "kms_key", "LetCloudWatchLogsEncryptThisAccountsLogGroups").GetRawText(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheGlueTableHasAColumnForEveryFieldOfALakeLine()
    {
        var module = await LoadAsync();
        var line = EventJson.ToJson(
            new TelemetryEvent
            {
                EventId = Guid.CreateVersion7(),
                Source = "host-1",
                EventType = "cpu_usage",
                Severity = "info",
                Timestamp = "2026-11-29T12:00:00.000Z",
                TimestampMs = 0,
                Data = "{}"u8.ToArray(),
                Hostname = "host-1",
                Region = "eu-west-1",
                Tags = new Dictionary<string, string> { ["team"] = "core" },
                IngestedAt = "2026-11-29T12:00:00.000Z",
                RequestId = "request",
                SourceIp = "192.0.2.1",
                SubmittedBy = "agent",
                ExpiresAt = 1,
                TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            },
            includeTrace: true);
        using var document = JsonDocument.Parse(line);

        var columns = Resource(module, "aws_glue_catalog_table", "events").NestedBlocks("storage_descriptor").Single()
            .GetProperty("dynamic").GetProperty("columns")[0].GetProperty("for_each");

        Assert.Equal(
            document.RootElement.EnumerateObject().Select(field => field.Name).Order(StringComparer.Ordinal),
            columns.EnumerateArray().Select(column => column[0].GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheApiAndTheQueueInvokeAPublishedAliasRestoredFromASnapStartSnapshot()
    {
        var module = await LoadAsync();
        var function = Resource(module, "aws_lambda_function", "api");
        var alias = Resource(module, "aws_lambda_alias", "live");
        var environment = module.Locals["lambda_environment"];
        var snapStart = function.Attribute("dynamic")!.Value.GetProperty("snap_start")[0];

        Assert.True(function.Attribute("publish")!.Value.GetBoolean());
        Assert.Equal("${var.lambda_snapstart ? [\"PublishedVersions\"] : []}", snapStart.GetProperty("for_each").GetString());
        Assert.Equal("${snap_start.value}", snapStart.GetProperty("content")[0].GetProperty("apply_on").GetString());
        Assert.Equal("${aws_lambda_function.api.version}", alias.String("function_version"));
        Assert.Equal("${aws_lambda_alias.live.arn}", Resource(module, "aws_lambda_event_source_mapping", "events_queue").String("function_name"));
        Assert.Equal("${aws_lambda_alias.live.invoke_arn}", Resource(module, "aws_apigatewayv2_integration", "lambda").String("integration_uri"));
        Assert.Equal("${aws_lambda_alias.live.name}", Resource(module, "aws_lambda_permission", "api_route").String("qualifier"));
        Assert.Equal("${local.resources.lambda.snapstart_before_checkpoint_path}", environment.GetProperty("AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH").GetString());
        Assert.Equal("${local.resources.lambda.snapstart_after_restore_path}", environment.GetProperty("AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH").GetString());
        Assert.Equal("${local.resources.lambda.snapstart_before_checkpoint_path}", environment.GetProperty("Cortex__Lambda__SnapStart__BeforeCheckpointPath").GetString());
        Assert.Equal("${local.resources.lambda.snapstart_after_restore_path}", environment.GetProperty("Cortex__Lambda__SnapStart__AfterRestorePath").GetString());
    }

    [Fact]
    public void TheHookPathsTheAppMapsByDefaultAreTheOnesTerraformConfigures()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(TerraformModule.ModuleDirectory, "resources.json")));
        var lambda = document.RootElement.GetProperty("lambda");
        var defaults = new Cortex.Api.SnapStart.SnapStartOptions();

        Assert.Equal(defaults.BeforeCheckpointPath, lambda.GetProperty("snapstart_before_checkpoint_path").GetString());
        Assert.Equal(defaults.AfterRestorePath, lambda.GetProperty("snapstart_after_restore_path").GetString());
        Assert.StartsWith("/internal/", defaults.AfterRestorePath, StringComparison.Ordinal);
    }

    private static Task<TerraformModule> LoadAsync() => TerraformModule.LoadAsync(TerraformModule.ModuleDirectory);

    private static TerraformBlock Resource(TerraformModule module, string type, string name) =>
        module.ResourcesOfType(type).Single(block => block.Name == name);

    private static IEnumerable<JsonElement> Statements(TerraformModule module, string document) =>
        module.DataSourcesOfType("aws_iam_policy_document").Single(block => block.Name == document).NestedBlocks("statement");

    private static JsonElement Statement(TerraformModule module, string document, string sid) =>
        Statements(module, document).Single(statement => statement.GetProperty("sid").GetString() == sid);

    private static List<string> Strings(JsonElement element, string name) =>
        element.GetProperty(name).EnumerateArray().Select(item => item.GetString()!).ToList();

    [GeneratedRegex(@"sqs\.(\w+)Async\(")]
    private static partial Regex SqsCall();
}
