# A deliberately bad module: every block here breaks one rule that TerraformPolicy enforces.
# TerraformPolicyCheckerTests assert that each violation is reported.

locals {
  resources = jsondecode(file("${path.module}/resources.json"))
  hooks = {
    before = { method = "POST", path = "/internal/snapstart/before-checkpoint" }
  }
}

resource "aws_sqs_queue" "orphan" {
  name                    = "cortex-events-queue"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue" "main" {
  name           = local.resources.queue.name
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.silent_dlq.arn, maxReceiveCount = 3 })
}

resource "aws_sqs_queue" "silent_dlq" {
  name = local.resources.dead_letter_queue.name
}

resource "aws_cloudwatch_event_target" "no_dlq" {
  rule = "somewhere"
  arn  = aws_sqs_queue.main.arn
}

resource "aws_lambda_event_source_mapping" "whole_batch" {
  event_source_arn = aws_sqs_queue.main.arn
  function_name    = "fn"
}

resource "aws_api_gateway_rest_api" "api" {
  name = "api"
}

resource "aws_api_gateway_resource" "proxy" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "proxy_any" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.proxy.id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_resource" "internal" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "internal"
}

resource "aws_api_gateway_resource" "lambda_events" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.internal.id
  path_part   = "lambda-events"
}

resource "aws_api_gateway_method" "post_internal" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.lambda_events.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_apigatewayv2_api" "http" {
  name          = "http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_route" "default" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "$default"
}

resource "aws_apigatewayv2_route" "proxy_any" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "ANY /{proxy+}"
}

resource "aws_apigatewayv2_route" "hooks" {
  for_each = local.hooks

  api_id    = aws_apigatewayv2_api.http.id
  route_key = "${each.value.method} ${each.value.path}"
}

data "aws_iam_policy_document" "too_broad" {
  statement {
    sid       = "EverythingInS3"
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::bucket/*"]
  }

  statement {
    sid       = "ReadAnyBucket"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::*"]
  }

  statement {
    sid       = "ReadAnyTable"
    actions   = ["dynamodb:GetItem"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "inline" {
  name = "inline"
  role = "role"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_dynamodb_table" "plain" {
  name     = local.resources.table.name
  hash_key = "event_id"
}

resource "aws_s3_bucket" "open" {
  bucket = "open-bucket"
}

resource "aws_sns_topic" "plain" {
  name = "cortex-alerts"
}

resource "aws_kinesis_firehose_delivery_stream" "plain" {
  name        = local.resources.firehose_stream
  destination = "extended_s3"
}
