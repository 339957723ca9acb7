#!/usr/bin/env bash
# Measures process start -> ready for the Lambda package against benchmarks/Cortex.Bare, in one
# run on one machine. Cortex is the ReadyToRun publish that terraform/package.sh zips, started the
# way terraform/lambda/run.sh starts it (`dotnet Cortex.Api.dll`, with the runtimeconfig the
# package ships) and configured as terraform/lambda.tf configures it (Production, Cortex:Lambda
# on: EMF metrics, the pass-through and SnapStart paths) except for the mode: Embedded, because
# Aws mode needs the AWS services at readiness. Its database file already exists (a restart).
# The bare app is the Release build compare-with-bare.sh runs, started the same way.
#
# Each run starts one process and polls it every millisecond from the moment before it was
# spawned until the first successful readiness answer: GET /health/ready -> 200 for Cortex,
# POST /events -> 202 for the bare app (its one endpoint), then stops it. The apps
# alternate (A B B A ...) so that a noisy neighbour hits both; one unmeasured start of each comes
# first (disk cache). Prints every run's milliseconds, each app's median, and the ratio of the
# medians; the same for the CPU time the process had used when it was ready (user + system, all
# threads, 10 ms ticks), which waiting for a core on a busy machine does not inflate.
#
#   benchmarks/startup.sh        knobs: RUNS per app (20), PORT (5393),
#                                SKIP_BUILD=1 (reuse terraform/build and the bare Release build),
#                                BASELINE=<publish directory of another Cortex build>: started in
#                                the same alternation, to compare two builds in one run
# Any Cortex__* or DOTNET_* variable reaches Cortex (for example DOTNET_TieredPGO=0).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-20}"
PORT="${PORT:-5393}"
WORK="$(mktemp -d /tmp/cortex-startup.XXXXXX)"

case "$(uname -m)" in
  aarch64 | arm64) architecture=arm64 rid=linux-arm64 ;;
  *) architecture=x86_64 rid=linux-x64 ;;
esac

if [ "${SKIP_BUILD:-0}" != "1" ]; then
  terraform/package.sh "$architecture" >"$WORK/package.log"
  dotnet build benchmarks/Cortex.Bare -c Release --nologo -v quiet >"$WORK/bare-build.log"
fi
API_DIR="$PWD/terraform/build/publish-$rid"
BARE_DIR="$PWD/benchmarks/Cortex.Bare/bin/Release/net10.0"

export ASPNETCORE_ENVIRONMENT=Production
export Cortex__Mode=Embedded
export Cortex__Lambda__Enabled=true
export Cortex__Auth__SigningKey="cortex-benchmark-signing-key-0123456789abcdef"
export Cortex__Embedded__DatabasePath="$WORK/cortex.db"

apps=(cortex "$API_DIR" Cortex.Api.dll GET /health/ready 200 bare "$BARE_DIR" Cortex.Bare.dll POST /events 202)
if [ -n "${BASELINE:-}" ]; then
  apps+=(baseline "$(cd "$BASELINE" && pwd)" Cortex.Api.dll GET /health/ready 200)
fi

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $RUNS starts per app"
python3 - "$RUNS" "$WORK" "$PORT" "${apps[@]}" <<'PYTHON'
import http.client, os, signal, statistics, subprocess, sys, time

runs, work, port = int(sys.argv[1]), sys.argv[2], sys.argv[3]
apps = [sys.argv[i:i + 6] for i in range(4, len(sys.argv), 6)]

def ready(method, path, status):
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
    try:
        connection.request(method, path, body=b"{}" if method == "POST" else None,
                           headers={"Content-Type": "application/json"})
        return connection.getresponse().status == int(status)
    except OSError:
        return False
    finally:
        connection.close()

# -> (milliseconds from spawn to the first successful answer, CPU milliseconds used by then)
def start(name, directory, dll, method, path, status):
    log = open(os.path.join(work, name + ".log"), "ab")
    begin = time.perf_counter_ns()
    process = subprocess.Popen(
        ["dotnet", os.path.join(directory, dll), "--contentRoot", directory,
         "--urls", "http://127.0.0.1:" + port],
        cwd=directory, stdout=log, stderr=subprocess.STDOUT)
    try:
        while not ready(method, path, status):
            if process.poll() is not None:
                sys.exit(f"{name} exited with {process.returncode} before it was ready; see {work}")
            if time.perf_counter_ns() - begin > 60e9:
                sys.exit(f"{name} was not ready within 60 s; see {work}")
            time.sleep(0.001)
        elapsed = (time.perf_counter_ns() - begin) / 1e6
        with open(f"/proc/{process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return elapsed, (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

for app in apps:
    start(*app)

times = {app[0]: [] for app in apps}
for run in range(runs):
    for app in (apps if run % 2 == 0 else apps[::-1]):
        times[app[0]].append(start(*app))

for name, values in times.items():
    print(f"{name:8} ms  " + " ".join(f"{wall:.0f}" for wall, _ in values))
    print(f"{name:8} cpu " + " ".join(f"{cpu:.0f}" for _, cpu in values))
for index, measure in ((0, "start -> ready"), (1, "CPU time at ready")):
    medians = {name: statistics.median(v[index] for v in values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{measure:17} {name:8} median {medians[name]:7.1f} ms   "
              f"min {min(v[index] for v in values):7.1f} ms   max {max(v[index] for v in values):7.1f} ms")
    for name in medians:
        if name != "bare":
            print(f"{measure:17} ratio {name} / bare (medians) {medians[name] / medians['bare']:.2f}")
PYTHON
echo "work dir: $WORK (server logs)"
