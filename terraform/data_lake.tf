# EventBridge -> Firehose -> S3: GZIP newline-delimited events, one line per event, partitioned by
# the event's own timestamp, not by arrival time, so a late event lands in the hour it describes
# and Athena's partition filters stay correct.
#
# The bus carries packs of events ({"events":[...]}, docs/eventbridge.md), and each Firehose record
# is one pack. Firehose's own record de-aggregation cannot split it (it splits concatenated or
# newline-delimited JSON objects; an array is not valid input), so the Cortex function itself is the
# stream's Lambda transformation: it answers each record with its events as JSON lines and the
# pack's hour as partition keys (a publisher never packs two hours together). See docs/deploy.md.

locals {
  data_lake_events_prefix  = "events/"
  data_lake_errors_prefix  = "errors/"
  data_lake_results_prefix = "athena-results/"
}

resource "aws_s3_bucket" "data_lake" {
  bucket        = local.data_lake_bucket
  force_destroy = var.data_lake_force_destroy

  lifecycle {
    precondition {
      condition     = length(local.data_lake_bucket) <= 63
      error_message = "The data lake bucket name ${local.data_lake_bucket} is longer than S3's 63 characters: shorten name_prefix or set data_lake_bucket_name."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "data_lake" {
  bucket                  = aws_s3_bucket.data_lake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id

  rule {
    id     = "events-tiering-and-expiry"
    status = "Enabled"
    filter {
      prefix = local.data_lake_events_prefix
    }
    transition {
      days          = var.data_lake_infrequent_access_days
      storage_class = "STANDARD_IA"
    }
    transition {
      days          = var.data_lake_glacier_days
      storage_class = "GLACIER_IR"
    }
    expiration {
      days = var.data_lake_expiration_days
    }
  }

  rule {
    id     = "delivery-errors-expiry"
    status = "Enabled"
    filter {
      prefix = local.data_lake_errors_prefix
    }
    expiration {
      days = 90
    }
  }

  rule {
    id     = "athena-results-expiry"
    status = "Enabled"
    filter {
      prefix = local.data_lake_results_prefix
    }
    expiration {
      days = 7
    }
  }

  rule {
    id     = "analytics-results-expiry"
    status = "Enabled"
    filter {
      prefix = local.resources.analytics.results_prefix
    }
    expiration {
      days = local.resources.analytics.results_expiration_days
    }
  }

  rule {
    id     = "housekeeping"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }

  lifecycle {
    precondition {
      condition     = var.data_lake_glacier_days >= var.data_lake_infrequent_access_days + 30 && var.data_lake_expiration_days > var.data_lake_glacier_days
      error_message = "Need data_lake_glacier_days >= data_lake_infrequent_access_days + 30 (S3's minimum stay in Standard-IA) and data_lake_expiration_days > data_lake_glacier_days."
    }
  }

  depends_on = [aws_s3_bucket_versioning.data_lake]
}

data "aws_iam_policy_document" "data_lake_bucket" {
  # A Deny only narrows access; the wildcard action and principal are what "refuse plain HTTP
  # for everything and everyone" means. The policy tests check grants (Allow) for wildcards.
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data_lake.arn, "${aws_s3_bucket.data_lake.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "data_lake" {
  bucket = aws_s3_bucket.data_lake.id
  policy = data.aws_iam_policy_document.data_lake_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.data_lake]
}

resource "aws_cloudwatch_log_group" "firehose" {
  name              = "/aws/kinesisfirehose/${local.names.firehose_stream}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cortex.arn
}

resource "aws_cloudwatch_log_stream" "firehose_s3" {
  name           = "S3Delivery"
  log_group_name = aws_cloudwatch_log_group.firehose.name
}

resource "aws_kinesis_firehose_delivery_stream" "events" {
  name        = local.names.firehose_stream
  destination = "extended_s3"

  server_side_encryption {
    enabled  = true
    key_type = "AWS_OWNED_CMK"
  }

  extended_s3_configuration {
    role_arn   = aws_iam_role.firehose.arn
    bucket_arn = aws_s3_bucket.data_lake.arn

    prefix              = "${local.data_lake_events_prefix}year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/"
    error_output_prefix = "${local.data_lake_errors_prefix}!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    compression_format  = "GZIP"
    buffering_size      = var.firehose_buffering_mb
    buffering_interval  = var.firehose_buffering_seconds

    dynamic_partitioning_configuration {
      enabled        = true
      retry_duration = 300
    }

    processing_configuration {
      enabled = true

      # Each pack becomes its events, one JSON line each (newline-terminated, so no
      # AppendDelimiterToRecord), with partition keys year/month/day/hour from the events' timestamp.
      processors {
        type = "Lambda"
        parameters {
          parameter_name  = "LambdaArn"
          parameter_value = aws_lambda_alias.live.arn
        }
        parameters {
          parameter_name  = "BufferSizeInMBs"
          parameter_value = "1"
        }
        parameters {
          parameter_name  = "BufferIntervalInSeconds"
          parameter_value = "60"
        }
      }
    }

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.firehose.name
      log_stream_name = aws_cloudwatch_log_stream.firehose_s3.name
    }
  }

  depends_on = [aws_iam_role_policy.firehose]

  lifecycle {
    precondition {
      condition     = local.resources.lambda.pass_through_path != "/events"
      error_message = "The data lake transformation reaches the app through the Lambda Web Adapter's pass-through path, which must not be the public /events."
    }
  }
}
