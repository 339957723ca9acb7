# Glue table over the data lake and an Athena workgroup with operator queries.

locals {
  glue_table_reference = "\"${local.names.glue_database}\".\"${local.resources.glue_table}\""
  # Partition projection prunes on these literals; every saved query filters the partitions
  # so no query scans the whole lake.
  today_filter = "year = year(current_date) AND month = month(current_date) AND day = day(current_date)"

  athena_queries = {
    events-by-type-today = {
      description = "Events per type and severity today (UTC)."
      query       = <<-SQL
        SELECT event_type, severity, count(*) AS events
        FROM ${local.glue_table_reference}
        WHERE ${local.today_filter}
        GROUP BY event_type, severity
        ORDER BY events DESC
      SQL
    }
    critical-events-today = {
      description = "Critical events of today, newest first."
      query       = <<-SQL
        SELECT "timestamp", source, event_type, hostname, region, data
        FROM ${local.glue_table_reference}
        WHERE ${local.today_filter} AND severity = 'critical'
        ORDER BY "timestamp" DESC
        LIMIT 200
      SQL
    }
    top-sources-today = {
      description = "The 50 noisiest sources today."
      query       = <<-SQL
        SELECT source, count(*) AS events, count_if(severity = 'critical') AS critical
        FROM ${local.glue_table_reference}
        WHERE ${local.today_filter}
        GROUP BY source
        ORDER BY events DESC
        LIMIT 50
      SQL
    }
    ingestion-delay-today = {
      description = "How late events arrive: p50/p99/max of ingested_at - timestamp in seconds, per source, today."
      query       = <<-SQL
        SELECT source,
               approx_percentile(date_diff('millisecond', from_iso8601_timestamp("timestamp"), from_iso8601_timestamp(ingested_at)), 0.5) / 1000.0 AS p50_seconds,
               approx_percentile(date_diff('millisecond', from_iso8601_timestamp("timestamp"), from_iso8601_timestamp(ingested_at)), 0.99) / 1000.0 AS p99_seconds,
               max(date_diff('millisecond', from_iso8601_timestamp("timestamp"), from_iso8601_timestamp(ingested_at))) / 1000.0 AS max_seconds
        FROM ${local.glue_table_reference}
        WHERE ${local.today_filter}
        GROUP BY source
        ORDER BY p99_seconds DESC
      SQL
    }
    cpu-by-host-today = {
      description = "Hourly average and peak cpu_percent per host over today's cpu_usage events."
      query       = <<-SQL
        SELECT hostname, hour,
               avg(CAST(json_extract_scalar(data, '$.cpu_percent') AS double)) AS avg_cpu,
               max(CAST(json_extract_scalar(data, '$.cpu_percent') AS double)) AS max_cpu
        FROM ${local.glue_table_reference}
        WHERE ${local.today_filter} AND event_type = 'cpu_usage'
        GROUP BY hostname, hour
        ORDER BY hostname, hour
      SQL
    }
    find-event-by-id = {
      description = "Find one event by id: replace the id and the date before running."
      query       = <<-SQL
        SELECT *
        FROM ${local.glue_table_reference}
        WHERE year = 2026 AND month = 1 AND day = 1
          AND event_id = '00000000-0000-0000-0000-000000000000'
      SQL
    }
  }
}

resource "aws_glue_catalog_database" "telemetry" {
  name        = local.names.glue_database
  description = "Cortex telemetry data lake"
}

resource "aws_glue_catalog_table" "events" {
  name          = local.resources.glue_table
  database_name = aws_glue_catalog_database.telemetry.name
  description   = "Cortex events, one JSON object per line, partitioned by the event's UTC timestamp."
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                    = "TRUE"
    classification              = "json"
    compressionType             = "gzip"
    "projection.enabled"        = "true"
    "projection.year.type"      = "integer"
    "projection.year.range"     = "${var.data_lake_first_year},${var.data_lake_first_year + 10}"
    "projection.month.type"     = "integer"
    "projection.month.range"    = "1,12"
    "projection.month.digits"   = "2"
    "projection.day.type"       = "integer"
    "projection.day.range"      = "1,31"
    "projection.day.digits"     = "2"
    "projection.hour.type"      = "integer"
    "projection.hour.range"     = "0,23"
    "projection.hour.digits"    = "2"
    "storage.location.template" = "s3://${aws_s3_bucket.data_lake.bucket}/${local.data_lake_events_prefix}year=$${year}/month=$${month}/day=$${day}/hour=$${hour}/"
  }

  partition_keys {
    name = "year"
    type = "int"
  }
  partition_keys {
    name = "month"
    type = "int"
  }
  partition_keys {
    name = "day"
    type = "int"
  }
  partition_keys {
    name = "hour"
    type = "int"
  }

  storage_descriptor {
    location      = "s3://${aws_s3_bucket.data_lake.bucket}/${local.data_lake_events_prefix}"
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      name                  = "json"
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"
      parameters = {
        "ignore.malformed.json" = "true"
        "case.insensitive"      = "false"
      }
    }

    # Every field the lake's lines hold (the event as the app publishes it in the bus entry's
    # detail). data stays a JSON string (its keys vary by event type): read it with
    # json_extract_scalar. ttl is when the DynamoDB copy expires (epoch seconds); the lake keeps
    # the line until its own lifecycle rule deletes it. traceparent is the W3C trace context,
    # which joins a line to its trace.
    dynamic "columns" {
      for_each = [
        ["event_id", "string"],
        ["source", "string"],
        ["event_type", "string"],
        ["severity", "string"],
        ["timestamp", "string"],
        ["ingested_at", "string"],
        ["hostname", "string"],
        ["region", "string"],
        ["tags", "map<string,string>"],
        ["data", "string"],
        ["request_id", "string"],
        ["source_ip", "string"],
        ["submitted_by", "string"],
        ["ttl", "bigint"],
        ["traceparent", "string"],
      ]
      content {
        name = columns.value[0]
        type = columns.value[1]
      }
    }
  }
}

