#!/usr/bin/env bash
# Per-parent pages on PostgreSQL, every shape of BENCHMARKS.md's table: starts a throw-away
# cluster (tests/pg/cluster.sh), loads the benchmark data and Chinook, runs the pages_pg
# example on each shape (bench data as it comes, then with an index on each foreign key, then
# also one on (foreign key, order column); Chinook as it comes, with its IFK_ indexes, then
# with (foreign key, order column) too), and stops and removes the cluster.
#
#   compare/examples/pages_pg.sh [RUNS]      (RUNS timed runs of each way, default 50)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-50}"
cargo build --release -p relaylite-compare --example pages_pg
P=target/release/examples/pages_pg
D="$(mktemp -d)"
trap 'tests/pg/cluster.sh stop "$D"; rm -rf "$D"' EXIT
URL="$(tests/pg/cluster.sh start "$D")"
psql -X -q -d "$URL" -c 'CREATE DATABASE bench' -c 'CREATE DATABASE chinook'
B="${URL%/postgres}/bench"
C="${URL%/postgres}/chinook"
psql -X -q -v ON_ERROR_STOP=1 -d "$B" -f benches/pg/bench.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$C" -f tests/pg/chinook.sql >/dev/null
psql -X -q -d "$C" -c 'ANALYZE'
psql -X -q -d "$URL" -c 'SELECT version()' -At

bench() {
  echo "== bench: $1"
  $P "$B" employee department_id '"id" ASC' 50 "$RUNS"
  $P "$B" employee department_id '"name" ASC' 50 "$RUNS"
  $P "$B" employee role_id '"id" ASC' 10 "$RUNS"
  $P "$B" employee department_id '"id" ASC' 2000 "$RUNS"
}
bench "as it comes (primary key only)"
psql -X -q -d "$B" -c 'CREATE INDEX employee_department_id ON employee (department_id)' \
  -c 'CREATE INDEX employee_role_id ON employee (role_id)' -c 'ANALYZE employee'
bench "with an index on each foreign key"
psql -X -q -d "$B" -c 'CREATE INDEX employee_department_id_id ON employee (department_id, id)' \
  -c 'CREATE INDEX employee_department_id_name ON employee (department_id, name)' \
  -c 'CREATE INDEX employee_role_id_id ON employee (role_id, id)' -c 'ANALYZE employee'
bench "with those and (foreign key, order column)"

chinook() {
  echo "== Chinook: $1"
  $P "$C" Track AlbumId '"TrackId" ASC' 10 "$RUNS"
  $P "$C" Track AlbumId '"Name" DESC' 10 "$RUNS"
  $P "$C" Track GenreId '"TrackId" ASC' 5 "$RUNS"
  $P "$C" Album ArtistId '"Title" DESC' 3 "$RUNS"
  $P "$C" InvoiceLine InvoiceId '"InvoiceLineId" ASC' 2 "$RUNS"
}
chinook "as it comes (IFK_ indexes on the foreign keys)"
psql -X -q -d "$C" -c 'CREATE INDEX "Track_AlbumId_TrackId" ON "Track" ("AlbumId", "TrackId")' \
  -c 'CREATE INDEX "Track_AlbumId_Name" ON "Track" ("AlbumId", "Name")' \
  -c 'CREATE INDEX "Track_GenreId_TrackId" ON "Track" ("GenreId", "TrackId")' \
  -c 'CREATE INDEX "Album_ArtistId_Title" ON "Album" ("ArtistId", "Title")' \
  -c 'CREATE INDEX "InvoiceLine_InvoiceId_InvoiceLineId" ON "InvoiceLine" ("InvoiceId", "InvoiceLineId")' \
  -c 'ANALYZE'
chinook "with those and (foreign key, order column)"
