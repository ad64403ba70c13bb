#!/usr/bin/env python3
"""Per-parent pages on PostgreSQL: the statement relaylite runs for a relationship connection
under a list of parents, against two other ways to write it, on a throw-away cluster.

    tests/differential/.venv/bin/python benches/pg/per_parent.py [RUNS]   (default 50)

(psycopg2 comes with tests/differential/setup.sh; PostgreSQL's server binaries must be
installed.) Starts a cluster with tests/pg/cluster.sh, loads benches/pg/bench.sql and
tests/pg/chinook.sql, and for each case below prepares three statements:

  current  what relaylite's --log-sql prints: `WHERE fk IN (<JSON list>) ORDER BY <order>`,
           every parent's rows in one scan; relaylite stops reading once every page is full
           (SQLite then stops the scan; PostgreSQL has already planned for every row)
  lateral  `FROM json_array_elements($1) AS j(v) CROSS JOIN LATERAL (SELECT ... WHERE fk = v
           ORDER BY <order> LIMIT first + 1)`: each parent's page by itself
  window   `row_number() OVER (PARTITION BY fk ORDER BY <order>) <= first + 1`

It checks that the rows each parent's page keeps (its first `first + 1`, in order) are the
same for all three, then times each with EXPLAIN (ANALYZE, TIMING OFF): PostgreSQL's own
execution time, without the network, as a median of RUNS, the three interleaved. It prints
the rows each statement sends and one EXPLAIN ANALYZE of each. Last, Q1's page statement on
PostgreSQL beside the same statement on SQLite. The cluster is stopped and removed at exit.
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sqlite3
import sys
import tempfile
import time

import psycopg2

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 50

CASES = [
    # name, database, columns, table, fk, order, parents, first (the query's `first`)
    ("Q3: employees of 20 departments, first 50 by id", "bench",
     '"employee"."id", "employee"."name", NULL, NULL, "employee"."role_id", "employee"."department_id"',
     '"employee"', '"department_id"', '"id"', list(range(1, 21)), 50),
    ("Chinook: tracks of 50 albums, first 100 by TrackId", "chinook",
     '"Track"."TrackId", "Track"."Name", NULL, "Track"."MediaTypeId", "Track"."GenreId", NULL, NULL, NULL, NULL, "Track"."AlbumId"',
     '"Track"', '"AlbumId"', '"TrackId"', list(range(1, 51)), 100),
]


def statements(columns, table, fk, order, n):
    keys = "SELECT CAST(v #>> '{}' AS integer) FROM json_array_elements(CAST($1 AS json)) AS j(v)"
    inner_cols = columns.replace(f"{table}.", "t.")
    return {
        "current": f"SELECT {columns} FROM {table} WHERE {table}.{fk} IN ({keys}) ORDER BY {table}.{order} ASC",
        "lateral": f"SELECT {inner_cols} FROM json_array_elements(CAST($1 AS json)) AS j(v) CROSS JOIN LATERAL "
                   f"(SELECT * FROM {table} WHERE {table}.{fk} = CAST(j.v #>> '{{}}' AS integer) "
                   f"ORDER BY {table}.{order} ASC LIMIT {n}) AS t",
        "window": f"SELECT {inner_cols} FROM (SELECT *, row_number() OVER (PARTITION BY {fk} ORDER BY {order} ASC) AS rn "
                  f"FROM {table} WHERE {fk} IN ({keys})) AS t WHERE t.rn <= {n} ORDER BY t.{order} ASC",
    }


def pages(rows, n):
    """Each parent's first n rows, in the order the statement returned them (fk is last)."""
    out = {}
    for r in rows:
        page = out.setdefault(r[-1], [])
        if len(page) < n:
            page.append(r)
    return out


