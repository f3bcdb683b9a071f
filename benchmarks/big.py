#!/usr/bin/env python3
"""Larger than memory: the KPISET workload on 100M tickets (a folder of Parquet files),
against the read floor and, optionally, DuckDB — wall time, peak memory, equal results.

    python benchmarks/big.py --harness-python /path/to/harness-venv/bin/python
    python benchmarks/big.py --harness-python ... --duckdb      # also DuckDB (~20 GB)

Builds benchmarks/data/big100m/{tickets,surveys}/ from the harness's 10M files (made
with its gen.py when missing; benchmarks/make_big.py shifts the ids of each copy), then
runs, one after the other (they cannot share the machine's memory): the floor (pyarrow
reading the needed columns of every file: ~13 GB), supportkpi as a user would run it
(skpi_kpiset.py: `supportkpi compute` with the KPISET options; the export is larger
than half the free memory, so it reads in parts by itself), and DuckDB when asked.
With DuckDB, supportkpi's result is checked against it (compare.py, rtol 1e-9).
Peak memory is the process's maximum resident set (os.wait4).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time

import bytecode

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(os.path.dirname(HERE), "..", "shared", "perf")
DATA = os.path.join(HERE, "data")
OUT = os.path.join(HERE, "out")


def timed(cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--copies", type=int, default=10, help="copies of the 10M files")
    ap.add_argument("--n", type=int, default=1, help="runs of supportkpi and the floor")
    ap.add_argument("--duckdb", action="store_true")
    ap.add_argument("--harness-python", default=os.environ.get("HARNESS_PYTHON", sys.executable))
    a = ap.parse_args()

    src_t = os.path.join(DATA, "tickets_10000000.parquet")
    src_s = os.path.join(DATA, "surveys_10000000.parquet")
    if not os.path.exists(src_t):
        os.makedirs(DATA, exist_ok=True)
        subprocess.run(
            [a.harness_python, os.path.join(SHARED, "gen.py"), "10000000", "--out", DATA],
            check=True,
        )
    folder = os.path.join(DATA, f"big{a.copies * 10}m")
    tickets, surveys = os.path.join(folder, "tickets"), os.path.join(folder, "surveys")
    if not os.path.isdir(tickets):
        subprocess.run(
            [sys.executable, os.path.join(HERE, "make_big.py"), src_t, src_s,
             "--copies", str(a.copies), "--out", folder],
            check=True,
        )  # fmt: skip

    bytecode.ensure()  # as an installed copy has it
    os.makedirs(OUT, exist_ok=True)
    rows = []
    floor = [
        timed([a.harness_python, os.path.join(SHARED, "floor_read.py"), tickets, surveys])
        for _ in range(a.n)
    ]
    rows.append(("floor", floor))
    ours = os.path.join(OUT, "big_supportkpi.json")
    skpi = [
        timed([sys.executable, os.path.join(HERE, "skpi_kpiset.py"), tickets, surveys,
               "--dump", ours])
        for _ in range(a.n)
    ]  # fmt: skip
    rows.append(("supportkpi", skpi))
    check = ""
    if a.duckdb:
        ref = os.path.join(OUT, "big_duckdb.json")
        duck = timed(
            [a.harness_python, os.path.join(SHARED, "ref_duckdb.py"),
             os.path.join(tickets, "*.parquet"), os.path.join(surveys, "*.parquet"),
             "--dump", ref]
        )  # fmt: skip
        rows.append(("duckdb", [duck]))
        done = subprocess.run(
            [a.harness_python, os.path.join(SHARED, "compare.py"), ref, ours],
            capture_output=True,
            text=True,
        )
        check = done.stdout.strip()
    base = sorted(w for w, _ in floor)[len(floor) // 2]
    lines = ["| command | wall s (median) | peak MiB | wall / floor |", "| --- | --- | --- | --- |"]
    for name, runs in rows:
        wall = sorted(w for w, _ in runs)[len(runs) // 2]
        peak = max(p for _, p in runs)
        lines.append(f"| {name} | {wall:.1f} | {peak:,.0f} | {wall / base:.2f} |")
    report = "\n".join(lines) + (f"\n\n{check}" if check else "")
    print(report)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with open(os.path.join(OUT, "results.log"), "a") as fh:
        fh.write(f"\n## {started} big.py --copies {a.copies}\n{report}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
