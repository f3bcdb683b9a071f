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

import json
from collections.abc import Callable
from typing import Any

from supportkpi.io.durations import format_duration
from supportkpi.io.periods import local_text
from supportkpi.render.common import STATUS_TEXT, fmt_change, fmt_target, fmt_value
from supportkpi.render.document import (
    Block,
    Cell,
    Document,
    Item,
    Items,
    Para,
    Section,
    Table,
    draw_html,
    draw_markdown,
    draw_terminal,
    num,
    sparkline,
    svg_bar,
    svg_sparkline,
)
from supportkpi.reports.signals import LEGEND as SIGNAL_LEGEND
from supportkpi.reports.summary import Bar, Line, Performer, Summary, judged_lines

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
ALERT_TITLE = {
    "escalations": "Escalations",
    "sla": "SLA breaches",
    "budget": "Credit budget",
    "missed": "Missed targets",
}
MARK = {"met": "✓", "warn": "!", "missed": "✗", "low_sample": "~", "to_date": "…"}
FORMATS = ("table", "markdown", "html", "json")


def _change(ln: Line, currency: str) -> str:
    return fmt_change(ln.unit, ln.change, ln.change_pct, ln.better, currency)


def change_cell(ln: Line, currency: str) -> Cell:
    tone = None if ln.better is None else "better" if ln.better else "worse"
    return Cell(_change(ln, currency), number=True, tone=tone)


# --------------------------------------------------------------------------- formatting
def text_bar(bar: Bar, width: int = BAR_WIDTH) -> str:
    """▓▓▓▓░░│░░ — the value, with the target marked │."""
    filled = max(0, min(width, round(bar.fill * width)))
    cells = ["▓"] * filled + ["░"] * (width - filled)
    at = min(width - 1, max(0, round(bar.marker * width) - 1))
    cells[at] = "│"
    return "".join(cells)


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


def _trend_cell(ln: Line, s: Summary) -> Cell:
    """A KPI's trend: drawn in its natural range, the target dashed (HTML), each point's
    period and value on hover, a point with a signal marked (the latest one also in
    text)."""
    scale, titles = _trend_parts(ln, s)
    return Cell(
        sparkline(ln.trend, scale, ln.trend_signals),
        spark=ln.trend,
        target_value=_goal(ln.target),
        spark_range=scale,
        spark_titles=titles,
        spark_marks=ln.trend_signals or None,
    )


def _trend_parts(ln: Line, s: Summary) -> tuple[tuple[float, float] | None, list[str]]:
    """(the range drawn, each point's hover text)."""
    scale = (ln.trend_range[0], ln.trend_range[1]) if len(ln.trend_range) == 2 else None
    titles = [
        f"{p}: {fmt_value(ln.unit, v, s.currency)}"
        for p, v in zip(s.trend_periods, ln.trend, strict=False)
    ]
    return scale, titles


def _signal_legend(s: Summary) -> list[str]:
    """The legend of the trends' marks, when a latest point has one."""
    lines = [*s.headline, *s.financial]
    if any(ln.trend_signals and ln.trend_signals[-1] for ln in lines):
        return [f"Trends: {SIGNAL_LEGEND} (the mark after a trend: its latest period)"]
    return []


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
        f"Period: {f'{s.period_asked} = ' if s.period_asked else ''}{s.period}"
        f" ({span}, {s.timezone})" + (" — not over at the as-of time" if s.partial else ""),
        f"Compared with: {compare}",
        f"As of: {local_text(s.as_of, s.timezone) if s.as_of else '—'}",
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
    if s.overview:
        sections.append(Section("overview", "At a glance", [Para(x) for x in s.overview]))
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
        if s.channels:
            sections.append(Section("channels", "By channel", [_channel_table(s)]))
        sections.append(Section("sla", "SLA compliance", _sla_blocks(s)))
        sections.append(Section("team", "Team", _team_blocks(s)))
        sections.append(Section("actions", "Action items", _action_blocks(s)))
        if s.financial:
            sections.append(Section("financial", "Financial impact", _financial_blocks(s)))
        sections.append(Section("notable", "Notable changes", _notable_blocks(s)))
    return Document(s.title, meta, sections, list(s.notes) + _signal_legend(s))


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
    # on a narrow terminal the trend, then n, the earlier value and the target give way
    return Table(headers, rows, right={1, 2, 3, 4}, optional={7: 1, 2: 2, 3: 3, 5: 4})


CHANNEL_HEADS = {
    "tickets": "Tickets",
    "first_response_time": "First response",
    "handle_time": "Handle time",
    "fcr_rate": "FCR",
    "csat": "CSAT (n)",
    "sla_resolution": "SLA resolution",
}


