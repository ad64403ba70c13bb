#!/usr/bin/env bash
# Two builds side by side on the bench database: each query in turn on each server, in
# interleaved rounds, with wrk on 127.0.0.1 (the machine's noise hits both alike).
#
#   benches/ab.sh BEFORE_BINARY AFTER_BINARY [ROUNDS] [SECONDS]     (defaults 3 and 5)
#   QUERIES="q1 q3 node" benches/ab.sh …
#
# Prints one line per run: round, query, build, req/s, p50 ms, p99 ms, failures, requests.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1; AFTER=$2; ROUNDS=${3:-3}; DUR=${4:-5}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
WORK="$(mktemp -d)"; PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
DB="$WORK/bench.sqlite3"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open('benches/bench.sql').read()); c.commit()" "$DB"
for q in q1 q2 q3; do
  python3 -c "import json,sys; print(json.dumps({'query': open(sys.argv[1]).read()}))" "benches/queries/$q.graphql" > "$WORK/$q.json"
done
echo '{"query":"{ node(id: \"RW1wbG95ZWU6MTIzNDU=\") { ... on Employee { name department { name } } } }"}' > "$WORK/node.json"
port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
P_B=$(port); "$BEFORE" serve --db "$DB" --listen "127.0.0.1:$P_B" >/dev/null 2>&1 & PIDS+=($!)
P_A=$(port); "$AFTER" serve --db "$DB" --listen "127.0.0.1:$P_A" >/dev/null 2>&1 & PIDS+=($!)
for p in $P_B $P_A; do
  until (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null; do sleep 0.1; done
done
for r in $(seq "$ROUNDS"); do
  for q in ${QUERIES:-q1 q3 node}; do
    for s in "before:$P_B" "after:$P_A"; do
      res=$(BODY="$WORK/$q.json" wrk -t2 -c16 -d"${DUR}s" -s benches/post.lua "http://127.0.0.1:${s##*:}/graphql" 2>&1 | grep RESULT || true)
      echo "$r $q ${s%%:*} ${res#RESULT }"
    done
  done
done
