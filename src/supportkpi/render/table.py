"""Terminal tables (rich): coloured status, plain text when not a TTY or NO_COLOR."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ..engine import Result
from ..report import Report
from .common import (
    MARK,
    STATUS_TEXT,
    breakdowns,
    fmt_ci,
    fmt_excluded,
    fmt_target,
    fmt_value,
    group_cell,
    groups_of,
    header_lines,
    legend,
    notable_exclusions,
    to_date_groups,
)
from .text import for_terminal

if TYPE_CHECKING:
    from rich.console import Console

PIVOT_MAX_GROUPS = 6
STYLE = {
    "met": "green",
    "warn": "yellow",
    "missed": "bold red",
    "low_sample": "dim",
    "to_date": "dim",
}


def _console(buf: io.StringIO) -> Console:
    from ..terminal import console

    return console(buf, 120)


def _status(r: Result) -> str:
    text = STATUS_TEXT[r.status] if r.value is not None else (r.reason or "")
    style = STYLE.get(r.status)
    return f"[{style}]{text}[/]" if style and text else for_terminal(text)


def render(report: Report) -> str:
    from rich import box
    from rich.table import Table

    buf = io.StringIO()
    console = _console(buf)
    for line in header_lines(report):
        console.print(for_terminal(line))
    notable = notable_exclusions(report)
    for keys, results in breakdowns(report):
        title = "Overall" if not keys else "By " + " × ".join(keys)
        groups = groups_of(results)
        to_date = to_date_groups(results)
        if not keys:
            left_out = [fmt_excluded(r, notable, "\n") for r in results]
            t = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
            for col, just in (
                ("KPI", "left"),
                ("Value", "right"),
                ("n", "right"),
                ("95% CI", "right"),
                ("Target", "left"),
                ("Status", "left"),
                ("Benchmark", "left"),
                *((("Left out", "left"),) if any(left_out) else ()),
            ):
                t.add_column(col, justify=just, no_wrap=col == "Left out")
            for r, excluded in zip(results, left_out, strict=True):
                t.add_row(
                    for_terminal(r.label),
                    fmt_value(r.unit, r.value, report.currency),
                    f"{r.n:,}",
                    fmt_ci(r),
                    fmt_target(r.unit, r.target, report.currency),
                    _status(r),
                    r.tier or "",
                    *((for_terminal(excluded),) if any(left_out) else ()),
                )
        elif len(groups) <= PIVOT_MAX_GROUPS:
            t = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
            t.add_column("KPI")
            for g in groups:
                head = ", ".join(group_cell(k, v, g in to_date) for k, v in g)
                t.add_column(for_terminal(head), justify="right")
            by_kpi: dict[str, dict[tuple, Result]] = {}
            for r in results:
                by_kpi.setdefault(r.kpi, {})[tuple(r.group.items())] = r
            for cells in by_kpi.values():
                row = [for_terminal(next(iter(cells.values())).label)]
                for g in groups:
                    cell = cells.get(g)
                    if cell is None:
                        row.append("—")
                        continue
                    text = fmt_value(cell.unit, cell.value, report.currency) + MARK.get(
                        cell.status, ""
                    )
                    style = STYLE.get(cell.status)
                    row.append(f"[{style}]{text}[/]" if style else text)
                t.add_row(*row)
        else:
            t = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
            for k in keys:
                t.add_column(for_terminal(k))
            for col, just in (
                ("KPI", "left"),
                ("Value", "right"),
                ("n", "right"),
                ("Target", "left"),
                ("Status", "left"),
            ):
                t.add_column(col, justify=just)  # type: ignore[arg-type]
            for r in results:
                in_progress = tuple(r.group.items()) in to_date
                t.add_row(
                    *(for_terminal(group_cell(k, r.group[k], in_progress)) for k in keys),
                    for_terminal(r.label),
                    fmt_value(r.unit, r.value, report.currency),
                    f"{r.n:,}",
                    fmt_target(r.unit, r.target, report.currency),
                    _status(r),
                )
        console.print(t)
        if not keys and notable:
            console.print("Left out: rows with a bad value, from the KPIs that read it")
            for note in notable.values():
                console.print("  " + for_terminal(note))
    marks = legend(report.results, "  ")
    if marks:
        console.print(for_terminal(marks))
    return buf.getvalue()
