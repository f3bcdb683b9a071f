#!/usr/bin/env python3
"""sla-check with business hours against its read floor, in interleaved rounds.

    python benchmarks/sla_bench.py benchmarks/data/tickets_10000000.parquet --n 3

The floor reads the columns sla-check needs (id, created, first response, resolved,
priority) with pyarrow and nothing else; sla-check runs as a user would run it from
cron (`--format json -o FILE`, config benchmarks/perf-business.yaml). Each round runs
both; the ratio is the median of the per-round ratios. Peak memory from os.wait4.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import bytecode

HERE = os.path.dirname(os.path.abspath(__file__))
FLOOR = (
    "import sys, pyarrow.parquet as pq; "
    "pq.read_table(sys.argv[1], columns=['ticket_id', 'created_at', 'first_response_at',"
    " 'resolved_at', 'priority'])"
)


def timed(cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: a priority missed its goal
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("tickets")
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--as-of", default="2026-11-22T00:00:00Z")
    args = ap.parse_args()
    bytecode.ensure()  # as an installed copy has it
    out = os.path.join(tempfile.mkdtemp(), "sla.json")
    skpi = [
        sys.executable, "-m", "supportkpi", "sla-check", "--config",
        os.path.join(HERE, "perf-business.yaml"), "-t", args.tickets,
        "--as-of", args.as_of, "--format", "json", "-o", out,
    ]  # fmt: skip
    floor = [sys.executable, "-c", FLOOR, args.tickets]
    rows = []
    for i in range(args.n + 1):  # the first round warms the page cache and is dropped
        f = timed(floor)
        s = timed(skpi)
        if i:
            rows.append((f, s))
        print(f"  round {i}/{args.n} done", file=sys.stderr)
    ratio = statistics.median(s[0] / f[0] for f, s in rows)
    fw = statistics.median(f[0] for f, _ in rows)
    sw = statistics.median(s[0] for _, s in rows)
    peak = max(s[1] for _, s in rows)
    print(
        f"| sla-check business hours | floor {fw:.2f} s | supportkpi {sw:.2f} s | "
        f"{ratio:.2f}× | peak {peak:.0f} MiB |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
