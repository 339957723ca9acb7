# One customer managed key for what AWS managed keys cannot do here:
# - the alerts topic: CloudWatch alarms cannot publish to a topic encrypted with aws/sns,
#   because that key's policy cannot grant cloudwatch.amazonaws.com;
# - the function's environment, which carries the signing key: with the default aws/lambda key
#   anyone allowed lambda:GetFunctionConfiguration reads it in the console; with this key they
#   also need kms:Decrypt on it.
resource "aws_kms_key" "cortex" {
  description             = "Cortex: alerts topic and Lambda environment encryption"
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
}
