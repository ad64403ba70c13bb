"""Memory through a battery of large and hostile requests, on 127.0.0.1 only.

    python3 benches/memory.py BINARY [ROUNDS] [CLIENTS]    (cargo build --release first)

Starts BINARY on the benchmark database and on Chinook, sends ROUNDS (default 5) rounds of
large or hostile requests (a 20 MB body, 10 MB of comments, a 100,000-item `in` list,
10,000 aliases, 20,000 employees, the playlists <-> tracks fan-out, GraphiQL's
introspection) from CLIENTS (default 1) clients at once, and prints each server's resident memory: idle,
the peak through the battery (VmHWM), and two seconds after it. Every answer is checked:
a 5xx or a dropped connection fails the run.
"""
import concurrent.futures
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def database(work, name, sql_file):
    path = os.path.join(work, name + ".sqlite3")
    c = sqlite3.connect(path)
    c.executescript(open(os.path.join(ROOT, sql_file)).read())
    c.commit()
    c.close()
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(binary, db):
    port = free_port()
    p = subprocess.Popen([binary, "serve", "--db", db, "--listen", f"127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def status(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def post(port, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                 headers={"Content-Type": "application/json",
                                          "Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, len(r.read())
    except urllib.error.HTTPError as e:
        return e.code, len(e.read())
    except OSError:
        return 599, 0


def q(text):
    return json.dumps({"query": text}).encode()


def bench_requests():
    case = os.path.join(ROOT, "tests", "conformance", "cases", "introspection_full.json")
    introspection = json.load(open(case))["query"]
    return [
        json.dumps({"query": "{ __typename }", "pad": "x" * (20 << 20)}).encode(),
        q("{ __typename }\n" + ("# " + "c" * 98 + "\n") * ((10 << 20) // 100)),
        json.dumps({"query": "query ($ids: [ID]) { allEmployees(first: 5, filter: {id: {in: $ids}}) "
                             "{ edges { node { id } } } }", "variables": {"ids": list(range(100_000))}}).encode(),
        q("{ " + " ".join(f"a{i}: __typename" for i in range(10_000)) + " }"),
        q("{ allEmployees { edges { node { id name hiredOn department { name } role { name } } } } }"),
        q(introspection),
    ]


def chinook_requests():
    return [
        q("{ allPlaylists { nodes { tracks { nodes { playlists { nodes { tracks { nodes { trackId } } } } } } } } }"),
        q("{ allTracks { edges { node { name album { title artist { name } } genre { name } playlists { nodes { name } } } } } }"),
    ]


def battery(name, binary, db, requests, rounds, clients):
    p, port = start(binary, db)
    try:
        post(port, q("{ __typename }"))
        time.sleep(0.5)
        idle = status(p.pid, "VmRSS")
        work = [body for _ in range(rounds) for body in requests]
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            answers = list(pool.map(lambda b: post(port, b), work))
        took = time.time() - started
        bad = [s for s, _ in answers if s >= 500]
        peak = status(p.pid, "VmHWM")
        time.sleep(2)
        after = status(p.pid, "VmRSS")
        print(f"{name}: {len(work)} requests in {took:.1f} s, {len(bad)} failed; "
              f"RSS idle {idle:.1f} MB, peak {peak:.1f} MB, 2 s after {after:.1f} MB")
        return not bad
    finally:
        p.terminate()
        p.wait()


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with tempfile.TemporaryDirectory() as work:
        bench = database(work, "bench", "benches/bench.sql")
        chinook = database(work, "chinook", "tests/realdb/chinook.sql")
        ok = battery("bench", binary, bench, bench_requests(), rounds, clients)
        ok &= battery("chinook", binary, chinook, chinook_requests(), rounds, clients)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
