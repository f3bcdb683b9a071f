"""Renderers of `supportkpi summary`: pure functions from a `Summary` to text.

* `render_table` — the terminal (rich): coloured status, ▓░ bars, ▁▂▃▄▅▆▇█ sparklines;
  plain text when not a TTY or when NO_COLOR is set;
* `render_markdown` — pastes into chat and wikis; text cells are escaped and protected
  against spreadsheet formula injection;
* `render_html` — ONE self-contained file: inline CSS and SVG (trend lines, bars against
  target), no script, no font or image fetched, every text escaped, readable printed;
* `render_json` — the data (`Summary.to_dict()`), unrounded.

The three human formats share one layout: `document(summary)` turns the summary into
sections of tables, bullet items and paragraphs; each backend only draws those.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..durations import format_duration
from ..errors import printable
from ..periods import local_text
from ..summary import Bar, Line, Summary
from .common import STATUS_TEXT, fmt_target, fmt_value
from .text import for_terminal, markdown

BLOCKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 20
TERMINAL_WIDTH = 132  # when not a TTY
GRAIN_WORD = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters"}
PREVIOUS_WORD = {
    "day": "previous day",
    "week": "previous week",
    "month": "previous month",
    "quarter": "previous quarter",
    "year": "previous year",
}
TONE_STYLE = {"better": "green", "worse": "red"}
ALERT_TITLE = {
    "escalations": "Escalations",
    "sla": "SLA breaches",
    "budget": "Credit budget",
    "missed": "Missed targets",
}
MARK = {"met": "✓", "warn": "!", "missed": "✗", "low_sample": "~", "to_date": "…"}
FORMATS = ("table", "markdown", "html", "json")


# --------------------------------------------------------------------------- document
@dataclass
class Cell:
    text: str
    status: str | None = None  # colours the cell (met / warn / missed / low_sample)
    spark: list[float | None] | None = None  # a trend: HTML draws an SVG line
    bar: Bar | None = None  # a bar against target: HTML draws an SVG bar
    target_value: float | None = None  # the target line of a sparkline
    strong: bool = False
    number: bool = False  # text we formatted from a number: no formula protection needed
    tone: str | None = None  # better | worse: a change for the better or the worse


def num(text: str, status: str | None = None) -> Cell:
    """A cell holding a number we formatted (a leading + or - is a sign, not a formula)."""
    return Cell(text, status, number=True)


def change_cell(ln: Line, currency: str) -> Cell:
    tone = None if ln.better is None else "better" if ln.better else "worse"
    return Cell(fmt_change(ln, currency), number=True, tone=tone)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    right: set[int] = field(default_factory=set)  # right-aligned columns
    title: str = ""


@dataclass
class Item:
    lead: str  # shown bold
    text: str = ""
    children: list[str] = field(default_factory=list)
    checklist: bool = False  # children are to-dos
    status: str | None = None
    spark: list[float | None] | None = None  # a trend after the text


@dataclass
class Items:
    items: list[Item]
    ordered: bool = False
    title: str = ""


@dataclass
class Para:
    text: str
    muted: bool = False


Block = Table | Items | Para


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]


@dataclass
class Document:
    title: str
    meta: list[str]
    sections: list[Section]
    notes: list[str]


# --------------------------------------------------------------------------- formatting
def sparkline(values: list[float | None]) -> str:
    """▁▂▃▄▅▆▇█ scaled between the lowest and highest value; · where there is none."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    lo, hi = min(known), max(known)
    out = []
    for v in values:
        if v is None:
            out.append("·")
        elif hi == lo:
            out.append(BLOCKS[3])
        else:
            out.append(BLOCKS[round((v - lo) / (hi - lo) * (len(BLOCKS) - 1))])
    return "".join(out)


def text_bar(bar: Bar, width: int = BAR_WIDTH) -> str:
    """▓▓▓▓░░│░░ — the value, with the target marked │."""
    filled = max(0, min(width, round(bar.fill * width)))
    cells = ["▓"] * filled + ["░"] * (width - filled)
    at = min(width - 1, max(0, round(bar.marker * width) - 1))
    cells[at] = "│"
    return "".join(cells)


