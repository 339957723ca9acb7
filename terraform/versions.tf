terraform {
  # 1.10+ for the S3 backend's native locking (use_lockfile, docs/deploy.md); the build machines
  # carry 1.11.4. Commit .terraform.lock.hcl after the first terraform init.
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.27.0 is the first release whose runtime validation knows "dotnet10" (it comes from the
      # AWS SDK for Go v2 enum, updated 2025-12-11). Earlier providers reject it at plan time.
      version = ">= 6.27.0, < 7.0.0"
    }
  }
}
