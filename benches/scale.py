#!/usr/bin/env python3
"""Cost against the size of the data: generated databases S (10,000 orders) and L
(1,000,000), seeded, of one shape — customer (1/10 of the orders), orders(customer_id →
customer, total REAL, status TEXT, placed TEXT, one in ten without a date) indexed on
customer_id and on placed, order_line (2 per order) indexed on order_id, ANALYZEd — and the
issue's queries, in ms:
- over HTTP on each relaylite build given (one kept-alive connection, median of 9 runs);
- in process, on this tree's `examples/profile.rs` (parsed, run and serialized: no HTTP);
- as raw SQL: the statements the last build ran (its `--log-sql`), timed directly on the
  bundled SQLite by `examples/rawsql.rs` (every cell read, median of 9 after a warm-up).
ROUNDS rounds (default 5) take each of them in turn; the table shows the medians of rounds.

    cargo build --release --example rawsql --example profile
    python3 benches/scale.py BINARY [BINARY2]        (SIZES=S or SIZES=L to do one)
"""
import http.client, json, os, random, re, socket, sqlite3, statistics, subprocess, sys, tempfile, time, urllib.request, base64

SIZES = {"S": 10_000, "L": 1_000_000}
RUNS = 9
ROUNDS = int(os.environ.get("ROUNDS", "5"))
EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "target", "release", "examples")
RAWSQL, PROFILE = os.path.join(EXAMPLES, "rawsql"), os.path.join(EXAMPLES, "profile")


