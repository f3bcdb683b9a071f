"""The sla-check views: the compliance table and the list of tickets behind it."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..durations import format_duration
from ..periods import local_text
from ..report import Report
from ..sla import STATES
from .common import header_lines
from .table import STYLE, _console
from .text import for_terminal, safe_text

MAX_TABLE_TICKETS = 200
TICKET_COLUMNS = [
    "ticket_id",
    "target",
    "state",
    "agent",
    "target_seconds",
    "elapsed_seconds",
    "due_at",
    "overdue_seconds",
]


def render_table(report: Report, key: str) -> str:
    from rich import box
    from rich.table import Table

    buf = io.StringIO()
    console = _console(buf)
    for line in header_lines(report):
        console.print(for_terminal(line))
    t = Table(title="SLA compliance", box=box.SIMPLE_HEAVY, title_justify="left")
    for col, just in (
        ("target", "left"),
        ("group", "left"),
        ("compliance", "right"),
        ("goal", "right"),
        ("met", "right"),
        ("breached", "right"),
        ("at risk", "right"),
        ("active", "right"),
        ("status", "left"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in report.results:
        group = ", ".join(f"{k} {v}" for k, v in r.group.items()) or "all"
        goal = f"{r.target['min']:g}%" if r.target and "min" in r.target else ""
        style = STYLE.get(r.status)
        status = r.status.replace("_", " ") if r.value is not None else (r.reason or "")
        t.add_row(
            r.kpi.removeprefix("sla_").replace("_", " "),
            for_terminal(group),
            "—" if r.value is None else f"{r.value:.1f}%",
            goal,
            *(str(r.extra.get(s, 0)) for s in STATES[:4]),
            f"[{style}]{status}[/]" if style else for_terminal(status),
        )
    console.print(t)
    if report.tickets is not None:
        shown = report.tickets[:MAX_TABLE_TICKETS]
        tt = Table(title=f"Tickets ({len(report.tickets):,})", box=box.SIMPLE, title_justify="left")
        for col in (
            "ticket",
            key,
            "agent",
            "target",
            "state",
            "elapsed",
            "goal",
            f"due ({report.timezone})",
            "overdue by",
        ):
            tt.add_column(col)
        for row in shown:
            tt.add_row(
                for_terminal(str(row["ticket_id"])),
                for_terminal(str(row.get(key, ""))),
                for_terminal(str(row["agent"] or "")),
                row["target"],
                row["state"],
                format_duration(row["elapsed_seconds"]),
                format_duration(row["target_seconds"]),
                local_text(row["due_at"], report.timezone),
                format_duration(row["overdue_seconds"]) if row["overdue_seconds"] else "",
            )
        console.print(tt)
        if len(report.tickets) > len(shown):
            console.print(f"… {len(report.tickets) - len(shown):,} more: use --format csv -o FILE")
    return buf.getvalue()


def render_tickets_csv(report: Report, key: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["ticket_id", key, *TICKET_COLUMNS[1:]]
    w.writerow(cols)
    for row in report.tickets or []:
        w.writerow([_cell(row.get(c)) for c in cols])
    return buf.getvalue()


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return safe_text(v)
    return repr(v) if isinstance(v, float) else str(v)
