#!/usr/bin/env bash
# Start-up and introspection against the size of the catalogue: generated SQLite files of
# N tables (t{i}: id, name, amount, placed, parent_id → t{i-1}), for one build or two.
#
#   benches/catalogue.sh BINARY [BINARY2]
#   SIZES="100 1000" benches/catalogue.sh …            (default "100 1000 3000 10000")
#
# Per build and size: start-up to the first answer of { __typename } (median of 3),
# `relaylite schema`'s time, GraphiQL's introspection (the conformance corpus's query, 21
# in a row: median ms, answer bytes) and the server's RSS after them.
set -euo pipefail
cd "$(dirname "$0")/.."
BINS=("$@")
SIZES=${SIZES:-"100 1000 3000 10000"}
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
python3 -c "import json; d=json.load(open('tests/conformance/cases/introspection_full.json')); print(json.dumps({'query': d['query'], 'operationName': d['operationName']}))" > "$WORK/intro.json"
port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
for n in $SIZES; do
  db="$WORK/cat$n.sqlite3"
  python3 - "$db" "$n" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2])
c.executescript("\n".join(
    f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT, amount REAL, placed TEXT"
    + (f", parent_id INTEGER REFERENCES t{i-1}(id)" if i else "") + ");" for i in range(n)))
c.commit()
PY
  for bin in "${BINS[@]}"; do
    starts=()
    for _ in 1 2 3; do
      p=$(port); s=$(date +%s%N)
      "$bin" serve --db "$db" --listen "127.0.0.1:$p" >/dev/null 2>&1 & pid=$!
      until curl -s -o /dev/null -X POST -H 'content-type: application/json' -d '{"query":"{ __typename }"}' "http://127.0.0.1:$p/graphql"; do sleep 0.005; done
      starts+=("$(ms "$s")")
      kill $pid; wait $pid 2>/dev/null || true
    done
    start=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)
    s=$(date +%s%N); "$bin" schema --db "$db" > /dev/null; schema=$(ms "$s")
    p=$(port); "$bin" serve --db "$db" --listen "127.0.0.1:$p" >/dev/null 2>&1 & pid=$!
    until curl -s -o /dev/null "http://127.0.0.1:$p/health"; do sleep 0.01; done
    times=()
    for _ in $(seq 21); do
      times+=("$(curl -s -o "$WORK/intro.out" -w '%{time_total}' -X POST -H 'content-type: application/json' --data-binary @"$WORK/intro.json" "http://127.0.0.1:$p/graphql")")
    done
    rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
    kill $pid; wait $pid 2>/dev/null || true
    intro=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 11p)
    echo "$n tables, $bin: start-up ${start} ms, schema ${schema} ms, introspection $(awk -v t="$intro" 'BEGIN {printf "%.1f", t*1000}') ms ($(stat -c %s "$WORK/intro.out") bytes), RSS ${rss} MB"
  done
done