def fmt_change(ln: Line, currency: str) -> str:
    if ln.change is None:
        return "—"
    c = ln.change
    sign = "+" if c > 0 else "−" if c < 0 else "±"
    mag = abs(c)
    if ln.unit == "percent":
        text = f"{sign}{mag:.1f} pp"
    elif ln.unit == "points":
        text = f"{sign}{mag:.1f} pts"
    elif ln.unit == "seconds":
        text = sign + format_duration(mag)
    elif ln.unit == "money":
        text = sign + fmt_value("money", mag, currency)
    elif ln.unit == "count":
        text = f"{sign}{mag:,.0f}"
    else:
        text = f"{sign}{mag:.2f}"
    if ln.change_pct is not None:
        pct = ln.change_pct
        text += f" ({'+' if pct > 0 else '−' if pct < 0 else '±'}{abs(pct):.1f}%)"
    if ln.better is not None:
        text += " better" if ln.better else " worse"
    return text


def _status_text(status: str, value: float | None, reason: str | None) -> str:
    if value is None:
        return reason or "no data"
    text = STATUS_TEXT.get(status, "")
    mark = MARK.get(status)
    return f"{mark} {text}" if mark and text else text


def _goal(target: dict[str, Any] | None) -> float | None:
    if not target:
        return None
    v = target.get("min", target.get("max"))
    return float(v) if v is not None else None


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}%"


def _n_text(n: int) -> str:
    return f"{n:,}"


# --------------------------------------------------------------------------- layout
def document(s: Summary) -> Document:
    if s.grain == "day":
        day = (s.period_from or "")[:10]
        span = _weekday(day) if day else ""
    else:
        span = f"{(s.period_from or '')[:10]} to {_day_before(s.period_to)}"
    compare = (
        f"{s.compare_period} ({PREVIOUS_WORD.get(s.grain, 'previous period')})"
        if s.compare == "previous"
        else f"{s.compare_period} (same period last year)"
    )
    meta = [
        f"Period: {s.period} ({span}, {s.timezone})"
        + (" — not over at the as-of time" if s.partial else ""),
        f"Compared with: {compare}",
        f"As of: {s.as_of or '—'}",
    ]
    for i in s.inputs:
        rejected = sum(i.get("rows_rejected", {}).values())
        meta.append(
            f"{i['input']}: {i['rows_read']:,} {'row' if i['rows_read'] == 1 else 'rows'} read,"
            f" {i['rows_used']:,} used"
            + (f", {i['no_rating']:,} without a rating" if i.get("no_rating") else "")
            + (f", {rejected:,} rejected (run supportkpi validate)" if rejected else "")
        )
    sections: list[Section] = []
    if s.agent is not None:
        sections.append(Section("personal", "Personal performance", [_personal_table(s)]))
        sections.append(Section("sla", f"SLA — {s.agent}'s tickets", _sla_blocks(s)))
        sections.append(Section("coaching", "Coaching", _own_coaching(s)))
        sections.append(Section("actions", "Action items", _action_blocks(s)))
        sections.append(Section("notable", "Notable changes", _notable_blocks(s)))
    elif s.kind == "daily":
        sections.append(Section("headline", "Key metrics", [_headline_table(s)]))
        sections.append(Section("financial", "Financial impact", _financial_blocks(s)))
        sections.append(Section("alerts", "Alerts", _alert_blocks(s)))
        sections.append(Section("trends", "Trends", _trend_blocks(s)))
        sections.append(Section("actions", "Actions needed", _action_blocks(s)))
    else:
        sections.append(Section("headline", "Headline", [_headline_table(s)]))
        sections.append(Section("sla", "SLA compliance", _sla_blocks(s)))
        sections.append(Section("team", "Team", _team_blocks(s)))
        sections.append(Section("actions", "Action items", _action_blocks(s)))
        if s.financial:
            sections.append(Section("financial", "Financial impact", _financial_blocks(s)))
        sections.append(Section("notable", "Notable changes", _notable_blocks(s)))
    return Document(s.title, meta, sections, list(s.notes))


def _weekday(day: str) -> str:
    import datetime as dt

    return dt.date.fromisoformat(day).strftime("%A")


