#!/usr/bin/env python3
"""Medians over several runs of benches/pg/load.sh, each run with its own RESULTS_DIR:

    for i in 1 2 3; do RESULTS_DIR=/tmp/pgruns/r$i benches/pg/load.sh 8; done
    python3 benches/pg/medians.py /tmp/pgruns/r1 /tmp/pgruns/r2 /tmp/pgruns/r3

Ratios are the median of each run's own ratio (both sides measured in the same run), not a
ratio of medians. Prints every run's figure beside the median, so the spread shows.
"""
import statistics
import sys

dirs = sys.argv[1:]
med = statistics.median


def results(d):
    out = {}
    for line in open(f"{d}/results"):
        s, q, rps, p50, p99, bad, n = line.split()
        out[(s, q)] = (float(rps), float(p50), float(p99), int(bad))
    return out


def scale(d):
    out = {}
    for line in open(f"{d}/scale"):
        n, q, rps, *_ = line.split()
        out[(n, q)] = float(rps)
    return out


runs = [results(d) for d in dirs]
keys = list(runs[0])
print(f"{len(dirs)} runs; median (each run)\n")
print(f"| server | query | req/s | p50 ms | p99 ms | failed |")
print("|---|---|---|---|---|---|")
for k in keys:
    col = lambda i, fmt: f"{fmt.format(med(r[k][i] for r in runs))} ({', '.join(fmt.format(r[k][i]) for r in runs)})"
    print(f"| {k[0]} | {k[1]} | {col(0, '{:,.1f}')} | {col(1, '{:.2f}')} | {col(2, '{:.2f}')} | {sum(r[k][3] for r in runs)} |")
print("\n| query | relaylite-pg / relaylite-sqlite | relaylite-pg / original-pg |")
print("|---|---|---|")
for q in ("q1", "q2", "q3", "chinook_nested"):
    cells = []
    for other in ("relaylite-sqlite", "original-pg"):
        ratios = [r[("relaylite-pg", q)][0] / r[(other, q)][0] for r in runs if (other, q) in r and r[(other, q)][0] > 0]
        cells.append(f"{med(ratios):.2f}x ({', '.join(f'{x:.2f}' for x in ratios)})" if ratios else "-")
    print(f"| {q} | {cells[0]} | {cells[1]} |")

scales = [scale(d) for d in dirs]
print("\n| query | N=1 req/s | N=1, two wrk | N=2 | N=1, --pool-size 2 | N=2 / N=1 (two wrk) | pool 2 / pool 8 |")
print("|---|---|---|---|---|---|---|")
for q in ("q1", "q2"):
    cell = lambda n: f"{med(s[(n, q)] for s in scales):,.1f} ({', '.join(f'{s[(n, q)]:,.0f}' for s in scales)})"
    r2 = [s[("2", q)] / s[("1x2", q)] for s in scales]
    rp = [s[("1p2", q)] / s[("1", q)] for s in scales]
    print(f"| {q} | {cell('1')} | {cell('1x2')} | {cell('2')} | {cell('1p2')} | "
          f"{med(r2):.2f}x ({', '.join(f'{x:.2f}' for x in r2)}) | {med(rp):.2f}x ({', '.join(f'{x:.2f}' for x in rp)}) |")
