"""Excel workbooks: one sheet as an Arrow table, read by fastexcel (calamine, in Rust).

fastexcel is an optional dependency (`pip install 'supportkpi[excel]'`), imported only
when a workbook is read. It was chosen by measuring (benchmarks/xlsx_readers.py): it
turns a sheet into Arrow columns directly, 3-4x faster than python-calamine and 6x
faster than openpyxl, whose cells each become a Python object first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from supportkpi.errors import InputError
from supportkpi.io.arrownp import from_np, pc, to_np, valid

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
INSTALL = "pip install 'supportkpi[excel]'"

# Excel stores a time as a fraction of a day, and a duration (`0:02:23`, `[h]:mm:ss`)
# the same way: a value before this is a time or a duration, not a date any helpdesk
# recorded. The reader gives it as a timestamp from calamine's day 0, 1899-12-31.
_DAY_ZERO = dt.datetime(1899, 12, 31)
_TIMES_BEFORE = dt.datetime(1900, 3, 1)


def read_sheet(
    source: str | bytes, display: str, sheet: str | None
) -> tuple[str, list[str], pa.Table]:
    """The sheet named `sheet` (None: the first) of a workbook, its first row the
    header; columns typed as the cells are (numbers, text, dates), times and durations
    as Arrow durations. With its name, and the names of every sheet."""
    try:
        import fastexcel
    except ImportError:
        raise InputError(
            "reading an Excel workbook needs the fastexcel package",
            path=display,
            code="E003",
            hint=f"{INSTALL}, or export the sheet as CSV",
        ) from None
    try:
        reader = fastexcel.read_excel(source)
    except Exception as exc:  # fastexcel raises its own error types, and OSError
        raise InputError(
            f"not a readable Excel workbook ({_short(exc)})", path=display, code="E003"
        ) from exc
    names = list(reader.sheet_names)
    if sheet is not None and sheet not in names:
        raise InputError(
            f"no sheet named {sheet!r}; the workbook has {_listed(names)}",
            path=display,
            code="E003",
            hint="give one of them with --sheet",
        )
    if not names:
        raise InputError("the workbook has no sheet", path=display, code="E002")
    index = names.index(sheet) if sheet is not None else 0
    try:
        table = _load(reader, index, None)
    except fastexcel.UnsupportedColumnTypeCombinationError:
        # a column of time cells with a time typed as text (`00:04:00`) has no one type:
        # every cell is read as text then, and the load parses them as it does a CSV's
        table = _time_text(_load(reader, index, "string"))
    except Exception as exc:
        raise InputError(
            f"cannot read sheet {names[index]!r} ({_short(exc)})", path=display, code="E003"
        ) from exc
    if not table.num_columns:
        raise InputError(
            f"sheet {sheet or names[0]!r} is empty: no header row",
            path=display,
            code="E002",
            hint="give the sheet that holds the export with --sheet" if len(names) > 1 else "",
        )
    return names[index], names, _times_as_durations(table)


def _load(reader: Any, index: int, dtypes: str | None) -> pa.Table:
    return reader.load_sheet(
        index,
        schema_sample_rows=None,  # a type guessed from the whole column, not its top
        skip_whitespace_tail_rows=True,
        whitespace_as_null=True,
        dtypes=dtypes,
    ).to_arrow()


def _time_text(table: pa.Table) -> pa.Table:
    """Time cells read as text (`1899-12-31 00:02:23`, `1900-01-01 01:00:00` for 25 h)
    as the durations they are (`00:02:23`, `01 days 01:00:00`)."""
    columns = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pc.replace_substring_regex(col, _DAY_ZERO_TEXT, r"\1")
            col = pc.replace_substring_regex(col, _DAYS_TEXT, r"\1 days \2")
        columns.append(col)
    return pa.table(columns, names=table.column_names)


_DAY_ZERO_TEXT = r"^1899-12-31 (\d\d:\d\d:\d\d(?:\.\d+)?)$"
_DAYS_TEXT = r"^1900-01-(\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)$"


def _times_as_durations(table: pa.Table) -> pa.Table:
    for i, col in enumerate(table.columns):
        if not pa.types.is_timestamp(col.type) or col.type.tz is not None:
            continue
        latest = pc.max(col).as_py()
        if latest is None or latest >= _TIMES_BEFORE:
            continue
        us = to_np(pc.cast(col, pa.timestamp("us")), np.int64, 0)
        zero = int((_DAY_ZERO - dt.datetime(1970, 1, 1)).total_seconds()) * 1_000_000
        durations = from_np(us - zero, pa.duration("us"), ~valid(col))
        table = table.set_column(i, table.column_names[i], durations)
    return table


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _short(exc: Any) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("…" if len(text) > 200 else "")
