"""Prometheus text exposition (for node_exporter's textfile collector).

No sample carries a timestamp (the textfile collector rejects them); the as-of instant
is its own gauge, `supportkpi_sla_as_of_timestamp_seconds`.
"""

from __future__ import annotations

import math
import re

from supportkpi.reports.report import Report
from supportkpi.schema.inputs import normalise_name
from supportkpi.sla.policy import STATES


def _label_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


# labels of the tool's own; a group dimension never takes one of these names
_OWN_LABELS = ("target", "state")
_NOT_LABEL = re.compile("[^a-zA-Z0-9_]")


def label_names(dims: list[str]) -> list[str]:
    """Prometheus label names for group dimensions as the user wrote them (`--by State`,
    `--by "1st line"`): [a-zA-Z_][a-zA-Z0-9_]*, never one of the tool's own labels nor
    Prometheus' reserved `__…`, never twice the same. `by_` marks a renamed one."""
    out: list[str] = []
    for dim in dims:
        name = _NOT_LABEL.sub("_", normalise_name(dim)) or "dim"
        if name in _OWN_LABELS or name[0].isdigit() or name.startswith("__"):
            name = "by_" + name
        base, i = name, 2
        while name in out:
            name, i = f"{base}_{i}", i + 1
        out.append(name)
    return out


def _labels(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_label_value(v)}"' for k, v in pairs) + "}"


def _num(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    return repr(float(x))


def render(report: Report, ok: bool | None = None) -> str:
    compliance, targets, counts, unmatched = [], [], [], []
    for r in report.results:
        if not r.kpi.startswith("sla_"):
            continue
        target = r.kpi.removeprefix("sla_")
        names = label_names(list(r.group))
        labels = [("target", target), *zip(names, r.group.values(), strict=True)]
        compliance.append((labels, r.value / 100 if r.value is not None else math.nan))
        if r.target and "min" in r.target:
            targets.append((labels, r.target["min"] / 100))
        for state in STATES:
            counts.append(([*labels, ("state", state.replace("/", ""))], r.extra.get(state, 0)))
        unmatched.append((labels, r.extra.get("unmatched", 0)))
    out = [
        "# HELP supportkpi_sla_compliance_ratio Share of tickets that met their SLA target:"
        " met / (met + breached).",
        "# TYPE supportkpi_sla_compliance_ratio gauge",
        *(f"supportkpi_sla_compliance_ratio{_labels(lb)} {_num(v)}" for lb, v in compliance),
        "# HELP supportkpi_sla_compliance_target_ratio Compliance target of the SLA policy.",
        "# TYPE supportkpi_sla_compliance_target_ratio gauge",
        *(f"supportkpi_sla_compliance_target_ratio{_labels(lb)} {_num(v)}" for lb, v in targets),
        "# HELP supportkpi_sla_tickets Tickets by SLA state at the as-of time.",
        "# TYPE supportkpi_sla_tickets gauge",
        *(f"supportkpi_sla_tickets{_labels(lb)} {int(v)}" for lb, v in counts),
        "# HELP supportkpi_sla_unmatched_tickets Tickets no SLA policy covers (not judged).",
        "# TYPE supportkpi_sla_unmatched_tickets gauge",
        *(f"supportkpi_sla_unmatched_tickets{_labels(lb)} {int(v)}" for lb, v in unmatched),
        "# HELP supportkpi_sla_as_of_timestamp_seconds When the SLA states were judged.",
        "# TYPE supportkpi_sla_as_of_timestamp_seconds gauge",
        f"supportkpi_sla_as_of_timestamp_seconds {_num((report.as_of or 0) / 1e6)}",
    ]
    if ok is not None:
        out += [
            "# HELP supportkpi_sla_ok 1 when every SLA compliance target is met, else 0.",
            "# TYPE supportkpi_sla_ok gauge",
            f"supportkpi_sla_ok {1 if ok else 0}",
        ]
    return "\n".join(out) + "\n"
