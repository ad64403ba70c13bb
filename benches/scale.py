#!/usr/bin/env python3
"""Cost against the size of the data: generated databases S (10,000 orders) and L
(1,000,000), seeded, of one shape — customer (1/10 of the orders), orders(customer_id →
customer, total REAL, status TEXT, placed TEXT, one in ten without a date) indexed on
customer_id and on placed, order_line (2 per order) indexed on order_id, ANALYZEd — and the
issue's queries on one or two relaylite builds over HTTP (one kept-alive connection, median of 9
after a warm-up, ms),
beside the statements the last build ran (its `--log-sql`) timed directly on the bundled
SQLite by `examples/rawsql.rs` ("raw SQL", every cell read, median of 9 after a warm-up).

    cargo build --release --example rawsql
    python3 benches/scale.py BINARY [BINARY2]        (SIZES=S or SIZES=L to do one)
"""
import http.client, json, os, random, re, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request, base64

SIZES = {"S": 10_000, "L": 1_000_000}
RUNS = 9
RAWSQL = os.path.join(os.path.dirname(__file__), "..", "target", "release", "examples", "rawsql")


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


def main():
    binaries = sys.argv[1:]
    for size in os.environ.get("SIZES", "S L").split():
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, f"{size}.sqlite3")
            c = generate(path, SIZES[size])
            # The row in the middle of the newest-first order, as a cursor holds it.
            n = c.execute("SELECT count(*) FROM orders").fetchone()[0]
            placed, oid = c.execute(
                "SELECT placed, id FROM orders ORDER BY placed DESC, id ASC LIMIT 1 OFFSET ?", (n // 2,)).fetchone()
            c.close()
            queries = {
                "first page": "{ allOrders(first: 20) { edges { node { id } } } }",
                "PLACED_DESC first page": "{ allOrders(first: 20, sort: [PLACED_DESC]) { edges { node { id } } } }",
                "PLACED_DESC mid-cursor": '{ allOrders(first: 20, sort: [PLACED_DESC], after: "%s") { edges { node { id } } } }' % cursor([placed, oid]),
                "PLACED_ASC mid-cursor": '{ allOrders(first: 20, sort: [PLACED_ASC], after: "%s") { edges { node { id } } } }' % asc_cursor([placed, oid]),
                "totalCount": "{ allOrders { totalCount } }",
                "customers(50) > orders(10) > totalCount": "{ allCustomers(first: 50) { edges { node { name orders(first: 10) { totalCount edges { node { total } } } } } } }",
                "customers(50) > orders(10) > lines(5)": "{ allCustomers(first: 50) { edges { node { name orders(first: 10) { totalCount edges { node { total orderLines(first: 5) { edges { node { qty } } } } } } } } } }",
            }
            results = {}
            for binary in binaries:
                with tempfile.TemporaryFile("w+") as log:
                    server, port = serve(binary, path, log)
                    conn = http.client.HTTPConnection("127.0.0.1", port)
                    try:
                        for name, q in queries.items():
                            try:
                                log.flush(); log.seek(0, 2); start = log.tell()
                                post(conn, q)
                                times = sorted(post(conn, q) for _ in range(RUNS))
                                results.setdefault(name, []).append(f"{times[RUNS // 2]:.2f}")
                                log.flush(); log.seek(start)
                                raw = statements(log.readlines())
                                one = raw[:len(raw) // (RUNS + 1)]  # every run logged the same
                            except AssertionError as e:
                                results.setdefault(name, []).append("error " + str(e)[:80])
                                one = None
                            if binary == binaries[-1]:
                                results[name].append(rawsql(one, path) if one else "-")
                    finally:
                        server.terminate(); server.wait()
            print(f"\n{size}: query | " + " | ".join(binaries) + " | raw SQL of the last | ratio")
            for name, cells in results.items():
                try:
                    ratio = f"{float(cells[-2]) / float(cells[-1]):.2f}"
                except ValueError:
                    ratio = "-"
                print(f"{size} | {name} | " + " | ".join(cells) + f" | {ratio}")


def asc_cursor(values):
    doc = ["k1", "Query.allOrders|placed:ASC,id:ASC", values]
    return base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def rawsql(stmts, path):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(stmts, f)
    try:
        return subprocess.run([RAWSQL, f.name, path, str(RUNS)], capture_output=True, text=True, check=True).stdout.strip()
    finally:
        os.unlink(f.name)


if __name__ == "__main__":
    main()
