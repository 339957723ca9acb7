#!/usr/bin/env bash
# Measures Cortex against its performance targets (docs/performance.md): builds Release, starts
# Cortex as a plain process (Production, Embedded mode, a benchmark signing key), runs the load
# tool's `targets` scenario against it with the server's RSS and CPU read from /proc, stops the app.
# Environment knobs: PORT (5391), DURATION seconds per step (20), OUT (JSON report path); any
# Cortex__* variable set by the caller (e.g. Cortex__Embedded__Synchronous=NORMAL) reaches the app.
# Extra arguments go to the load tool.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT="${PORT:-5391}"
DURATION="${DURATION:-20}"
KEY="cortex-benchmark-signing-key-0123456789abcdef"
WORK="$(mktemp -d /tmp/cortex-perf.XXXXXX)"
OUT="${OUT:-$WORK/targets.json}"
APP_DIR="$PWD/src/Cortex.Api/bin/Release/net10.0"

dotnet build src/Cortex.LoadTest -c Release --nologo -v quiet

# --contentRoot: appsettings.json (log levels, production defaults) is read from the build output.
ASPNETCORE_ENVIRONMENT=Production \
Cortex__Auth__SigningKey="$KEY" \
Cortex__Embedded__DatabasePath="$WORK/cortex.db" \
timeout 1800 "$APP_DIR/Cortex.Api" --contentRoot "$APP_DIR" --urls "http://127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
TIMEOUT_PID=$!
trap 'kill "$TIMEOUT_PID" 2>/dev/null || true; wait "$TIMEOUT_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
APP_PID="$(pgrep -P "$TIMEOUT_PID" || true)"
if [ -z "$APP_PID" ] || ! curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null; then
  echo "Cortex did not start; see $WORK/server.log" >&2
  tail -20 "$WORK/server.log" >&2
  exit 1
fi
echo "Cortex pid $APP_PID on port $PORT; work dir $WORK"
uptime

Cortex__Auth__SigningKey="$KEY" src/Cortex.LoadTest/bin/Release/net10.0/Cortex.LoadTest \
  --scenario targets --url "http://127.0.0.1:$PORT" --duration "$DURATION" --pid "$APP_PID" --output "$OUT" "$@"

grep -E '^(VmHWM|VmRSS)' "/proc/$APP_PID/status"
uptime
echo "report: $OUT; server log: $WORK/server.log ($(wc -l <"$WORK/server.log") lines)"
