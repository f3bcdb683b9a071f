#!/usr/bin/env python3
"""Benchmark supportkpi against the read floor, DuckDB and Polars, in one run.

    python benchmarks/run.py                        # 1M Parquet + 1M CSV, n=5
    python benchmarks/run.py --scenarios pq10m --n 5
    python benchmarks/run.py --check                # results equal to DuckDB's first
    python benchmarks/run.py --harness-python /path/to/venv/bin/python

The harness lives outside the product (../shared/perf: gen.py, floor_read.py, the
DuckDB/Polars/pandas references, bench.py). It is read-only, so this script copies it
into benchmarks/out/harness/ for each run, points its data/ at benchmarks/data/
(generated with its gen.py when missing: 1M with CSV, 10M), and calls its bench.py
with supportkpi as an `--extra` command. The harness interpreter needs duckdb, polars,
pandas, pyarrow and numpy (../shared/perf/requirements.txt); supportkpi runs with the
interpreter this script runs with. Figures are printed and appended to
benchmarks/out/results.log; RESULTS.md is written by hand from them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys

import bytecode

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared", "perf")
OUT = os.path.join(HERE, "out")
DATA = os.path.join(HERE, "data")
NEEDS = {"pq1m": (1_000_000, True), "csv1m": (1_000_000, True), "pq10m": (10_000_000, False)}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scenarios", nargs="+", default=["pq1m", "csv1m"], choices=list(NEEDS))
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--check", action="store_true")
    ap.add_argument(
        "--tools",
        nargs="+",
        default=["duckdb", "polars"],
        help="reference tools to run beside supportkpi (duckdb polars pandas_naive)",
    )
    ap.add_argument("--harness-python", default=os.environ.get("HARNESS_PYTHON", sys.executable))
    a = ap.parse_args()

    harness = os.path.join(OUT, "harness")
    shutil.rmtree(harness, ignore_errors=True)
    os.makedirs(harness)
    for name in os.listdir(SHARED):
        if name.endswith(".py"):
            shutil.copy(os.path.join(SHARED, name), harness)
    os.makedirs(DATA, exist_ok=True)
    os.symlink(DATA, os.path.join(harness, "data"))

    for sc in a.scenarios:
        n, csv = NEEDS[sc]
        have = os.path.exists(os.path.join(DATA, f"tickets_{n}.parquet"))
        if not have or (csv and not os.path.exists(os.path.join(DATA, f"tickets_{n}.csv"))):
            cmd = [a.harness_python, "gen.py", str(n), "--out", DATA] + (["--csv"] if csv else [])
            subprocess.run(cmd, cwd=harness, check=True)

    bytecode.ensure()  # as an installed copy has it
    skpi = f"{sys.executable} {os.path.join(HERE, 'skpi_kpiset.py')} {{tickets}} {{surveys}}"
    cmd = [
        a.harness_python,
        "bench.py",
        "--scenarios",
        *a.scenarios,
        "--n",
        str(a.n),
        "--tools",
        *a.tools,
        "--extra",
        f"supportkpi={skpi}",
    ]
    if a.check:
        cmd.append("--check")
    env = dict(os.environ, KPISET_HARNESS=harness)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    proc = subprocess.run(cmd, cwd=harness, env=env, capture_output=True, text=True)
    sys.stderr.write(proc.stderr[-2000:])
    print(proc.stdout)
    with open(os.path.join(OUT, "results.log"), "a") as fh:
        fh.write(f"\n## {started}\n$ {' '.join(cmd)}\n{proc.stdout}\n")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
