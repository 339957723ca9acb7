#!/usr/bin/env bash
# Builds the Lambda deployment zip: Cortex.Api published framework-dependent for the dotnet10
# managed runtime, ReadyToRun-compiled (shorter cold starts), with workstation GC (one heap, no
# GC threads of its own on a Lambda-sized share of a vCPU; docs/deploy.md), plus run.sh, the
# handler that the Lambda Web Adapter's /opt/bootstrap wrapper executes. The zip is reproducible
# (lambda/zip.sh) and its manifest (lambda.json: the architecture) lets Terraform refuse a package
# published for another architecture than lambda_architecture.
#
#   terraform/package.sh [x86_64|arm64]      -> terraform/build/lambda.zip, terraform/build/lambda.json
set -euo pipefail

architecture="${1:-x86_64}"
case "$architecture" in
  x86_64) rid="linux-x64"; elf_machine="62" ;;    # EM_X86_64
  arm64) rid="linux-arm64"; elf_machine="183" ;;  # EM_AARCH64
  *) echo "usage: $0 [x86_64|arm64]" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$here/build"
publish="$build/publish-$rid"
zip_path="$build/lambda.zip"
manifest_path="$build/lambda.json"

rm -rf "$publish" "$zip_path" "$manifest_path"
mkdir -p "$build"

dotnet publish "$root/src/Cortex.Api/Cortex.Api.csproj" \
  -c Release \
  -r "$rid" \
  --self-contained false \
  -p:PublishReadyToRun=true \
  -p:ServerGarbageCollection=false \
  -p:PublishDocumentationFile=false \
  -p:PublishReferencesDocumentationFiles=false \
  -p:ContinuousIntegrationBuild=true \
  -o "$publish"

# Development settings (with the development signing key) never ship.
rm -f "$publish/appsettings.Development.json"

install -m 0755 "$here/lambda/run.sh" "$publish/run.sh"
# The ADOT collector layer's configuration (OPENTELEMETRY_COLLECTOR_CONFIG_URI=/var/task/collector.yaml).
install -m 0644 "$here/lambda/collector.yaml" "$publish/collector.yaml"

# The published architecture must be the one asked for: the runtime target of the app's
# dependency manifest, and the machine of every native library in the package.
runtime_target=$(jq -r '.runtimeTarget.name' "$publish/Cortex.Api.deps.json")
if [ "${runtime_target##*/}" != "$rid" ]; then
  echo "package.sh: published for '$runtime_target', expected $rid" >&2
  exit 1
fi
while IFS= read -r -d '' library; do
  machine=$(od -An -t u2 -j 18 -N 2 "$library" | tr -d ' ')
  if [ "$machine" != "$elf_machine" ]; then
    echo "package.sh: ${library#"$publish"/} is for ELF machine $machine, not $architecture ($elf_machine)" >&2
    exit 1
  fi
done < <(find "$publish" -name '*.so' -print0)

"$here/lambda/zip.sh" "$publish" "$zip_path"
printf '{"architecture":"%s","runtime_identifier":"%s"}\n' "$architecture" "$rid" > "$manifest_path"

size=$(stat -c %s "$zip_path")
echo "built $zip_path ($rid): $size bytes ($((size / 1024 / 1024)) MiB), sha256 $(sha256sum "$zip_path" | cut -d' ' -f1)"
