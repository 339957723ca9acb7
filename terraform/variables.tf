variable "aws_region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region code such as us-east-1."
  }

  # The Lambda Web Adapter layer is published by AWS (account 753240598075) in the aws partition
  # only: a China or GovCloud function could not load it.
  validation {
    condition     = !startswith(var.aws_region, "cn-") && !startswith(var.aws_region, "us-gov-")
    error_message = "China (cn-*) and GovCloud (us-gov-*) regions are not supported: the Lambda Web Adapter layer the function runs on is published in the aws partition only."
  }
}

variable "environment" {
  description = "Environment name: tags every resource and, unless name_prefix is set, prefixes every name (\"prod\" -> prod-cortex-events-queue)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}$", var.environment))
    error_message = "environment must be lowercase letters, digits and dashes, at most 15 characters."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name this stack creates (base names come from resources.json), so several stacks can share an account. Null means \"<environment>-\"."
  type        = string
  default     = null

  validation {
    condition     = var.name_prefix == null || can(regex("^[a-z][a-z0-9-]{0,14}-$", var.name_prefix))
    error_message = "name_prefix must be lowercase letters, digits and dashes ending in a dash, at most 16 characters (IAM role and bucket names must stay within their limits)."
  }
}

variable "tags" {
  description = "Extra tags applied to every resource."
  type        = map(string)
  default     = {}
}

# --- Lambda -----------------------------------------------------------------------------------

variable "lambda_zip_path" {
  description = "Path of the deployment zip built by package.sh (its manifest, the same path ending in .json, must sit beside it). Null means terraform/build/lambda.zip."
  type        = string
  default     = null
}

variable "lambda_architecture" {
  description = "Instruction set of the function; must match the architecture passed to package.sh."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "lambda_adapter_layer_version" {
  description = "Version of AWS's LambdaAdapterLayerX86/LambdaAdapterLayerArm64 layer (account 753240598075). 30 is adapter 1.1.0, the first with the SnapStart hooks."
  type        = number
  default     = 30

  validation {
    condition     = var.lambda_adapter_layer_version >= 1 && floor(var.lambda_adapter_layer_version) == var.lambda_adapter_layer_version
    error_message = "lambda_adapter_layer_version must be a positive integer."
  }

  validation {
    condition     = !var.lambda_snapstart || var.lambda_adapter_layer_version >= 30
    error_message = "lambda_snapstart needs lambda_adapter_layer_version >= 30 (adapter 1.1.0), the first that calls the app's SnapStart hooks."
  }
}

variable "lambda_snapstart" {
  description = "Restore published versions from a SnapStart snapshot instead of starting .NET on every cold start. SnapStart for .NET bills snapshot caching and each restore (Lambda pricing), and is not offered in every region (docs/deploy.md)."
  type        = bool
  default     = true
}

variable "lambda_memory_mb" {
  description = "Function memory in MB (CPU scales with it; 1024 keeps ReadyToRun cold starts short)."
  type        = number
  default     = 1024

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrent executions for the function; -1 leaves it unreserved. When set, it must be at least consumer_maximum_concurrency plus room for API traffic."
  type        = number
  default     = -1

  validation {
    condition     = var.lambda_reserved_concurrency == -1 || var.lambda_reserved_concurrency >= 1
    error_message = "lambda_reserved_concurrency must be -1 (unreserved) or at least 1."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's, API Gateway's and Firehose's log groups."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

# --- Tracing (ADOT -> X-Ray) ------------------------------------------------------------------

variable "enable_adot_collector" {
  description = "Add the AWS Distro for OpenTelemetry collector layer: the app exports its spans over OTLP to the collector inside the execution environment, which sends them to X-Ray (docs/observability.md)."
  type        = bool
  default     = false
}

variable "adot_collector_layer_arn" {
  description = "ARN of the ADOT collector layer for the region and architecture (aws-otel-collector-amd64-ver-... or -arm64-..., published by AWS, account 901920570463). Required when enable_adot_collector is true."
  type        = string
  default     = null

  validation {
    condition     = var.adot_collector_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.adot_collector_layer_arn))
    error_message = "adot_collector_layer_arn must be a versioned Lambda layer ARN."
  }
}

# --- Auth -------------------------------------------------------------------------------------

variable "signing_key_parameter_name" {
  description = "SSM Parameter Store SecureString holding the HS256 signing key (>= 32 bytes); the function reads it at startup. Create it before apply (docs/deploy.md). Null means /<name prefix without the dash> followed by resources.json signing_key_parameter, e.g. /prod/cortex/auth/signing-key."
  type        = string
  default     = null

  validation {
    condition     = var.signing_key_parameter_name == null || can(regex("^/[A-Za-z0-9_./-]+$", var.signing_key_parameter_name))
    error_message = "signing_key_parameter_name must be a hierarchical SSM name starting with /."
  }
}

variable "signing_key_generation" {
  description = "Raise by one after putting a new signing key in the parameter: the next apply publishes a version that reads it."
  type        = number
  default     = 1

  validation {
    condition     = var.signing_key_generation >= 1 && floor(var.signing_key_generation) == var.signing_key_generation
    error_message = "signing_key_generation must be a positive integer."
  }
}

variable "signing_key_kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the signing key parameter, if it is not the AWS managed aws/ssm key; the function is granted kms:Decrypt on it through SSM only."
  type        = string
  default     = null

  validation {
    condition     = var.signing_key_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.signing_key_kms_key_arn))
    error_message = "signing_key_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "auth_issuer" {
  description = "JWT issuer the app accepts (Cortex:Auth:Issuer). Null keeps the app's default."
  type        = string
  default     = null
}

