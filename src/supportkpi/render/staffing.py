"""`supportkpi staffing` rendered: per channel, a table of hours × weekdays of the agents
to roster (and, with the agents input, the gap to the agents scheduled); JSON, CSV and
Markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from supportkpi.io.durations import format_duration
from supportkpi.io.periods import iso_us
from supportkpi.render.text import safe_text
from supportkpi.reports.staffing import DAYS, HOURS, StaffingReport, describe_goal

FIELDS = (
    "day",
    "hour",
    "channel",
    "arrivals_per_hour",
    "handle_seconds",
    "traffic_erlangs",
    "agents_needed",
    "agents_rostered",
    "service_level",
    "p_wait",
    "asa_seconds",
    "occupancy",
    "agents_scheduled",
    "gap",
)


def render_json(report: StaffingReport) -> str:
    doc = report.to_dict()
    results = doc.pop("results")
    head = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    rows = ",\n    ".join(json.dumps(r, ensure_ascii=False, allow_nan=False) for r in results)
    body = "[\n    " + rows + "\n  ]" if results else "[]"
    return head[:-2] + ',\n  "results": ' + body + "\n}\n"


def render_csv(report: StaffingReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FIELDS)
    for r in report.results:
        w.writerow(
            [safe_text(r[k]) if k == "channel" else "" if r[k] is None else r[k] for k in FIELDS]
        )
    return buf.getvalue()


def _heading(report: StaffingReport) -> list[str]:
    first = iso_us(report.start, report.timezone)[:10]
    last = iso_us(report.end - 1, report.timezone)[:10]
    lines = [
        f"Staffing by hour of the week ({report.timezone}), from the tickets of the"
        f" {report.weeks} full week(s) {first} to {last}; occupancy at most"
        f" {report.max_occupancy:g}%, shrinkage {report.shrinkage:g}%."
    ]
    for q in report.queues:
        lines.append(
            f"{q.channel}: {q.tickets:,} tickets, handle time {format_duration(q.handle_seconds)}"
            f" ({q.handle_source}), goal {describe_goal(q)} ({q.goal_source})"
        )
    return lines


def _grid(report: StaffingReport, channel: str) -> list[list[str]]:
    """24 rows (hours) × 7 cells: agents rostered, and the gap when scheduled is known."""
    cells = [[""] * len(DAYS) for _ in range(HOURS)]
    for r in report.results:
        if r["channel"] != channel:
            continue
        text = str(r["agents_rostered"]) if r["agents_rostered"] else "·"
        if r["gap"] is not None and r["agents_rostered"]:
            text += f" {r['gap']:+.0f}"
        cells[r["hour"]][DAYS.index(r["day"])] = text
    return cells


def _day_lines(report: StaffingReport) -> list[str]:
    if not report.days:
        return []
    out = ["Agent-hours a day, scheduled vs rostered (average over the weeks):"]
    for d in report.days:
        out.append(
            f"  {d['day']}: scheduled {d['scheduled_hours']:.1f}, rostered"
            f" {d['rostered_hours']:.0f}, gap {d['gap_hours']:+.1f}"
        )
    return out


def render_table(report: StaffingReport) -> str:
    from rich import box
    from rich.table import Table

    from supportkpi.render.terminal import console as make_console

    buf = io.StringIO()
    con = make_console(buf, 100)
    for line in _heading(report):
        con.print(line, markup=False)
    gaps = report.with_agents and report.days
    for q in report.queues:
        title = f"{q.channel}: agents to roster" + (
            " (and the gap to those scheduled)" if gaps else ""
        )
        t = Table(title=title, box=box.SIMPLE, title_justify="left", pad_edge=False)
        t.add_column("hour", justify="right", no_wrap=True)
        for day in DAYS:
            t.add_column(day, justify="right", no_wrap=True)
        for hour, row in enumerate(_grid(report, q.channel)):
            t.add_row(f"{hour:02d}:00", *row)
        con.print(t)
    for line in [*_day_lines(report), *(f"note: {n}" for n in report.notes)]:
        con.print(line, markup=False)
    return buf.getvalue()


def render_markdown(report: StaffingReport) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    out = ["# Staffing", ""]
    out += [cell(line) + "  " for line in _heading(report)]
    gaps = report.with_agents and report.days
    for q in report.queues:
        out += ["", f"## {cell(q.channel)}", ""]
        if gaps:
            out += ["Agents to roster, and the gap to those scheduled (+ over, − under).", ""]
        out.append("| hour | " + " | ".join(DAYS) + " |")
        out.append("| ---: | " + " | ".join("---:" for _ in DAYS) + " |")
        for hour, row in enumerate(_grid(report, q.channel)):
            out.append(f"| {hour:02d}:00 | " + " | ".join(row) + " |")
    extra = _day_lines(report)
    if extra:
        out += ["", extra[0], ""] + [f"- {line.strip()}" for line in extra[1:]]
    if report.notes:
        out += ["", *(f"- note: {cell(n)}" for n in report.notes)]
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[StaffingReport], str]] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
    "markdown": render_markdown,
}


def renderer(fmt: str) -> Callable[[StaffingReport], Any]:
    return RENDERERS[fmt]


def summary_section(report: StaffingReport | None, error: str | None) -> Any:
    """The summary HTML's "Staffing" section: per channel, a heat map of hours × days,
    each cell the agents to roster and the gap to those scheduled, coloured missed
    (a gap of a whole agent or more), warn (under by less than one) or met."""
    from supportkpi.render.document import Cell, Para, Section, Table

    if report is None:
        return Section("staffing", "Staffing", [Para(f"Not computed: {error}", muted=True)])
    blocks: list[Any] = [Para(" ".join(_heading(report)), muted=True)]
    for q in report.queues:
        grid: dict[tuple[int, int], dict[str, Any]] = {
            (r["hour"], DAYS.index(r["day"])): r
            for r in report.results
            if r["channel"] == q.channel
        }
        rows = []
        for hour in range(HOURS):
            cells = [Cell(f"{hour:02d}:00")]
            for day in range(len(DAYS)):
                r = grid[(hour, day)]
                gap = r["gap"]
                text = str(r["agents_rostered"]) if r["agents_rostered"] else "·"
                status = None
                if gap is not None and (r["agents_rostered"] or r["agents_scheduled"]):
                    text += f" ({gap:+.0f})"
                    status = "missed" if gap <= -1 else "warn" if gap < 0 else "met"
                cells.append(Cell(text, status=status, number=True))
            rows.append(cells)
        title = f"{q.channel}: agents to roster (gap to those scheduled), {describe_goal(q)}"
        blocks.append(Table(["hour", *DAYS], rows, right=set(range(1, 8)), title=title))
    days = _day_lines(report)
    if days:
        blocks.append(Para(days[0] + " " + "; ".join(d.strip() for d in days[1:]) + "."))
    for n in report.notes:
        blocks.append(Para(n, muted=True))
    return Section("staffing", "Staffing", blocks)
