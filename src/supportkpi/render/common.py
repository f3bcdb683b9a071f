"""Display helpers shared by the human-readable renderers (table, Markdown)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from supportkpi.errors import grouped, printable
from supportkpi.io.durations import format_duration
from supportkpi.io.periods import elapsed_share, iso_us, local_date
from supportkpi.model import Result
from supportkpi.reports.report import Report
from supportkpi.schema.inputs import is_time_dim

STATUS_TEXT = {
    "met": "met",
    "warn": "warn",
    "missed": "MISSED",
    "to_date": "to date",
    "low_sample": "low sample",
    "no_target": "",
    "no_data": "",
}
# the legend under a table, for the statuses shown with a mark
LEGEND = [
    ("met", "✓", "met"),
    ("warn", "!", "warn"),
    ("missed", "✗", "missed"),
    ("low_sample", "~", "fewer responses than min_sample (not judged)"),
    ("to_date", "…", "to date (period not over: not judged)"),
]
MARK = {status: " " + mark for status, mark, _ in LEGEND}
TO_DATE = " (to date)"  # after the label of a period not over at the as-of time


def fmt_value(unit: str, value: float | None, currency: str = "USD") -> str:
    if value is None or value != value:
        return "—"
    if unit == "seconds":
        return format_duration(value)
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "points":
        return f"{value:.1f}"
    if unit == "money":
        return f"${value:,.2f}" if currency == "USD" else f"{value:,.2f} {currency}"
    return f"{value:.2f}"


def fmt_change(
    unit: str, change: float | None, pct: float | None, better: bool | None, currency: str
) -> str:
    """A change between two periods in the KPI's unit: `+6.4 pp better`, `−5m 02s (−9.1%)`."""
    if change is None:
        return "—"
    c = change
    sign = "+" if c > 0 else "−" if c < 0 else "±"
    mag = abs(c)
    if unit == "percent":
        text = f"{sign}{mag:.1f} pp"
    elif unit == "points":
        text = f"{sign}{mag:.1f} pts"
    elif unit == "seconds":
        text = sign + format_duration(mag)
    elif unit == "money":
        text = sign + fmt_value("money", mag, currency)
    elif unit == "count":
        text = f"{sign}{mag:,.0f}"
    else:
        text = f"{sign}{mag:.2f}"
    if pct is not None:
        text += f" ({'+' if pct > 0 else '−' if pct < 0 else '±'}{abs(pct):.1f}%)"
    if better is not None:
        text += " better" if better else " worse"
    return text


def fmt_target(unit: str, target: dict[str, Any] | None, currency: str = "USD") -> str:
    if not target:
        return ""
    if "between" in target:
        lo, hi = target["between"]
        return f"{fmt_value(unit, lo, currency)}–{fmt_value(unit, hi, currency)}"
    parts = []
    if "min" in target:
        parts.append("≥ " + fmt_value(unit, target["min"], currency))
    if "max" in target:
        parts.append("≤ " + fmt_value(unit, target["max"], currency))
    return ", ".join(parts)


# a value problem touching at least this share of its input's rows is named beside the
# KPIs it leaves rows out of; fewer (the examples' 3 responses before creation in 3,000
# tickets) are in the JSON and `supportkpi validate` only
NOTABLE_SHARE = 0.01


def notable_exclusions(report: Report) -> dict[tuple[str, str, str], str]:
    """(code, input, column) -> its note, for the value problems a reader of the
    numbers must see: `E022 resolved_at (tickets): cannot read the timestamp — 1,556 of
    24,918 rows (6.2 %)`."""
    out: dict[tuple[str, str, str], str] = {}
    for i in report.inputs:
        rows: dict[tuple[str, str, str], int] = {}
        what: dict[tuple[str, str, str], str] = {}
        for p in i.problems:
            if p.scope == "value" and p.kpis:
                key = (p.code, i.name, p.column)
                rows[key] = rows.get(key, 0) + p.rows
                what.setdefault(key, p.message)
        for key, n in rows.items():
            if i.rows_read and n >= NOTABLE_SHARE * i.rows_read:
                code, name, column = key
                out[key] = printable(  # the message may quote the export
                    f"{code} {column} ({name}): {what[key]} — {n:,} of {i.rows_read:,} rows"
                    f" ({100 * n / i.rows_read:.1f} %)"
                )
    return out


