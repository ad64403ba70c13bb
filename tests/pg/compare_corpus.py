#!/usr/bin/env python3
"""Replays every conformance case against the original served on PostgreSQL, and compares.

    tests/differential/setup.sh
    tests/differential/.venv/bin/python tests/pg/compare_corpus.py [--write]

Starts a throw-away cluster (tests/pg/cluster.sh) with tests/pg/tutorial.sql loaded, the
original (original_app.py under gunicorn) on it, and the original on a copy of the SQLite
fixture as a control (which must give every golden answer). Each case of tests/conformance/cases/ and tests/cases/ is sent to both
(twice to PostgreSQL, to catch answers that change between runs); the PostgreSQL answer is
compared with the case's golden one as tests/conformance.rs compares (status, JSON with key
order), and byte for byte. Cases recorded from relaylite rather than the original
(`recorded_from`) are compared with the SQLite original's live answer instead.

Without --write: prints every case whose PostgreSQL answer differs from NAME.json in
tests/pg/expected/ or tests/pg/original-only/ when that exists, else from the golden case; exits
1 if any. With --write: writes to tests/pg/expected/ one file per case whose PostgreSQL answer
differs from the golden one (the corpus's case format; the reasons are reviewed by hand in
tests/pg/DIFFERENCES.md, which also says which belong in original-only/: answers relaylite does
not reproduce on purpose).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "differential"))
import run  # noqa: E402

EXPECTED = os.path.join(HERE, "expected")
ORIGINAL_ONLY = os.path.join(HERE, "original-only")


def post(url, body):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def canonical(text):
    """The body as the corpus compares it: parsed JSON with key order, or the text itself."""
    value = parsed(text)
    return text if value is None else json.dumps(value, ensure_ascii=False)


def parsed(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def start_original(port, env):
    gunicorn = os.path.join(ROOT, "tests", "differential", ".venv", "bin", "gunicorn")
    proc = subprocess.Popen([gunicorn, "--chdir", os.path.join(ROOT, "tests", "differential"), "-w", "2",
                             "-b", f"127.0.0.1:{port}", "--log-level", "error", "original_app:app"],
                            env=dict(os.environ, **env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/graphql"
    run.wait_up(url, proc)
    return proc, url


def main():
    write = "--write" in sys.argv[1:]
    cluster = os.path.join(HERE, "cluster.sh")
    pg_dir, work = tempfile.mkdtemp(prefix="relaylite-pg-"), tempfile.mkdtemp(prefix="relaylite-cmp-")
    procs = []
    try:
        admin = subprocess.check_output([cluster, "start", pg_dir], text=True).strip()
        db = admin.rsplit("/", 1)[0] + "/tutorial"
        psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"]
        subprocess.run(psql + [admin, "-c", "CREATE DATABASE tutorial"], check=True)
        subprocess.run(psql + [db, "-f", os.path.join(HERE, "tutorial.sql")], check=True, stdout=subprocess.DEVNULL)
        p, pg = start_original(run.free_port(), {"RELAYLITE_ORIGINAL_URL": db})
        procs.append(p)
        p, sq = start_original(run.free_port(), {"RELAYLITE_ORIGINAL_DB": run.fixture_copy(work, "fixture.sqlite3")})
        procs.append(p)

        paths = sorted(glob.glob(os.path.join(ROOT, "tests", "conformance", "cases", "*.json")))
        paths += sorted(glob.glob(os.path.join(ROOT, "tests", "cases", "*.json")))
        if write:
            shutil.rmtree(EXPECTED, ignore_errors=True)
            os.makedirs(EXPECTED)
        counts = {"cases": len(paths), "byte-identical": 0, "same JSON, other bytes": 0, "different": 0}
        bad = []
        for path in paths:
            case = json.load(open(path, encoding="utf-8"))
            req = {k: case[k] for k in ("query", "variables", "operationName") if k in case}
            status, ctype, text = post(pg, req)
            again = post(pg, req)
            if again != (status, ctype, text):
                bad.append(f"{case['name']}: PostgreSQL answered differently the second time")
            golden = (case["status"], case["body"])
            s_status, _, s_text = post(sq, req)
            if "recorded_from" in case:  # not the original's answer: compare with the original on SQLite
                golden = (s_status, s_text)
                print(f"{case['name']}: recorded from relaylite; compared with the SQLite original's live answer")
            elif (s_status, canonical(s_text)) != (golden[0], canonical(golden[1])):
                bad.append(f"{case['name']}: the control, the original on SQLite, does not give the golden answer")
            same = (status, canonical(text)) == (golden[0], canonical(golden[1]))
            counts["byte-identical" if (status, text) == golden else
                   "same JSON, other bytes" if same else "different"] += 1
            if not same:
                print(f"{case['name']}: differs")
            if write and not same and "recorded_from" not in case:
                doc = {"name": case["name"], **req, "status": status,
                       "response": parsed(text),
                       "content_type": ctype, "body": text}
                with open(os.path.join(EXPECTED, case["name"] + ".json"), "w", encoding="utf-8") as f:
                    json.dump(doc, f, ensure_ascii=False, indent=2)
                    f.write("\n")
            if not write:
                paths = [os.path.join(d, case["name"] + ".json") for d in (EXPECTED, ORIGINAL_ONLY)]
                found = [p for p in paths if os.path.exists(p)]
                exp = json.load(open(found[0], encoding="utf-8")) if found else None
                want = (exp["status"], exp["body"]) if exp else golden
                if (status, canonical(text)) != (want[0], canonical(want[1])):
                    bad.append(f"{case['name']}: PostgreSQL's answer is not the expected one\n  got  {text}"
                               f"\n  want {want[1]}")
        print(json.dumps(counts))
        for b in bad:
            print(b)
        sys.exit(1 if bad else 0)
    finally:
        for p in procs:
            p.terminate()
        subprocess.run([cluster, "stop", pg_dir])
        shutil.rmtree(pg_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
