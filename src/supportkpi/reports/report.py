"""The one object every command produces and every renderer reads.

`Report.to_dict()` is the JSON document of SPEC §6: tool version, as-of time, period,
inputs (rows read, used, rejected by reason, problems), group-by keys, and `results`.
Values are never rounded here; durations are seconds, percentages 0–100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from supportkpi import __version__
from supportkpi.errors import Problem, printable
from supportkpi.io.periods import Window, elapsed_share, iso_us
from supportkpi.model import Result

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


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
        out["notes"] = list(self.notes)  # (always there: [] when nothing to say)
        if self.tickets is not None:
            out["tickets"] = self.tickets
        return out

    def to_arrow(self) -> pa.Table:
        """The results as a pyarrow Table, one row per result (see `results_table`)."""
        return results_table(self.results, self.currency)

    def to_pandas(self) -> pd.DataFrame:
        """The results as a pandas DataFrame, one row per result (see `results_table`)."""
        return self.to_arrow().to_pandas()

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


# the columns of `results_table` before the group's dimensions, and after them (with
# their Arrow types); the CSV's target_min/target_max beside the JSON's target
_HEAD: tuple[tuple[str, str | None], ...] = (("kpi", "string"), ("label", "string"))
_TAIL: tuple[tuple[str, str | None], ...] = (
    ("value", "float64"),
    ("unit", "string"),
    ("n", "int64"),
    ("target", None),  # the JSON's target: {min}, {max} or {between}
    ("target_min", "float64"),
    ("target_max", "float64"),
    ("status", "string"),
    ("ci_low", "float64"),
    ("ci_high", "float64"),
    ("margin", "float64"),
    ("definition", "string"),
    ("tier", "string"),
    ("reason", "string"),
    ("period_complete", "bool"),
    ("elapsed_share", "float64"),
)


def result_row(r: Result, currency: str = "USD") -> dict[str, Any]:
    """One result as a flat row: the JSON's keys (`result_dict`), the group's
    dimensions as columns, target's bounds beside it, and a compared period's keys
    (compute --compare) as `previous_value`, `previous_n`, …"""
    d = result_dict(r, currency)
    target = d["target"] or {}
    between = target.get("between") or [None, None]
    row: dict[str, Any] = {"kpi": d.pop("kpi"), "label": d.pop("label")}
    row["group"] = d.pop("group")
    row |= {
        "target_min": target.get("min", between[0]),
        "target_max": target.get("max", between[1]),
        "period_complete": r.period_over,
        "elapsed_share": r.elapsed_share,
    }
    d.pop("period_complete", None)
    d.pop("elapsed_share", None)
    previous = d.pop("previous", None)
    row |= d
    if previous is not None:
        row |= {f"previous_{k}": v for k, v in previous.items()}
    return row


def results_table(results: list[Result], currency: str = "USD") -> pa.Table:
    """Results as a table, one row per result: `kpi`, `label`, one column per group
    dimension (empty where a row is not of that group: the overall row has none), then
    `value`, `unit`, `n`, `target` (as in JSON) with `target_min`/`target_max`,
    `status`, `ci_low`, `ci_high`, `margin`, `definition`, `tier`, `reason`,
    `period_complete`, `elapsed_share`, and each further key of the JSON rows (sla-check's
    `met`, `breached` …, NPS's `promoters` …). Values are as in JSON: seconds, 0–100.
    A dimension named like one of those columns is `group.NAME`."""
    import pyarrow as pa

    rows = [result_row(r, currency) for r in results]
    fixed = {name for name, _ in (*_HEAD, *_TAIL)}
    dims: list[str] = []
    for row in rows:
        for k in row["group"]:
            if k not in dims:
                dims.append(k)
    extra: list[str] = []
    for row in rows:
        for k in row:
            if k not in fixed and k != "group" and k not in extra:
                extra.append(k)
    columns: dict[str, pa.Array] = {}

    def add(name: str, values: list[Any], kind: str | None) -> None:
        if kind is not None:
            columns[name] = pa.array(values, type=pa.type_for_alias(kind))
            return
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds: each as its JSON
            import json

            columns[name] = pa.array([None if v is None else json.dumps(v) for v in values])

    for name, kind in _HEAD:
        add(name, [row[name] for row in rows], kind)
    for dim in dims:
        label = f"group.{dim}" if dim in fixed or dim in extra else dim
        add(label, [row["group"].get(dim) for row in rows], "string")
    for name, kind in _TAIL:
        add(name, [row.get(name) for row in rows], kind)
    for name in extra:
        add(name, [row.get(name) for row in rows], None)
    return pa.table(columns)
