#!/usr/bin/env bash
# Prices what Cortex adds over a bare ASP.NET Core app: builds Release, starts Cortex (Production,
# Embedded mode, a benchmark signing key, rate limit out of the way) and benchmarks/Cortex.Bare
# side by side, drives both with the same external tool (wrk, installed from Debian if missing)
# and the same bodies, connections and duration, then prints each run and the Cortex/bare ratios,
# p99, server CPU per event (utime + stime from /proc/<pid>/stat over the run, divided by events)
# and each server's peak RSS (VmHWM).
# Runs: single (POST /events, one event) and batch (POST /events/batch, 100 events), each after a
# warm-up of WARMUP seconds on both apps (tiered JIT).
# Knobs: DURATION seconds per run (20), WARMUP (10), CONNECTIONS for single (64),
# BATCH_CONNECTIONS (16), THREADS (2), CORTEX_PORT (5391), BARE_PORT (5392). Any Cortex__*
# variable reaches Cortex.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
BATCH_CONNECTIONS="${BATCH_CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
CORTEX_PORT="${CORTEX_PORT:-5391}"
BARE_PORT="${BARE_PORT:-5392}"
KEY="cortex-benchmark-signing-key-0123456789abcdef"
WORK="$(mktemp -d /tmp/cortex-bench.XXXXXX)"

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is missing: installing it (apt-get install wrk)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq wrk >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
fi

dotnet build src/Cortex.Api -c Release --nologo -v quiet
dotnet build benchmarks/Cortex.Bare -c Release --nologo -v quiet
API_DIR="$PWD/src/Cortex.Api/bin/Release/net10.0"
BARE_DIR="$PWD/benchmarks/Cortex.Bare/bin/Release/net10.0"

export ASPNETCORE_ENVIRONMENT=Production
export Cortex__Auth__SigningKey="$KEY"
# One token drives every connection: the per-subject rate limit would measure itself.
export Cortex__Auth__RateLimitPerSecond=1000000 Cortex__Auth__RateLimitBurst=1000000
export Cortex__Embedded__DatabasePath="$WORK/cortex.db"

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
"$API_DIR/Cortex.Api" --contentRoot "$API_DIR" --urls "http://127.0.0.1:$CORTEX_PORT" >"$WORK/cortex.log" 2>&1 &
CORTEX_PID=$!
PIDS+=($CORTEX_PID)
"$BARE_DIR/Cortex.Bare" --contentRoot "$BARE_DIR" --urls "http://127.0.0.1:$BARE_PORT" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
PIDS+=($BARE_PID)

wait_for() {
  for _ in $(seq 1 120); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "$2 did not start; see $WORK" >&2
  exit 1
}
wait_for "http://127.0.0.1:$CORTEX_PORT/health" "Cortex"
wait_for "http://127.0.0.1:$BARE_PORT/" "Cortex.Bare"

# `token` must be the first argument; the content root is then the working directory.
TOKEN="$(cd "$API_DIR" && Cortex__Embedded__DatabasePath="$WORK/token.db" ./Cortex.Api token --scope events:write --lifetime 02:00:00 | tail -n 1)"
export TOKEN

EVENT='{"source":"bench-web-01","event_type":"cpu_usage","severity":"info","data":{"cpu_percent":87.5,"load_avg_1m":2.3},"tags":{"env":"bench"}}'
printf '%s' "$EVENT" >"$WORK/single.json"
{ printf '['; for i in $(seq 1 100); do [ "$i" -gt 1 ] && printf ','; printf '%s' "$EVENT"; done; printf ']'; } >"$WORK/batch.json"

# Server CPU time so far (user + system), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run NAME URL BODY CONNECTIONS PID -> prints "NAME requests req/s p50 p99 errors socket_errors cpu_ticks"
run() {
  local line before after
  before="$(cpu_ticks "$5")"
  line="$(BODY_FILE="$3" wrk -t "$THREADS" -c "$4" -d "${DURATION}s" --latency -s benchmarks/post.lua "$2" | grep '^RESULT')"
  after="$(cpu_ticks "$5")"
  echo "$1 ${line#RESULT } $((after - before))"
}

warm() { BODY_FILE="$3" wrk -t "$THREADS" -c "$4" -d "${WARMUP}s" -s benchmarks/post.lua "$2" >/dev/null; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $DURATION s per run"
RESULTS="$WORK/results.txt"
warm cortex "http://127.0.0.1:$CORTEX_PORT/events" "$WORK/single.json" "$CONNECTIONS"
warm cortex "http://127.0.0.1:$CORTEX_PORT/events/batch" "$WORK/batch.json" "$BATCH_CONNECTIONS"
warm bare "http://127.0.0.1:$BARE_PORT/events" "$WORK/single.json" "$CONNECTIONS"
{
  run cortex-single "http://127.0.0.1:$CORTEX_PORT/events" "$WORK/single.json" "$CONNECTIONS" "$CORTEX_PID"
  run bare-single "http://127.0.0.1:$BARE_PORT/events" "$WORK/single.json" "$CONNECTIONS" "$BARE_PID"
  run cortex-batch "http://127.0.0.1:$CORTEX_PORT/events/batch" "$WORK/batch.json" "$BATCH_CONNECTIONS" "$CORTEX_PID"
  run bare-batch "http://127.0.0.1:$BARE_PORT/events/batch" "$WORK/batch.json" "$BATCH_CONNECTIONS" "$BARE_PID"
} >"$RESULTS"

awk -v batch=100 -v hz="$(getconf CLK_TCK)" \
    -v cortex_rss="$(awk '/VmHWM/ { print $2 }' "/proc/$CORTEX_PID/status")" \
    -v bare_rss="$(awk '/VmHWM/ { print $2 }' "/proc/$BARE_PID/status")" '
  { events = ($1 ~ /batch/ ? $2 * batch : $2)
    eps[$1] = ($1 ~ /batch/ ? $3 * batch : $3); rps[$1] = $3; p99[$1] = $5; errors[$1] = $6 + $7
    cpu[$1] = events > 0 ? $8 / hz * 1e6 / events : 0
    printf "%-14s %10d requests %10.1f req/s %10.1f events/s  p50 %7.2f ms  p99 %7.2f ms  CPU %6.2f us/event  errors %d\n",
      $1, $2, $3, eps[$1], $4, $5, cpu[$1], $6 + $7 }
  END {
    printf "single: Cortex / bare requests/s %.4f   p99 Cortex %.2f ms, bare %.2f ms   CPU Cortex %.2f us/event, bare %.2f us/request\n", rps["cortex-single"] / rps["bare-single"], p99["cortex-single"], p99["bare-single"], cpu["cortex-single"], cpu["bare-single"]
    printf "batch:  Cortex %.0f events/s, Cortex / bare requests/s %.4f   p99 Cortex %.2f ms, bare %.2f ms   CPU Cortex %.2f us/event\n", eps["cortex-batch"], rps["cortex-batch"] / rps["bare-batch"], p99["cortex-batch"], p99["bare-batch"], cpu["cortex-batch"]
    printf "peak RSS (VmHWM, whole run): Cortex %.0f MB, bare %.0f MB\n", cortex_rss / 1024, bare_rss / 1024
    for (n in errors) if (errors[n] > 0) { printf "warning: %s had %d error responses or socket errors\n", n, errors[n] }
  }' "$RESULTS"
echo "work dir: $WORK (server logs, bodies, raw results)"
