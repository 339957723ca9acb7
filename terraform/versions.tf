terraform {
  # 1.10+ for the S3 backend's native locking (use_lockfile, docs/deploy.md); the build machines
  # carry 1.11.4. The first terraform init writes .terraform.lock.hcl: commit it.
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # One exact release. 6.27.0 is the first whose runtime validation knows "dotnet10" (it comes
      # from the AWS SDK for Go v2 enum); earlier releases reject it at plan time. The schema
      # check (terraform/tests/check.mjs) reads 6.25.0's schema, the newest published as
      # @cdktf/provider-aws: minor releases only add arguments, so what it accepts 6.27.0 accepts.
      version = "6.27.0"
    }
  }
}
