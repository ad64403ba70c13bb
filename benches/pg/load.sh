#!/usr/bin/env bash
# HTTP load on PostgreSQL, 127.0.0.1 only, bounded in time: relaylite on PostgreSQL beside
# relaylite on SQLite (the same rows) and beside the Python original on the same PostgreSQL
# database, then N = 1, 2 relaylite instances sharing one PostgreSQL.
#
#   benches/pg/load.sh [SECONDS_PER_RUN]   (default 8; needs wrk: apt-get install wrk,
#                                           PostgreSQL's server binaries: apt-get install
#                                           postgresql, and for the original
#                                           tests/differential/setup.sh)
#   RESULTS_DIR=dir benches/pg/load.sh 8    (also keeps the raw figures in dir)
#
# What it does, in order:
#   1. a throw-away cluster (tests/pg/cluster.sh, in a mktemp -d) with databases `bench`
#      (benches/pg/bench.sql) and `chinook` (tests/pg/chinook.sql); SQLite files built from
#      benches/bench.sql and tests/realdb/chinook.sql, as benches/load.sh and
#      benches/datasette.sh build them;
#   2. servers: relaylite on each of the four databases, the original (gunicorn, 2 sync
#      workers, as benches/load.sh) on PostgreSQL's `bench`;
#   3. the answer check, before any timing: relaylite-PG's answer to Q1, Q2, Q3 equals the
#      original-PG's and relaylite-SQLite's, and Chinook's nested query answers the same on
#      both databases (JSON compared with key order; the original's whitespace differs).
#      Any difference stops the script with exit 1, naming the first differing place;
#   4. statements per request, one warm-up request then the counted one, on instances of
#      their own: relaylite's `--log-sql` lines (`SQL `) on each database, and what the
#      PostgreSQL server receives (log_statement = all, switched on for this step only) from
#      relaylite and from the original;
#   5. the load: one server under load at a time, each measurement a checking run (a Lua hook
#      counts every non-200 or body carrying "errors", plus wrk's socket errors) then the
#      measured run. Q1-Q3 with 16 connections (as benches/load.sh), Chinook with 8 (as
#      benches/datasette.sh); wrk -t2, --timeout 60s (slow answers are measured as slow);
#   6. scaling out: every server stopped, then 1 and 2 fresh relaylite instances (each its
#      own pool, default size: one connection per query thread, 8 on 2 cores) on the same
#      `bench` database, Q1 and Q2, with 16 connections in all. N = 1 is measured twice: one
#      wrk -t2 -c16, and two wrk -t1 -c8 at the same instance (the control for N = 2's
#      client shape); and once more on an instance started with --pool-size 2. wrk sends to one host:port, so
#      N = 2 is two wrk processes at once (-t1 -c8 each, one per instance) summed, against
#      N = 1 as one wrk -t2 -c16: the same 2 wrk threads and 16 connections in total.
#
# Everything shares this machine's cores: PostgreSQL, the servers and wrk. The cluster runs
# with fsync, synchronous_commit and full_page_writes off (reads only here). Prints req/s and
# p50/p99 per server and query, the ratios relaylite-PG / relaylite-SQLite and relaylite-PG /
# original-PG, statements per request, and the scaling figures. Every server and the cluster
# are stopped and every file removed at exit, failure or interrupt included. Exits 1 on any
# failed response or answer mismatch.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR="${1:-8}"
CHECK_DUR=2
CONNS=16
CH_CONNS=8
ORIG=tests/differential/.venv/bin/gunicorn

# 1. Databases (setup.sh: the cluster, $WORK, $RL, cleanup at exit).
source benches/pg/setup.sh
BENCH="${URL%/postgres}/bench"
CHINOOK="${URL%/postgres}/chinook"
psql -X -q -v ON_ERROR_STOP=1 -d "$URL" -c 'CREATE DATABASE bench' -c 'CREATE DATABASE chinook'
psql -X -q -v ON_ERROR_STOP=1 -d "$BENCH" -f benches/pg/bench.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$CHINOOK" -f tests/pg/chinook.sql >/dev/null
psql -X -q -d "$CHINOOK" -c 'ANALYZE' >/dev/null
SQ_BENCH="$WORK/bench.sqlite3"
SQ_CHINOOK="$WORK/chinook.sqlite3"
for pair in "$SQ_BENCH benches/bench.sql" "$SQ_CHINOOK tests/realdb/chinook.sql"; do
  set -- $pair
  python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()" "$1" "$2"
done
PGVER=$(psql -X -Atq -d "$URL" -c 'SHOW server_version')

