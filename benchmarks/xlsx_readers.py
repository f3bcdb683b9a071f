#!/usr/bin/env python3
"""Which xlsx reader supportkpi uses: each candidate's time to turn a sheet into Arrow
columns (what the load needs), import included, each in a fresh interpreter.

    python benchmarks/xlsx_readers.py WORKBOOK.xlsx [...] [--rows 100000] [--n 3]

Run it in a venv holding the candidates (fastexcel, python-calamine, openpyxl, pandas).
`--rows N` first writes benchmarks/data/tickets-N.xlsx (openpyxl, write-only): a tickets
sheet with text, numbers, dates and Excel durations, as helpdesks export it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys

CANDIDATES = {
    # Rust (calamine) straight into Arrow: one buffer per column, no Python object per cell
    "fastexcel": """
import fastexcel, pyarrow as pa
t = fastexcel.read_excel(PATH).load_sheet(0).to_arrow()
""",
    # the same Rust parser, but every cell comes back as a Python object
    "python-calamine": """
from python_calamine import CalamineWorkbook
import pyarrow as pa
rows = CalamineWorkbook.from_path(PATH).get_sheet_by_index(0).to_python()
cols = list(zip(*rows[1:]))
t = pa.table({str(h): pa.array([None if v == '' else str(v) for v in c])
              for h, c in zip(rows[0], cols)})
""",
    "openpyxl (read_only)": """
import openpyxl, pyarrow as pa
wb = openpyxl.load_workbook(PATH, read_only=True, data_only=True)
rows = list(wb.worksheets[0].iter_rows(values_only=True))
cols = list(zip(*rows[1:]))
t = pa.table({str(h): pa.array([None if v is None else str(v) for v in c])
              for h, c in zip(rows[0], cols)})
""",
    "pandas.read_excel (calamine)": """
import pandas as pd, pyarrow as pa
t = pa.Table.from_pandas(pd.read_excel(PATH, engine='calamine', dtype=str))
""",
    "pandas.read_excel (openpyxl)": """
import pandas as pd, pyarrow as pa
t = pa.Table.from_pandas(pd.read_excel(PATH, engine='openpyxl', dtype=str))
""",
}


def make_sheet(path: str, rows: int) -> None:
    import random

    import openpyxl

    rnd = random.Random(17)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("tickets")
    ws.append(["Ticket ID", "Created at", "Priority", "Agent", "Channel",
               "Talk time", "Speed of answer in seconds", "Satisfaction rating"])  # fmt: skip
    start = dt.datetime(2026, 1, 1)
    agents = [f"Agent {i}" for i in range(40)]
    for i in range(rows):
        talk = dt.time(0, rnd.randrange(0, 30), rnd.randrange(0, 60))
        ws.append([
            f"T{i:07d}", start + dt.timedelta(minutes=i * 3), rnd.choice(("P1", "P2", "P3", "P4")),
            rnd.choice(agents), rnd.choice(("phone", "email", "chat")), talk,
            rnd.randrange(0, 300), rnd.choice((1, 2, 3, 4, 5, None)),
        ])  # fmt: skip
    wb.save(path)


def timed(code: str, path: str) -> float:
    script = (
        "import time; t0 = time.perf_counter()\n"
        f"PATH = {path!r}\n{code}\n"
        "print(time.perf_counter() - t0)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("workbooks", nargs="*")
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("--n", type=int, default=3)
    a = ap.parse_args()
    books = list(a.workbooks)
    if a.rows:
        out = os.path.join(os.path.dirname(__file__), "data", f"tickets-{a.rows}.xlsx")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if not os.path.exists(out):
            make_sheet(out, a.rows)
        books.append(out)
    for book in books:
        print(f"\n{os.path.basename(book)} ({os.path.getsize(book) / 1e6:.1f} MB)")
        for name, code in CANDIDATES.items():
            try:
                runs = [timed(code, book) for _ in range(a.n)]  # interleaving is not needed:
            except RuntimeError as exc:  # each is seconds apart, not percent
                print(f"  {name:30} failed: {exc}")
                continue
            print(f"  {name:30} median {statistics.median(runs):6.2f} s  (min {min(runs):.2f})")


if __name__ == "__main__":
    main()
