# Bulk import (docs/runbook.md "Import a file"): an object put under inbox/ of the import bucket
# sends an S3 notification to the import queue, which the same function consumes through the
# pass-through path. The function streams the object, hands its events to the bus like any
# request, and writes the report to reports/<key>.json. A file too large for one invocation is
# imported in chunks: the function saves its checkpoint in the report, leaves the message on the
# queue, and the next delivery (after the visibility timeout) continues. max_receive_count bounds
# the chunks of one file; a notification that cannot be read at all reaches the DLQ after as many,
# and the DLQ alarms like every other (monitoring.tf, local.dead_letter_queues).

locals {
  import = local.resources.import

  # At least the function's timeout, or a chunk still running would be delivered again.
  import_visibility_timeout_seconds = max(local.import.queue.visibility_timeout_seconds, local.lambda_timeout + 30)
}

resource "aws_s3_bucket" "import" {
  bucket = local.names.import_bucket

  lifecycle {
    precondition {
      condition     = length(local.names.import_bucket) <= 63
      error_message = "The import bucket name ${local.names.import_bucket} is longer than S3's 63 characters: shorten name_prefix."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "import" {
  bucket                  = aws_s3_bucket.import.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "import" {
  bucket = aws_s3_bucket.import.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "import" {
  bucket = aws_s3_bucket.import.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_sqs_queue" "import" {
  name                       = local.names.import_queue
  visibility_timeout_seconds = local.import_visibility_timeout_seconds
  message_retention_seconds  = local.import.queue.message_retention_seconds
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.import_dlq.arn
    maxReceiveCount     = local.import.queue.max_receive_count
  })
}

resource "aws_sqs_queue" "import_dlq" {
  name                      = local.names.import_dlq
  message_retention_seconds = local.import.dead_letter_queue.message_retention_seconds
  sqs_managed_sse_enabled   = true
}

# Only the import bucket may send to the import queue.
data "aws_iam_policy_document" "import_queue" {
  statement {
    sid       = "AllowTheImportBucket"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.import.arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.import.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sqs_queue_policy" "import" {
  queue_url = aws_sqs_queue.import.id
  policy    = data.aws_iam_policy_document.import_queue.json
}

resource "aws_s3_bucket_notification" "import" {
  bucket = aws_s3_bucket.import.id

  queue {
    id            = "import-inbox"
    queue_arn     = aws_sqs_queue.import.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = local.import.inbox_prefix
  }

  depends_on = [aws_sqs_queue_policy.import]
}

# One object per invocation: an import uses the whole invocation.
resource "aws_lambda_event_source_mapping" "import_queue" {
  event_source_arn        = aws_sqs_queue.import.arn
  function_name           = aws_lambda_alias.live.arn
  function_response_types = ["ReportBatchItemFailures"]
  batch_size              = 1
}

data "aws_iam_policy_document" "lambda_import" {
  statement {
    sid       = "ReadTheInbox"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.import.arn}/${local.import.inbox_prefix}*"]
  }

  # The reports are the checkpoints too: read back to resume, written after every chunk.
  statement {
    sid       = "ReadAndWriteReports"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.import.arn}/${local.import.report_prefix}*"]
  }

  statement {
    sid       = "ConsumeTheImportQueue"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.import.arn]
  }
}

resource "aws_iam_role_policy" "lambda_import" {
  name   = "${local.function_name}-import"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_import.json
}
