# Least privilege, one role per principal. Every statement names its resources; the only
# wildcards are listed (with the reason) where they occur and in the allow-list of
# tests/Cortex.Tests/Terraform/TerraformPolicyTests.cs.

# --- Lambda (API + SQS consumer) --------------------------------------------------------------

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    sid     = "LambdaAssumesTheRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${local.function_name}-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "lambda" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda.arn}:log-stream:*"]
  }

  # WILDCARD EXCEPTION (allow-listed): X-Ray's PutTraceSegments and PutTelemetryRecords do not
  # support resource-level permissions; AWS requires "*" (as in AWSXRayDaemonWriteAccess).
  statement {
    sid       = "XRayWriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "PublishToTheBus"
    actions   = ["events:PutEvents", "events:DescribeEventBus"]
    resources = [aws_cloudwatch_event_bus.events.arn]
  }

  # The event source mapping receives and deletes with the function's role; the operator
  # endpoints' replay sends dead letters back here (SqsDeadLetterQueue).
  statement {
    sid = "ConsumeTheEventsQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:SendMessage",
    ]
    resources = [aws_sqs_queue.events.arn]
  }

  # Exactly the calls of the operator endpoints (/operations/dead-letters: peek, replay, purge)
  # and the depth gauge. StartMessageMoveTask also needs receive/delete/attributes on the
  # source and SendMessage on the destination, both granted here and above.
  statement {
    sid = "OperateTheDeadLetterQueue"
    actions = [
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:PurgeQueue",
      "sqs:StartMessageMoveTask",
    ]
    resources = [aws_sqs_queue.events_dlq.arn]
  }

  # The signing key, read once at startup. A SecureString under the AWS managed aws/ssm key
  # needs no KMS grant here (that key's policy lets SSM decrypt for any caller allowed
  # ssm:GetParameter); a customer managed key is granted below.
  statement {
    sid       = "ReadTheSigningKey"
    actions   = ["ssm:GetParameter"]
    resources = [local.signing_key_parameter_arn]
  }

  statement {
    sid     = "StoreAndQueryEvents"
    actions = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable"]
    resources = concat(
      [aws_dynamodb_table.events.arn],
      [for index in local.table.global_secondary_indexes : "${aws_dynamodb_table.events.arn}/index/${index.name}"],
    )
  }

  statement {
    sid       = "DecryptOwnEnvironment"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.cortex.arn]
  }
}

resource "aws_iam_role_policy" "lambda" {
  name   = "${local.function_name}-lambda"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}

data "aws_iam_policy_document" "signing_key_kms" {
  count = var.signing_key_kms_key_arn == null ? 0 : 1

  statement {
    sid       = "DecryptTheSigningKey"
    actions   = ["kms:Decrypt"]
    resources = [var.signing_key_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "signing_key_kms" {
  count  = var.signing_key_kms_key_arn == null ? 0 : 1
  name   = "${local.function_name}-signing-key-kms"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.signing_key_kms[0].json
}

# --- EventBridge -> Firehose ------------------------------------------------------------------

data "aws_iam_policy_document" "eventbridge_assume" {
  statement {
    sid     = "EventBridgeAssumesTheRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "eventbridge_to_firehose" {
  name               = "${local.function_name}-eventbridge-to-firehose"
  assume_role_policy = data.aws_iam_policy_document.eventbridge_assume.json
}

data "aws_iam_policy_document" "eventbridge_to_firehose" {
  statement {
    sid       = "PutRecordsIntoTheDeliveryStream"
    actions   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
    resources = [aws_kinesis_firehose_delivery_stream.events.arn]
  }
}

resource "aws_iam_role_policy" "eventbridge_to_firehose" {
  name   = "${local.function_name}-eventbridge-to-firehose"
  role   = aws_iam_role.eventbridge_to_firehose.id
  policy = data.aws_iam_policy_document.eventbridge_to_firehose.json
}

# --- Firehose -> S3 ---------------------------------------------------------------------------

data "aws_iam_policy_document" "firehose_assume" {
  statement {
    sid     = "FirehoseAssumesTheRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "firehose" {
  name               = "${local.function_name}-firehose-to-s3"
  assume_role_policy = data.aws_iam_policy_document.firehose_assume.json
}

data "aws_iam_policy_document" "firehose" {
  statement {
    sid       = "LocateTheBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [aws_s3_bucket.data_lake.arn]
  }

  statement {
    sid     = "WriteEventAndErrorObjects"
    actions = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
    resources = [
      "${aws_s3_bucket.data_lake.arn}/${local.data_lake_events_prefix}*",
      "${aws_s3_bucket.data_lake.arn}/${local.data_lake_errors_prefix}*",
    ]
  }

  statement {
    sid       = "WriteDeliveryErrorLogs"
    actions   = ["logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.firehose.arn}:log-stream:${aws_cloudwatch_log_stream.firehose_s3.name}"]
  }

  # The stream's Lambda transformation splits each pack of events into lines (data_lake.tf).
  statement {
    sid       = "SplitPacksIntoEvents"
    actions   = ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"]
    resources = [aws_lambda_alias.live.arn]
  }
}

resource "aws_iam_role_policy" "firehose" {
  name   = "${local.function_name}-firehose-to-s3"
  role   = aws_iam_role.firehose.id
  policy = data.aws_iam_policy_document.firehose.json
}
