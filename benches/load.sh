#!/usr/bin/env bash
# HTTP load comparison on 127.0.0.1 only, bounded in time: relaylite, the same schema in
# async-graphql behind hyper, a hyper "hello" server, and (when tests/differential/setup.sh
# has installed it) the Python original under gunicorn with 2 sync workers.
#
#   benches/load.sh [SECONDS_PER_RUN]      (default 8; needs wrk: apt-get install wrk)
#   BASELINE=path/to/older/relaylite benches/load.sh 8   (adds that build, side by side)
#
# Then the stress run: two clients keep sending a slow query (40 aliases of a 6-level
# relationship filter, seconds of SQL each) while a third sends `{ __typename }` one at a
# time and times each: a server whose slow queries block its workers shows it in the cheap
# query's latency (p50, p99, max; requests that wait are counted, not dropped).
#
# Each measurement is two wrk runs on the same connections count: a checking run, in which
# wrk's Lua hook checks every response (a non-200 status or a body carrying "errors" counts
# as a failure), then the measured run without the hook (the hook's per-response Lua work
# would otherwise take wrk's share of the 2 cores). Prints req/s and p50/p99 latency per
# server and query, the ratios against the original and against hello, failures, and
# relaylite's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-8}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release --quiet
cargo build --release --quiet -p relaylite-compare --bins
DB="$WORK/bench.sqlite3"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open('benches/bench.sql').read()); c.commit()" "$DB"

port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }

P_RL=$(port); target/release/relaylite serve --db "$DB" --listen "127.0.0.1:$P_RL" > "$WORK/rl.log" 2>&1 & RL_PID=$!; PIDS+=($RL_PID)
P_BL=""
if [ -n "${BASELINE:-}" ]; then
  P_BL=$(port); "$BASELINE" serve --db "$DB" --listen "127.0.0.1:$P_BL" > "$WORK/bl.log" 2>&1 & PIDS+=($!)
  wait_port "$P_BL"
fi
P_AG=$(port); target/release/agql_server "$DB" "127.0.0.1:$P_AG" > "$WORK/ag.log" 2>&1 & PIDS+=($!)
P_HI=$(port); target/release/hello "127.0.0.1:$P_HI" > "$WORK/hi.log" 2>&1 & PIDS+=($!)
wait_port "$P_RL"; wait_port "$P_AG"; wait_port "$P_HI"
P_OR=""
if [ -x tests/differential/.venv/bin/gunicorn ]; then
  P_OR=$(port)
  RELAYLITE_ORIGINAL_DB="$DB" tests/differential/.venv/bin/gunicorn --chdir tests/differential -w 2 \
    -b "127.0.0.1:$P_OR" --log-level error original_app:app > "$WORK/or.log" 2>&1 & PIDS+=($!)
  wait_port "$P_OR"
fi

COMMON='
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  bad = 0
  local body = os.getenv("BODY")
  if body ~= nil and body ~= "" then
    local f = io.open(body, "r"); wrk.body = f:read("*a"); f:close()
    wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"
  end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get("bad") or 0) end
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, n, summary.requests))
end'
printf '%s\n' "$COMMON" > "$WORK/measure.lua"
printf '%s\n%s\n' "$COMMON" 'function response(status, headers, body)
  if status ~= 200 or string.find(body, "\"errors\"", 1, true) then bad = bad + 1 end
end' > "$WORK/check.lua"

for q in q1 q2 q3; do
  python3 -c "import json,sys; print(json.dumps({'query': open(sys.argv[1]).read()}))" "benches/queries/$q.graphql" > "$WORK/$q.json"
done
echo '{"query": "{ node(id: \"RW1wbG95ZWU6MQ==\") { id } }"}' > "$WORK/node.json"

