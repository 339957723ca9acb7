# One customer managed key for what AWS managed keys cannot do here:
# - the alerts topic: CloudWatch alarms cannot publish to a topic encrypted with aws/sns,
#   because that key's policy cannot grant cloudwatch.amazonaws.com;
# - the log groups (function, API access and execution, Firehose): CloudWatch Logs encrypts
#   only with a customer managed key;
# - the function's environment (resource names and settings, no secret): reading it in the
#   console then also needs kms:Decrypt on this key.
resource "aws_kms_key" "cortex" {
  description             = "Cortex: alerts topic, log groups and Lambda environment encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_key.json
}

resource "aws_kms_alias" "cortex" {
  name          = "alias/${local.function_name}"
  target_key_id = aws_kms_key.cortex.key_id
}

data "aws_iam_policy_document" "kms_key" {
  # WILDCARD EXCEPTION (allow-listed in TerraformPolicyTests): AWS's default key statement.
  # In a key policy the resource "*" means "this key", and "kms:*" for the account root only
  # delegates to IAM; without it the key can become unmanageable. Principals still need an IAM
  # policy naming this key (the Lambda role below grants kms:Decrypt on this key only).
  statement {
    sid       = "EnableIamPoliciesForThisKey"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # WILDCARD EXCEPTION (allow-listed): resource "*" in a key policy is the key itself.
  statement {
    sid       = "LetCloudWatchAlarmsPublishToTheEncryptedTopic"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # WILDCARD EXCEPTION (allow-listed): resource "*" in a key policy is the key itself. The
  # encryption context limits it to log groups of this account and region (AWS's documented
  # statement for encrypting log groups).
  statement {
    sid    = "LetCloudWatchLogsEncryptThisAccountsLogGroups"
    effect = "Allow"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:DescribeKey",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }
}
