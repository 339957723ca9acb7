# The consumer's queue and its DLQ, plus one DLQ per EventBridge rule target. All use SSE-SQS:
# EventBridge cannot deliver to a queue encrypted with the AWS managed aws/sqs KMS key.

locals {
  # AWS's guidance for Lambda consumers: at least six times the function timeout plus the
  # batching window, or a message still in flight reappears and is processed twice.
  # resources.json's value (what the local runner uses) is the floor.
  queue_visibility_timeout_seconds = max(
    local.resources.queue.visibility_timeout_seconds,
    6 * local.lambda_timeout + var.consumer_batching_window_seconds,
  )
}

resource "aws_sqs_queue" "events" {
  name                       = local.names.queue
  visibility_timeout_seconds = local.queue_visibility_timeout_seconds
  message_retention_seconds  = local.resources.queue.message_retention_seconds
  receive_wait_time_seconds  = local.resources.queue.receive_wait_time_seconds
  # A delivered EventBridge event is its PutEvents entry (up to 256 KB) plus the envelope, so
  # a full pack is a little over 256 KiB: SQS's 1 MiB maximum, not its old 256 KiB.
  max_message_size        = local.resources.queue.max_message_size
  sqs_managed_sse_enabled = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.events_dlq.arn
    maxReceiveCount     = local.resources.dead_letter_queue.max_receive_count
  })
}

resource "aws_sqs_queue" "events_dlq" {
  name                      = local.names.dead_letter_queue
  message_retention_seconds = local.resources.dead_letter_queue.message_retention_seconds
  max_message_size          = local.resources.queue.max_message_size
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue_redrive_allow_policy" "events_dlq" {
  queue_url = aws_sqs_queue.events_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.events.arn]
  })
}

# EventBridge writes here when it cannot deliver to the events queue after its retries.
resource "aws_sqs_queue" "to_sqs_target_dlq" {
  name                      = local.names.to_sqs_target_dlq
  message_retention_seconds = local.resources.dead_letter_queue.message_retention_seconds
  max_message_size          = local.resources.queue.max_message_size
  sqs_managed_sse_enabled   = true
}

# EventBridge writes here when it cannot deliver to Firehose after its retries.
resource "aws_sqs_queue" "to_firehose_target_dlq" {
  name                      = local.names.to_firehose_target_dlq
  message_retention_seconds = local.resources.dead_letter_queue.message_retention_seconds
  max_message_size          = local.resources.queue.max_message_size
  sqs_managed_sse_enabled   = true
}

# Only the to-sqs rule may send to the events queue.
data "aws_iam_policy_document" "events_queue" {
  statement {
    sid       = "AllowTheToSqsRule"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.to_sqs.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy    = data.aws_iam_policy_document.events_queue.json
}

data "aws_iam_policy_document" "to_sqs_target_dlq" {
  statement {
    sid       = "AllowTheToSqsRuleDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.to_sqs_target_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.to_sqs.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "to_sqs_target_dlq" {
  queue_url = aws_sqs_queue.to_sqs_target_dlq.id
  policy    = data.aws_iam_policy_document.to_sqs_target_dlq.json
}

data "aws_iam_policy_document" "to_firehose_target_dlq" {
  statement {
    sid       = "AllowTheToFirehoseRuleDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.to_firehose_target_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.to_firehose.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "to_firehose_target_dlq" {
  queue_url = aws_sqs_queue.to_firehose_target_dlq.id
  policy    = data.aws_iam_policy_document.to_firehose_target_dlq.json
}
