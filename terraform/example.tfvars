# Copy to <env>.tfvars (ignored by git) and pass with -var-file. Every variable has a default;
# these are the ones a production deployment usually sets.
aws_region                   = "eu-west-1"
environment                  = "prod"
alert_email                  = "oncall@example.com"
lambda_architecture          = "x86_64"
lambda_memory_mb             = 1024
lambda_reserved_concurrency  = 50
consumer_batch_size          = 10
consumer_maximum_concurrency = 10
api_throttling_rate_limit    = 500
api_throttling_burst_limit   = 1000
data_lake_expiration_days    = 730
