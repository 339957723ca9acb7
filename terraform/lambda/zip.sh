#!/usr/bin/env bash
# Zips a directory reproducibly: the same files give the same bytes, whenever and wherever they
# were built, so an unchanged build does not change source_code_hash and redeploy the function.
# Entries are sorted (C locale), every time is 1980-01-01 00:00 (the earliest a zip can hold),
# modes are 644, or 755 for run.sh (Lambda executes it), and no extra attributes or directory
# entries are written.
#
#   terraform/lambda/zip.sh <directory> <zip>
set -euo pipefail

source_dir="$(cd "$1" && pwd)"
zip_path="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
rm -f "$zip_path"

cd "$source_dir"
find . -type f -exec chmod 0644 {} +
if [ -f run.sh ]; then chmod 0755 run.sh; fi
find . -exec touch -h -d '1980-01-01 00:00:00 UTC' {} +
find . -type f -printf '%P\n' | LC_ALL=C sort | TZ=UTC zip -q -X -D -@ "$zip_path"
