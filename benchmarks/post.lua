-- wrk script shared by every run of compare-with-bare.sh: the same POST against either app.
-- BODY_FILE: the JSON body; TOKEN: a bearer token (the bare app ignores it).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = file:read("*a")
file:close()

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  -- One machine-readable line: requests, requests/s, p50 ms, p99 ms, responses >= 400, socket errors.
  io.write(string.format("RESULT %d %.1f %.3f %.3f %d %d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
