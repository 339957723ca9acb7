resource "aws_cloudwatch_event_bus" "events" {
  name = local.names.event_bus
}

resource "aws_cloudwatch_event_rule" "to_sqs" {
  name           = local.names.rule_to_sqs
  description    = "Cortex events to the consumer queue (DynamoDB)."
  event_bus_name = aws_cloudwatch_event_bus.events.name
  event_pattern  = jsonencode(local.resources.rules.to_sqs.event_pattern)
}

resource "aws_cloudwatch_event_target" "to_sqs" {
  rule           = aws_cloudwatch_event_rule.to_sqs.name
  event_bus_name = aws_cloudwatch_event_bus.events.name
  target_id      = "events-queue"
  # The whole EventBridge event is the message body; its "detail" is a pack of Cortex events that
  # the consumer unpacks (docs/eventbridge.md, docs/consumer.md).
  arn = aws_sqs_queue.events.arn

  dead_letter_config {
    arn = aws_sqs_queue.to_sqs_target_dlq.arn
  }

  retry_policy {
    maximum_event_age_in_seconds = var.rule_target_maximum_event_age_seconds
    maximum_retry_attempts       = var.rule_target_maximum_retry_attempts
  }

  depends_on = [aws_sqs_queue_policy.events, aws_sqs_queue_policy.to_sqs_target_dlq]
}

resource "aws_cloudwatch_event_rule" "to_firehose" {
  name           = local.names.rule_to_firehose
  description    = "Cortex events to the S3 data lake (Firehose)."
  event_bus_name = aws_cloudwatch_event_bus.events.name
  event_pattern  = jsonencode(local.resources.rules.to_firehose.event_pattern)
}

resource "aws_cloudwatch_event_target" "to_firehose" {
  rule           = aws_cloudwatch_event_rule.to_firehose.name
  event_bus_name = aws_cloudwatch_event_bus.events.name
  target_id      = "data-lake"
  arn            = aws_kinesis_firehose_delivery_stream.events.arn
  role_arn       = aws_iam_role.eventbridge_to_firehose.arn
  # Only the pack goes to Firehose (not the EventBridge envelope); the stream's transformation
  # splits it so that each S3 line is one event and the Glue table's columns are the event's fields.
  input_path = "$.detail"

  dead_letter_config {
    arn = aws_sqs_queue.to_firehose_target_dlq.arn
  }

  retry_policy {
    maximum_event_age_in_seconds = var.rule_target_maximum_event_age_seconds
    maximum_retry_attempts       = var.rule_target_maximum_retry_attempts
  }

  depends_on = [aws_iam_role_policy.eventbridge_to_firehose, aws_sqs_queue_policy.to_firehose_target_dlq]
}
