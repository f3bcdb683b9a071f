#!/usr/bin/env python3
"""A larger-than-memory export for the low-memory benchmark: K copies of the harness's
generated 10M-ticket files, as a folder of Parquet files (what a helpdesk's bulk export
or a data lake hands over), with ticket and survey ids shifted so every copy's tickets
are distinct tickets.

    python benchmarks/make_big.py benchmarks/data/tickets_10000000.parquet \\
        benchmarks/data/surveys_10000000.parquet --copies 10 --out benchmarks/data/big100m

Writes OUT/tickets/part-KK.parquet and OUT/surveys/part-KK.parquet, one row group at a
time (so this script itself needs little memory). 10 copies of 10M = 100M tickets.
"""

from __future__ import annotations

import argparse
import os

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def shifted_copy(src: str, dst: str, shifts: dict[str, int]) -> int:
    pf = pq.ParquetFile(src)
    rows = 0
    with pq.ParquetWriter(dst, pf.schema_arrow) as writer:
        for i in range(pf.num_row_groups):
            table = pf.read_row_group(i)
            for name, shift in shifts.items():
                j = table.schema.get_field_index(name)
                table = table.set_column(
                    j, name, pc.add(table.column(name), pa.scalar(shift, pa.int64()))
                )
            writer.write_table(table, row_group_size=table.num_rows)
            rows += table.num_rows
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("tickets")
    ap.add_argument("surveys")
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    n = pq.ParquetFile(a.tickets).metadata.num_rows
    s = pq.ParquetFile(a.surveys).metadata.num_rows
    for sub in ("tickets", "surveys"):
        os.makedirs(os.path.join(a.out, sub), exist_ok=True)
    for k in range(a.copies):
        part = f"part-{k:02d}.parquet"
        shifted_copy(a.tickets, os.path.join(a.out, "tickets", part), {"ticket_id": k * n})
        shifted_copy(
            a.surveys,
            os.path.join(a.out, "surveys", part),
            {"ticket_id": k * n, "survey_id": k * s},
        )
        print(f"copy {k + 1}/{a.copies} written", flush=True)
    print(
        f"{a.copies * n:,} tickets in {a.out}/tickets, {a.copies * s:,} surveys in {a.out}/surveys"
    )


if __name__ == "__main__":
    main()