def _day_before(iso: str | None) -> str:
    import datetime as dt

    if not iso:
        return "…"
    return (dt.date.fromisoformat(iso[:10]) - dt.timedelta(days=1)).isoformat()


def _trend_head(s: Summary) -> str:
    return f"Last {len(s.trend_periods)} {GRAIN_WORD.get(s.grain, 'years')}"


def _headline_table(s: Summary) -> Table:
    headers = [
        "KPI",
        s.period,
        "n",
        s.compare_period,
        "Change",
        "Target",
        "Status",
        _trend_head(s),
    ]
    rows = []
    for ln in s.headline:
        rows.append(_line_cells(ln, s))
    return Table(headers, rows, right={1, 2, 3, 4})


def _line_cells(ln: Line, s: Summary) -> list[Cell]:
    cur = s.currency
    return [
        Cell(ln.label),
        num(fmt_value(ln.unit, ln.value, cur), ln.status if ln.value is not None else None),
        num(_n_text(ln.n) if ln.value is not None else ""),
        num(fmt_value(ln.unit, ln.previous, cur)),
        change_cell(ln, cur),
        num(fmt_target(ln.unit, ln.target, cur)),
        Cell(_status_text(ln.status, ln.value, ln.reason), ln.status),
        Cell(sparkline(ln.trend), spark=ln.trend, target_value=_goal(ln.target)),
    ]


def _personal_table(s: Summary) -> Table:
    cur = s.currency
    who = s.agent or ""
    headers = [
        "KPI",
        who,
        "n",
        s.compare_period,
        "Change",
        "Team",
        "Team avg / agent",
        "Target",
        "Status",
        _trend_head(s),
    ]
    rows = []
    for ln in s.headline:
        rows.append(
            [
                Cell(ln.label),
                num(fmt_value(ln.unit, ln.value, cur), ln.status if ln.value is not None else None),
                num(_n_text(ln.n) if ln.value is not None else ""),
                num(fmt_value(ln.unit, ln.previous, cur)),
                change_cell(ln, cur),
                num(fmt_value(ln.unit, ln.team, cur)),
                num(_average(ln.unit, ln.team_average, cur)),
                num(fmt_target(ln.unit, ln.target, cur)),
                Cell(_status_text(ln.status, ln.value, ln.reason), ln.status),
                Cell(sparkline(ln.trend), spark=ln.trend, target_value=_goal(ln.target)),
            ]
        )
    return Table(headers, rows, right={1, 2, 3, 4, 5, 6})


def _average(unit: str, value: float | None, currency: str) -> str:
    if value is None:
        return ""
    return f"{value:,.1f}" if unit == "count" else fmt_value(unit, value, currency)


def _sla_blocks(s: Summary) -> list[Block]:
    sla = s.sla
    if sla.reason:
        return [Para(f"No SLA figures: {sla.reason}.", muted=True)]
    key = sla.key.replace("_", " ").capitalize()
    rows = []
    for r in sla.rows:
        label = "All" if r.group == "all" else r.group
        rows.append(
            [
                Cell(label, strong=r.group == "all"),
                Cell(format_duration(r.first_response_target) if r.first_response_target else ""),
                Cell(
                    _compliance(r.first_response, r.first_response_n, r.first_response_status),
                    r.first_response_status if r.first_response is not None else None,
                ),
                Cell(format_duration(r.resolution_target) if r.resolution_target else ""),
                Cell(
                    _compliance(r.resolution, r.resolution_n, r.resolution_status),
                    r.resolution_status if r.resolution is not None else None,
                ),
                Cell("" if r.compliance_target is None else f"{r.compliance_target:g}%"),
                Cell(f"{r.first_response_breached + r.resolution_breached:,}"),
                Cell(f"{r.at_risk:,}"),
            ]
        )
    blocks: list[Block] = [
        Table(
            [
                key,
                "First response",
                "Compliance",
                "Resolution",
                "Compliance",
                "Goal",
                "Breached",
                "At risk",
            ],
            rows,
            right={2, 4, 5, 6, 7},
        )
    ]
    if not sla.rows:
        blocks = [Para("No ticket in this period met or breached an SLA target yet.")]
    if sla.breached:
        blocks.append(
            Para(
                f"{sla.breached_tickets:,} ticket(s) breached a target "
                f"({sla.breached:,} breaches of first response or resolution)."
            )
        )
    else:
        blocks.append(Para("No ticket breached its SLA targets."))
    if sla.unmatched:
        blocks.append(Para(sla.unmatched, muted=True))
    if sla.worst:
        blocks.append(_worst_table(s))
    return blocks


