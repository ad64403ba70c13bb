#!/usr/bin/env bash
# Per-parent pages on PostgreSQL, end to end: Q3 and Chinook's nested query served by
# relaylite from each database as it comes (no index orders a parent's children: relaylite
# numbers each parent's rows with a window) and from a copy with one index on (foreign key,
# page order) (relaylite reads each parent's page with a LIMIT of its own, CROSS JOIN
# LATERAL), side by side, 127.0.0.1 only.
#
#   benches/pg/pages.sh [SECONDS_PER_RUN] [ROUNDS]   (default 8 and 5; needs wrk and
#                                                     PostgreSQL's server binaries)
#
# Checks first that both copies answer alike and that relaylite sends the LATERAL form to
# the indexed copies only (its --log-sql lines), then per round and query loads the plain
# and the indexed server in turn (wrk -t2, 16 connections for Q3, 8 for Chinook, as
# load.sh; a run with a failed request or an answer carrying errors stops the script) and
# prints each run's req/s, then the medians and the median of the per-round ratios. Every
# server and the throw-away cluster are stopped and removed at exit.
#
#   BASELINE=path/to/relaylite benches/pg/pages.sh 8 5
#
# also loads that build on the plain databases in each round (e.g. one from before the
# window, which sent the one scan: git worktree add /tmp/scan 984cb93^, then cargo build
# --release there) and prints it against the window.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR="${1:-8}"
ROUNDS="${2:-5}"
source benches/pg/setup.sh # the cluster, $WORK, $RL, cleanup at exit
load() { # database sql-file [index statement]
  psql -X -q -v ON_ERROR_STOP=1 -d "$URL" -c "CREATE DATABASE $1"
  psql -X -q -v ON_ERROR_STOP=1 -d "$BASE/$1" -f "$2" >/dev/null
  [ -z "${3:-}" ] || psql -X -q -v ON_ERROR_STOP=1 -d "$BASE/$1" -c "$3"
  psql -X -q -d "$BASE/$1" -c 'ANALYZE' >/dev/null
}
load bench benches/pg/bench.sql
load bench_indexed benches/pg/bench.sql 'CREATE INDEX employee_department_id ON employee (department_id, id)'
load chinook tests/pg/chinook.sql
load chinook_indexed tests/pg/chinook.sql 'CREATE INDEX track_album_id ON "Track" ("AlbumId", "TrackId")'
for q in q3 chinook_nested; do
  python3 -c "import json,sys; print(json.dumps({'query': open(sys.argv[1]).read()}))" "benches/queries/$q.graphql" > "$WORK/$q.json"
done

port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
wait_port() { for _ in $(seq 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
declare -A PORT
for db in bench bench_indexed chinook chinook_indexed; do
  PORT[$db]=$(port)
  "$RL" serve --db "$BASE/$db" --listen "127.0.0.1:${PORT[$db]}" --log-sql > "$WORK/$db.log" 2>&1 & PIDS+=($!)
done
for db in "${!PORT[@]}"; do wait_port "${PORT[$db]}"; done
post() { curl -sS --max-time 120 -H 'Content-Type: application/json' --data-binary "@$WORK/$2.json" "http://127.0.0.1:$1/graphql"; }
for pair in "bench q3" "chinook chinook_nested"; do
  set -- $pair
  a=$(post "${PORT[$1]}" "$2"); b=$(post "${PORT[$1_indexed]}" "$2")
  [ -n "$a" ] && [ "$a" = "$b" ] || { echo "ANSWER CHECK FAILED: $2 differs between $1 and $1_indexed"; exit 1; }
  case "$a" in *'"errors"'*) echo "ANSWER CHECK FAILED: $2 answered errors: ${a:0:500}"; exit 1;; esac
  grep -q 'LATERAL (SELECT' "$WORK/$1.log" && { echo "$1: LATERAL sent without the index"; exit 1; }
  grep -q 'LATERAL (SELECT' "$WORK/$1_indexed.log" || { echo "$1_indexed: LATERAL not sent"; exit 1; }
  echo "answer check $2: $1 == $1_indexed (${#a} bytes); LATERAL on $1_indexed only"
done
# --log-sql costs time under load: fresh servers without it for the timing.
stop_servers
for db in bench bench_indexed chinook chinook_indexed; do
  "$RL" serve --db "$BASE/$db" --listen "127.0.0.1:${PORT[$db]}" > "$WORK/$db.log" 2>&1 & PIDS+=($!)
done
if [ -n "${BASELINE:-}" ]; then
  for db in bench chinook; do
    PORT[${db}_baseline]=$(port)
    "$BASELINE" serve --db "$BASE/$db" --listen "127.0.0.1:${PORT[${db}_baseline]}" > "$WORK/$db-baseline.log" 2>&1 & PIDS+=($!)
  done
fi
for db in "${!PORT[@]}"; do wait_port "${PORT[$db]}"; done
[ -z "${BASELINE:-}" ] || for pair in "bench q3" "chinook chinook_nested"; do
  set -- $pair
  a=$(post "${PORT[$1]}" "$2"); b=$(post "${PORT[$1_baseline]}" "$2")
  [ -n "$a" ] && [ "$a" = "$b" ] || { echo "ANSWER CHECK FAILED: the baseline answers $2 otherwise"; exit 1; }
done

run() { # database query connections: prints req/s
  local out
  out=$(CHECK=1 BODY="$WORK/$2.json" wrk -t2 -c"$3" -d"${DUR}s" --timeout 60s -s benches/post.lua "http://127.0.0.1:${PORT[$1]}/graphql" 2>&1 | grep RESULT || true)
  [ -n "$out" ] || { echo "FAILED: wrk gave no result for $2 on $1" >&2; exit 1; }
  set -- $out
  [ "$5" = 0 ] || { echo "FAILED: $5 requests failed" >&2; exit 1; }
  echo "$2"
}
echo "relaylite $(git describe --always --dirty 2>/dev/null || echo '?'); $(psql -X -Atq -d "$URL" -c 'SELECT version()' | cut -d' ' -f1-2); wrk -t2, ${DUR}s runs, $ROUNDS rounds; $(nproc) cores shared by everything"
: > "$WORK/results"
for r in $(seq "$ROUNDS"); do
  for pair in "bench q3 16" "chinook chinook_nested 8"; do
    set -- $pair
    plain=$(run "$1" "$2" "$3"); indexed=$(run "$1_indexed" "$2" "$3")
    echo "round $r $2: window $plain req/s, LATERAL $indexed req/s" | tee -a "$WORK/results"
    [ -z "${BASELINE:-}" ] || echo "round $r $2: window $plain req/s, baseline $(run "$1_baseline" "$2" "$3") req/s" \
      | tee -a "$WORK/baseline"
  done
done
summary() { # results file
  python3 - "$1" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    w = line.split()
    other = w[6]
    runs.setdefault(w[2].rstrip(":"), []).append((float(w[4]), float(w[7])))
for q, rs in runs.items():
    plain, indexed = [p for p, _ in rs], [i for _, i in rs]
    ratios = sorted(i / p for p, i in rs)
    print(f"{q}: window {statistics.median(plain):.1f} req/s, {other} {statistics.median(indexed):.1f} req/s; "
          f"{other}/window {statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})")
PY
}
summary "$WORK/results"
[ -z "${BASELINE:-}" ] || summary "$WORK/baseline"