variable "auth_audience" {
  description = "JWT audience the app accepts (Cortex:Auth:Audience). Null keeps the app's default."
  type        = string
  default     = null
}

# --- API Gateway ------------------------------------------------------------------------------

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second the stage accepts across all clients (per-token limits are in the app)."
  type        = number
  default     = 500

  validation {
    condition     = var.api_throttling_rate_limit > 0
    error_message = "api_throttling_rate_limit must be positive."
  }
}

variable "api_throttling_burst_limit" {
  description = "Burst of requests the stage accepts above the steady rate."
  type        = number
  default     = 1000

  validation {
    condition     = var.api_throttling_burst_limit >= 1 && floor(var.api_throttling_burst_limit) == var.api_throttling_burst_limit
    error_message = "api_throttling_burst_limit must be a positive integer."
  }
}

# --- SQS consumer -----------------------------------------------------------------------------

variable "consumer_batch_size" {
  description = "Messages per Lambda invocation from the events queue: 1-10 without a batching window, up to 10000 with consumer_batching_window_seconds >= 1 (Lambda's rule for standard SQS queues)."
  type        = number
  default     = 10

  validation {
    condition     = var.consumer_batch_size >= 1 && var.consumer_batch_size <= 10000 && floor(var.consumer_batch_size) == var.consumer_batch_size
    error_message = "consumer_batch_size must be a whole number between 1 and 10000."
  }

  validation {
    condition     = var.consumer_batch_size <= 10 || var.consumer_batching_window_seconds >= 1
    error_message = "consumer_batch_size above 10 needs consumer_batching_window_seconds >= 1 (an SQS event source rule)."
  }
}

variable "consumer_batching_window_seconds" {
  description = "Seconds the event source mapping may wait to fill a batch (0-300); at least 1 when consumer_batch_size > 10. The events queue's visibility timeout grows with it (sqs.tf)."
  type        = number
  default     = 0

  validation {
    condition     = var.consumer_batching_window_seconds >= 0 && var.consumer_batching_window_seconds <= 300 && floor(var.consumer_batching_window_seconds) == var.consumer_batching_window_seconds
    error_message = "consumer_batching_window_seconds must be a whole number between 0 and 300."
  }
}

variable "consumer_maximum_concurrency" {
  description = "Most concurrent invocations the SQS mapping may drive (scaling_config), leaving the rest of the function's concurrency to the API."
  type        = number
  default     = 10

  validation {
    condition     = var.consumer_maximum_concurrency >= 2 && var.consumer_maximum_concurrency <= 1000
    error_message = "consumer_maximum_concurrency must be between 2 and 1000."
  }
}

# --- EventBridge targets ----------------------------------------------------------------------

variable "rule_target_maximum_event_age_seconds" {
  description = "How long EventBridge keeps retrying a target before sending the event to the target's DLQ."
  type        = number
  default     = 86400

  validation {
    condition     = var.rule_target_maximum_event_age_seconds >= 60 && var.rule_target_maximum_event_age_seconds <= 86400
    error_message = "rule_target_maximum_event_age_seconds must be between 60 and 86400."
  }
}

variable "rule_target_maximum_retry_attempts" {
  description = "Retries EventBridge makes per target before the event goes to the target's DLQ."
  type        = number
  default     = 185

  validation {
    condition     = var.rule_target_maximum_retry_attempts >= 0 && var.rule_target_maximum_retry_attempts <= 185
    error_message = "rule_target_maximum_retry_attempts must be between 0 and 185."
  }
}