def _compliance(value: float | None, n: int, status: str) -> str:
    if value is None:
        return "—"
    mark = MARK.get(status)
    return f"{value:.1f}% of {n:,}" + (f" {mark}" if mark else "")


def _worst_table(s: Summary) -> Table:
    key = s.sla.key
    rows = []
    for t in s.sla.worst:
        rows.append(
            [
                Cell(str(t.get("ticket_id", ""))),
                Cell(str(t.get(key, ""))),
                Cell(str(t.get("agent") or "")),
                Cell(str(t.get("target", "")).replace("_", " ")),
                num(format_duration(t.get("overdue_seconds") or 0.0), "missed"),
                Cell(local_text(t.get("due_at"), s.timezone)),
            ]
        )
    return Table(
        [
            "Ticket",
            key.replace("_", " ").capitalize(),
            "Agent",
            "Target",
            "Overdue",
            f"Due ({s.timezone})",
        ],
        rows,
        right={4},
        title=f"Worst tickets (most overdue, up to {len(s.sla.worst)})",
    )


def _team_blocks(s: Summary) -> list[Block]:
    team = s.team
    if team is None:
        return []
    cur = s.currency
    blocks: list[Block] = []
    if team.bars:
        rows = [
            [
                Cell(b.label),
                Cell(text_bar(b), b.status, bar=b),
                num(fmt_value(b.unit, b.value, cur), b.status),
                num(fmt_target(b.unit, b.target, cur)),
                Cell(_status_text(b.status, b.value, None), b.status),
            ]
            for b in team.bars
        ]
        blocks.append(
            Table(
                ["KPI", "Against target (│ = target)", "Value", "Target", "Status"],
                rows,
                right={2},
                title="Against target",
            )
        )
    if team.reason:
        blocks.append(Para(f"No agent figures: {team.reason}.", muted=True))
        blocks += [Para(r, muted=True) for r in team.rules]
        return blocks
    if team.top:
        blocks.append(
            Items(
                [
                    Item(
                        p.agent,
                        f"CSAT {p.csat:.1f}% ({p.csat_n:,} responses) + FCR {p.fcr:.1f}% "
                        f"({p.fcr_n:,} resolved) = {p.score:.1f}",
                    )
                    for p in team.top
                ],
                ordered=True,
                title="Top performers",
            )
        )
    else:
        blocks.append(
            Items(
                [
                    Item(
                        "None eligible",
                        f"no agent has at least {s.min_tickets} resolved tickets and "
                        f"{s.min_surveys} CSAT responses in this period",
                    )
                ],
                title="Top performers",
            )
        )
    if team.coaching:
        blocks.append(
            Items(
                [
                    Item(c.agent, "; ".join(t.text for t in c.triggers), status="missed")
                    for c in team.coaching
                ],
                title="Needs coaching",
            )
        )
    else:
        blocks.append(Items([Item("Nobody", "no coaching trigger fired")], title="Needs coaching"))
    rows = []
    for a in team.agents:
        v, n = a.values, a.n
        rows.append(
            [
                Cell(a.agent),
                num(fmt_value("count", v.get("tickets_resolved"), cur)),
                num(_with_n(v.get("fcr_rate"), n.get("fcr_rate", 0))),
                num(_with_n(v.get("csat"), n.get("csat", 0))),
                num(_with_n(v.get("qa_score"), n.get("qa_score", 0), "score")),
                num(_pct(v.get("schedule_adherence"))),
                num(fmt_value("seconds", v.get("first_response_time"), cur)),
                num(fmt_value("seconds", v.get("handle_time"), cur)),
            ]
        )
    avg = team.average_resolved
    blocks.append(
        Table(
            [
                "Agent",
                "Resolved",
                "FCR (n)",
                "CSAT (n)",
                "QA (n)",
                "Adherence",
                "First response",
                "Handle time",
            ],
            rows,
            right={1, 2, 3, 4, 5, 6, 7},
            title="Agents"
            + (f" (team average: {avg:.1f} resolved per agent)" if avg is not None else ""),
        )
    )
    blocks += [Para(r, muted=True) for r in team.rules]
    return blocks


