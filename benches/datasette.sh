#!/usr/bin/env bash
# Side-by-side HTTP benchmark of relaylite and datasette-graphql (PyPI `datasette` +
# `datasette-graphql`) serving the same Chinook SQLite file (built from
# tests/realdb/chinook.sql) on a nested query: the first 50 albums by AlbumId, each album's
# tracks by TrackId, and each track's genre and media type.
#
#   benches/datasette.sh [SECONDS]   (measured seconds per server, default 20; needs wrk:
#                                     apt-get install wrk; 127.0.0.1 only)
#
# The queries are benches/queries/chinook_nested.graphql (relaylite) and
# benches/queries/chinook_nested_datasette.graphql (datasette-graphql). Before any load the
# script checks that both answers hold identical rows, in the same order, and that they equal
# SQLite's own join; it fails loudly if not. datasette and datasette-graphql are installed
# from PyPI into target/venv-datasette (kept and reused; delete it to upgrade).
#
# Each server is measured alone (2 cores: never both under load at once), with wrk on the
# same connection count: a checking run whose Lua hook counts every response that is not a
# 200 or carries "errors", then the measured run. Prints req/s and p50/p99 latency for both,
# the ratio relaylite/datasette, and the SQL statements one request runs on each server
# (relaylite's --log-sql lines; datasette's counted by a throwaway plugin that sets SQLite's
# trace callback on every connection, in a separate instance so the load runs without it).
#
# Both servers run with their default settings but one: datasette-graphql refuses a table
# query that starts more than 1 s into its request (time_limit_ms), and under 8 connections
# a request often waits that long behind the others' foreign-key lookups, answering HTTP 500
# "Time limit exceeded" with the albums' tracks left null. The script raises that limit to
# 60 s in the plugin's config, so slow answers are measured as slow, not as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-20}"
CHECK_DUR=5
CONNS=8
VENV=target/venv-datasette
Q_RL=benches/queries/chinook_nested.graphql
Q_DS=benches/queries/chinook_nested_datasette.graphql
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release --quiet
if [ ! -x "$VENV/bin/datasette" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet datasette datasette-graphql
fi
VERSIONS=$("$VENV/bin/python" -c 'from importlib.metadata import version as v
print("datasette", v("datasette") + ", datasette-graphql", v("datasette-graphql"))')

DB="$WORK/chinook.sqlite3"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()" \
  "$DB" tests/realdb/chinook.sql
echo '{"plugins": {"datasette-graphql": {"time_limit_ms": 60000}}}' > "$WORK/metadata.json"
for s in rl ds; do
  q=$Q_RL; [ $s = ds ] && q=$Q_DS
  python3 -c "import json,sys; print(json.dumps({'query': open(sys.argv[1]).read()}))" "$q" > "$WORK/$s.json"
done

# A datasette plugin, loaded only in the counting instance: counts every statement SQLite
# runs, by its text with numbers blanked, and serves the counts at /-/sql-count.
mkdir "$WORK/plugins"
cat > "$WORK/plugins/count_sql.py" <<'PY'
import collections, re, threading
from datasette import hookimpl
from datasette.utils.asgi import Response

counts, lock = collections.Counter(), threading.Lock()

def record(sql):
    kind = re.sub(r"\d+", "N", " ".join(sql.split()))[:70]
    with lock:
        counts[kind] += 1

@hookimpl
def prepare_connection(conn):
    conn.set_trace_callback(record)

@hookimpl
def register_routes():
    async def sql_count(request):
        with lock:
            return Response.json(dict(counts))
    return [(r"^/-/sql-count$", sql_count)]
PY

port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
wait_port() { for _ in $(seq 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
start_relaylite() { # port log [flags]
  target/release/relaylite serve --db "$DB" --listen "127.0.0.1:$1" "${@:3}" > "$2" 2>&1 & PIDS+=($!)
}
start_datasette() { # port log [flags]
  "$VENV/bin/datasette" serve --immutable "$DB" -h 127.0.0.1 -p "$1" -m "$WORK/metadata.json" "${@:3}" > "$2" 2>&1 & PIDS+=($!)
}
stop_servers() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }
post() { # port body-file out-file
  curl -sS -o "$3" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$2" "http://127.0.0.1:$1/graphql"
}

echo "relaylite $(git describe --always --dirty 2>/dev/null || echo '?'); $VERSIONS; $CONNS connections, ${DUR}s per server"
P_RL=$(port); start_relaylite "$P_RL" "$WORK/rl.log"
P_DS=$(port); start_datasette "$P_DS" "$WORK/ds.log"
wait_port "$P_RL"; wait_port "$P_DS"

# The row check: (album title, [(track, genre, media type), ...]) in order, from each answer.
for s in rl ds; do
  p=$P_RL; [ $s = ds ] && p=$P_DS
  code=$(post "$p" "$WORK/$s.json" "$WORK/$s.out")
  [ "$code" = 200 ] || { echo "row check: $s answered HTTP $code:"; head -c 2000 "$WORK/$s.out"; exit 1; }
done
python3 - "$DB" "$WORK/rl.out" "$WORK/ds.out" <<'PY'
import json, sqlite3, sys
db, rl, ds = sys.argv[1:]
def answer(path):
    d = json.load(open(path))
    if d.get("errors") or not d.get("data"):
        sys.exit(f"row check: {path} carries errors: {json.dumps(d)[:2000]}")
    return d["data"]
name = lambda o, k: o[k] if o else None
rl_rows = [(a["node"]["title"], [(t["node"]["name"], name(t["node"]["genre"], "name"),
            name(t["node"]["mediaType"], "name")) for t in a["node"]["tracks"]["edges"]])
           for a in answer(rl)["allAlbums"]["edges"]]
ds_rows = [(a["Title"], [(t["Name"], name(t["GenreId"], "Name"), name(t["MediaTypeId"], "Name"))
            for t in a["Track_list"]["nodes"]]) for a in answer(ds)["Album"]["nodes"]]
c = sqlite3.connect(db)
sql_rows = [(title, [tuple(r) for r in c.execute(
    "SELECT t.Name, g.Name, m.Name FROM Track t LEFT JOIN Genre g ON g.GenreId = t.GenreId"
    " LEFT JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId WHERE t.AlbumId = ? ORDER BY t.TrackId",
    (album_id,))]) for album_id, title in c.execute(
    "SELECT AlbumId, Title FROM Album ORDER BY AlbumId LIMIT 50").fetchall()]
for label, rows in (("datasette-graphql", ds_rows), ("SQLite's join", sql_rows)):
    if rows != rl_rows:
        diff = next((i for i, (a, b) in enumerate(zip(rl_rows, rows)) if a != b), min(len(rl_rows), len(rows)))
        print(f"ROW CHECK FAILED: relaylite and {label} differ ({len(rl_rows)} vs {len(rows)} albums), first at album {diff}:")
        print("  relaylite:", rl_rows[diff] if diff < len(rl_rows) else None)
        print(f"  {label}:", rows[diff] if diff < len(rows) else None)
        sys.exit(1)
print(f"row check: identical rows: {len(rl_rows)} albums, {sum(len(t) for _, t in rl_rows)} tracks with genre"
      " and media type, in the same order, equal to SQLite's own join")
PY


measure() { # name port body: a checking run, then the measured one
  local checked measured
  checked=$(CHECK=1 BODY="$3" wrk -t2 -c$CONNS -d${CHECK_DUR}s --timeout 60s -s benches/post.lua "http://127.0.0.1:$2/graphql" | grep RESULT)
  measured=$(BODY="$3" wrk -t2 -c$CONNS -d${DUR}s --timeout 60s -s benches/post.lua "http://127.0.0.1:$2/graphql" | grep RESULT)
  set -- "$1" $checked $measured
  # name, then the measured run's req/s, p50, p99, failures (adding the checking run's), requests
  echo "$1 ${9} ${10} ${11} $((${6} + ${12})) ${13}"
}
RESULTS="$WORK/results"
measure relaylite "$P_RL" "$WORK/rl.json" >> "$RESULTS"
measure datasette-graphql "$P_DS" "$WORK/ds.json" >> "$RESULTS"
stop_servers

# SQL statements per request, on fresh instances that log or count them: one warm-up
# request, then the counted one.
P_RL=$(port); start_relaylite "$P_RL" "$WORK/rl-sql.log" --log-sql
P_DS=$(port); start_datasette "$P_DS" "$WORK/ds-sql.log" --plugins-dir "$WORK/plugins"
wait_port "$P_RL"; wait_port "$P_DS"
post "$P_RL" "$WORK/rl.json" /dev/null > /dev/null
before=$(grep -ac '^SQL ' "$WORK/rl-sql.log" || true)
post "$P_RL" "$WORK/rl.json" /dev/null > /dev/null
echo "relaylite $(( $(grep -ac '^SQL ' "$WORK/rl-sql.log") - before ))" > "$WORK/sql"
post "$P_DS" "$WORK/ds.json" /dev/null > /dev/null
curl -sS "http://127.0.0.1:$P_DS/-/sql-count" > "$WORK/ds-before.json"
post "$P_DS" "$WORK/ds.json" /dev/null > /dev/null
curl -sS "http://127.0.0.1:$P_DS/-/sql-count" > "$WORK/ds-after.json"
stop_servers

python3 - "$RESULTS" "$WORK/sql" "$WORK/ds-before.json" "$WORK/ds-after.json" <<'PY'
import json, sys
results, sql, before, after = sys.argv[1:]
r = {l.split()[0]: l.split()[1:] for l in open(results)}
stmts = dict(l.split() for l in open(sql))
b, a = json.load(open(before)), json.load(open(after))
ds_kinds = {k: n - b.get(k, 0) for k, n in a.items() if n - b.get(k, 0)}
stmts["datasette-graphql"] = sum(ds_kinds.values())
print(f"\n{'server':<19}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'failed':>8}{'SQL/request':>13}")
failed = 0
for name in ("relaylite", "datasette-graphql"):
    rps, p50, p99, bad, n = r[name]
    failed += int(bad)
    print(f"{name:<19}{float(rps):>10.1f}{float(p50):>10.2f}{float(p99):>10.2f}{n:>10}{bad:>8}{stmts[name]:>13}")
print("(failed: non-200 or \"errors\" in the checking runs, plus socket errors and non-2xx in the measured runs)")
print("\ndatasette-graphql's statements for one request, by kind:")
for k, n in sorted(ds_kinds.items(), key=lambda kv: -kv[1])[:8]:
    print(f"  {n:>5}  {k}")
if len(ds_kinds) > 8:
    print(f"  {sum(sorted(ds_kinds.values())[:-8]):>5}  ({len(ds_kinds) - 8} other kinds)")
ratio = float(r["relaylite"][0]) / float(r["datasette-graphql"][0])
print(f"\nrelaylite / datasette-graphql = {ratio:.1f}x req/s (target >= 20x: {'met' if ratio >= 20 else 'NOT met'})")
sys.exit(1 if failed else 0)
PY
