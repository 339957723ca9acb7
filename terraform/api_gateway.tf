# HTTP API (API Gateway v2) with exactly the public routes: the API and the operator endpoints
# (scope events:admin, checked by the app like every scope). There is no $default route, no
# {proxy+} and no ANY method: the internal paths (resources.json lambda.pass_through_path and the
# SnapStart hooks under /internal) must not be reachable from the internet, and a catch-all would
# route them to the function. JWTs are validated by the app (DESIGN.md section 5), so the routes
# use no API Gateway authorizer. Payload format 2.0: the Lambda Web Adapter turns it into an HTTP
# request and copies requestContext (http.sourceIp is the caller) into x-amzn-request-context.

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
    post_otlp_logs    = { method = "POST", path = "/v1/logs" }
    post_otlp_metrics = { method = "POST", path = "/v1/metrics" }
    post_collectd     = { method = "POST", path = "/intake/collectd" }
    post_analytics    = { method = "POST", path = "/analytics/jobs" }
    list_analytics    = { method = "GET", path = "/analytics/jobs" }
    get_analytics     = { method = "GET", path = "/analytics/jobs/{job_id}" }
    get_analytics_res = { method = "GET", path = "/analytics/jobs/{job_id}/result" }
  }
}

resource "aws_apigatewayv2_api" "api" {
  name          = local.function_name
  description   = "Cortex telemetry ingestion API"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "lambda" {
  api_id                 = aws_apigatewayv2_api.api.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_alias.live.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000 # the HTTP API maximum; the function's own timeout is lambda.timeout_seconds
}

resource "aws_apigatewayv2_route" "route" {
  for_each = local.api_routes

  api_id             = aws_apigatewayv2_api.api.id
  route_key          = "${each.value.method} ${each.value.path}"
  target             = "integrations/${aws_apigatewayv2_integration.lambda.id}"
  authorization_type = "NONE"
}

# One permission per route: API Gateway may invoke the function only for these method/path pairs
# ({event_id} becomes a one-segment wildcard in the source ARN). The stage segment is "*": the
# only stage is $default, whose ARN segment is not a plain name.
resource "aws_lambda_permission" "api_route" {
  for_each = local.api_routes

  statement_id  = "api-${replace(each.key, "_", "-")}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn = format(
    "%s/*/%s%s",
    aws_apigatewayv2_api.api.execution_arn,
    each.value.method,
    replace(each.value.path, "{event_id}", "*"),
  )
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.function_name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cortex.arn
}

# The $default stage serves the routes at the root of the invoke URL, so the paths the function
# sees are the API's own (a named stage would prefix them with its name). Deployed on every change.
resource "aws_apigatewayv2_stage" "api" {
  api_id      = aws_apigatewayv2_api.api.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    detailed_metrics_enabled = true
    throttling_rate_limit    = var.api_throttling_rate_limit
    throttling_burst_limit   = var.api_throttling_burst_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      ip                 = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integration.latency"
      integrationStatus  = "$context.integration.status"
      integrationError   = "$context.integration.error"
      errorMessage       = "$context.error.message"
    })
  }
}
