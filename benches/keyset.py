#!/usr/bin/env python3
"""Offset cursors against keyset cursors, side by side: page 1, 100 and 1,000 of
`allEmployees(first: 20, sort: NAME_ASC)` on a copy of the benchmark database with an index
on `employee.name`.

    python3 benches/keyset.py [BENCH_DB] [RUNS]   (defaults: a fresh build of
                                                  benches/bench.sql; 200 runs per page)
    SORT=NAME_DESC python3 benches/keyset.py …    (another order; default NAME_ASC)

Two relaylite servers on 127.0.0.1 serve the same copy: one with the tutorial model as
printed by `relaylite model` (offset cursors, the original's), one with that model's
`Employee` connection edited to `cursors = "keyset"`. For each page the script first gets
the cursor the page starts after (offset: graphql-relay's `arrayconnection:N`; keyset: by
paging through from the first page), checks that both servers answer the same 20 rows, then
times RUNS requests of the page on each server, interleaved, and prints the medians.
"""
import base64
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "relaylite")
PAGES = [1, 100, 1000]
SORT = os.environ.get("SORT", "NAME_ASC")
QUERY = """query ($after: String) {
  allEmployees(first: 20, sort: %s, after: $after) {
    edges { node { id name } }
    pageInfo { endCursor hasNextPage hasPreviousPage }
  }
}""" % SORT


def database(work, given):
    path = os.path.join(work, "bench.db")
    db = sqlite3.connect(path)
    if given:
        db.close()
        with open(given, "rb") as src, open(path, "wb") as dst:
            dst.write(src.read())
        db = sqlite3.connect(path)
    else:
        with open(os.path.join(ROOT, "benches", "bench.sql")) as f:
            db.executescript(f.read())
    db.execute("CREATE INDEX IF NOT EXISTS employee_name ON employee (name)")
    db.commit()
    db.close()
    return path


def models(work, db):
    printed = subprocess.run([BIN, "model", "--db", db], check=True, capture_output=True,
                             text=True).stdout
    # Only the Employee type's connection: its block is the one naming table "employee".
    block = re.search(r'table = "employee"\n(?:.*\n)*?cursors = "offset"', printed)
    if not block:
        sys.exit("the printed model has no Employee connection with offset cursors")
    keyset = printed[:block.start()] + block.group(0).replace(
        'cursors = "offset"', 'cursors = "keyset"') + printed[block.end():]
    paths = {}
    for name, text in (("offset", printed), ("keyset", keyset)):
        paths[name] = os.path.join(work, name + ".toml")
        with open(paths[name], "w") as f:
            f.write(text)
    return paths


def serve(db, model, port):
    proc = subprocess.Popen([BIN, "--db", db, "--model", model, "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            ask(port, None)
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"the server on port {port} did not start")


def ask(port, after):
    body = json.dumps({"query": QUERY, "variables": {"after": after}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body,
                                 {"content-type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        doc = json.load(resp)
    if "errors" in doc:
        sys.exit(f"errors from port {port}: {doc['errors']}")
    return doc["data"]["allEmployees"]


def rows(conn):
    return [(e["node"]["id"], e["node"]["name"]) for e in conn["edges"]]


def keyset_cursors(port):
    """The cursor each page starts after, walking the pages in order."""
    cursors, after = {1: None}, None
    for page in range(2, max(PAGES) + 1):
        after = ask(port, after)["pageInfo"]["endCursor"]
        cursors[page] = after
    return cursors


def timed(port, after):
    start = time.perf_counter()
    ask(port, after)
    return (time.perf_counter() - start) * 1000


def main():
    given = sys.argv[1] if len(sys.argv) > 1 else None
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as work:
        db = database(work, given)
        paths = models(work, db)
        procs = [serve(db, paths["offset"], 5081), serve(db, paths["keyset"], 5082)]
        try:
            walked = keyset_cursors(5082)
            print(f"{'page':>5} {'offset ms':>10} {'keyset ms':>10} {'offset/keyset':>14}")
            for page in PAGES:
                offset_after = None if page == 1 else base64.b64encode(
                    f"arrayconnection:{20 * (page - 1) - 1}".encode()).decode()
                a, b = ask(5081, offset_after), ask(5082, walked[page])
                if rows(a) != rows(b) or len(rows(a)) != 20:
                    sys.exit(f"page {page}: the two servers answer different rows")
                times = {"offset": [], "keyset": []}
                for _ in range(runs):
                    times["offset"].append(timed(5081, offset_after))
                    times["keyset"].append(timed(5082, walked[page]))
                o, k = (statistics.median(times[n]) for n in ("offset", "keyset"))
                print(f"{page:>5} {o:>10.3f} {k:>10.3f} {o / k:>13.2f}x")
        finally:
            for p in procs:
                p.kill()


if __name__ == "__main__":
    main()