def _with_n(value: float | None, n: int, unit: str = "percent") -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}%" if unit == "percent" else f"{value:.1f}"
    return f"{text} ({n:,})"


def _own_coaching(s: Summary) -> list[Block]:
    team = s.team
    if team is None or team.reason:
        return [Para(f"No agent figures: {team.reason if team else 'no team data'}.", muted=True)]
    blocks: list[Block] = []
    mine = [c for c in team.coaching if c.agent == s.agent]
    if mine:
        blocks.append(Items([Item(t.label, t.detail, status="missed") for t in mine[0].triggers]))
    else:
        blocks.append(Para("No coaching trigger fired."))
    rank = next((p for p in team.top if p.agent == s.agent), None)
    if rank is not None:
        blocks.append(
            Para(
                f"Top performer #{rank.rank}: CSAT {rank.csat:.1f}% + FCR {rank.fcr:.1f}% "
                f"= {rank.score:.1f}."
            )
        )
    blocks += [Para(r, muted=True) for r in team.rules]
    return blocks


def _action_blocks(s: Summary) -> list[Block]:
    if not s.actions:
        return [Para("No KPI missed its target: nothing to act on.")]
    items = []
    for a in s.actions:
        head = fmt_value(a.unit, a.value, s.currency)
        if a.target:
            head += f" (target {fmt_target(a.unit, a.target, s.currency)})"
        if a.why == "coaching":
            head += " — coaching trigger"
        children = list(a.items) or [
            f"No action configured: add one under actions: {a.kpi} in targets.yaml"
        ]
        items.append(Item(a.label, head, children, checklist=bool(a.items), status="missed"))
    return [Items(items)]


def _financial_blocks(s: Summary) -> list[Block]:
    if not s.financial:
        return [Para("No credits or retention data in these exports.", muted=True)]
    cur = s.currency
    rows = []
    for ln in s.financial:
        value = fmt_value(ln.unit, ln.value, cur)
        if ln.kpi == "credits_total" and s.credits_pct_of_revenue is not None:
            value += f" ({s.credits_pct_of_revenue:.1f}% of revenue retained)"
        rows.append(
            [
                Cell(ln.label),
                num(value, ln.status if ln.status in MARK else None),
                num(fmt_value(ln.unit, ln.previous, cur)),
                change_cell(ln, cur),
                num(fmt_target(ln.unit, ln.target, cur)),
                Cell(_status_text(ln.status, ln.value, ln.reason), ln.status),
                Cell(sparkline(ln.trend), spark=ln.trend, target_value=_goal(ln.target)),
            ]
        )
    return [
        Table(
            ["", s.period, s.compare_period, "Change", "Target", "Status", _trend_head(s)],
            rows,
            right={1, 2, 3},
        )
    ]


def _alert_blocks(s: Summary) -> list[Block]:
    blocks: list[Block] = []
    if s.alerts:
        blocks.append(
            Items(
                [Item(ALERT_TITLE.get(a.kind, a.kind), a.text, status="missed") for a in s.alerts]
            )
        )
    else:
        blocks.append(Para("No alert: no escalation, no SLA breach, every target met."))
    if s.sla.worst:
        blocks.append(_worst_table(s))
    return blocks


def _trend_blocks(s: Summary) -> list[Block]:
    items = []
    for ln in s.headline:
        if ln.value is None:
            continue
        text = f"{fmt_value(ln.unit, ln.value, s.currency)}"
        if ln.previous is not None:
            text += (
                f", {fmt_change(ln, s.currency)} vs {s.compare_period} "
                f"({fmt_value(ln.unit, ln.previous, s.currency)})"
            )
        text += f"; last {len(ln.trend)} {GRAIN_WORD.get(s.grain, 'periods')}:"
        items.append(Item(ln.label, text, spark=ln.trend))
    blocks: list[Block] = [Items(items)] if items else [Para("No data in this period.")]
    blocks += _notable_blocks(s, title="Beyond noise")
    return blocks


