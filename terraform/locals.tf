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

  function_name  = local.resources.lambda.function_name
  lambda_timeout = local.resources.lambda.timeout_seconds
  lambda_port    = local.resources.lambda.port
  table          = local.resources.table

  lambda_zip_path = coalesce(var.lambda_zip_path, "${path.module}/build/lambda.zip")

  # AWS publishes the Lambda Web Adapter from its own account, one layer per architecture.
  lambda_adapter_layer_arn = format(
    "arn:%s:lambda:%s:753240598075:layer:%s:%d",
    local.partition,
    local.region,
    var.lambda_architecture == "arm64" ? "LambdaAdapterLayerArm64" : "LambdaAdapterLayerX86",
    var.lambda_adapter_layer_version,
  )

  signing_key_parameter = coalesce(var.signing_key_parameter_name, local.resources.signing_key_parameter)

  data_lake_bucket = coalesce(
    var.data_lake_bucket_name,
    "${local.resources.data_lake_bucket_prefix}-${local.account_id}-${local.region}",
  )

  # Glue and Athena are LocalStack Pro features; the original skipped them on LocalStack too.
  analytics_enabled = !var.use_localstack
}