def generate(path, orders):
    rnd = random.Random(19)
    c = sqlite3.connect(path)
    c.executescript("""
        CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (id),
          total REAL, status TEXT, placed TEXT);
        CREATE TABLE order_line (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
          product TEXT NOT NULL, qty INTEGER NOT NULL);
        CREATE INDEX orders_customer ON orders (customer_id);
        CREATE INDEX orders_placed ON orders (placed);
        CREATE INDEX order_line_order ON order_line (order_id);""")
    customers = orders // 10
    c.executemany("INSERT INTO customer VALUES (?, ?)", ((i, f"customer {i}") for i in range(1, customers + 1)))
    def order(i):
        placed = None if rnd.random() < 0.1 else \
            f"20{rnd.randint(15, 24)}-{rnd.randint(1, 12):02}-{rnd.randint(1, 28):02} {rnd.randint(0, 23):02}:{rnd.randint(0, 59):02}:00"
        return (i, rnd.randint(1, customers), round(rnd.random() * 500, 2), rnd.choice(["new", "paid", "sent"]), placed)
    c.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", (order(i) for i in range(1, orders + 1)))
    c.executemany("INSERT INTO order_line (order_id, product, qty) VALUES (?, ?, ?)",
                  ((i // 2 + 1, f"product {rnd.randint(1, 500)}", rnd.randint(1, 9)) for i in range(2 * orders)))
    c.commit()
    c.execute("ANALYZE")
    c.commit()
    return c


def cursor(values):
    doc = ["k1", "Query.allOrders|placed:DESC,id:ASC", values]
    return base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def post(conn, query):
    """Milliseconds to send `query` and read its whole answer on a kept-alive connection."""
    body = json.dumps({"query": query})
    start = time.perf_counter()
    conn.request("POST", "/graphql", body, {"Content-Type": "application/json"})
    text = conn.getresponse().read()
    took = (time.perf_counter() - start) * 1000
    answer = json.loads(text)
    assert "errors" not in answer, answer
    return took


PARAM = re.compile(r'Null|Int\((-?\d+)\)|Real\(([^)]+)\)|Text\("((?:[^"\\]|\\.)*)"\)')


def statements(log_lines):
    """The statements a `--log-sql` log printed (`SQL <text> [<params>]`), as rawsql reads them."""
    out = []
    for line in log_lines:
        if not line.startswith("SQL "):
            continue
        sql, params = line[4:].rstrip("\n").rsplit(" [", 1)
        values = []
        for m in PARAM.finditer("[" + params):
            if m.group(1) is not None:
                values.append(int(m.group(1)))
            elif m.group(2) is not None:
                values.append(float(m.group(2)))
            elif m.group(3) is not None:
                values.append(json.loads('"' + m.group(3) + '"'))
            else:
                values.append(None)
        out.append({"sql": sql, "params": values})
    return out


def serve(binary, path, log):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    server = subprocess.Popen([binary, "serve", "--db", path, "--listen", f"127.0.0.1:{port}", "--log-sql"],
                              stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health"); break
        except OSError:
            time.sleep(0.05)
    return server, port


def queries_for(path):
    c = sqlite3.connect(path)
    # The row in the middle of the newest-first order, as a cursor holds it.
    n = c.execute("SELECT count(*) FROM orders").fetchone()[0]
    placed, oid = c.execute(
        "SELECT placed, id FROM orders ORDER BY placed DESC, id ASC LIMIT 1 OFFSET ?", (n // 2,)).fetchone()
    c.close()
    return {
        # What a request costs with no SQL: the HTTP (and the client's) share of the others.
        "{ __typename }": "{ __typename }",
        "first page": "{ allOrders(first: 20) { edges { node { id } } } }",
        "PLACED_DESC first page": "{ allOrders(first: 20, sort: [PLACED_DESC]) { edges { node { id } } } }",
        "PLACED_DESC mid-cursor": '{ allOrders(first: 20, sort: [PLACED_DESC], after: "%s") { edges { node { id } } } }' % cursor([placed, oid]),
        "PLACED_ASC mid-cursor": '{ allOrders(first: 20, sort: [PLACED_ASC], after: "%s") { edges { node { id } } } }' % asc_cursor([placed, oid]),
        "totalCount": "{ allOrders { totalCount } }",
        "customers(50) > orders(10) > totalCount": "{ allCustomers(first: 50) { edges { node { name orders(first: 10) { totalCount edges { node { total } } } } } } }",
        "customers(50) > orders(10) > lines(5)": "{ allCustomers(first: 50) { edges { node { name orders(first: 10) { totalCount edges { node { total orderLines(first: 5) { edges { node { qty } } } } } } } } } }",
    }


def logged(conn, log, query):
    """The statements one run of `query` ran, as the server's `--log-sql` printed them."""
    log.flush(); log.seek(0, 2); start = log.tell()
    post(conn, query)
    time.sleep(0.05)
    log.flush(); log.seek(start)
    return statements(log.readlines())


def main():
    binaries = sys.argv[1:]
    for size in os.environ.get("SIZES", "S L").split():
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, f"{size}.sqlite3")
            generate(path, SIZES[size]).close()
            queries = queries_for(path)
            logs = [tempfile.TemporaryFile("w+") for _ in binaries]
            servers = [serve(b, path, log) for b, log in zip(binaries, logs)]
            conns = [http.client.HTTPConnection("127.0.0.1", port) for _, port in servers]
            try:
                sql = {name: logged(conns[-1], logs[-1], q) for name, q in queries.items()}
                # Rounds of every query on every server, in process and as raw SQL, one after
                # the other, so that the machine's drift falls on all of them alike.
                rounds = {}
                for _ in range(ROUNDS):
                    for name, q in queries.items():
                        cells = rounds.setdefault(name, [[] for _ in range(len(binaries) + 2)])
                        for i, conn in enumerate(conns):
                            post(conn, q)
                            cells[i].append(sorted(post(conn, q) for _ in range(RUNS))[RUNS // 2])
                        cells[-2].append(in_process(q, path))
                        cells[-1].append(rawsql(sql[name], path))
            finally:
                for server, _ in servers:
                    server.terminate(); server.wait()
            print(f"\n{size} | query | " + " | ".join(binaries)
                  + " | in process (this tree) | raw SQL | HTTP / raw | in process / raw")
            for name, cells in rounds.items():
                medians = [statistics.median(c) for c in cells]
                ratios = [f"{m / medians[-1]:.2f}" if medians[-1] else "-" for m in medians[-3:-1]]
                print(f"{size} | {name} | " + " | ".join(f"{m:.2f}" for m in medians) + " | " + " | ".join(ratios))


def asc_cursor(values):
    doc = ["k1", "Query.allOrders|placed:ASC,id:ASC", values]
    return base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def in_process(query, path):
    """Milliseconds a run of `query` takes inside one process (`examples/profile`: parsed, run
    and serialized, no HTTP), over RUNS runs."""
    with tempfile.NamedTemporaryFile("w", suffix=".graphql", delete=False) as f:
        f.write(query)
    try:
        out = subprocess.run([PROFILE, f.name, str(RUNS), path], capture_output=True, text=True).stderr
        m = re.search(r"([0-9.]+)(ns|µs|ms|s) per run", out)
        return float(m.group(1)) * {"ns": 1e-6, "µs": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
    finally:
        os.unlink(f.name)


def rawsql(stmts, path):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(stmts, f)
    try:
        return float(subprocess.run([RAWSQL, f.name, path, str(RUNS)], capture_output=True, text=True, check=True).stdout)
    finally:
        os.unlink(f.name)


if __name__ == "__main__":
    main()