def _notable_blocks(s: Summary, title: str = "") -> list[Block]:
    if not s.notable:
        return [Para("No KPI changed by more than its statistical noise.")]
    items = []
    for c in s.notable:
        verb = "rose" if c.change > 0 else "fell"
        ln = Line(c.kpi, c.label, c.unit, "", c.value, 0, "", change=c.change, better=c.better)
        items.append(
            Item(
                c.label,
                f"{verb} from {fmt_value(c.unit, c.previous, s.currency)} to "
                f"{fmt_value(c.unit, c.value, s.currency)} ({fmt_change(ln, s.currency)}); "
                f"{c.detail}",
                status="met" if c.better else "missed" if c.better is False else None,
            )
        )
    return [Items(items, title=title)]


# --------------------------------------------------------------------------- terminal
def _console(buf: io.StringIO) -> Any:
    """As render/table.py: colour only on a terminal without NO_COLOR; a fixed width
    otherwise (wide enough for the headline table)."""
    from ..terminal import console

    return console(buf, TERMINAL_WIDTH)


def render_table(s: Summary) -> str:
    from rich import box
    from rich.table import Table as RichTable

    from .table import STYLE

    doc = document(s)
    buf = io.StringIO()
    console = _console(buf)

    def styled(cell: Cell) -> str:
        text = for_terminal(cell.text)
        style = STYLE.get(cell.status or "") or TONE_STYLE.get(cell.tone or "")
        if cell.strong:
            text = f"[bold]{text}[/]"
        return f"[{style}]{text}[/]" if style and cell.text else text

    console.print(f"[bold]{for_terminal(doc.title)}[/]")
    for line in doc.meta:
        console.print(for_terminal(line))
    for section in doc.sections:
        console.print()
        console.print(f"[bold underline]{for_terminal(section.title)}[/]")
        for block in section.blocks:
            if isinstance(block, Table):
                t = RichTable(
                    title=for_terminal(block.title) if block.title else None,
                    box=box.SIMPLE_HEAVY,
                    title_justify="left",
                )
                for i, h in enumerate(block.headers):
                    t.add_column(for_terminal(h), justify="right" if i in block.right else "left")
                for row in block.rows:
                    t.add_row(*(styled(c) for c in row))
                console.print(t)
            elif isinstance(block, Items):
                if block.title:
                    console.print(f"[bold]{for_terminal(block.title)}[/]")
                for i, item in enumerate(block.items, 1):
                    bullet = f"{i}." if block.ordered else "•"
                    style = STYLE.get(item.status or "")
                    lead = for_terminal(item.lead)
                    lead = f"[{style}]{lead}[/]" if style else f"[bold]{lead}[/]"
                    text = f": {for_terminal(item.text)}" if item.text else ""
                    if item.spark is not None:
                        text += " " + sparkline(item.spark)
                    console.print(f"  {bullet} {lead}{text}")
                    for child in item.children:
                        box_ = "[ ]" if item.checklist else "-"
                        console.print(f"      {for_terminal(box_)} {for_terminal(child)}")
            else:
                console.print(
                    f"[dim]{for_terminal(block.text)}[/]"
                    if block.muted
                    else for_terminal(block.text)
                )
    if doc.notes:
        console.print()
        for note in doc.notes:
            console.print(f"[dim]{for_terminal(note)}[/]")
    return buf.getvalue()


