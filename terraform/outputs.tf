output "api_url" {
  description = "Base URL of the API (append /events, /health, ...)."
  value       = aws_apigatewayv2_stage.api.invoke_url
}

output "function_name" {
  description = "The Lambda function serving the API and consuming the queue."
  value       = aws_lambda_function.api.function_name
}

output "function_alias_arn" {
  description = "The alias API Gateway and the queue invoke (the latest published version)."
  value       = aws_lambda_alias.live.arn
}

output "event_bus_name" {
  description = "EventBridge bus the API publishes to (Cortex:Aws:EventBusName)."
  value       = aws_cloudwatch_event_bus.events.name
}

output "queue_url" {
  description = "Consumer queue URL (Cortex:Aws:QueueUrl)."
  value       = aws_sqs_queue.events.url
}

output "dead_letter_queue_url" {
  description = "Consumer DLQ URL (Cortex:Aws:DeadLetterQueueUrl)."
  value       = aws_sqs_queue.events_dlq.url
}

output "rule_target_dead_letter_queue_urls" {
  description = "DLQs of the EventBridge rule targets."
  value = {
    to_sqs      = aws_sqs_queue.to_sqs_target_dlq.url
    to_firehose = aws_sqs_queue.to_firehose_target_dlq.url
  }
}

output "table_name" {
  description = "DynamoDB events table (Cortex:Aws:TableName)."
  value       = aws_dynamodb_table.events.name
}

output "data_lake_bucket" {
  description = "S3 bucket of the data lake (events/, errors/, athena-results/)."
  value       = aws_s3_bucket.data_lake.bucket
}

output "athena_workgroup" {
  description = "Athena workgroup with the saved operator queries."
  value       = aws_athena_workgroup.analytics.name
}

output "alerts_topic_arn" {
  description = "SNS topic the alarms publish to."
  value       = aws_sns_topic.alerts.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.cortex.dashboard_name
}

output "app_environment" {
  description = "Settings for running the app elsewhere against this deployment (for example a container with the in-process poller). The signing key is not included: give the app Cortex__Auth__SigningKeyParameter and ssm:GetParameter on it."
  value = {
    Cortex__Mode                      = "Aws"
    Cortex__Aws__EventBusName         = aws_cloudwatch_event_bus.events.name
    Cortex__Aws__QueueUrl             = aws_sqs_queue.events.url
    Cortex__Aws__DeadLetterQueueUrl   = aws_sqs_queue.events_dlq.url
    Cortex__Aws__TableName            = aws_dynamodb_table.events.name
    Cortex__Aws__WriteShards          = tostring(local.table.write_shards)
    Cortex__Aws__SourceShards         = tostring(local.table.source_shards)
    Cortex__Aws__EventSourcePrefix    = local.resources.event_source_prefix
    Cortex__Auth__SigningKeyParameter = local.signing_key_parameter
  }
}