def main():
    cluster = tempfile.mkdtemp()
    started = False

    def stop(*_):
        if started:
            subprocess.run([f"{ROOT}/tests/pg/cluster.sh", "stop", cluster], capture_output=True)
        shutil.rmtree(cluster, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        url = subprocess.run([f"{ROOT}/tests/pg/cluster.sh", "start", cluster], check=True,
                             capture_output=True, text=True).stdout.strip()
        started = True
        base = url.rsplit("/", 1)[0]
        subprocess.run(["psql", "-X", "-q", "-d", url, "-c", "CREATE DATABASE bench", "-c", "CREATE DATABASE chinook"], check=True)
        for db, f in (("bench", "benches/pg/bench.sql"), ("chinook", "tests/pg/chinook.sql")):
            subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", f"{base}/{db}", "-f", f"{ROOT}/{f}"],
                           check=True, stdout=subprocess.DEVNULL)
            subprocess.run(["psql", "-X", "-q", "-d", f"{base}/{db}", "-c", "ANALYZE"], check=True)
        version = subprocess.run(["psql", "-X", "-Atq", "-d", url, "-c", "SHOW server_version"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        print(f"PostgreSQL {version} (throw-away cluster); medians of {RUNS} EXPLAIN (ANALYZE, TIMING OFF) runs each, interleaved\n")
        for name, db, columns, table, fk, order, parents, first in CASES:
            conn = psycopg2.connect(f"{base}/{db}")
            conn.autocommit = True
            cur = conn.cursor()
            arg = json.dumps(parents, separators=(",", ":"))
            sts = statements(columns, table, fk, order, first + 1)
            kept, sent = {}, {}
            for k, sql in sts.items():
                cur.execute(f"PREPARE p_{k}(text) AS {sql}")
                cur.execute(f"EXECUTE p_{k}(%s)", (arg,))
                rows = cur.fetchall()
                sent[k] = len(rows)
                kept[k] = pages(rows, first + 1)
            for k in sts:
                if kept[k] != kept["current"]:
                    sys.exit(f"{name}: {k} keeps other rows than current")
            times = {k: [] for k in sts}
            for _ in range(RUNS):
                for k in sts:
                    cur.execute(f"EXPLAIN (ANALYZE, TIMING OFF) EXECUTE p_{k}(%s)", (arg,))
                    plan = [r[0] for r in cur.fetchall()]
                    times[k].append(float(next(l for l in plan if l.startswith("Execution Time")).split()[2]))
            print(name)
            print(f"  same rows kept by all three: {sum(len(p) for p in kept['current'].values())} rows in {len(kept['current'])} pages")
            for k in sts:
                med = statistics.median(times[k])
                print(f"  {k:<8} {med:>8.3f} ms  ({med / statistics.median(times['current']):.2f} of current), {sent[k]:>6} rows sent")
            for k in ("current", "lateral"):
                cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE p_{k}(%s)", (arg,))
                print(f"  EXPLAIN ANALYZE {k}:")
                for (line,) in cur.fetchall():
                    print("    " + line)
            print()
            conn.close()
        # Q1's page statement, which every contestant runs: PostgreSQL's time beside SQLite's
        # (the same statement on the SQLite file benches/load.sh builds, every row read).
        q1 = ('SELECT "employee"."id", "employee"."name", NULL, "employee"."department_id", "employee"."role_id" '
              'FROM "employee" ORDER BY "employee"."name" ASC, "employee"."id" ASC LIMIT {} OFFSET {}')
        conn = psycopg2.connect(f"{base}/bench")
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("PREPARE p_q1(bigint, bigint) AS " + q1.format("$1", "$2"))
        pg = []
        for _ in range(RUNS):
            cur.execute("EXPLAIN (ANALYZE, TIMING OFF) EXECUTE p_q1(101, 0)")
            pg.append(float(next(r[0] for r in cur.fetchall() if r[0].startswith("Execution Time")).split()[2]))
        lite = sqlite3.connect(os.path.join(cluster, "bench.sqlite3"))
        lite.executescript(open(f"{ROOT}/benches/bench.sql").read())
        sq = []
        for _ in range(RUNS):
            t = time.perf_counter()
            lite.execute(q1.format("?", "?"), (101, 0)).fetchall()
            sq.append((time.perf_counter() - t) * 1000)
        print("Q1's page statement (ORDER BY name, id LIMIT 101 over 20,000 rows, no index on name):")
        print(f"  PostgreSQL {statistics.median(pg):.3f} ms (EXPLAIN ANALYZE, TIMING OFF), "
              f"SQLite {statistics.median(sq):.3f} ms (Python's sqlite3, rows fetched); medians of {RUNS}")
        cur.execute("EXPLAIN (ANALYZE) EXECUTE p_q1(101, 0)")
        for (line,) in cur.fetchall():
            print("    " + line)
    finally:
        stop()


if __name__ == "__main__":
    main()