# --- Data lake --------------------------------------------------------------------------------

variable "data_lake_bucket_name" {
  description = "Name of the S3 data lake bucket. Null means <data_lake_bucket_prefix>-<account>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.data_lake_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_lake_bucket_name))
    error_message = "data_lake_bucket_name must be a valid S3 bucket name."
  }
}

variable "data_lake_force_destroy" {
  description = "Let terraform destroy delete the data lake bucket with its objects. Keep false in production."
  type        = bool
  default     = false
}

variable "data_lake_infrequent_access_days" {
  description = "Days after which event objects move to S3 Standard-IA."
  type        = number
  default     = 30

  validation {
    condition     = var.data_lake_infrequent_access_days >= 30
    error_message = "data_lake_infrequent_access_days must be at least 30 (S3's minimum for Standard-IA)."
  }
}

variable "data_lake_glacier_days" {
  description = "Days after which event objects move to Glacier Instant Retrieval."
  type        = number
  default     = 90

  validation {
    condition     = var.data_lake_glacier_days >= 60
    error_message = "data_lake_glacier_days must be at least 60."
  }
}

variable "data_lake_expiration_days" {
  description = "Days after which event objects are deleted from the data lake."
  type        = number
  default     = 730

  validation {
    condition     = var.data_lake_expiration_days >= 1
    error_message = "data_lake_expiration_days must be positive."
  }
}

variable "data_lake_first_year" {
  description = "First year of the Glue table's year partition projection (ten years are projected from it)."
  type        = number
  default     = 2026

  validation {
    condition     = var.data_lake_first_year >= 2020 && var.data_lake_first_year <= 2100
    error_message = "data_lake_first_year must be between 2020 and 2100."
  }
}

variable "firehose_buffering_mb" {
  description = "Firehose buffer size in MB; dynamic partitioning requires at least 64."
  type        = number
  default     = 64

  validation {
    condition     = var.firehose_buffering_mb >= 64 && var.firehose_buffering_mb <= 128
    error_message = "firehose_buffering_mb must be between 64 and 128 (dynamic partitioning)."
  }
}

variable "firehose_buffering_seconds" {
  description = "Firehose buffer interval in seconds (latency of the data lake)."
  type        = number
  default     = 300

  validation {
    condition     = var.firehose_buffering_seconds >= 60 && var.firehose_buffering_seconds <= 900
    error_message = "firehose_buffering_seconds must be between 60 and 900."
  }
}

variable "athena_bytes_scanned_cutoff" {
  description = "Athena stops any query in the workgroup that would scan more bytes than this (cost guard)."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.athena_bytes_scanned_cutoff >= 10485760
    error_message = "athena_bytes_scanned_cutoff must be at least 10 MB (Athena's minimum)."
  }
}

# --- DynamoDB ---------------------------------------------------------------------------------

variable "table_deletion_protection" {
  description = "Protect the events table from deletion. Set false before terraform destroy."
  type        = bool
  default     = true
}

# --- Alarms -----------------------------------------------------------------------------------

# Required on purpose: with no subscriber an alarm notifies nobody, so that has to be written
# down (alert_email = null in the .tfvars file) rather than be what happens by default.
variable "alert_email" {
  description = "Required. E-mail address subscribed to the alerts topic (the recipient must confirm). Set null explicitly only when something else subscribes to the topic (output alerts_topic_arn); then the alarms notify only that subscriber."
  type        = string
  nullable    = true

  validation {
    condition     = var.alert_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be an e-mail address."
  }
}

variable "consumer_age_alarm_seconds" {
  description = "Alarm when the oldest message in the events queue is older than this (the consumer is falling behind)."
  type        = number
  default     = 300

  validation {
    condition     = var.consumer_age_alarm_seconds >= 60
    error_message = "consumer_age_alarm_seconds must be at least 60."
  }
}

variable "api_5xx_alarm_threshold" {
  description = "Alarm when the API returns at least this many 5xx responses in 5 minutes."
  type        = number
  default     = 5

  validation {
    condition     = var.api_5xx_alarm_threshold >= 1
    error_message = "api_5xx_alarm_threshold must be at least 1."
  }
}

variable "api_p99_latency_alarm_ms" {
  description = "Alarm when the API's p99 latency over 5 minutes exceeds this many milliseconds."
  type        = number
  default     = 1000

  validation {
    condition     = var.api_p99_latency_alarm_ms >= 10
    error_message = "api_p99_latency_alarm_ms must be at least 10."
  }
}