wrk_run() { # script body url connections seconds
  BODY="$2" wrk -t2 -c"$4" -d"$5s" -s "$WORK/$1" "$3" 2>&1 | grep RESULT || true
}
measure() { # label query url connections: a checking run, then the measured one
  local checked measured
  checked=$(wrk_run check.lua "$3" "$4" "$5" 2)
  measured=$(wrk_run measure.lua "$3" "$4" "$5" "$DUR")
  set -- $1 $2 ${measured#RESULT }
  local bad
  bad=$(echo "$checked" | awk '{print $5}')
  echo "$1 $2 $3 $4 $5 ${bad:-1} $7"
}
run() { # name port query connections
  measure "$1" "$3" "$WORK/$3.json" "http://127.0.0.1:$2/graphql" "$4"
}
hello() {
  measure hello - "" "http://127.0.0.1:$P_HI/" 64
}

RESULTS="$WORK/results"
: > "$RESULTS"
for q in q1 q2 q3; do
  run relaylite "$P_RL" "$q" 16 | tee -a "$RESULTS"
  [ -n "$P_BL" ] && run baseline "$P_BL" "$q" 16 | tee -a "$RESULTS"
  run async-graphql "$P_AG" "$q" 16 | tee -a "$RESULTS"
  [ -n "$P_OR" ] && run original "$P_OR" "$q" 16 | tee -a "$RESULTS"
done
run relaylite "$P_RL" node 64 | tee -a "$RESULTS"
[ -n "$P_BL" ] && run baseline "$P_BL" node 64 | tee -a "$RESULTS"
hello | tee -a "$RESULTS"
echo "relaylite peak RSS: $(grep VmHWM /proc/$RL_PID/status | awk '{print $2/1024 " MB"}')"

# The stress run: the cheap query's latency while slow queries run. wrk leaves requests that
# time out out of its percentiles, so a client of our own times every request, however long.
stress() { # name port
  python3 - "$1" "$2" "$DUR" <<'PY'
import json, statistics, sys, threading, time, urllib.request
name, port, dur = sys.argv[1], sys.argv[2], float(sys.argv[3])
url = f"http://127.0.0.1:{port}/graphql"
inner = '{name: {like: "%zz%"}}'
for _ in range(6):
    inner = '{department: {employees: {contains: [%s]}}}' % inner
slow = {"query": "{ %s }" % " ".join(
    f"a{i}: allEmployees(filter: {inner}) {{ edges {{ cursor }} }}" for i in range(40))}
def post(body):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.read()
stop = time.time() + dur + 1
def slow_loop():
    while time.time() < stop:
        post(slow)
for _ in range(2):
    threading.Thread(target=slow_loop, daemon=True).start()
time.sleep(1)
lat, bad, end = [], 0, time.time() + dur
while time.time() < end:
    t = time.time()
    status, body = post({"query": "{ __typename }"})
    lat.append((time.time() - t) * 1000)
    bad += status != 200 or b'"errors"' in body
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"{name}-stressed cheap {len(lat) / dur:.1f} {p(0.5):.3f} {p(0.99):.3f} {bad} {len(lat)} max {lat[-1]:.1f}")
PY
}
stress relaylite "$P_RL" | tee -a "$RESULTS"
[ -n "$P_BL" ] && stress baseline "$P_BL" | tee -a "$RESULTS"

python3 - "$RESULTS" <<'PY'
import sys
rows = [l.split()[:7] for l in open(sys.argv[1]) if len(l.split()) in (7, 9)]
r = {(a, b): (float(c), float(d), float(e), int(f), int(g)) for a, b, c, d, e, f, g in rows}
print(f"\n{'server':<14}{'query':<7}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}")
for (s, q), (rps, p50, p99, bad, n) in r.items():
    print(f"{s:<14}{q:<7}{rps:>10.1f}{p50:>9.2f}{p99:>9.2f}{bad:>8}")
print()
for q in ("q1", "q2", "q3", "node"):
    ours = r.get(("relaylite", q))
    if ours and ("baseline", q) in r and r[("baseline", q)][0] > 0:
        print(f"{q}: relaylite / baseline = {ours[0] / r[('baseline', q)][0]:.2f}x")
for q in ("q1", "q2", "q3"):
    ours = r.get(("relaylite", q))
    for other in ("original", "async-graphql"):
        if ours and (other, q) in r and r[(other, q)][0] > 0:
            print(f"{q}: relaylite / {other} = {ours[0] / r[(other, q)][0]:.1f}x")
if ("relaylite", "node") in r and ("hello", "-") in r:
    print(f"node query at {100 * r[('relaylite', 'node')][0] / r[('hello', '-')][0]:.0f}% of hyper hello's req/s")
bad = sum(v[3] for v in r.values())
print(f"failed responses: {bad}")
sys.exit(1 if bad else 0)
PY
