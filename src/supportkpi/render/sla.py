"""The sla-check views: the compliance table and the list of tickets behind it."""

from __future__ import annotations

import csv
import io
from typing import Any

from supportkpi.io.durations import format_duration
from supportkpi.io.periods import local_text
from supportkpi.render.common import header_lines
from supportkpi.render.table import STYLE, _console
from supportkpi.render.text import for_terminal, safe_text, unpadded
from supportkpi.reports.report import Report
from supportkpi.sla.policy import STATES

MAX_TABLE_TICKETS = 200
_ROOMY = 110  # columns the ticket list needs with every column
TICKET_COLUMNS = [
    "ticket_id",
    "target",
    "state",
    "agent",
    "target_seconds",
    "elapsed_seconds",
    "due_at",
    "overdue_seconds",
    "paused_seconds",
    "remaining_seconds",
    "percent_elapsed",
    "breach_at",
]


# the compliance table with a paused column fits from here on, goal included
_ROOMY_PAUSED = 88


def render_table(report: Report, key: str) -> str:
    from rich import box
    from rich.table import Table

    buf = io.StringIO()
    console = _console(buf)
    for line in header_lines(report):
        console.print(for_terminal(line))
    # one space between columns and numbers that never wrap: the table fits 80 columns
    t = Table(
        title="SLA compliance",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
        pad_edge=False,
        padding=(0, 0),
        show_edge=False,
    )
    keys = {tuple(r.group) for r in report.results if r.group}
    one_key = len(keys) == 1  # the group column is named by it, its cells hold values
    # tickets whose clock stands still in a pausing status: only with a status history;
    # then the goal gives way on a narrow terminal (the status says met or missed)
    paused = any(r.extra.get("paused") for r in report.results)
    counted = (*STATES[:4], *(("paused",) if paused else ()))
    show_goal = not paused or console.width >= _ROOMY_PAUSED
    for col, just in (
        ("target", "left"),
        (" × ".join(next(iter(keys))) if one_key else "group", "left"),
        ("compliance", "right"),
        *((("goal", "right"),) if show_goal else ()),
        *((state.replace("_", " "), "right") for state in counted),
        ("status", "left"),
    ):
        t.add_column(col, justify=just, no_wrap=col != "status")
    for r in report.results:
        if one_key:
            group = " × ".join(str(v) for v in r.group.values()) or "all"
        else:
            group = ", ".join(f"{k} {v}" for k, v in r.group.items()) or "all"
        goal = f"{r.target['min']:g}%" if r.target and "min" in r.target else ""
        style = STYLE.get(r.status)
        status = r.status.replace("_", " ") if r.value is not None else (r.reason or "")
        t.add_row(
            r.kpi.removeprefix("sla_").replace("_", " "),
            for_terminal(group),
            "—" if r.value is None else f"{r.value:.1f}%",
            *((goal,) if show_goal else ()),
            *(f"{r.extra.get(s, 0):,}" for s in counted),
            f"[{style}]{status}[/]" if style else for_terminal(status),
        )
    console.print(t)
    if not show_goal:
        console.print(f"Not shown at {console.width} columns: goal (see --format json)")
    if report.tickets is not None:
        shown = report.tickets[:MAX_TABLE_TICKETS]
        tt = Table(
            title=f"Tickets ({len(report.tickets):,})",
            box=box.SIMPLE,
            title_justify="left",
            pad_edge=False,
            padding=(0, 0),
            show_edge=False,
        )
        # the elapsed time and the goal (overdue by = elapsed - goal) give way on a
        # narrow terminal, as compute's optional columns do; the CSV has them all
        roomy = console.width >= _ROOMY
        columns = ["ticket", key, "agent", "target", "state"]
        columns += ["elapsed", "goal"] if roomy else []
        columns += [f"due ({report.timezone})", "overdue by"]
        for col in columns:
            tt.add_column(col, no_wrap=col not in ("agent", key))  # names may wrap, times not
        for row in shown:
            cells = [
                for_terminal(str(row["ticket_id"])),
                for_terminal(str(row.get(key, ""))),
                for_terminal(str(row["agent"] or "")),
                row["target"].replace("_", " "),
                row["state"].replace("_", " "),
            ]
            if roomy:
                cells += [
                    format_duration(row["elapsed_seconds"]),
                    format_duration(row["target_seconds"]),
                ]
            # the offset is the header's zone's; only a DST change would make it differ
            due = local_text(row["due_at"], report.timezone)
            cells += [
                due if roomy else due[:16],
                format_duration(row["overdue_seconds"]) if row["overdue_seconds"] else "",
            ]
            tt.add_row(*cells)
        console.print(tt)
        if not roomy:
            console.print(f"Not shown at {console.width} columns: elapsed, goal (see --format csv)")
        if len(report.tickets) > len(shown):
            console.print(f"… {len(report.tickets) - len(shown):,} more: use --format csv -o FILE")
    return unpadded(buf.getvalue())


def render_tickets_csv(report: Report, key: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["ticket_id", key, *TICKET_COLUMNS[1:]]
    if any("escalation_level" in row for row in report.tickets or []):
        cols.append("escalation_level")
    if any("reply_opened_at" in row for row in report.tickets or []):
        cols.append("reply_opened_at")
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