# --------------------------------------------------------------------------- Markdown
def render_markdown(s: Summary) -> str:
    doc = document(s)
    out = [f"# {markdown(doc.title)}", ""]
    out += [f"- {markdown(line)}" for line in doc.meta]
    for section in doc.sections:
        out += ["", f"## {markdown(section.title)}"]
        for block in section.blocks:
            out.append("")
            if isinstance(block, Table):
                if block.title:
                    out += [f"**{markdown(block.title)}**", ""]
                out.append("| " + " | ".join(markdown(h) for h in block.headers) + " |")
                out.append(
                    "| "
                    + " | ".join(
                        "---:" if i in block.right else "---" for i in range(len(block.headers))
                    )
                    + " |"
                )
                for row in block.rows:
                    cells = [
                        f"**{markdown(c.text)}**"
                        if c.strong and c.text
                        else markdown(c.text, c.number)
                        for c in row
                    ]
                    out.append("| " + " | ".join(cells) + " |")
            elif isinstance(block, Items):
                if block.title:
                    out += [f"**{markdown(block.title)}**", ""]
                for i, item in enumerate(block.items, 1):
                    bullet = f"{i}." if block.ordered else "-"
                    text = f": {markdown(item.text)}" if item.text else ""
                    if item.spark is not None:
                        text += " " + sparkline(item.spark)
                    out.append(f"{bullet} **{markdown(item.lead)}**{text}")
                    for child in item.children:
                        box_ = "- [ ]" if item.checklist else "-"
                        out.append(f"   {box_} {markdown(child)}")
            else:
                out.append(f"_{markdown(block.text)}_" if block.muted else markdown(block.text))
    if doc.notes:
        out += ["", "---", ""]
        out += [f"- {markdown(n)}" for n in doc.notes]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- HTML
_CSS = """
:root { --met: #1a7f37; --warn: #9a6700; --missed: #cf222e; --muted: #57606a;
  --line: #d0d7de; --bar: #0969da; --bg: #ffffff; --fg: #1f2328; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: var(--muted); margin: 0; padding-left: 18px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: middle; }
th { font-weight: 600; background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: var(--met); } .warn { color: var(--warn); }
.missed { color: var(--missed); font-weight: 600; } .low_sample, .to_date { color: var(--muted); }
.muted { color: var(--muted); font-size: 12px; }
.better { color: var(--met); } .worse { color: var(--missed); }
svg { display: block; } li svg { display: inline-block; vertical-align: middle; }
th, td.num { white-space: nowrap; }
ol, ul { margin: 4px 0 12px; }
li.todo { list-style: none; } li.todo::before { content: "☐ "; }
footer { margin-top: 28px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  section { break-inside: avoid-page; }
  h2 { break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
_COLOUR = {
    "met": "#1a7f37",
    "warn": "#9a6700",
    "missed": "#cf222e",
    "low_sample": "#8c959f",
    "to_date": "#8c959f",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def h(text: str) -> str:
    return html.escape(printable(text), quote=True)


def svg_sparkline(
    values: list[float | None],
    target: float | None = None,
    width: int = 140,
    height: int = 30,
    label: str = "",
) -> str:
    """An inline SVG trend line (gaps where a period has no value), the target dashed."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    lo, hi = min(known), max(known)
    if target is not None:
        lo, hi = min(lo, target), max(hi, target)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = 3
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, pad + (hi - v) / (hi - lo) * (height - 2 * pad)

    segments: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):  # one point per period of the trend
        if v is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(xy(i, v))
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{h(label)}">'
    ]
    if target is not None:
        _x, ty = xy(0, target)
        parts.append(
            f'<line x1="0" y1="{ty:.1f}" x2="{width}" y2="{ty:.1f}" stroke="#8c959f" '
            'stroke-width="1" stroke-dasharray="3 2"/>'
        )
    for seg in segments:
        if len(seg) == 1:
            x, y = seg[0]
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.5" fill="#0969da"/>')
        elif seg:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="#0969da" stroke-width="1.8" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        x, y = xy(*last)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="#0969da"/>')
    parts.append("</svg>")
    return "".join(parts)


def svg_bar(bar: Bar, width: int = 260, height: int = 16) -> str:
    """A bar against target: the value filled, coloured by status; the target a tick."""
    fill = max(0.0, min(1.0, bar.fill)) * width
    mark = max(0.0, min(1.0, bar.marker)) * width
    colour = _COLOUR.get(bar.status, "#0969da")
    return (
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{h(bar.label)}">'
        f'<rect x="0" y="2" width="{width}" height="{height - 4}" rx="3" fill="#eaeef2"/>'
        f'<rect x="0" y="2" width="{fill:.1f}" height="{height - 4}" rx="3" fill="{colour}"/>'
        f'<line x1="{mark:.1f}" y1="0" x2="{mark:.1f}" y2="{height}" stroke="#1f2328" '
        'stroke-width="2"/></svg>'
    )