resource "aws_athena_workgroup" "analytics" {
  name          = local.names.athena_workgroup
  description   = "Cortex operators' queries over the telemetry data lake"
  force_destroy = true

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff

    result_configuration {
      output_location = "s3://${aws_s3_bucket.data_lake.bucket}/${local.data_lake_results_prefix}"

      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}

resource "aws_athena_named_query" "operator" {
  for_each = local.athena_queries

  name        = each.key
  description = each.value.description
  workgroup   = aws_athena_workgroup.analytics.id
  database    = aws_glue_catalog_database.telemetry.name
  query       = each.value.query
}

# --- Analytics jobs (the app's POST /analytics/jobs in Aws mode) -------------------------------
# Job state with TTL, keyed by job id; by-subject lists a caller's jobs, by-cache-key finds an
# identical recent job. Names and keys come from resources.json (analytics.*).

locals {
  analytics = local.resources.analytics

  # Cortex:Aws:Analytics (src/Cortex.Api/Infrastructure/Aws/AwsAnalyticsOptions.cs). The app
  # refuses a job estimated to scan more than the workgroup's cutoff before Athena would stop it.
  lambda_analytics_environment = {
    Cortex__Aws__Analytics__WorkGroup        = aws_athena_workgroup.analytics.name
    Cortex__Aws__Analytics__GlueDatabase     = aws_glue_catalog_database.telemetry.name
    Cortex__Aws__Analytics__GlueTable        = aws_glue_catalog_table.events.name
    Cortex__Aws__Analytics__LakeBucket       = aws_s3_bucket.data_lake.bucket
    Cortex__Aws__Analytics__LakeEventsPrefix = local.data_lake_events_prefix
    Cortex__Aws__Analytics__JobsTable        = aws_dynamodb_table.analytics_jobs.name
    Cortex__Aws__Analytics__ResultsBucket    = aws_s3_bucket.data_lake.bucket
    Cortex__Aws__Analytics__ResultsPrefix    = local.analytics.results_prefix
    Cortex__Aws__Analytics__ScanBudgetBytes  = tostring(var.athena_bytes_scanned_cutoff)
  }
}

resource "aws_dynamodb_table" "analytics_jobs" {
  name         = local.names.analytics_jobs_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = local.analytics.jobs_table.hash_key

  dynamic "attribute" {
    for_each = local.analytics.jobs_table.attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = { for index in local.analytics.jobs_table.global_secondary_indexes : index.name => index }
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = global_secondary_index.value.projection
    }
  }

  ttl {
    attribute_name = local.analytics.jobs_table.ttl_attribute
    enabled        = true
  }

  server_side_encryption {
    enabled = true
  }
}

# What the app needs to run analytics: Athena in its own workgroup (whose scan cutoff and result
# location are enforced), the Glue table's metadata, the lake's event objects (read), Athena's and
# the app's result prefixes (write), and the jobs table.
data "aws_iam_policy_document" "lambda_analytics" {
  statement {
    sid       = "RunAthenaQueriesInTheWorkgroup"
    actions   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution"]
    resources = [aws_athena_workgroup.analytics.arn]
  }

  statement {
    sid     = "ReadTheLakeTableMetadata"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions"]
    resources = [
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog",
      aws_glue_catalog_database.telemetry.arn,
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${aws_glue_catalog_database.telemetry.name}/${aws_glue_catalog_table.events.name}",
    ]
  }

  statement {
    sid       = "ListTheLakeAndResultPrefixes"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
    resources = [aws_s3_bucket.data_lake.arn]
  }

  statement {
    sid       = "ReadLakeEvents"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.data_lake.arn}/${local.data_lake_events_prefix}*"]
  }

  statement {
    sid     = "WriteAndReadQueryResults"
    actions = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = [
      "${aws_s3_bucket.data_lake.arn}/${local.data_lake_results_prefix}*",
      "${aws_s3_bucket.data_lake.arn}/${local.analytics.results_prefix}*",
    ]
  }

  statement {
    sid     = "KeepAnalyticsJobs"
    actions = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"]
    resources = concat(
      [aws_dynamodb_table.analytics_jobs.arn],
      [for index in local.analytics.jobs_table.global_secondary_indexes : "${aws_dynamodb_table.analytics_jobs.arn}/index/${index.name}"],
    )
  }
}

resource "aws_iam_role_policy" "lambda_analytics" {
  name   = "${local.function_name}-analytics"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda_analytics.json
}
