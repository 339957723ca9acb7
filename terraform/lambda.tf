# One function serves the API and consumes the queue: the Lambda Web Adapter turns API Gateway
# requests into HTTP requests to Kestrel and POSTs SQS batches to the internal pass-through path
# (DESIGN.md section 2). Runtime dotnet10 (provider 6.27.0 knows it, see versions.tf) with the
# adapter's /opt/bootstrap exec wrapper; package.sh builds the framework-dependent ReadyToRun zip.

locals {
  # The function's settings. A local, not an inline map, so the policy tests can read every value.
  lambda_environment = {
    # Lambda Web Adapter
    AWS_LAMBDA_EXEC_WRAPPER      = "/opt/bootstrap"
    AWS_LWA_PORT                 = tostring(local.lambda_port)
    AWS_LWA_READINESS_CHECK_PATH = "/health"
    AWS_LWA_INVOKE_MODE          = "buffered"
    # LWA's default pass-through path is /events, the public ingestion path.
    AWS_LWA_PASS_THROUGH_PATH = local.resources.lambda.pass_through_path
    # SnapStart hooks: the adapter POSTs here around the snapshot (and answers 403 to anyone
    # else asking for these paths; API Gateway has no route to them either).
    AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH = local.resources.lambda.snapstart_before_checkpoint_path
    AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH     = local.resources.lambda.snapstart_after_restore_path

    ASPNETCORE_URLS        = "http://127.0.0.1:${local.lambda_port}"
    ASPNETCORE_ENVIRONMENT = "Production"

    Cortex__Mode                    = "Aws"
    Cortex__Lambda__Enabled         = "true"
    Cortex__Lambda__PassThroughPath = local.resources.lambda.pass_through_path

    Cortex__Lambda__SnapStart__BeforeCheckpointPath = local.resources.lambda.snapstart_before_checkpoint_path
    Cortex__Lambda__SnapStart__AfterRestorePath     = local.resources.lambda.snapstart_after_restore_path
    Cortex__Aws__EventBusName                       = aws_cloudwatch_event_bus.events.name
    Cortex__Aws__QueueUrl                           = aws_sqs_queue.events.url
    Cortex__Aws__DeadLetterQueueUrl                 = aws_sqs_queue.events_dlq.url
    Cortex__Aws__TableName                          = aws_dynamodb_table.events.name
    Cortex__Aws__WriteShards                        = tostring(local.table.write_shards)
    Cortex__Aws__SourceShards                       = tostring(local.table.source_shards)
    Cortex__Aws__EventSourcePrefix                  = local.resources.event_source_prefix
    Cortex__Aws__Poller__Enabled                    = "false"
    Cortex__Import__Bucket                          = aws_s3_bucket.import.bucket
    Cortex__Import__InboxPrefix                     = local.resources.import.inbox_prefix
    Cortex__Import__ReportPrefix                    = local.resources.import.report_prefix
    # The app reads the key from this SecureString at startup: it is in neither the function's
    # configuration nor the Terraform state.
    Cortex__Auth__SigningKeyParameter = local.signing_key_parameter
    # Not read by the app: raising it changes the configuration, which publishes a version whose
    # snapshot reads the rotated key (SnapStart keeps the key read at initialisation).
    SIGNING_KEY_GENERATION = tostring(var.signing_key_generation)
  }

  # ADOT collector layer (optional): the app sends OTLP to the collector on localhost, whose
  # config (terraform/lambda/collector.yaml, shipped in the zip by package.sh) exports to X-Ray.
  # Applied only when enable_adot_collector is true.
  adot_environment = {
    Cortex__Observability__OtlpEndpoint = "http://localhost:4317"
    OPENTELEMETRY_COLLECTOR_CONFIG_URI  = "/var/task/collector.yaml"
    # The environment is frozen between invocations: hand spans to the collector promptly so its
    # end-of-invocation flush finds them (the SDK's default batch delay is 5 s).
    OTEL_BSP_SCHEDULE_DELAY = "100"
  }

  lambda_layers = concat(
    [local.lambda_adapter_layer_arn],
    var.enable_adot_collector ? [var.adot_collector_layer_arn] : [],
  )

  # Unset means the app's own defaults (appsettings.json).
  lambda_auth_environment = {
    for name, value in {
      Cortex__Auth__Issuer   = var.auth_issuer
      Cortex__Auth__Audience = var.auth_audience
    } : name => value if value != null
  }
}

resource "aws_cloudwatch_log_group" "lambda" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cortex.arn
}

resource "aws_lambda_function" "api" {
  function_name    = local.function_name
  description      = "Cortex telemetry API and SQS consumer (ASP.NET Core behind the Lambda Web Adapter)"
  role             = aws_iam_role.lambda.arn
  runtime          = "dotnet10"
  handler          = "run.sh"
  architectures    = [var.lambda_architecture]
  filename         = local.lambda_zip_path
  source_code_hash = filebase64sha256(local.lambda_zip_path)
  memory_size      = var.lambda_memory_mb
  timeout          = local.lambda_timeout
  layers           = local.lambda_layers
  kms_key_arn      = aws_kms_key.cortex.arn

  reserved_concurrent_executions = var.lambda_reserved_concurrency

  # Every change publishes a version; the alias below points at it, and API Gateway and the
  # queue invoke the alias. SnapStart snapshots each published version once it is initialised.
  publish = true

  dynamic "snap_start" {
    for_each = var.lambda_snapstart ? ["PublishedVersions"] : []
    content {
      apply_on = snap_start.value
    }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda.name
  }

  environment {
    variables = merge(
      local.lambda_environment,
      local.lambda_auth_environment,
      local.lambda_analytics_environment,
      var.enable_adot_collector ? local.adot_environment : {},
    )
  }

  lifecycle {
    precondition {
      condition     = !var.enable_adot_collector || var.adot_collector_layer_arn != null
      error_message = "enable_adot_collector needs adot_collector_layer_arn (the ADOT collector layer of this region and architecture)."
    }

    precondition {
      condition     = local.lambda_package.architecture == var.lambda_architecture
      error_message = "The package was published for ${local.lambda_package.architecture}, but lambda_architecture is ${var.lambda_architecture}: run terraform/package.sh ${var.lambda_architecture}."
    }

    precondition {
      condition     = var.lambda_reserved_concurrency == -1 || var.lambda_reserved_concurrency > var.consumer_maximum_concurrency
      error_message = "lambda_reserved_concurrency must exceed consumer_maximum_concurrency, or the consumer can starve the API."
    }
  }

  depends_on = [aws_iam_role_policy.lambda, aws_cloudwatch_log_group.lambda]
}

# What API Gateway and the event source mapping invoke: the latest published version, restored
# from its SnapStart snapshot. $LATEST is never invoked (SnapStart does not apply to it).
resource "aws_lambda_alias" "live" {
  name             = local.resources.lambda.alias
  description      = "The published version API Gateway and the SQS mapping invoke"
  function_name    = aws_lambda_function.api.function_name
  function_version = aws_lambda_function.api.version
}

resource "aws_lambda_event_source_mapping" "events_queue" {
  event_source_arn = aws_sqs_queue.events.arn
  function_name    = aws_lambda_alias.live.arn
  # The consumer answers {"batchItemFailures":[...]}; without this setting Lambda would ignore
  # it and delete (or retry) the whole batch.
  function_response_types            = ["ReportBatchItemFailures"]
  batch_size                         = var.consumer_batch_size
  maximum_batching_window_in_seconds = var.consumer_batching_window_seconds

  scaling_config {
    maximum_concurrency = var.consumer_maximum_concurrency
  }
}
