#!/usr/bin/env python3
"""Records cases from the original, in the conformance corpus's format, into tests/cases/.

    tests/differential/record.py cases.jsonl

Each line of the input is {"name": ..., "query": ..., ["variables": ...], ["operationName": ...]}.
The original is started on a fresh copy of the fixture database (setup.sh installs it).
Cases whose request mentions `containsExactly` are recorded from relaylite instead (the
original fails on all of them; relaylite follows graphene-sqlalchemy's docs), and say so.
Requests on which the original fails with an SQL error of its own are not recorded.
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


def record(url, req):
    status, text = run.post(url, req)
    try:
        response = json.loads(text)
    except ValueError:
        response = None
    return status, response, text


def main():
    cases = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    out_dir = os.path.join(run.ROOT, "tests", "cases")
    os.makedirs(out_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="relaylite-record-")
    binary = os.environ.get("RELAYLITE", os.path.join(run.ROOT, "target", "release", "relaylite"))
    procs, (orig_url, ours_url) = run.start_servers(work, binary)
    try:
        for case in cases:
            req = {k: case[k] for k in ("query", "variables", "operationName") if k in case}
            ours = "containsExactly" in json.dumps(req)
            status, response, text = record(ours_url if ours else orig_url, req)
            if any(e in text for e in run.ORIGINAL_SQL_ERRORS):
                print("skipped (the original built invalid SQL)", case["name"])
                continue
            doc = {"name": case["name"], **req, "status": status, "response": response,
                   "content_type": "application/json", "body": text}
            if ours:
                doc["recorded_from"] = "relaylite (the original fails on every containsExactly filter)"
            with open(os.path.join(out_dir, case["name"] + ".json"), "w") as f:
                json.dump(doc, f, ensure_ascii=False, indent=2)
                f.write("\n")
            print(status, case["name"])
    finally:
        for p in procs:
            p.terminate()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
