#!/usr/bin/env bash
# Soak: 64 connections for SECONDS (default 30) of mixed queries against relaylite on the
# bench database, on 127.0.0.1 only. Every response is checked (a non-200, or a 200 whose
# body carries "errors", is a failure) and relaylite's resident memory is sampled every
# second. Fails if any response failed or RSS grew by 20 MB or more.
#   benches/soak.sh [SECONDS]      (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-30}"
WORK="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release --quiet
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open('benches/bench.sql').read()); c.commit()" "$WORK/bench.sqlite3"
PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
target/release/relaylite serve --db "$WORK/bench.sqlite3" --listen "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

python3 - "$WORK/bodies.lua" <<'PY'
import json, sys
queries = [open(f"benches/queries/{q}.graphql").read() for q in ("q1", "q2", "q3")] + [
    '{ node(id: "RW1wbG95ZWU6MQ==") { id ... on Employee { name hiredOn } } }',
    '{ allRoles(first: 5, sort: NAME_DESC) { edges { cursor node { name roles(last: 2) { edges { node { name } } } } } pageInfo { hasNextPage endCursor } } }',
    '{ allEmployees(first: 20, filter: {name: {like: "Employee 1%"}, department: {name: {eq: "Department 03"}}}) { edges { node { name department { name } } } } }',
    '{ allDepartments(filter: {employees: {contains: [{name: {eq: "Employee 0042"}}]}}) { edges { node { name } } } }',
    'query Q($n: Int, $after: String) { allEmployees(first: $n, after: $after, sort: [HIRED_ON_DESC, ID_ASC]) { edges { cursor node { hiredOn } } } }',
    '{ __schema { types { name kind } } }',
]
bodies = [json.dumps({"query": q, "variables": {"n": 7, "after": "YXJyYXljb25uZWN0aW9uOjQ="} if "$n" in q else None}) for q in queries]
with open(sys.argv[1], "w") as f:
    f.write("bodies = {" + ",".join(json.dumps(b) for b in bodies) + "}\n")
PY
cat >> "$WORK/bodies.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; n = 0; wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json" end
function request() n = n + 1; return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1]) end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("bad") end
  io.write(string.format("SOAK %d %d %.1f %.2f %.2f\n", summary.requests, failed,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA

rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
START_RSS=$(rss)
( while kill -0 "$PID" 2>/dev/null; do rss >> "$WORK/rss"; sleep 1; done ) &
SAMPLER=$!
OUT=$(wrk -t2 -c64 -d"${DUR}s" --timeout 10s -s "$WORK/bodies.lua" "http://127.0.0.1:$PORT/graphql" | grep SOAK)
kill "$SAMPLER" 2>/dev/null || true
END_RSS=$(rss)
MAX_RSS=$(sort -n "$WORK/rss" | tail -1)
read -r _ REQUESTS FAILED RPS P50 P99 <<< "$OUT"
GROWTH=$(( (END_RSS - START_RSS) / 1024 ))
echo "soak: $REQUESTS requests in ${DUR}s over 64 connections ($RPS req/s, p50 ${P50} ms, p99 ${P99} ms)"
echo "soak: $FAILED failed responses"
echo "soak: RSS $((START_RSS / 1024)) MB at start, $((END_RSS / 1024)) MB at end, $((MAX_RSS / 1024)) MB peak; growth ${GROWTH} MB"
[ "$FAILED" -eq 0 ] && [ "$GROWTH" -lt 20 ]
