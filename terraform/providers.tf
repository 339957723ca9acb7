provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(
      {
        Project     = "cortex"
        Environment = var.environment
        ManagedBy   = "terraform"
      },
      var.tags,
    )
  }
}