for q in q1 q2 q3 chinook_nested; do
  python3 -c "import json,sys; print(json.dumps({'query': open(sys.argv[1]).read()}))" "benches/queries/$q.graphql" > "$WORK/$q.json"
done

port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
wait_port() { for _ in $(seq 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
start_relaylite() { # port log db [flags]
  "$RL" serve --db "$3" --listen "127.0.0.1:$1" "${@:4}" > "$2" 2>&1 & PIDS+=($!)
}
start_original() { # port log
  RELAYLITE_ORIGINAL_URL="$BENCH" "$ORIG" --chdir tests/differential -w 2 -b "127.0.0.1:$1" \
    --log-level error original_app:app > "$2" 2>&1 & PIDS+=($!)
}
post() { # port body-file out-file: prints the HTTP status
  curl -sS --max-time 120 -o "$3" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$2" "http://127.0.0.1:$1/graphql"
}
HAVE_ORIG=""
[ -x "$ORIG" ] && HAVE_ORIG=1
[ -n "$HAVE_ORIG" ] || echo "NOTE: the original is not installed (tests/differential/setup.sh): measuring relaylite only"

start_all() { # relaylite on each of the four databases, and the original: P_PG P_SQ P_CPG P_CSQ P_OR
  P_PG=$(port);  start_relaylite "$P_PG" "$WORK/rl-pg.log" "$BENCH"
  P_SQ=$(port);  start_relaylite "$P_SQ" "$WORK/rl-sq.log" "$SQ_BENCH"
  P_CPG=$(port); start_relaylite "$P_CPG" "$WORK/rl-cpg.log" "$CHINOOK"
  P_CSQ=$(port); start_relaylite "$P_CSQ" "$WORK/rl-csq.log" "$SQ_CHINOOK"
  P_OR=""
  if [ -n "$HAVE_ORIG" ]; then P_OR=$(port); start_original "$P_OR" "$WORK/or.log"; fi
  for p in $P_PG $P_SQ $P_CPG $P_CSQ $P_OR; do wait_port "$p"; done
}

# 2. Servers.
start_all
echo "relaylite $(git describe --always --dirty 2>/dev/null || echo '?'); PostgreSQL $PGVER (throw-away cluster in $PGDIR, fsync off);" \
  "wrk -t2, ${DUR}s measured after a ${CHECK_DUR}s checking run; $(nproc) cores shared by everything"

# 3. The answer check.
check_same() { # label query port-a name-a port-b name-b
  post "$3" "$WORK/$2.json" "$WORK/a.out" > "$WORK/a.code"
  post "$5" "$WORK/$2.json" "$WORK/b.out" > "$WORK/b.code"
  python3 - "$1" "$2" "$4" "$WORK/a.code" "$WORK/a.out" "$6" "$WORK/b.code" "$WORK/b.out" <<'PY'
import json, sys
label, q, na, ca, fa, nb, cb, fb = sys.argv[1:]
def load(name, code, path):
    text = open(path).read()
    if open(code).read().strip() != "200":
        sys.exit(f"ANSWER CHECK FAILED ({q}): {name} answered HTTP {open(code).read().strip()}: {text[:1000]}")
    d = json.loads(text)
    if d.get("errors") or not d.get("data"):
        sys.exit(f"ANSWER CHECK FAILED ({q}): {name} answered errors: {text[:1000]}")
    return d
a, b = load(na, ca, fa), load(nb, cb, fb)
def first_diff(x, y, path="$"):
    if type(x) is not type(y):
        return path, x, y
    if isinstance(x, dict):
        if list(x) != list(y):
            return path + " (keys)", list(x), list(y)
        for k in x:
            d = first_diff(x[k], y[k], f"{path}.{k}")
            if d:
                return d
    elif isinstance(x, list):
        for i, (u, v) in enumerate(zip(x, y)):
            d = first_diff(u, v, f"{path}[{i}]")
            if d:
                return d
        if len(x) != len(y):
            return path + " (length)", len(x), len(y)
    elif x != y:
        return path, x, y
    return None
d = first_diff(a, b)
if d:
    print(f"ANSWER CHECK FAILED ({q}): {na} and {nb} differ first at {d[0]}:\n  {na}: {str(d[1])[:500]}\n  {nb}: {str(d[2])[:500]}")
    sys.exit(1)
print(f"answer check {q}: {na} == {nb} ({len(json.dumps(a, separators=(',', ':')))} bytes of compact JSON)")
PY
}
for q in q1 q2 q3; do
  check_same check "$q" "$P_PG" relaylite-pg "$P_SQ" relaylite-sqlite
  [ -z "$P_OR" ] || check_same check "$q" "$P_PG" relaylite-pg "$P_OR" original-pg
done
check_same check chinook_nested "$P_CPG" relaylite-pg "$P_CSQ" relaylite-sqlite

# 4. Statements per request (instances of their own: --log-sql costs time under load).
pg_log_lines() { wc -l < "$PGDIR/log"; }
pg_log_since() { tail -n +"$(( $1 + 1 ))" "$PGDIR/log"; }
psql -X -q -d "$URL" -c "ALTER SYSTEM SET log_statement = 'all'" -c 'SELECT pg_reload_conf()' >/dev/null
sleep 0.5
SQL_COUNTS="$WORK/sql"
: > "$SQL_COUNTS"
count_relaylite() { # name db query
  local p log before pgb
  p=$(port); log="$WORK/count-$1-$3.log"
  start_relaylite "$p" "$log" "$2" --log-sql
  wait_port "$p"
  post "$p" "$WORK/$3.json" /dev/null > /dev/null
  sleep 0.3
  before=$(grep -ac '^SQL ' "$log" || true); pgb=$(pg_log_lines)
  post "$p" "$WORK/$3.json" /dev/null > /dev/null
  sleep 0.3
  echo "$1 $3 $(( $(grep -ac '^SQL ' "$log") - before )) \
$(pg_log_since "$pgb" | grep -Eac 'LOG:  (statement|execute [^:]*):' || true)" >> "$SQL_COUNTS"
  [ "$1" = relaylite-pg ] && [ "$3" = q2 ] && pg_log_since "$pgb" | grep -Ea 'LOG:  (statement|execute [^:]*):' \
    | sed 's/^.*LOG:  //' | cut -c1-110 > "$WORK/rl-q2-pg-statements"
  stop_servers
}
count_relaylite relaylite-pg "$BENCH" q1
count_relaylite relaylite-pg "$BENCH" q2
count_relaylite relaylite-pg "$BENCH" q3
count_relaylite relaylite-pg "$CHINOOK" chinook_nested
count_relaylite relaylite-sqlite "$SQ_BENCH" q1
count_relaylite relaylite-sqlite "$SQ_BENCH" q2
count_relaylite relaylite-sqlite "$SQ_BENCH" q3
count_relaylite relaylite-sqlite "$SQ_CHINOOK" chinook_nested
if [ -n "$HAVE_ORIG" ]; then
  p=$(port); start_original "$p" "$WORK/or-count.log"; wait_port "$p"
  # Each gunicorn worker's first request also runs SQLAlchemy's start-up queries on its new
  # connection (SHOW, version, ...), and which worker answers is up to the kernel: warm both
  # with four requests at once, then count three requests one by one and keep the median.
  for _ in 1 2; do
    W=()
    for _ in 1 2 3 4; do post "$p" "$WORK/q2.json" /dev/null > /dev/null & W+=($!); done
    wait "${W[@]}" || true
  done
  for q in q1 q2 q3; do
    post "$p" "$WORK/$q.json" /dev/null > /dev/null
    for k in 1 2 3; do
      sleep 0.5; pgb=$(pg_log_lines)
      post "$p" "$WORK/$q.json" /dev/null > /dev/null
      sleep 0.5
      pg_log_since "$pgb" | grep -Ea 'LOG:  (statement|execute [^:]*):' | sed 's/^.*LOG:  statement: //' \
        | awk '{print toupper($1)}' | sort | uniq -c | awk '{printf "%s=%s ", $2, $1} END {print ""}' > "$WORK/orig-$k"
    done
    # the median request by total statements
    for k in 1 2 3; do echo "$(tr ' ' '\n' < "$WORK/orig-$k" | awk -F= '{n += $2} END {print n}') $k"; done \
      | sort -n | sed -n 2p | { read -r _ k; echo "original-pg $q $(cat "$WORK/orig-$k")" \
      "all3=$(for j in 1 2 3; do tr ' ' '\n' < "$WORK/orig-$j" | awk -F= '{n += $2} END {printf "%d/", n}'; done)"; } >> "$WORK/orig-sql"
  done
  stop_servers
fi
psql -X -q -d "$URL" -c 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()' >/dev/null

# 5. The load, one server at a time.
start_all


wrk_run() { # check.lua|measure.lua query port threads connections seconds: prints "req/s p50 p99 bad requests"
  local out check=""
  [ "$1" = check.lua ] && check=1
  out=$(CHECK="$check" BODY="$WORK/$2.json" wrk -t"$4" -c"$5" -d"$6s" --timeout 60s -s benches/post.lua "http://127.0.0.1:$3/graphql" 2>&1 || true)
  echo "$out" | grep RESULT | sed 's/^RESULT //' || echo "0 0 0 1 0"
}
RESULTS="$WORK/results"
: > "$RESULTS"
measure() { # name query port connections: a checking run, then the measured one
  local checked measured
  checked=$(wrk_run check.lua "$2" "$3" 2 "$4" "$CHECK_DUR")
  measured=$(wrk_run measure.lua "$2" "$3" 2 "$4" "$DUR")
  set -- "$1" "$2" $checked $measured
  # name query, the measured run's req/s p50 p99, failures (both runs), requests measured
  echo "$1 $2 $8 $9 ${10} $(( $6 + ${11} )) ${12}" | tee -a "$RESULTS"
}
for q in q1 q2 q3; do
  measure relaylite-pg "$q" "$P_PG" "$CONNS"
  measure relaylite-sqlite "$q" "$P_SQ" "$CONNS"
  [ -z "$P_OR" ] || measure original-pg "$q" "$P_OR" "$CONNS"
done
measure relaylite-pg chinook_nested "$P_CPG" "$CH_CONNS"
measure relaylite-sqlite chinook_nested "$P_CSQ" "$CH_CONNS"
stop_servers

# 6. Scaling out: N fresh instances on the same database, each with its own pool.
P_A=$(port); start_relaylite "$P_A" "$WORK/a.log" "$BENCH"; PID_A=${PIDS[-1]}
P_B=$(port); start_relaylite "$P_B" "$WORK/b.log" "$BENCH"; PID_B=${PIDS[-1]}
P_C=$(port); start_relaylite "$P_C" "$WORK/c.log" "$BENCH" --pool-size 2; PID_C=${PIDS[-1]}
wait_port "$P_A"; wait_port "$P_B"; wait_port "$P_C"
SCALE="$WORK/scale"
: > "$SCALE"
PGPORT=${URL##*:}; PGPORT=${PGPORT%%/*}
conns_of() { ss -Htnp state established "( dport = :$PGPORT )" | grep -c "pid=$1," || true; }
backends() { echo "$(conns_of "$PID_A")+$(conns_of "$PID_B")"; } # PostgreSQL connections A and B hold
two_wrk() { # label query port-X port-Y: two wrk processes at once (-t1, half the connections each)
  local phase d i p WRKS
  for phase in check measure; do
    d=$CHECK_DUR; [ $phase = measure ] && d=$DUR
    WRKS=()
    for i in X Y; do
      p=$3; [ $i = Y ] && p=$4
      wrk_run "$phase.lua" "$2" "$p" 1 $(( CONNS / 2 )) "$d" > "$WORK/$phase-$i" & WRKS+=($!); PIDS+=($!)
    done
    wait "${WRKS[@]}" || true
    PIDS=("${PIDS[@]:0:${#PIDS[@]}-2}")
  done
  set -- "$1" "$2" $(cat "$WORK/check-X" "$WORK/check-Y" "$WORK/measure-X" "$WORK/measure-Y")
  # label query, summed req/s, each wrk's p50/p99, failures, requests, connections, each wrk's req/s
  echo "$1 $2 $(python3 -c "print(f'{${13} + ${18}:.2f}')") ${14}/${15} ${19}/${20} \
$(( $6 + ${11} + ${16} + ${21} )) $(( ${17} + ${22} )) $(backends) ${13} ${18}" | tee -a "$SCALE"
}
for q in q1 q2; do
  # N = 1, one wrk (-t2, all the connections), as in the runs above
  c=$(wrk_run check.lua "$q" "$P_A" 2 "$CONNS" "$CHECK_DUR")
  m=$(wrk_run measure.lua "$q" "$P_A" 2 "$CONNS" "$DUR")
  set -- $c $m
  echo "1 $q $6 $7/$8 - $(( $4 + $9 )) ${10} $(backends) $6 -" | tee -a "$SCALE"
  # N = 1 with two wrk processes at A (the control: the same client shape as N = 2)
  two_wrk 1x2 "$q" "$P_A" "$P_A"
  # N = 2: one wrk process at each instance
  two_wrk 2 "$q" "$P_A" "$P_B"
  # N = 1 with a pool of 2 connections (instance C), one wrk as in the first row
  c=$(wrk_run check.lua "$q" "$P_C" 2 "$CONNS" "$CHECK_DUR")
  m=$(wrk_run measure.lua "$q" "$P_C" 2 "$CONNS" "$DUR")
  set -- $c $m
  echo "1p2 $q $6 $7/$8 - $(( $4 + $9 )) ${10} C=$(conns_of "$PID_C") $6 -" | tee -a "$SCALE"
done

if [ -n "${RESULTS_DIR:-}" ]; then
  mkdir -p "$RESULTS_DIR"
  cp "$RESULTS" "$SQL_COUNTS" "$SCALE" "$RESULTS_DIR/"
  [ ! -f "$WORK/orig-sql" ] || cp "$WORK/orig-sql" "$RESULTS_DIR/"
fi
python3 - "$RESULTS" "$SQL_COUNTS" "$WORK/orig-sql" "$SCALE" "$WORK/rl-q2-pg-statements" <<'PY'
import os, sys
results, sql, orig, scale, q2stmts = sys.argv[1:]
r = {}
for line in open(results):
    s, q, rps, p50, p99, bad, n = line.split()
    r[(s, q)] = (float(rps), float(p50), float(p99), int(bad), int(n))
print(f"\n{'server':<18}{'query':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'failed':>8}")
for (s, q), (rps, p50, p99, bad, n) in r.items():
    print(f"{s:<18}{q:<16}{rps:>10.1f}{p50:>10.2f}{p99:>10.2f}{n:>10}{bad:>8}")
print("(failed: non-200 or \"errors\" in the checking run, plus wrk's socket errors in both runs)\n")
for q in ("q1", "q2", "q3", "chinook_nested"):
    pg = r.get(("relaylite-pg", q))
    for other in ("relaylite-sqlite", "original-pg"):
        o = r.get((other, q))
        if pg and o and o[0] > 0:
            print(f"{q}: relaylite-pg / {other} = {pg[0] / o[0]:.2f}x req/s")
print("\nSQL statements per request (after a warm-up request):")
print(f"{'server':<18}{'query':<16}{'--log-sql':>10}{'received by PostgreSQL (log_statement = all)':>46}")
for line in open(sql):
    s, q, logged, pg = line.split()
    print(f"{s:<18}{q:<16}{logged:>10}{(pg if s.endswith('-pg') else '-'):>46}")
if os.path.exists(q2stmts):
    print("  relaylite-pg q2 as PostgreSQL logs it:")
    for l in open(q2stmts):
        print("    " + l.rstrip())
if os.path.exists(orig):
    for line in open(orig):
        s, q, *kinds = line.split()
        three = [k for k in kinds if k.startswith("all3=")]
        kinds = [k for k in kinds if not k.startswith("all3=")]
        total = sum(int(k.split("=")[1]) for k in kinds)
        note = f"; three requests: {three[0][5:].rstrip('/')}" if three else ""
        print(f"{s:<18}{q:<16}{'':>10}{total:>46}  ({', '.join(kinds)}{note})")
print("\nScaling out: N relaylite instances on one PostgreSQL (all on this machine's cores)")
print("  1   = one wrk -t2 at instance A;  1x2 = two wrk -t1 at A (the control);  2 = one wrk -t1 at A, one at B;")
print("  1p2 = one wrk -t2 at instance C, started with --pool-size 2 (A and B: the default, 8)")
print(f"{'N':<5}{'query':<7}{'req/s':>10}  {'each wrk: req/s (p50 / p99 ms)':<52}{'failed':>7}{'requests':>10}{'conns A+B':>10}")
failed = sum(v[3] for v in r.values())
srows = [l.split() for l in open(scale)]
for n, q, rps, lx, ly, bad, reqs, be, rx, ry in srows:
    failed += int(bad)
    each = f"{float(rx):.1f} ({lx.replace('/', ' / ')})"
    if ly != "-":
        each += f" + {float(ry):.1f} ({ly.replace('/', ' / ')})"
    print(f"{n:<5}{q:<7}{float(rps):>10.1f}  {each:<52}{bad:>7}{reqs:>10}{be:>10}")
for q in ("q1", "q2"):
    by = {n: float(rps) for n, qq, rps, *_ in srows if qq == q}
    if by.get("1x2") and by.get("1"):
        print(f"{q}: N=2 / N=1 (two wrk) = {by['2'] / by['1x2']:.2f}x req/s;  N=1 two wrk / one wrk = {by['1x2'] / by['1']:.2f}x;"
              f"  pool of 2 / pool of 8 = {by['1p2'] / by['1']:.2f}x")
print(f"\nfailed responses: {failed}")
sys.exit(1 if failed else 0)
PY
