data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  # The single source of truth for names and pipeline settings, shared with the app's local
  # runner and the integration tests. Never copy a name from it into a .tf file: the policy
  # tests (tests/Cortex.Tests/Terraform) fail on hard-coded copies.
  resources = jsondecode(file("${path.module}/resources.json"))

  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  # Every name this stack gives a resource starts with the prefix, so two stacks (prod and
  # staging, say) can live in one account: IAM role names are global to the account, and most
  # other names are unique per region.
  name_prefix = coalesce(var.name_prefix, "${var.environment}-")
  names = {
    function               = "${local.name_prefix}${local.resources.lambda.function_name}"
    event_bus              = "${local.name_prefix}${local.resources.event_bus}"
    rule_to_sqs            = "${local.name_prefix}${local.resources.rules.to_sqs.name}"
    rule_to_firehose       = "${local.name_prefix}${local.resources.rules.to_firehose.name}"
    queue                  = "${local.name_prefix}${local.resources.queue.name}"
    dead_letter_queue      = "${local.name_prefix}${local.resources.dead_letter_queue.name}"
    to_sqs_target_dlq      = "${local.name_prefix}${local.resources.rule_target_dead_letter_queues.to_sqs}"
    to_firehose_target_dlq = "${local.name_prefix}${local.resources.rule_target_dead_letter_queues.to_firehose}"
    table                  = "${local.name_prefix}${local.resources.table.name}"
    alerts_topic           = "${local.name_prefix}${local.resources.alerts_topic}"
    firehose_stream        = "${local.name_prefix}${local.resources.firehose_stream}"
    athena_workgroup       = "${local.name_prefix}${local.resources.athena_workgroup}"
    analytics_jobs_table   = "${local.name_prefix}${local.resources.analytics.jobs_table.name}"
    data_lake_bucket       = "${local.name_prefix}${local.resources.data_lake_bucket_prefix}-${local.account_id}-${local.region}"
    signing_key_parameter  = "/${trimsuffix(local.name_prefix, "-")}${local.resources.signing_key_parameter}"
    import_bucket          = "${local.name_prefix}${local.resources.import.bucket_prefix}-${local.account_id}-${local.region}"
    import_queue           = "${local.name_prefix}${local.resources.import.queue.name}"
    import_dlq             = "${local.name_prefix}${local.resources.import.dead_letter_queue.name}"
    # Glue and Athena identifiers take letters, digits and underscores only.
    glue_database = "${replace(local.name_prefix, "-", "_")}${local.resources.glue_database}"
  }

  function_name  = local.names.function
  lambda_timeout = local.resources.lambda.timeout_seconds
  lambda_port    = local.resources.lambda.port
  table          = local.resources.table

  lambda_zip_path = coalesce(var.lambda_zip_path, "${path.module}/build/lambda.zip")
  # package.sh writes the zip's manifest beside it: the architecture it was published for.
  lambda_package = jsondecode(file("${trimsuffix(local.lambda_zip_path, ".zip")}.json"))

  # AWS publishes the Lambda Web Adapter from its own account in the aws partition only, one
  # layer per architecture; variables.tf refuses China and GovCloud regions for that reason.
  lambda_adapter_layer_arn = format(
    "arn:%s:lambda:%s:753240598075:layer:%s:%d",
    local.partition,
    local.region,
    var.lambda_architecture == "arm64" ? "LambdaAdapterLayerArm64" : "LambdaAdapterLayerX86",
    var.lambda_adapter_layer_version,
  )

  signing_key_parameter     = coalesce(var.signing_key_parameter_name, local.names.signing_key_parameter)
  signing_key_parameter_arn = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${local.signing_key_parameter}"

  data_lake_bucket = coalesce(var.data_lake_bucket_name, local.names.data_lake_bucket)
}
