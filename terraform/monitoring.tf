# Alarms to the alerts topic, and one dashboard. Every dead-letter queue alarms as soon as it
# holds a message: each one means an event that did not reach its destination by itself.
# alert_email is a required variable, so who hears an alarm is always a written decision.

resource "aws_sns_topic" "alerts" {
  name              = local.names.alerts_topic
  kms_master_key_id = aws_kms_key.cortex.arn
}

data "aws_iam_policy_document" "alerts_topic" {
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts_topic.json
}

resource "aws_sns_topic_subscription" "alerts_email" {
  count     = var.alert_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

locals {
  alarm_actions = [aws_sns_topic.alerts.arn]

  dead_letter_queues = {
    consumer           = aws_sqs_queue.events_dlq.name
    to-sqs-target      = aws_sqs_queue.to_sqs_target_dlq.name
    to-firehose-target = aws_sqs_queue.to_firehose_target_dlq.name
    import             = aws_sqs_queue.import_dlq.name
  }
}

resource "aws_cloudwatch_metric_alarm" "dead_letter_queue_not_empty" {
  for_each = local.dead_letter_queues

  alarm_name          = "${each.value}-not-empty"
  alarm_description   = "Dead-letter queue ${each.value} holds messages: events did not reach their destination. Inspect, fix, then redrive (docs/deploy.md)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Alarms on the first occurrence of something that must not happen, one resource for all:
# - per EventBridge rule, FailedInvocations (delivery to the target failing: retried, then the
#   target's DLQ) and InvocationsFailedToBeSentToDlq (not even the DLQ took it: the event is lost);
# - DynamoDB reads and writes throttled on the table or any index (on-demand tables throttle above
#   their peak or the account's table limits);
# - records Firehose could not partition or deliver, which go to the errors/ prefix instead of
#   the lake. Firehose logs each of them to its error log stream (cloudwatch_logging_options in
#   data_lake.tf), which receives nothing else, so the metric filter counts every log event.
locals {
  event_rules = {
    to-sqs      = aws_cloudwatch_event_rule.to_sqs.name
    to-firehose = aws_cloudwatch_event_rule.to_firehose.name
  }

  dynamodb_throttle_targets = merge(
    { table = { TableName = aws_dynamodb_table.events.name } },
    { for index in local.table.global_secondary_indexes : index.name => { TableName = aws_dynamodb_table.events.name, GlobalSecondaryIndexName = index.name } },
  )

  first_occurrence_alarms = merge(
    merge([
      for key, rule in local.event_rules : {
        for metric, description in {
          FailedInvocations              = "EventBridge failed to deliver events of rule ${rule} to its target (they are retried, then sent to the target's DLQ)."
          InvocationsFailedToBeSentToDlq = "EventBridge could not deliver events of rule ${rule} to its target nor to the target's DLQ: those events are lost. Check the DLQ's policy and encryption."
          } : "${key}-${metric}" => {
          name        = "${rule}-${metric}"
          namespace   = "AWS/Events"
          metric      = metric
          dimensions  = { EventBusName = aws_cloudwatch_event_bus.events.name, RuleName = rule }
          period      = 60
          description = description
        }
      }
    ]...),
    merge([
      for target, dimensions in local.dynamodb_throttle_targets : {
        for metric in ["ReadThrottleEvents", "WriteThrottleEvents"] : "dynamodb-${target}-${metric}" => {
          name        = "${aws_dynamodb_table.events.name}-${target}-${metric}"
          namespace   = "AWS/DynamoDB"
          metric      = metric
          dimensions  = dimensions
          period      = 300
          description = "DynamoDB throttled ${metric} on ${target}: the consumer retries through SQS and queries answer 503, so sustained throttling delays storage."
        }
      }
    ]...),
    {
      firehose-error-records = {
        name        = "${aws_kinesis_firehose_delivery_stream.events.name}-error-records"
        namespace   = aws_cloudwatch_log_metric_filter.firehose_error_records.metric_transformation[0].namespace
        metric      = aws_cloudwatch_log_metric_filter.firehose_error_records.metric_transformation[0].name
        dimensions  = {}
        period      = 300
        description = "Firehose wrote records to the data lake's errors/ prefix (partition key extraction or delivery failed): they are not in the Glue table. Inspect errors/ and the Firehose error log."
      }
    },
  )
}

resource "aws_cloudwatch_log_metric_filter" "firehose_error_records" {
  name           = "${aws_kinesis_firehose_delivery_stream.events.name}-error-records"
  log_group_name = aws_cloudwatch_log_group.firehose.name
  pattern        = ""

  metric_transformation {
    name          = "FirehoseErrorRecords"
    namespace     = "Cortex/${aws_kinesis_firehose_delivery_stream.events.name}"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "first_occurrence" {
  for_each = local.first_occurrence_alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = "Sum"
  period              = each.value.period
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  alarm_name          = "${local.function_name}-errors"
  alarm_description   = "The function failed invocations (crashes, timeouts, init failures)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.api.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  alarm_name          = "${local.function_name}-throttles"
  alarm_description   = "The function was throttled: raise reserved concurrency or the account limit, or lower consumer_maximum_concurrency."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.api.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "consumer_lag" {
  alarm_name          = "${aws_sqs_queue.events.name}-oldest-message-age"
  alarm_description   = "The consumer is falling behind: the oldest message in the events queue is older than ${var.consumer_age_alarm_seconds} s."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.events.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.consumer_age_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${aws_apigatewayv2_api.api.name}-5xx"
  alarm_description   = "The API answered 5xx at least ${var.api_5xx_alarm_threshold} times in 5 minutes."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.api.id, Stage = aws_apigatewayv2_stage.api.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.api_5xx_alarm_threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "api_p99_latency" {
  alarm_name          = "${aws_apigatewayv2_api.api.name}-p99-latency"
  alarm_description   = "The API's p99 latency exceeded ${var.api_p99_latency_alarm_ms} ms for 3 of 5 five-minute periods."
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = { ApiId = aws_apigatewayv2_api.api.id, Stage = aws_apigatewayv2_stage.api.name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.api_p99_latency_alarm_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Firehose retries S3 for 24 hours and then writes to the error prefix; stale data in the lake
# is the early sign.
resource "aws_cloudwatch_metric_alarm" "data_lake_freshness" {
  alarm_name          = "${aws_kinesis_firehose_delivery_stream.events.name}-stale"
  alarm_description   = "The oldest record in Firehose is older than twice the buffer interval plus 10 minutes: delivery to S3 is failing or stalled."
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToS3.DataFreshness"
  dimensions          = { DeliveryStreamName = aws_kinesis_firehose_delivery_stream.events.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 2 * var.firehose_buffering_seconds + 600
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_dashboard" "cortex" {
  dashboard_name = local.function_name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title = "API requests and errors", region = local.region, stat = "Sum", period = 60
          metrics = [
            ["AWS/ApiGateway", "Count", "ApiId", aws_apigatewayv2_api.api.id, "Stage", aws_apigatewayv2_stage.api.name],
            [".", "4xx", ".", ".", ".", "."],
            [".", "5xx", ".", ".", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title = "API latency (ms)", region = local.region, period = 60
          metrics = [
            ["AWS/ApiGateway", "Latency", "ApiId", aws_apigatewayv2_api.api.id, "Stage", aws_apigatewayv2_stage.api.name, { stat = "p50" }],
            ["...", { stat = "p99" }],
            [".", "IntegrationLatency", ".", ".", ".", ".", { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title = "Lambda", region = local.region, stat = "Sum", period = 60
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", aws_lambda_function.api.function_name],
            [".", "Errors", ".", "."],
            [".", "Throttles", ".", "."],
            [".", "ConcurrentExecutions", ".", ".", { stat = "Maximum" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title = "Consumer queue", region = local.region, period = 60
          metrics = [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.events.name, { stat = "Maximum" }],
            [".", "ApproximateAgeOfOldestMessage", ".", ".", { stat = "Maximum", yAxis = "right" }],
            [".", "NumberOfMessagesDeleted", ".", ".", { stat = "Sum" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title   = "Dead-letter queues (must be 0)", region = local.region, stat = "Maximum", period = 60
          metrics = [for name in values(local.dead_letter_queues) : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", name]]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title = "DynamoDB", region = local.region, stat = "Sum", period = 60
          metrics = [
            ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", aws_dynamodb_table.events.name],
            [".", "ConsumedReadCapacityUnits", ".", "."],
            [".", "ThrottledRequests", ".", ".", "Operation", "PutItem"],
            [".", "ConditionalCheckFailedRequests", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 18, width = 12, height = 6
        properties = {
          title = "EventBridge rules", region = local.region, stat = "Sum", period = 60
          metrics = [
            ["AWS/Events", "MatchedEvents", "EventBusName", aws_cloudwatch_event_bus.events.name, "RuleName", aws_cloudwatch_event_rule.to_sqs.name],
            [".", "FailedInvocations", ".", ".", ".", "."],
            [".", "MatchedEvents", ".", ".", ".", aws_cloudwatch_event_rule.to_firehose.name],
            [".", "FailedInvocations", ".", ".", ".", "."],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 18, width = 12, height = 6
        properties = {
          title = "Firehose to S3", region = local.region, period = 300
          metrics = [
            ["AWS/Firehose", "IncomingRecords", "DeliveryStreamName", aws_kinesis_firehose_delivery_stream.events.name, { stat = "Sum" }],
            [".", "DeliveryToS3.Records", ".", ".", { stat = "Sum" }],
            [".", "DeliveryToS3.DataFreshness", ".", ".", { stat = "Maximum", yAxis = "right" }],
          ]
        }
      },
    ]
  })
}
