#!/usr/bin/env python3
"""The one-second rule for relaylite's default limits, measured on the original.

relaylite refuses oversized requests (too many aliases, too deep, too many rows, too many bytes...),
but its defaults must never refuse a request the original would have answered in reasonable time.
This script measures, on the benchmark database (benches/bench.sql: 20 departments, 50 roles,
20,000 employees), the largest request of each kind that the original (graphene-sqlalchemy example
app, tests/differential, under gunicorn with ONE sync worker) answers successfully -- HTTP 200 and
`data` without `errors` -- within one second of client-side wall time. relaylite's default limits
must not refuse anything at or below those sizes.

For each family the size is doubled until a size takes over 1 s or fails, then bisected (to about
2 % when the boundary is a matter of time, exactly when it is an error). Each size is timed as the
median of 3 POST /graphql requests (application/json). A family gives up after about 60 s of its own.

    tests/differential/setup.sh            # once: the original's virtualenv
    python3 benches/limits_rule.py [--only 1,4,10a]

Progress goes to stderr, the report to stdout. Standard library only.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import Callable, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIFFERENTIAL = os.path.join(ROOT, "tests", "differential")
GUNICORN = os.path.join(DIFFERENTIAL, ".venv", "bin", "gunicorn")
BENCH_SQL = os.path.join(ROOT, "benches", "bench.sql")

LIMIT_S = 1.0            # the rule: answered within one second
SAMPLES = 3              # each size is the median of this many requests
FAMILY_BUDGET_S = 60.0   # a family stops searching after this much of its own time
CLIENT_TIMEOUT_S = 30.0
# gunicorn kills a request running longer than this, so one runaway size cannot stall the run
WORKER_TIMEOUT_S = 20
MAX_SIZE = 2_000_000
MAX_BYTES = 200 * 2 ** 20
EMPLOYEES = 20_000       # rows in the benchmark database: asking for more returns the same


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---- the original under gunicorn -------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_bench_db(path):
    """A fresh copy of the benchmark database, made as documented (sqlite3 CLI) when available."""
    with open(BENCH_SQL, "rb") as sql:
        if shutil.which("sqlite3"):
            subprocess.run(["sqlite3", path], stdin=sql, check=True)
            return
        con = sqlite3.connect(path)
        con.executescript(sql.read().decode())
        con.close()


@dataclass
class Sample:
    seconds: float
    status: Optional[int]          # None: no HTTP response at all (timeout, connection reset)
    error: Optional[str]           # None: success (HTTP 200, data, no errors)


def failure_of(status, raw):
    """Why a response is not a success, or None when it is one."""
    try:
        body = json.loads(raw)
    except ValueError:
        return f"HTTP {status}, not JSON: {raw[:100]!r}"
    if not isinstance(body, dict):
        return f"HTTP {status}, JSON {type(body).__name__}"
    if body.get("errors"):
        return str(body["errors"][0].get("message"))
    if status != 200:
        return f"HTTP {status}"
    if body.get("data") is None:
        return "data is null"
    return None


class Original:
    """gunicorn -w 1 serving the original app on a temporary copy of the benchmark database."""

    def __init__(self, workdir):
        if not os.path.exists(GUNICORN):
            raise SystemExit("run tests/differential/setup.sh first (no original virtualenv)")
        db = os.path.join(workdir, "bench.sqlite3")
        build_bench_db(db)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.log_path = os.path.join(workdir, "gunicorn.log")
        with open(self.log_path, "wb") as out:
            # own session, so that stopping it also stops its worker (and nothing else)
            self.proc = subprocess.Popen(
                [GUNICORN, "--chdir", DIFFERENTIAL, "-w", "1", "-b", f"127.0.0.1:{port}",
                 "--timeout", str(WORKER_TIMEOUT_S), "--log-level", "warning", "original_app:app"],
                env=dict(os.environ, RELAYLITE_ORIGINAL_DB=db),
                stdout=out, stderr=out, start_new_session=True)
        self.wait_up()

    def post(self, body: bytes) -> Sample:
        req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=CLIENT_TIMEOUT_S) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        except (OSError, HTTPException) as e:
            return Sample(time.perf_counter() - start, None, f"no response: {type(e).__name__}: {e}")
        elapsed = time.perf_counter() - start   # client wall time; decoding below is not the server's
        return Sample(elapsed, status, failure_of(status, raw.decode("utf-8", "replace")))

    def wait_up(self, seconds=60):
        """After a request got no response the worker may be restarting: wait until it answers."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}; log:\n{self.log_tail()}")
            if self.post(b'{"query": "{ __typename }"}').error is None:
                return
            time.sleep(0.2)
        raise SystemExit(f"the original did not answer within {seconds} s; log:\n{self.log_tail()}")

    def log_tail(self, n=2000):
        with open(self.log_path, "rb") as f:
            return f.read()[-n:].decode("utf-8", "replace")

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)      # gunicorn: INT = quick shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# ---- measuring one size ----------------------------------------------------------------------