def fmt_excluded(r: Result, notable: dict[tuple[str, str, str], str], sep: str = ", ") -> str:
    """`1,556 (E022)`: the notable rows left out of this result's KPI (with the column
    when one code is there for two)."""
    shown = [e for e in r.excluded if (e["code"], e["input"], e["column"]) in notable]
    codes = [e["code"] for e in shown]
    return sep.join(
        f"{e['rows_in_input']:,} ({e['code']}"
        + (f" {e['column']})" if codes.count(e["code"]) > 1 else ")")
        for e in shown
    )


def fmt_ci(r: Result) -> str:
    if r.ci_low is not None and r.ci_high is not None:
        return f"{r.ci_low:.1f}–{r.ci_high:.1f}"
    if r.margin is not None:
        return f"± {r.margin:.1f}"
    return ""


def breakdowns(report: Report) -> list[tuple[tuple[str, ...], list[Result]]]:
    """Results split by breakdown (the tuple of group keys), in report order."""
    out: dict[tuple[str, ...], list[Result]] = {}
    for r in report.results:
        out.setdefault(tuple(r.group), []).append(r)
    return list(out.items())


def groups_of(results: Iterable[Result]) -> list[tuple[tuple[str, str], ...]]:
    seen: dict[tuple[tuple[str, str], ...], None] = {}
    for r in results:
        seen.setdefault(tuple(r.group.items()), None)
    return list(seen)


def to_date_groups(results: Iterable[Result]) -> set[tuple[tuple[str, str], ...]]:
    """The groups naming a period that is not over at the as-of time."""
    return {
        tuple(r.group.items())
        for r in results
        if not r.period_over and any(is_time_dim(k) for k in r.group)
    }


def group_cell(key: str, value: str, to_date: bool) -> str:
    """A group's value as shown: a period not over says so."""
    return value + TO_DATE if to_date and is_time_dim(key) else value


def _rows(n: int) -> str:
    return "row" if n == 1 else "rows"


def header_lines(report: Report) -> list[str]:
    lines = []
    if report.window.label or report.window.start or report.window.end:
        w = report.window
        if w.label and w.relative and w.start is not None and w.end is not None:
            first = local_date(w.start, report.timezone)
            last = local_date(w.end, report.timezone) - dt.timedelta(days=1)
            days = "" if first == last else f" ({first} to {last})"  # a day is its label
            lines.append(f"Period: {w.asked} = {w.label}{days}")
        elif w.label:
            lines.append(f"Period: {w.label}")
        else:
            lines.append(
                "Period: "
                + (iso_us(w.start) if w.start is not None else "…")
                + " to "
                + (iso_us(w.end) if w.end is not None else "…")
            )
        share = elapsed_share(w.start, w.end, report.as_of)
        if share is None:
            lines[-1] += " — to date"
        elif share < 1.0:
            lines[-1] += f" — to date, {100 * share:.0f} % of it elapsed at the as-of time"
    else:
        lines.append("Period: all data")
    if report.as_of is not None:
        lines.append(f"As of: {iso_us(report.as_of)}")
    for i in report.inputs:
        rejected = sum(i.rows_rejected.values())
        events = f"{i.events_read:,} events → " if i.events_read is not None else ""
        problems = len(grouped(i.problems))
        lines.append(
            f"{i.name}: {events}{i.rows_read:,} {_rows(i.rows_read)} read, {i.rows_used:,} used"
            + (f", {rejected:,} rejected" if rejected else "")
            + (f", {i.no_rating:,} without a rating" if i.no_rating else "")
            + (f", {problems} problem(s) — run `supportkpi validate`" if problems else "")
        )
        lines += [f"Note: {i.name}: {hint}" for hint in i.hints]
    if report.uncovered is not None:
        lines.append(report.uncovered.line())
    lines += [f"Note: {n}" for n in report.notes]
    return lines
