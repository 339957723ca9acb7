#!/usr/bin/env bash
# Imports a generated NDJSON file with `cortex import` (Release build, Embedded mode, a fresh
# database) and prints the file size, the events, the elapsed time, events/s and the peak RSS
# of the importing process. SIZE_MB sets the file size (default 1024, i.e. 1 GiB uncompressed);
# GZIP=1 imports it gzip-compressed. Run it on a quiet machine: the figures are wall-clock.
set -euo pipefail

SIZE_MB=${SIZE_MB:-1024}
GZIP=${GZIP:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/cortex-import-bench.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

dotnet build "$root/src/Cortex.Api" -c Release -v quiet -nologo >/dev/null
app="$root/src/Cortex.Api/bin/Release/net10.0/Cortex.Api.dll"

file="$work/events.ndjson"
python3 - "$file" "$SIZE_MB" <<'PY'
import json, sys, datetime, random
path, size = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
types = ["cpu_usage", "memory_usage", "disk_io", "network_latency", "custom"]
random.seed(7)
written = 0
with open(path, "w") as out:
    i = 0
    while written < size:
        t = (now + datetime.timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        line = json.dumps({"source": f"host-{i % 1000:04d}", "event_type": types[i % 5], "severity": "info",
                           "timestamp": t, "hostname": f"host-{i % 1000:04d}.example", "region": "eu-west-1",
                           "tags": {"env": "prod", "team": "platform"},
                           "data": {"value": round(random.random() * 100, 3), "seq": i, "note": "x" * 100}},
                          separators=(",", ":")) + "\n"
        out.write(line)
        written += len(line)
        i += 1
print(f"generated {i} events, {written} bytes", file=sys.stderr)
PY
if [ "$GZIP" = 1 ]; then gzip -1 "$file"; file="$file.gz"; fi

export DOTNET_ENVIRONMENT=Production
export Cortex__Mode=Embedded
export Cortex__Embedded__DatabasePath="$work/cortex.db"
export Cortex__Embedded__DeadLetterPath="$work/dead-letters.jsonl"
export Cortex__Auth__SigningKey="cortex-import-benchmark-signing-key-0123456789"
export Cortex__Import__MaxFileBytes=$((2 * 1024 * 1024 * 1024))
export Cortex__Ingestion__MaxEventAge=7.00:00:00

/usr/bin/time -v dotnet "$app" import "$file" --report "$work/report.json" >"$work/out.log" 2>"$work/time.txt" </dev/null || true
python3 - "$work/report.json" "$work/time.txt" <<'PY'
import json, sys, re
report = json.load(open(sys.argv[1]))
timing = open(sys.argv[2]).read()
elapsed = re.search(r"Elapsed \(wall clock\) time.*: (.+)", timing).group(1)
parts = [float(p) for p in elapsed.split(":")]
seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) == 3 else 0)
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", timing).group(1)) + float(re.search(r"System time \(seconds\): ([\d.]+)", timing).group(1))
rss_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing).group(1)) / 1024
f = report["file"]
print(f"file: {f['bytes']:,} bytes ({f['compression']}), {f['uncompressed_bytes']:,} uncompressed, {report['lines_read']:,} lines")
print(f"status {report['status']}: accepted {report['accepted']:,}, rejected {report['rejected']:,}, failed {report['failed']:,}")
print(f"elapsed {seconds:.1f} s (both reads), {report['accepted'] / seconds:,.0f} events/s, peak RSS {rss_mb:.0f} MB")
print(f"CPU {cpu:.1f} s (user + system), {report['accepted'] / cpu:,.0f} events per CPU-second; load average {open('/proc/loadavg').read().split()[0]}")
PY
