# Every fault the schema and reference checks must report, once each (TerraformCheckTests).
# Not a deployable module: nothing here is ever planned.

variable "declared" {
  type    = string
  default = "x"
}

locals {
  declared_local = var.declared
  # Two locals that need each other: a cycle.
  ping = local.pong
  pong = local.ping
}

resource "aws_sqs_queue" "repeated" {
  count = 1
  name  = var.declared
}

resource "aws_sqs_queue" "single" {
  name = local.declared_local

  # Unknown argument at the top level.
  visibility_timeout = 30
}

resource "aws_lambda_function" "broken" {
  # Missing required argument: role.
  function_name = var.undeclared_variable

  # Unknown argument inside a nested block.
  tracing_config {
    mode    = "Active"
    sampled = true
  }

  environment {
    variables = {
      # Reference to an undeclared resource.
      QUEUE = aws_sqs_queue.missing.url
      # count resource read without [0].
      REPEATED = aws_sqs_queue.repeated.url
      # Attribute the resource type does not have.
      SINGLE = aws_sqs_queue.single.queue_url
      # Index on a resource without count.
      INDEXED = aws_sqs_queue.single[0].arn
      LOCAL   = local.undeclared_local
      DATA    = data.aws_caller_identity.missing.account_id
    }
  }
}

resource "aws_dynamodb_table" "broken" {
  name     = "t"
  hash_key = "id"

  dynamic "attribute" {
    for_each = { id = "S" }
    content {
      name   = attribute.key
      type   = attribute.value
      format = "unknown argument in a dynamic block"
    }
  }

  # Unknown nested block.
  autoscaling {
    enabled = true
  }
}

resource "aws_lambda_functoin" "misspelt" {
  function_name = "x"
}

data "aws_iam_policy_document" "broken" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]

    principals {
      # Missing required argument in a nested block: identifiers.
      type = "AWS"
    }
  }
}
