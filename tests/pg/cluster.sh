#!/usr/bin/env bash
# Throw-away PostgreSQL clusters for relaylite's tests and CI. Installs nothing: it needs the
# server binaries (Debian's `postgresql` package puts them in /usr/lib/postgresql/*/bin).
#
#   tests/pg/cluster.sh start DIR                new cluster in DIR; prints its URL
#   tests/pg/cluster.sh replica DIR PRIMARY_URL  streaming standby of PRIMARY_URL in DIR; prints its URL
#   tests/pg/cluster.sh start-existing DIR       start a stopped cluster or standby again; prints its URL
#   tests/pg/cluster.sh stop DIR [MODE]          stop it (MODE fast by default, or immediate: a crash);
#                                                succeeds when it is not running
#   tests/pg/cluster.sh catch-up DIR             wait (60 s at most) until standby DIR has replayed
#                                                its primary's WAL up to now
#
# The URL is postgres://postgres@127.0.0.1:PORT/postgres: superuser `postgres`, trust
# authentication (replication too) on 127.0.0.1 only, a free port picked here; the unix socket
# is in DIR. DIR holds data/ (PGDATA), log (the server's log) and url. The same answers on every
# machine: locale C and encoding UTF8 (text sorts by code point, as SQLite's BINARY collation;
# messages in English), time zone UTC (timestamp columns meet timestamptz values in it).
# Speed over durability: fsync, synchronous_commit and full_page_writes are off. The primary keeps
# 512 MB of WAL, so a replica stopped for a while catches up when started again.
#
# PostgreSQL refuses to run as root: run as root, the server runs as the unprivileged user
# $PG_USER (default `postgres`, created by the Debian package), DIR is made theirs, and DIR's
# parent directories must be searchable by them (mktemp -d under /tmp is fine).
set -euo pipefail

PG_USER="${PG_USER:-postgres}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[ -n "$PG_BIN" ] || PG_BIN="$(dirname "$(command -v initdb || echo /nonexistent/initdb)")"
[ -x "$PG_BIN/initdb" ] || { echo "cluster.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }

die() { echo "cluster.sh: $*" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }

prepare_dir() { # DIR: give it to the server's user, check they can use it
  [ "$(id -u)" = 0 ] && chown "$PG_USER:" "$1"
  as_pg test -w "$1" -a -x "$1" || die "$PG_USER cannot write $1 (are its parents searchable by $PG_USER?)"
  [ ! -e "$1/data" ] || die "$1/data exists already (start-existing restarts it)"
}

free_port() { # a port nothing listens on, below Linux's ephemeral range
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

launch() { # DIR [PORT]: start the server (on a new free port unless PORT), wait, print the URL
  local dir="$1" port="${2:-}" tries=5
  while :; do
    local p="${port:-$(free_port)}"
    echo "port = $p" | as_pg tee "$dir/data/port.conf" >/dev/null
    if (cd "$dir" && as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null); then
      echo "postgres://postgres@127.0.0.1:$p/postgres" | tee "$dir/url"
      return
    fi
    tries=$((tries - 1))
    [ -z "$port" ] && [ "$tries" -gt 0 ] || die "server in $dir did not start; its log: $dir/log"
  done
}

configure() { # DIR: settings for a throw-away cluster, the port in port.conf (set by launch)
  local dir="$1"
  as_pg tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF
# cluster.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
timezone = 'UTC'
log_timezone = 'UTC'
datestyle = 'iso, mdy'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 10
wal_keep_size = 512MB
hot_standby = on
include 'port.conf'
EOF
  as_pg tee "$dir/data/pg_hba.conf" >/dev/null <<EOF
local all         all                trust
host  all         all   127.0.0.1/32 trust
host  replication all   127.0.0.1/32 trust
EOF
}

cmd="${1:-}"
dir="${2:-}"
[ -n "$dir" ] || die "usage: cluster.sh start|replica|start-existing|stop|catch-up DIR [PRIMARY_URL|MODE]"
case "$cmd" in start|replica) mkdir -p "$dir" ;; esac
if [ -d "$dir" ]; then dir="$(cd "$dir" && pwd)"; elif [ "$cmd" = stop ]; then exit 0; else die "no directory $dir"; fi

case "$cmd" in
  start)
    prepare_dir "$dir"
    (cd "$dir" && as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --locale=C \
      --encoding=UTF8 --no-sync --no-instructions >/dev/null) || die "initdb failed in $dir"
    configure "$dir"
    launch "$dir"
    ;;
  replica)
    primary="${3:-}"
    [ -n "$primary" ] || die "usage: cluster.sh replica DIR PRIMARY_URL"
    prepare_dir "$dir"
    (cd "$dir" && as_pg "$PG_BIN/pg_basebackup" -d "$primary" -D "$dir/data" -R -X stream -c fast \
      --no-sync) || die "pg_basebackup from $primary failed"
    # the copied postgresql.conf is the primary's: this standby's socket is in its own DIR
    echo "unix_socket_directories = '$dir'" | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
    echo "$primary" > "$dir/primary"
    launch "$dir"
    ;;
  start-existing)
    [ -f "$dir/data/port.conf" ] || die "no cluster in $dir"
    launch "$dir" "$(sed -n 's/^port = //p' "$dir/data/port.conf")"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      (cd "$dir" && as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m "${3:-fast}" -w stop >/dev/null)
    fi
    ;;
  catch-up)
    [ -f "$dir/primary" ] || die "$dir is not a standby made by cluster.sh replica"
    lsn="$(psql -X -Atq -d "$(cat "$dir/primary")" -c 'SELECT pg_current_wal_lsn()')"
    for _ in $(seq 600); do
      done_="$(psql -X -Atq -d "$(cat "$dir/url")" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'" 2>/dev/null || true)"
      [ "$done_" = t ] && exit 0
      sleep 0.1
    done
    die "standby $dir did not replay up to $lsn within 60 s"
    ;;
  *) die "unknown command '$cmd' (start, replica, start-existing, stop, catch-up)" ;;
esac
