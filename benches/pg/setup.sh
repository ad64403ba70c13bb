# Sourced by the benchmark scripts of this folder (from the repository's root): checks the
# tools, builds relaylite ($RL), starts a throw-away cluster ($URL; $BASE is its URL without
# the database) in $PGDIR and a scratch directory $WORK, and at exit, failure or interrupt
# included, stops every process in $PIDS and the cluster and removes both directories.
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
command -v psql >/dev/null || { echo "psql is not installed (apt-get install postgresql)"; exit 1; }
WORK="$(mktemp -d)"
PGDIR="$(mktemp -d)"
PIDS=()
stop_servers() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_servers
  tests/pg/cluster.sh stop "$PGDIR" fast >/dev/null 2>&1 || tests/pg/cluster.sh stop "$PGDIR" immediate >/dev/null 2>&1 || true
  rm -rf "$WORK" "$PGDIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cargo build --release --quiet
RL=target/release/relaylite
URL=$(tests/pg/cluster.sh start "$PGDIR")
BASE="${URL%/postgres}"