@dataclass
class Measurement:
    body_bytes: int
    samples: List[Sample]

    @property
    def failure(self):
        return next((s for s in self.samples if s.error), None)

    @property
    def seconds(self):
        return statistics.median_low([s.seconds for s in self.samples])

    @property
    def ok(self):
        return self.failure is None and self.seconds <= LIMIT_S

    def took(self):
        f = self.failure
        return f"failed after {f.seconds:.3f} s" if f else f"{self.seconds:.3f} s"

    def verdict(self):
        f = self.failure
        return f"{self.took()}: {short(f.error)}" if f else self.took()

    def response(self):
        """The measured response in short form: status and first error message."""
        s = self.failure or self.samples[0]
        status = "no HTTP response" if s.status is None else f"HTTP {s.status}"
        return f"{status}, " + (f"error: {short(s.error, 160)}" if s.error else "data, no errors")


def short(text, n=70):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n - 1] + "…"


def measure(server, body) -> Measurement:
    samples = []
    for _ in range(SAMPLES):
        s = server.post(body)
        samples.append(s)
        if s.status is None:
            server.wait_up()
        if s.error:
            break                      # failures are deterministic here; repeating only costs time
        over = [x for x in samples if x.seconds > LIMIT_S]
        if len(over) >= 2 or s.seconds > 3 * LIMIT_S:
            break                      # the median of three is already over the limit
    return Measurement(len(body), samples)


# ---- searching one family --------------------------------------------------------------------

@dataclass
class Family:
    key: str
    title: str
    body: Callable[[int], bytes]        # size -> the JSON request body
    start: int = 1
    cap: int = MAX_SIZE
    detail: Callable[[int], str] = lambda k: ""   # what else to report about a size


@dataclass
class Result:
    family: Family
    good: Optional[Measurement] = None  # largest size answered within the limit
    bad: Optional[Measurement] = None   # first size over the limit or failing
    good_size: Optional[int] = None
    bad_size: Optional[int] = None
    stopped: str = ""                   # why the search ended without a bad size
    tries: int = 0


