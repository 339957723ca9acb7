#!/usr/bin/env bash
# Builds the Lambda deployment zip: Cortex.Api published framework-dependent for the dotnet10
# managed runtime, ReadyToRun-compiled (shorter cold starts), plus run.sh, the handler that the
# Lambda Web Adapter's /opt/bootstrap wrapper executes.
#
#   terraform/package.sh [x86_64|arm64]      -> terraform/build/lambda.zip
set -euo pipefail

architecture="${1:-x86_64}"
case "$architecture" in
  x86_64) rid="linux-x64" ;;
  arm64) rid="linux-arm64" ;;
  *) echo "usage: $0 [x86_64|arm64]" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$here/build"
publish="$build/publish-$rid"
zip_path="$build/lambda.zip"

rm -rf "$publish" "$zip_path"
mkdir -p "$build"

dotnet publish "$root/src/Cortex.Api/Cortex.Api.csproj" \
  -c Release \
  -r "$rid" \
  --self-contained false \
  -p:PublishReadyToRun=true \
  -p:GenerateDocumentationFile=false \
  -o "$publish"

# Development settings (with the development signing key) never ship.
rm -f "$publish/appsettings.Development.json"

install -m 0755 "$here/lambda/run.sh" "$publish/run.sh"
# The ADOT collector layer's configuration (OPENTELEMETRY_COLLECTOR_CONFIG_URI=/var/task/collector.yaml).
install -m 0644 "$here/lambda/collector.yaml" "$publish/collector.yaml"

# -X leaves out extra file attributes; zip keeps the executable bit on run.sh, which Lambda needs
# to start the handler.
(cd "$publish" && zip -q -r -X "$zip_path" .)

size=$(stat -c %s "$zip_path")
echo "built $zip_path ($rid): $size bytes ($((size / 1024 / 1024)) MiB)"
