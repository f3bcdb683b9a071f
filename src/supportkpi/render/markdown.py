"""Markdown: pastes into chat, wikis and tickets. Text goes through `common.markdown`, as
in the summary: no markup, HTML, link or image from an export's values, no escape
sequence, and no formula (the table may be pasted into a spreadsheet)."""

from __future__ import annotations

from ..engine import Result
from ..report import Report
from .common import (
    MARK,
    STATUS_TEXT,
    breakdowns,
    fmt_ci,
    fmt_excluded,
    fmt_target,
    fmt_value,
    group_cell,
    group_label,
    groups_of,
    header_lines,
    legend,
    notable_exclusions,
    to_date_groups,
)
from .text import markdown

PIVOT_MAX_GROUPS = 8


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(report: Report) -> str:
    out = ["# supportkpi report", ""]
    out += [f"- {markdown(line)}" for line in header_lines(report)]
    notable = notable_exclusions(report)
    for keys, results in breakdowns(report):
        out.append("")
        out.append("## Overall" if not keys else "## By " + markdown(" × ".join(keys)))
        out.append("")
        if not keys:
            out += _overall(report, results, notable)
            if notable:
                out += ["", "Left out: rows with a bad value, from the KPIs that read it", ""]
                out += [f"- {markdown(note)}" for note in notable.values()]
        elif len(groups_of(results)) <= PIVOT_MAX_GROUPS:
            out += _pivot(report, results)
        else:
            out += _long(report, keys, results)
    marks = legend(report.results, " · ")
    if marks:
        out += ["", marks]
    return "\n".join(out) + "\n"


def _overall(
    report: Report, results: list[Result], notable: dict[tuple[str, str, str], str]
) -> list[str]:
    left_out = [fmt_excluded(r, notable) for r in results]
    extra = ["Left out"] if any(left_out) else []
    lines = [
        _row(["KPI", "Value", "n", "95% CI", "Target", "Status", "Benchmark", *extra]),
        _row(["---", "---:", "---:", "---", "---", "---", "---", *(["---"] if extra else [])]),
    ]
    for r, excluded in zip(results, left_out, strict=True):
        label = r.label
        status = STATUS_TEXT[r.status] if r.value is not None else markdown(r.reason or "")
        lines.append(
            _row(
                [
                    markdown(label),
                    fmt_value(r.unit, r.value, report.currency),
                    f"{r.n:,}",
                    fmt_ci(r),
                    fmt_target(r.unit, r.target, report.currency),
                    status,
                    r.tier or "",
                    *([excluded] if extra else []),
                ]
            )
        )
    return lines


def _pivot(report: Report, results: list[Result]) -> list[str]:
    groups = groups_of(results)
    to_date = to_date_groups(results)
    heads = [markdown(", ".join(group_cell(k, v, g in to_date) for k, v in g)) for g in groups]
    lines = [_row(["KPI", *heads]), _row(["---"] + ["---:"] * len(groups))]
    by_kpi: dict[str, dict[tuple, Result]] = {}
    for r in results:
        by_kpi.setdefault(r.kpi, {})[tuple(r.group.items())] = r
    for cells in by_kpi.values():
        row = [markdown(next(iter(cells.values())).label)]
        for g in groups:
            cell = cells.get(g)
            row.append(
                "—"
                if cell is None
                else fmt_value(cell.unit, cell.value, report.currency) + MARK.get(cell.status, "")
            )
        lines.append(_row(row))
    return lines


def _long(report: Report, keys: tuple[str, ...], results: list[Result]) -> list[str]:
    lines = [
        _row([*(markdown(k) for k in keys), "KPI", "Value", "n", "Target", "Status"]),
        _row(["---"] * len(keys) + ["---", "---:", "---:", "---", "---"]),
    ]
    to_date = to_date_groups(results)
    for r in results:
        in_progress = tuple(r.group.items()) in to_date
        lines.append(
            _row(
                [
                    *(markdown(group_cell(k, r.group[k], in_progress)) for k in keys),
                    markdown(r.label),
                    fmt_value(r.unit, r.value, report.currency),
                    f"{r.n:,}",
                    fmt_target(r.unit, r.target, report.currency),
                    STATUS_TEXT[r.status],
                ]
            )
        )
    return lines


__all__ = ["group_label", "render"]