def search(server, fam: Family) -> Result:
    res = Result(fam)
    deadline = time.monotonic() + FAMILY_BUDGET_S

    def run(k):
        body = fam.body(k)
        m = measure(server, body)
        res.tries += 1
        log(f"  [{fam.key}] size {k}: {m.verdict()}  ({len(body)} body bytes)")
        if m.ok:
            res.good, res.good_size = m, k
        else:
            res.bad, res.bad_size = m, k
        return m.ok

    # doubling
    k = fam.start
    while run(k):
        if k >= fam.cap:
            res.stopped = f"cap {fam.cap} reached"
            return res
        if time.monotonic() > deadline:
            res.stopped = "time budget spent while doubling"
            return res
        k = min(2 * k, fam.cap)

    # bisection: exactly for an error boundary (cheap, deterministic), to ~2 % for a time boundary
    while res.good_size is not None:
        tolerance = 1 if res.bad.failure else max(1, res.good_size // 50)
        if res.bad_size - res.good_size <= tolerance:
            break
        if time.monotonic() > deadline:
            res.stopped = "time budget spent while bisecting"
            break
        run((res.good_size + res.bad_size) // 2)
    return res


# ---- the request families --------------------------------------------------------------------

def gql(query, **extra) -> bytes:
    return json.dumps({"query": query, **extra}).encode()


TOKEN = re.compile(r'\.\.\.|[!$&()\[\]{}:=@|]|[_A-Za-z][_0-9A-Za-z]*|-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"')


def lexical_tokens(query):
    """Roughly GraphQL's lexical tokens: names, punctuators, numbers, strings (no comments, commas)."""
    return len(TOKEN.findall(re.sub(r"#[^\n\r]*", "", query)))


def aliases_typename(k):
    return "{ " + " ".join(f"a{i}: __typename" for i in range(k)) + " }"


def root_connections(k):
    return "{ " + " ".join(f"a{i}: allEmployees(first: 1) {{ edges {{ node {{ name }} }} }}"
                           for i in range(k)) + " }"


FRAGMENT_F = "fragment F on Employee { name hiredOn departmentId roleId id }"


def fragment_reuse(k):
    return "{ " + " ".join(f"e{i}: allEmployees(first: 1) {{ edges {{ node {{ ...F }} }} }}"
                           for i in range(k)) + " } " + FRAGMENT_F


def depth_chain(hops):
    """k relationship hops below allDepartments, alternately employees(first: 1) and department."""
    opens, closes = [], []
    for i in range(hops):
        if i % 2 == 0:
            opens.append("employees(first: 1) { edges { node {")
            closes.append("} } }")
        else:
            opens.append("department {")
            closes.append("}")
    return ("{ allDepartments(first: 1) { edges { node { " + " ".join(opens) + " name "
            + " ".join(reversed(closes)) + " } } } }")


def selection_depth(query):
    """Nesting depth of selection sets, the operation's own included. Counting braces is exact
    here only because the query has no input-object literals (those use braces too)."""
    depth = deepest = 0
    for c in query:
        depth += (c == "{") - (c == "}")
        deepest = max(deepest, depth)
    return deepest


def rows(k):
    return f"{{ allEmployees(first: {k}) {{ edges {{ node {{ id name }} }} }} }}"


def rows_related(k):
    return (f"{{ allEmployees(first: {k}) {{ edges {{ node {{ name department {{ name }} "
            f"role {{ name }} }} }} }} }}")


def row_fields(k):
    fields = " ".join(f"f{i}: name" for i in range(k))
    return f"{{ allEmployees(first: 100) {{ edges {{ node {{ {fields} }} }} }} }}"


def in_list(k):
    ids = ", ".join(str(i) for i in range(1, k + 1))
    return f"{{ allEmployees(first: 1, filter: {{id: {{in: [{ids}]}}}}) {{ edges {{ node {{ id }} }} }} }}"


def like_pattern(k):
    # no employee name contains "a", so the pattern matches nothing and rows cost nothing
    return (f'{{ allEmployees(first: 1, filter: {{name: {{like: "%{"a" * k}%"}}}}) '
            f'{{ edges {{ node {{ id }} }} }} }}')


def comment_padded(k):
    return "{ __typename }\n#" + "x" * max(0, k - 1)   # the comment is k bytes, "#" included


def describe_query(build):
    return lambda k: f"{len(build(k).encode())} query bytes, ~{lexical_tokens(build(k))} tokens"


FAMILIES = [
    Family("1", "aliases of __typename", lambda k: gql(aliases_typename(k)),
           detail=describe_query(aliases_typename)),
    Family("2", "aliased root connection fields", lambda k: gql(root_connections(k)),
           detail=describe_query(root_connections)),
    Family("3", "aliases each spreading one fragment", lambda k: gql(fragment_reuse(k)),
           detail=lambda k: (f"{k} aliases, {k} spreads of F; after fragment expansion {8 * k} "
                             f"field selections ({5 * k} leaf values); "
                             + describe_query(fragment_reuse)(k))),
    Family("4", "depth: relationship hops", lambda k: gql(depth_chain(k)),
           detail=lambda k: (f"selection-set nesting depth {selection_depth(depth_chain(k))} "
                             f"(operation's own set counted); "
                             + describe_query(depth_chain)(k))),
    Family("5", "rows (id, name)", lambda k: gql(rows(k)), cap=EMPLOYEES,
           detail=lambda k: f"{k} rows, {2 * k} leaf values"),
    Family("6", "rows with department, role", lambda k: gql(rows_related(k)), cap=EMPLOYEES,
           detail=lambda k: f"{k} rows, {3 * k} leaf values"),
    Family("7", "aliased fields per row (100 rows)", lambda k: gql(row_fields(k)),
           detail=lambda k: f"{k * 100} response values; " + describe_query(row_fields)(k)),
    Family("8", "id `in` list length", lambda k: gql(in_list(k)),
           detail=describe_query(in_list)),
    Family("9", "`like` pattern characters", lambda k: gql(like_pattern(k)),
           detail=lambda k: f"pattern %…% is {k + 2} bytes"),
    Family("10a", "document bytes (trailing comment)", lambda k: gql(comment_padded(k)),
           start=1024, cap=MAX_BYTES,
           detail=lambda k: f"{len(comment_padded(k))} document bytes, 3 tokens + one comment"),
    Family("10b", "body bytes (unused \"pad\" key)", lambda k: gql("{ __typename }", pad="x" * k),
           start=1024, cap=MAX_BYTES,
           detail=lambda k: f"{len(gql('{ __typename }', pad='x' * k))} body bytes"),
]

# family 11: fixed requests, not a search. The brief's `id: {lt: 5}` does not exist (IdFilter has
# eq/in/nEq/notIn only), so it is sent as written to show that, then with `in` instead.
HUGE = 2147483647
HUGE_CHECKS = [
    (f"first: {HUGE}, filter id lt 5 (as briefed)",
     f"{{ allEmployees(first: {HUGE}, filter: {{id: {{lt: 5}}}}) {{ edges {{ node {{ id }} }} }} }}"),
    (f"first: {HUGE}, filter id in [1..4]",
     f"{{ allEmployees(first: {HUGE}, filter: {{id: {{in: [1, 2, 3, 4]}}}}) {{ edges {{ node {{ id }} }} }} }}"),
    (f"last: {HUGE}, filter id in [1..4]",
     f"{{ allEmployees(last: {HUGE}, filter: {{id: {{in: [1, 2, 3, 4]}}}}) {{ edges {{ node {{ id }} }} }} }}"),
    (f"first: {HUGE}, no filter (20000 rows)",
     f"{{ allEmployees(first: {HUGE}) {{ edges {{ node {{ id }} }} }} }}"),
    (f"last: {HUGE}, no filter (20000 rows)",
     f"{{ allEmployees(last: {HUGE}) {{ edges {{ node {{ id }} }} }} }}"),
]


# ---- report ----------------------------------------------------------------------------------

def table(headers, rows_):
    widths = [max(len(str(r[i])) for r in [headers] + rows_) for i in range(len(headers))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows_])


def report(results, huge):
    print(f"Largest requests the original answers within {LIMIT_S:g} s "
          f"(gunicorn -w 1, benchmark database, median of {SAMPLES})\n")
    rows_ = []
    for r in results:
        good = str(r.good_size) if r.good_size is not None else "none"
        took = f"{r.good.seconds:.3f} s" if r.good else "-"
        if r.bad:
            first_bad = f"{r.bad_size} ({r.bad.verdict()})"
        else:
            first_bad = f"- ({r.stopped})"
        rows_.append([r.family.key, r.family.title, good, took, first_bad])
    print(table(["#", "family", "largest <= 1 s", "time", "first over 1 s / failed"], rows_))

    print("\nAt the boundary:")
    for r in results:
        print(f"  {r.family.key}. {r.family.title}  [{r.tries} sizes tried"
              + (f"; {r.stopped}" if r.stopped and r.bad else "") + "]")
        for label, size, m in (("largest ok", r.good_size, r.good), ("first over", r.bad_size, r.bad)):
            if m is None:
                continue
            print(f"     {label} {size}: {m.took()}; {m.response()}")
            extra = r.family.detail(size)
            if extra:
                print(f"        {extra}")

    print(f"\n11. huge first/last (median of {SAMPLES}):")
    print(table(["request", "time", "response"],
                [[label, f"{m.seconds:.3f} s", m.response()] for label, m in huge]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated family keys, e.g. 1,4,10a,11")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    # a SIGTERM must still run the finally below, which stops gunicorn
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="limits_rule.") as work:
        log("building the benchmark database and starting the original…")
        server = Original(work)
        try:
            results = []
            for fam in FAMILIES:
                if only and fam.key not in only:
                    continue
                log(f"family {fam.key}: {fam.title}")
                results.append(search(server, fam))
            huge = []
            if not only or "11" in only:
                log("family 11: huge first/last")
                for label, query in HUGE_CHECKS:
                    huge.append((label, measure(server, gql(query))))
                    log(f"  [11] {label}: {huge[-1][1].verdict()}")
        finally:
            server.close()
    report(results, huge)
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