def _channel_table(s: Summary) -> Table:
    """The headline KPIs by channel, each against the channel's own target."""
    kpis = [k for k in CHANNEL_HEADS if any(k in row.kpis for row in s.channels)]
    rows = []
    for row in s.channels:
        cells = [Cell(row.channel)]
        for k in kpis:
            c = row.kpis.get(k)
            if c is None or c.value is None:
                cells.append(num("—"))
                continue
            text = fmt_value(c.unit, c.value, s.currency)
            if k == "csat":
                text += f" ({c.n:,})"
            mark = MARK.get(c.status)
            if mark:
                text += f" {mark}"
            cells.append(num(text, c.status if c.status in MARK else None))
        rows.append(cells)
    return Table(
        ["Channel", *(CHANNEL_HEADS[k] for k in kpis)],
        rows,
        right=set(range(1, len(kpis) + 1)),
        keys=1,
    )


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
        _trend_cell(ln, s),
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
                _trend_cell(ln, s),
            ]
        )
    return Table(
        headers, rows, right={1, 2, 3, 4, 5, 6}, optional={9: 1, 2: 2, 6: 3, 3: 4, 5: 5, 7: 6}
    )


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
                "Respond in",
                "Compliance",
                "Resolve in",
                "Compliance",
                "Goal",
                "Breached",
                "At risk",
            ],
            rows,
            right={2, 4, 5, 6, 7},
            optional={7: 1, 1: 2, 3: 3},  # on a narrow terminal, the compliance stays
        )
    ]
    if not sla.rows:
        blocks = [Para("No ticket in this period met or breached an SLA target yet.")]
    if sla.breached:
        # the table's Breached counts its two targets; the line, every target breached
        others = [t for t in sla.breached_targets if t not in ("first_response", "resolution")]
        which = ""
        if others:
            names = ", ".join(t.replace("_", " ") for t in sla.breached_targets)
            which = f" of {names} (the table shows first response and resolution)"
        blocks.append(
            Para(
                f"{sla.breached_tickets:,} ticket(s) breached a target{which} "
                f"({sla.breached:,} breaches, counting each target a ticket breached)."
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
        title=f"Worst tickets (the {len(s.sla.worst)} most overdue)",
        optional={5: 1},
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
                ["KPI", "Bar (│ = target)", "Value", "Target", "Status"],
                rows,
                right={2},
                optional={3: 1},
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
                [Item(p.agent, _performer_text(p)) for p in team.top],
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
        blocks.append(
            Items(
                [Item("Nobody", "no agent is beyond a coaching trigger beyond doubt")],
                title="Needs coaching",
            )
        )
    blocks += [Para(n.text + ".", muted=True) for n in team.not_judged]
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
            keys=1,  # too wide: continued in a second table, each naming the agents
            title="Agents"
            + (f" (team average: {avg:.1f} resolved per agent)" if avg is not None else ""),
        )
    )
    blocks += [Para(r, muted=True) for r in team.rules]
    return blocks


def _performer_text(p: Performer) -> str:
    """'score 66.9: CSAT 100.0% (5 responses, ≥ 56.6%), FCR 100.0% (13 resolved, ≥ 77.2%)'"""

    def low(v: float | None) -> str:
        return "" if v is None else f", ≥ {v:.1f}%"

    return (
        f"score {p.score:.1f} — CSAT {p.csat:.1f}% ({p.csat_n:,} responses{low(p.csat_low)}), "
        f"FCR {p.fcr:.1f}% ({p.fcr_n:,} resolved{low(p.fcr_low)})"
    )


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
        blocks.append(Para(f"Top performer #{rank.rank}: {_performer_text(rank)}."))
    blocks += [Para(r, muted=True) for r in team.rules]
    return blocks


def _action_blocks(s: Summary) -> list[Block]:
    if not s.actions:
        return [Para("No KPI missed its target: nothing to act on.")]
    lines = {ln.kpi: ln for ln in judged_lines(s)}
    items = []
    for a in s.actions:
        head = fmt_value(a.unit, a.value, s.currency)
        if a.target:
            head += f" (target {fmt_target(a.unit, a.target, s.currency)})"
        label = a.label
        for k in a.also:  # the same actions for another missed KPI: one item
            other = lines.get(k)
            if other is not None:
                label += f" and {other.label}"
                head += f"; {fmt_value(other.unit, other.value, s.currency)}"
                if other.target:
                    head += f" (target {fmt_target(other.unit, other.target, s.currency)})"
        if a.why == "coaching":
            head += " — coaching trigger"
        items.append(Item(label, head, list(a.items), checklist=True, status="missed"))
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
                _trend_cell(ln, s),
            ]
        )
    return [
        Table(
            ["", s.period, s.compare_period, "Change", "Target", "Status", _trend_head(s)],
            rows,
            right={1, 2, 3},
            optional={6: 1, 2: 2, 4: 3, 3: 4},
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
                f", {_change(ln, s.currency)} vs {s.compare_period} "
                f"({fmt_value(ln.unit, ln.previous, s.currency)})"
            )
        text += f"; last {len(ln.trend)} {GRAIN_WORD.get(s.grain, 'periods')}:"
        scale, titles = _trend_parts(ln, s)
        items.append(
            Item(
                ln.label,
                text,
                spark=ln.trend,
                spark_range=scale,
                spark_titles=titles,
                spark_marks=ln.trend_signals or None,
            )
        )
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
                f"{fmt_value(c.unit, c.value, s.currency)} ({_change(ln, s.currency)}); "
                f"{c.detail}",
                status="met" if c.better else "missed" if c.better is False else None,
            )
        )
    return [Items(items, title=title)]


# --------------------------------------------------------------------------- drawings
def render_table(s: Summary) -> str:
    return draw_terminal(document(s), TERMINAL_WIDTH)


def render_markdown(s: Summary) -> str:
    return draw_markdown(document(s))


def render_html(s: Summary) -> str:
    doc = document(s)
    if s.staffing is not None:  # the agents input is given
        from supportkpi.render.staffing import summary_section

        doc.sections.append(summary_section(*s.staffing))
    return draw_html(doc)


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
