#!/usr/bin/env bash
# What access control costs: one build serving Chinook twice side by side, without a model
# file (everything public) and with tests/access/chinook.toml (an HMAC secret instead of its
# JWKS), in interleaved rounds with wrk on 127.0.0.1.
#
#   benches/access.sh BINARY [ROUNDS] [SECONDS]     (defaults 5 and 5)
#
# Pairs (query on the public server | the same rows asked as customer 5, with a token):
#   nested  benches/queries/chinook_nested.graphql | the same (types without rules)
#   ruled   customer 5's invoices -> lines -> track, asked with a filter | as the customer,
#           whose rules filter Invoice, InvoiceLine (a semi-join) and Customer
# Prints one line per run (round, pair, server, req/s, p50 ms, p99 ms, failures, requests),
# then each pair's median req/s and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1; ROUNDS=${2:-5}; DUR=${3:-5}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
WORK="$(mktemp -d)"; PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
DB="$WORK/chinook.sqlite3"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open('tests/realdb/chinook.sql').read()); c.commit()" "$DB"
export RELAYLITE_JWT_SECRET=benches-access-secret-0123456789abcdef
sed 's/^jwks_file.*/jwt_secret_env = "RELAYLITE_JWT_SECRET"/; /^audience/d; /^issuer/d; s/"app.role"/"role"/' \
  tests/access/chinook.toml > "$WORK/model.toml"
TOKEN="Bearer $(scripts/token.py role=customer customer_id=5 ttl=86400)"
body() { python3 -c "import json,sys; print(json.dumps({'query': sys.argv[1]}))" "$1"; }
body "$(cat benches/queries/chinook_nested.graphql)" > "$WORK/nested.json"
LINES='nodes { invoiceId total invoiceLines { nodes { unitPrice quantity track { name } } } }'
body "{ allInvoices(filter: { customerId: { eq: 5 } }) { $LINES } }" > "$WORK/ruled-public.json"
body "{ allInvoices { $LINES } }" > "$WORK/ruled-role.json"
cp "$WORK/nested.json" "$WORK/nested-public.json"; cp "$WORK/nested.json" "$WORK/nested-role.json"
port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
P_P=$(port); "$BIN" serve --db "$DB" --listen "127.0.0.1:$P_P" >/dev/null 2>&1 & PIDS+=($!)
P_R=$(port); "$BIN" serve --db "$DB" --model "$WORK/model.toml" --listen "127.0.0.1:$P_R" >/dev/null 2>&1 & PIDS+=($!)
for p in $P_P $P_R; do
  until (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null; do sleep 0.1; done
done
# The two servers answer each pair with the same rows (checked once, not timed).
for q in nested ruled; do
  a=$(curl -s "http://127.0.0.1:$P_P/graphql" -H 'Content-Type: application/json' -d @"$WORK/$q-public.json" | sha1sum)
  b=$(curl -s "http://127.0.0.1:$P_R/graphql" -H 'Content-Type: application/json' -H "Authorization: $TOKEN" -d @"$WORK/$q-role.json" | sha1sum)
  [ "$a" = "$b" ] || { echo "$q: the servers answer differently"; exit 1; }
done
OUT="$WORK/runs"
for r in $(seq "$ROUNDS"); do
  for q in nested ruled; do
    res=$(BODY="$WORK/$q-public.json" wrk -t2 -c16 -d"${DUR}s" -s benches/post.lua "http://127.0.0.1:$P_P/graphql" 2>&1 | grep RESULT || true)
    echo "$r $q public ${res#RESULT }" | tee -a "$OUT"
    res=$(AUTH="$TOKEN" BODY="$WORK/$q-role.json" wrk -t2 -c16 -d"${DUR}s" -s benches/post.lua "http://127.0.0.1:$P_R/graphql" 2>&1 | grep RESULT || true)
    echo "$r $q customer ${res#RESULT }" | tee -a "$OUT"
  done
done
python3 - "$OUT" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r, q, who, rps, *_ = line.split()
    runs.setdefault((q, who), []).append(float(rps))
for q in ("nested", "ruled"):
    pub, role = statistics.median(runs[(q, "public")]), statistics.median(runs[(q, "customer")])
    print(f"{q}: public {pub:.0f} req/s, customer {role:.0f} req/s, cost {pub / role:.3f}x")
PY