def render_html(s: Summary) -> str:
    doc = document(s)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(doc.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{h(doc.title)}</h1>",
        '<ul class="meta">' + "".join(f"<li>{h(m)}</li>" for m in doc.meta) + "</ul>",
    ]
    for section in doc.sections:
        out.append(f'<section id="{h(section.key)}">')
        out.append(f"<h2>{h(section.title)}</h2>")
        for block in section.blocks:
            out.append(_html_block(block))
        out.append("</section>")
    if doc.notes:
        out.append('<footer class="muted">' + "".join(f"<p>{h(n)}</p>" for n in doc.notes))
        out.append("</footer>")
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_block(block: Block) -> str:
    if isinstance(block, Table):
        parts = []
        if block.title:
            parts.append(f"<h3>{h(block.title)}</h3>")
        parts.append("<table><thead><tr>")
        for i, head in enumerate(block.headers):
            cls = ' class="num"' if i in block.right else ""
            parts.append(f"<th{cls}>{h(head)}</th>")
        parts.append("</tr></thead><tbody>")
        for row in block.rows:
            parts.append("<tr>")
            for i, cell in enumerate(row):
                classes = []
                if i in block.right:
                    classes.append("num")
                if cell.status in _COLOUR:
                    classes.append(str(cell.status))
                elif cell.tone:
                    classes.append(cell.tone)
                cls = f' class="{" ".join(classes)}"' if classes else ""
                if cell.bar is not None:
                    body = svg_bar(cell.bar)
                elif cell.spark is not None:
                    body = svg_sparkline(cell.spark, cell.target_value, label=cell.text)
                else:
                    body = h(cell.text)
                    if cell.strong:
                        body = f"<strong>{body}</strong>"
                parts.append(f"<td{cls}>{body}</td>")
            parts.append("</tr>")
        parts.append("</tbody></table>")
        return "".join(parts)
    if isinstance(block, Items):
        tag = "ol" if block.ordered else "ul"
        parts = [f"<h3>{h(block.title)}</h3>"] if block.title else []
        parts.append(f"<{tag}>")
        for item in block.items:
            cls = f' class="{item.status}"' if item.status in _COLOUR else ""
            text = f": {h(item.text)}" if item.text else ""
            if item.spark is not None:
                text += " " + svg_sparkline(item.spark, None, 100, 18, item.lead)
            parts.append(f"<li><strong{cls}>{h(item.lead)}</strong>{text}")
            if item.children:
                li = '<li class="todo">' if item.checklist else "<li>"
                parts.append("<ul>" + "".join(f"{li}{h(c)}</li>" for c in item.children) + "</ul>")
            parts.append("</li>")
        parts.append(f"</{tag}>")
        return "".join(parts)
    cls = ' class="muted"' if block.muted else ""
    return f"<p{cls}>{h(block.text)}</p>"


# --------------------------------------------------------------------------- JSON
def render_json(s: Summary) -> str:
    """The data, unrounded: objects indented, each item of a list of objects (a KPI
    line, an SLA row, a ticket…) and each list of numbers on one line."""
    return _pretty(s.to_dict(), 0) + "\n"


def _pretty(obj: Any, level: int) -> str:
    def compact(x: Any) -> str:
        return json.dumps(x, ensure_ascii=False, allow_nan=False)

    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(obj, dict) and obj:
        body = ",\n".join(f"{inner}{compact(k)}: {_pretty(v, level + 1)}" for k, v in obj.items())
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(obj, list) and obj and any(isinstance(x, (dict, list)) for x in obj):
        body = ",\n".join(inner + compact(x) for x in obj)
        return "[\n" + body + "\n" + pad + "]"
    return compact(obj)


def renderer(fmt: str) -> Callable[[Summary], str]:
    return {
        "table": render_table,
        "markdown": render_markdown,
        "html": render_html,
        "json": render_json,
    }[fmt]


__all__ = [
    "FORMATS",
    "document",
    "render_html",
    "render_json",
    "render_markdown",
    "render_table",
    "renderer",
    "sparkline",
    "svg_bar",
    "svg_sparkline",
]
