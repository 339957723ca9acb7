# REST API with exactly the public routes: the API and the operator endpoints (scope
# events:admin, checked by the app like every scope). There is no {proxy+} and no ANY method:
# the internal pass-through path (resources.json lambda.pass_through_path) must not be
# reachable from the internet, and a catch-all would route it to the function. JWTs are
# validated by the app (DESIGN.md section 5), so the methods use no API Gateway authorizer.

locals {
  api_routes = {
    post_events       = { method = "POST", path = "/events" }
    post_events_batch = { method = "POST", path = "/events/batch" }
    get_events        = { method = "GET", path = "/events" }
    get_event         = { method = "GET", path = "/events/{event_id}" }
    get_health        = { method = "GET", path = "/health" }
    get_health_ready  = { method = "GET", path = "/health/ready" }
    get_dead_letters  = { method = "GET", path = "/operations/dead-letters" }
    replay_dead       = { method = "POST", path = "/operations/dead-letters/replay" }
    purge_dead        = { method = "POST", path = "/operations/dead-letters/purge" }
  }

  api_resource_ids = {
    "/events"            = aws_api_gateway_resource.events.id
    "/events/batch"      = aws_api_gateway_resource.events_batch.id
    "/events/{event_id}" = aws_api_gateway_resource.event.id
    "/health"            = aws_api_gateway_resource.health.id
    "/health/ready"      = aws_api_gateway_resource.health_ready.id

    "/operations/dead-letters"        = aws_api_gateway_resource.dead_letters.id
    "/operations/dead-letters/replay" = aws_api_gateway_resource.dead_letters_replay.id
    "/operations/dead-letters/purge"  = aws_api_gateway_resource.dead_letters_purge.id
  }
}

resource "aws_api_gateway_rest_api" "api" {
  name               = local.function_name
  description        = "Cortex telemetry ingestion API"
  binary_media_types = var.api_binary_media_types

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "events" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "events"
}

resource "aws_api_gateway_resource" "events_batch" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.events.id
  path_part   = "batch"
}

resource "aws_api_gateway_resource" "event" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.events.id
  path_part   = "{event_id}"
}

resource "aws_api_gateway_resource" "health" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "health"
}

resource "aws_api_gateway_resource" "health_ready" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.health.id
  path_part   = "ready"
}

resource "aws_api_gateway_resource" "operations" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "operations"
}

resource "aws_api_gateway_resource" "dead_letters" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.operations.id
  path_part   = "dead-letters"
}

resource "aws_api_gateway_resource" "dead_letters_replay" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.dead_letters.id
  path_part   = "replay"
}

resource "aws_api_gateway_resource" "dead_letters_purge" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.dead_letters.id
  path_part   = "purge"
}

resource "aws_api_gateway_method" "route" {
  for_each = local.api_routes

  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = local.api_resource_ids[each.value.path]
  http_method   = each.value.method
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "route" {
  for_each = local.api_routes

  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_method.route[each.key].resource_id
  http_method             = aws_api_gateway_method.route[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_alias.live.invoke_arn
}

# One permission per route: API Gateway may invoke the function only for these method/path
# pairs on this stage ({event_id} becomes a one-segment wildcard in the source ARN).
resource "aws_lambda_permission" "api_route" {
  for_each = local.api_routes

  statement_id  = "api-${replace(each.key, "_", "-")}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn = format(
    "%s/%s/%s%s",
    aws_api_gateway_rest_api.api.execution_arn,
    var.api_stage_name,
    each.value.method,
    replace(each.value.path, "{event_id}", "*"),
  )
}

resource "aws_api_gateway_deployment" "api" {
  rest_api_id = aws_api_gateway_rest_api.api.id

  triggers = {
    redeployment = sha1(jsonencode([
      local.api_routes,
      [for resource in [
        aws_api_gateway_resource.events,
        aws_api_gateway_resource.events_batch,
        aws_api_gateway_resource.event,
        aws_api_gateway_resource.health,
        aws_api_gateway_resource.health_ready,
        aws_api_gateway_resource.operations,
        aws_api_gateway_resource.dead_letters,
        aws_api_gateway_resource.dead_letters_replay,
        aws_api_gateway_resource.dead_letters_purge,
      ] : resource.id],
      [for method in aws_api_gateway_method.route : method.id],
      [for integration in aws_api_gateway_integration.route : integration.id],
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.route]
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.function_name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cortex.arn
}

# The execution log group API Gateway writes to (logging_level below). Created here, before the
# stage, so it has a retention, is encrypted and goes with terraform destroy; API Gateway would
# otherwise create it itself, without either, and leave it behind.
resource "aws_cloudwatch_log_group" "api_execution" {
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.api.id}/${var.api_stage_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cortex.arn
}

resource "aws_api_gateway_stage" "api" {
  rest_api_id          = aws_api_gateway_rest_api.api.id
  deployment_id        = aws_api_gateway_deployment.api.id
  stage_name           = var.api_stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integration.latency"
      integrationStatus  = "$context.integration.status"
      integrationError   = "$context.integration.error"
      errorMessage       = "$context.error.message"
      xrayTraceId        = "$context.xrayTraceId"
    })
  }

  depends_on = [aws_api_gateway_account.this, aws_cloudwatch_log_group.api_execution]
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.api.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false # full request logging would write bearer tokens to CloudWatch
    throttling_rate_limit  = var.api_throttling_rate_limit
    throttling_burst_limit = var.api_throttling_burst_limit
  }

  depends_on = [aws_api_gateway_account.this]
}
