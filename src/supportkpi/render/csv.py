"""CSV: one row per KPI × group, machine-readable values (seconds, 0–100), text cells
protected against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io

from supportkpi.render.text import safe_text
from supportkpi.reports.report import Report, result_dict

_FIXED = ["kpi", "label"]
_TAIL = [
    "value",
    "unit",
    "n",
    "target_min",
    "target_max",
    "status",
    "ci_low",
    "ci_high",
    "margin",
    "reason",
    "period_complete",
    "elapsed_share",
]
# compute --compare: the earlier period's value beside each row, and the change
_COMPARE = [
    "previous_period",
    "previous_value",
    "previous_n",
    "change",
    "change_pct",
    "better",
    "beyond_noise",
]


def render(report: Report) -> str:
    group_keys: list[str] = []
    for r in report.results:
        for k in r.group:
            if k not in group_keys:
                group_keys.append(k)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # column names come from the export (--by dimensions): protect them like values
    compare = _COMPARE if report.compare is not None else []
    series = ["signal"] if report.every else []  # reports/signals.py; empty: none
    # a dimension named like a column of the row (the status of time_in_status beside
    # the KPI's status) is `group.NAME`, as in Report.to_pandas: never two columns alike
    taken = {*_FIXED, *_TAIL, *compare, *series}
    heads = [f"group.{k}" if k in taken else k for k in group_keys]
    w.writerow([safe_text(h) for h in [*_FIXED, *heads, *_TAIL, *compare, *series]])
    for r in report.results:
        d = result_dict(r, report.currency)
        t = d["target"] or {}
        lo = t.get("min", t.get("between", [None, None])[0])
        hi = t.get("max", t.get("between", [None, None])[1])
        row = [d["kpi"], d["label"]]
        row += [safe_text(r.group.get(k, "")) for k in group_keys]
        row += [
            _num(d["value"]),
            d["unit"],
            d["n"],
            _num(lo),
            _num(hi),
            d["status"],
            _num(d.get("ci_low")),
            _num(d.get("ci_high")),
            _num(d.get("margin")),
            safe_text(d.get("reason") or ""),
            "true" if r.period_over else "false",
            _num(r.elapsed_share),
        ]
        if compare:
            before = d.get("previous") or {}
            row += [before.get("period", ""), _num(before.get("value")), before.get("n", "")]
            row += [_num(d.get("change")), _num(d.get("change_pct"))]
            row += [_bool(d.get("better")), _bool(d.get("beyond_noise"))]
        if series:
            row.append(d.get("signal") or "")
        w.writerow(row)
    return buf.getvalue()


def _num(x: object) -> str:
    if x is None:
        return ""
    return repr(x) if isinstance(x, float) else str(x)


def _bool(x: bool | None) -> str:
    return "" if x is None else "true" if x else "false"
