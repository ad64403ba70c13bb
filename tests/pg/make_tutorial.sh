#!/usr/bin/env bash
# Regenerates tests/pg/tutorial.sql: the conformance fixture on PostgreSQL, as the original would
# have it. The tables are made by the original's own models (original_app.py's
# Base.metadata.create_all on a PostgreSQL engine: SERIAL keys, VARCHAR, TIMESTAMP WITHOUT TIME
# ZONE), the rows are tests/conformance/fixture.sql's, each SERIAL's sequence is set past its
# rows, and the database is dumped with pg_dump --no-owner --no-privileges, plus
#   --inserts         INSERT statements rather than COPY ... FROM stdin, so that a client
#                     library's simple-query batch can load the file as well as psql can
#   --restrict-key    a fixed key for psql's \restrict / \unrestrict lines, which pg_dump
#                     (15.14 and later) writes with a random one; the lines are then removed
#                     (psql loads the file without them, a client library could not with them)
#
#   tests/differential/setup.sh && tests/pg/make_tutorial.sh
#
# Load it with `psql -X -q -v ON_ERROR_STOP=1 -d URL -f tests/pg/tutorial.sql` into an empty database.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=tests/differential/.venv/bin/python
[ -x "$PY" ] || { echo "run tests/differential/setup.sh first" >&2; exit 1; }

DIR="$(mktemp -d)"
trap 'tests/pg/cluster.sh stop "$DIR"; rm -rf "$DIR"' EXIT
URL="$(tests/pg/cluster.sh start "$DIR")"
DB="${URL%/postgres}/tutorial"
psql -X -q -v ON_ERROR_STOP=1 -d "$URL" -c 'CREATE DATABASE tutorial'

RELAYLITE_ORIGINAL_URL="$DB" "$PY" -c '
import sys; sys.path.insert(0, "tests/differential")
import original_app
original_app.Base.metadata.create_all(original_app.engine)'

{ grep '^INSERT INTO ' tests/conformance/fixture.sql
  for t in department:id roles:role_id employee:id; do
    echo "SELECT setval(pg_get_serial_sequence('${t%:*}', '${t#*:}'), max(${t#*:})) FROM ${t%:*};"
  done
} | psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null

"$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_dump" --no-owner --no-privileges \
  --inserts --restrict-key=relaylite -d "$DB" | grep -v '^\\\(un\)\?restrict relaylite$' > tests/pg/tutorial.sql
echo "wrote tests/pg/tutorial.sql"
