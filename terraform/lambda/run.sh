#!/bin/bash
# The Lambda handler. With AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap the Lambda Web Adapter's
# wrapper starts the adapter extension and then executes this file, which starts Kestrel.
# The adapter forwards API Gateway requests to it and POSTs SQS batches to
# AWS_LWA_PASS_THROUGH_PATH. The path is absolute: the wrapper does not promise the working
# directory is the package's.
exec dotnet "$LAMBDA_TASK_ROOT/Cortex.Api.dll" "$@"
