#!/usr/bin/env python3
"""Cost against the size of the data: generated databases S (10,000 orders) and L
(1,000,000), seeded, of one shape — customer (1/10 of the orders), orders(customer_id →
customer, total REAL, status TEXT, placed TEXT, one in ten without a date) indexed on
customer_id and on placed, ANALYZEd — and the issue's queries on one or two relaylite
builds over HTTP (median of 5 after a warm-up, ms).

    python3 benches/scale.py BINARY [BINARY2]        (SIZES=S or SIZES=L to do one)
"""
import json, os, random, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request, base64

SIZES = {"S": 10_000, "L": 1_000_000}


def generate(path, orders):
    rnd = random.Random(19)
    c = sqlite3.connect(path)
    c.executescript("""
        CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer (id),
          total REAL, status TEXT, placed TEXT);
        CREATE INDEX orders_customer ON orders (customer_id);
        CREATE INDEX orders_placed ON orders (placed);""")
    customers = orders // 10
    c.executemany("INSERT INTO customer VALUES (?, ?)", ((i, f"customer {i}") for i in range(1, customers + 1)))
    def order(i):
        placed = None if rnd.random() < 0.1 else \
            f"20{rnd.randint(15, 24)}-{rnd.randint(1, 12):02}-{rnd.randint(1, 28):02} {rnd.randint(0, 23):02}:{rnd.randint(0, 59):02}:00"
        return (i, rnd.randint(1, customers), round(rnd.random() * 500, 2), rnd.choice(["new", "paid", "sent"]), placed)
    c.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", (order(i) for i in range(1, orders + 1)))
    c.commit()
    c.execute("ANALYZE")
    c.commit()
    return c


def cursor(values):
    doc = ["k1", "Query.allOrders|placed:DESC,id:ASC", values]
    return base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def post(port, query):
    body = json.dumps({"query": query}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    answer = json.loads(urllib.request.urlopen(req).read())
    assert "errors" not in answer, answer
    return (time.perf_counter() - start) * 1000


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
                "totalCount": "{ allOrders { totalCount } }",
                "customers(50) > orders(10) > totalCount": "{ allCustomers(first: 50) { edges { node { name orders(first: 10) { totalCount edges { node { total } } } } } } }",
            }
            for binary in binaries:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
                server = subprocess.Popen([binary, "serve", "--db", path, "--listen", f"127.0.0.1:{port}"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    for _ in range(200):
                        try:
                            urllib.request.urlopen(f"http://127.0.0.1:{port}/health"); break
                        except OSError:
                            time.sleep(0.05)
                    for name, q in queries.items():
                        try:
                            post(port, q)
                            times = sorted(post(port, q) for _ in range(5))
                            print(f"{size} {binary}: {name}: {times[2]:.2f} ms")
                        except AssertionError as e:
                            print(f"{size} {binary}: {name}: error {str(e)[:120]}")
                finally:
                    server.terminate(); server.wait()


if __name__ == "__main__":
    main()
