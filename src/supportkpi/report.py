"""The one object every command produces and every renderer reads.

`Report.to_dict()` is the JSON document of SPEC §6: tool version, as-of time, period,
inputs (rows read, used, rejected by reason, problems), group-by keys, and `results`.
Values are never rounded here; durations are seconds, percentages 0–100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .errors import Problem, printable
from .model import Result
from .periods import Window, elapsed_share, iso_us


@dataclass
class InputSummary:
    name: str
    paths: list[str]
    rows_read: int
    rows_used: int
    rows_rejected: dict[str, int]
    problems: list[Problem]
    columns: dict[str, str] = field(default_factory=dict)
    events_read: int | None = None  # an event log: its rows, before one row per ticket
    # surveys: rows without a rating (empty, `Unoffered`), neither used nor rejected
    no_rating: int | None = None
    hints: list[str] = field(default_factory=list)  # what would read the export better

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input": self.name,
            "paths": self.paths,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_rejected": self.rows_rejected,
            "columns": self.columns,
            "problems": [p.to_dict() for p in self.problems],
        }
        if self.no_rating is not None:
            out["no_rating"] = self.no_rating
        if self.events_read is not None:
            out["events_read"] = self.events_read
        if self.hints:
            out["hints"] = list(self.hints)
        return out


def exclusions(inputs: list[InputSummary]) -> dict[str, list[dict[str, Any]]]:
    """KPI -> the value problems that left rows out of it (validate's codes): code,
    input, column, and the rows of that input it touches — the whole input's count,
    not a group's or a period's."""
    totals: dict[str, dict[tuple[str, str, str], int]] = {}
    for i in inputs:
        for p in i.problems:
            if p.scope != "value":
                continue
            for kpi in p.kpis:
                per = totals.setdefault(kpi, {})
                key = (p.code, i.name, p.column)
                per[key] = per.get(key, 0) + p.rows
    return {
        kpi: [
            {"code": code, "input": name, "column": column, "rows_in_input": rows}
            for (code, name, column), rows in sorted(per.items())
        ]
        for kpi, per in totals.items()
    }


@dataclass
class Uncovered:
    """Tickets in scope that no SLA policy covers, by their value of the policy key:
    never judged, never dropped silently (SPEC §4)."""

    key: str
    values: dict[str, int]  # value -> tickets, the most frequent first

    @property
    def tickets(self) -> int:
        return sum(self.values.values())

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "tickets": self.tickets, "values": self.values}

    def line(self, limit: int = 5) -> str:
        shown = [f"{v} {n:,}" for v, n in list(self.values.items())[:limit]]
        more = len(self.values) - limit
        if more > 0:
            shown.append(f"{more} more")
        return (
            f"SLA: {self.tickets:,} ticket(s) no policy covers ({self.key} "
            + ", ".join(shown)
            + f") are not judged: {self.hint()}"
        )

    def hint(self) -> str:
        example = next(iter(self.values))
        return (
            f"map each value to a policy in targets.yaml (values: {{{self.key}:"
            f" {{{example}: P1, …}}}}) or add policies named after them"
        )


@dataclass
class Report:
    command: str
    as_of: int | None
    timezone: str
    clock: str
    window: Window
    every: str | None
    inputs: list[InputSummary]
    group_by: list[list[str]]
    results: list[Result]
    config_path: str | None = None
    currency: str = "USD"
    notes: list[str] = field(default_factory=list)
    tickets: list[dict[str, Any]] | None = None  # sla-check --list: the tickets behind it
    uncovered: Uncovered | None = None  # SLA: tickets no policy covers
    compare: str | None = None  # compute --compare: previous | last-year
    compared_window: Window | None = None  # the period the results are set beside

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tool": "supportkpi",
            "version": __version__,
            "command": self.command,
            "as_of": iso_us(self.as_of) if self.as_of is not None else None,
            "timezone": self.timezone,
            "clock": self.clock,
            "period": self.period_dict(),
            "every": self.every,
            "config": printable(self.config_path) if self.config_path else None,
            "inputs": [i.to_dict() for i in self.inputs],
            "group_by": self.group_by,
            "results": [result_dict(r, self.currency) for r in self.results],
        }
        if self.compare is not None and self.compared_window is not None:
            out["compare"] = {"mode": self.compare, "period": self.compared_window.to_dict()}
        if self.uncovered is not None:
            out["sla_unmatched"] = self.uncovered.to_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        if self.tickets is not None:
            out["tickets"] = self.tickets
        return out

    def period_dict(self) -> dict[str, Any]:
        """The window, and whether it is over at the as-of time (else the share of it
        elapsed: its counts and amounts are so far, not the period's)."""
        out: dict[str, Any] = self.window.to_dict()
        share = elapsed_share(self.window.start, self.window.end, self.as_of)
        out["complete"] = share == 1.0
        if share != 1.0:
            out["elapsed_share"] = share
        return out


def _num(x: float | None) -> float | int | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return x


def result_dict(r: Result, currency: str = "USD") -> dict[str, Any]:
    unit = currency if r.unit == "money" else r.unit
    value: float | int | None = _num(r.value)
    if value is not None and r.unit == "count":
        value = int(value)
    out: dict[str, Any] = {
        "kpi": r.kpi,
        "label": r.label,
        "group": r.group,
        "value": value,
        "unit": unit,
        "n": r.n,
        "target": r.target,
        "status": r.status,
    }
    if r.ci_low is not None:
        out["ci_low"] = _num(r.ci_low)
        out["ci_high"] = _num(r.ci_high)
    if r.margin is not None:
        out["margin"] = _num(r.margin)
    if r.definition:
        out["definition"] = r.definition
    if r.tier:
        out["tier"] = r.tier
    if r.reason:
        out["reason"] = r.reason
    if r.excluded:
        out["excluded"] = r.excluded
    if not r.period_over:
        out["period_complete"] = False
        out["elapsed_share"] = r.elapsed_share
    for k, v in r.extra.items():
        out[k] = v
    if r.previous is not None:
        out |= r.previous.to_dict()
        before = out["previous"]
        if before["value"] is not None and r.unit == "count":
            before["value"] = int(before["value"])
    return out
