"""A compute report laid out as a `Document` (render/document.py), which the table,
Markdown and HTML renderers draw. What a reader sees at a glance:

* the overall table: one row per KPI with a value; the KPIs without one are listed under
  it, one line per reason ("no surveys input (give --surveys): CSAT, NPS…");
* a breakdown of a few groups: KPIs as rows, groups as columns; of many: one row per
  group and KPI; a series (`--every`, or a time dimension): KPIs as rows, periods as
  columns, the latest on the right, a period not over marked "(to date)"; an `--every`
  point outside its control limits or in a run marked ▲ ▼ ◆ (reports/signals.py);
* a group `(unknown)` with nothing to show but a few values too small to judge (surveys
  or credits whose ticket is unknown) is named under its table, not given a column;
* `--compare`: the earlier period's value and the change beside each value.
"""

from __future__ import annotations

from collections.abc import Iterable

from supportkpi.model import Result
from supportkpi.render.common import (
    LEGEND,
    MARK,
    STATUS_TEXT,
    breakdowns,
    fmt_change,
    fmt_ci,
    fmt_excluded,
    fmt_target,
    fmt_value,
    group_cell,
    groups_of,
    header_lines,
    notable_exclusions,
    to_date_groups,
)
from supportkpi.render.document import Block, Cell, Document, Item, Items, Para, Section, Table, num
from supportkpi.reports.report import Report
from supportkpi.reports.signals import LEGEND as SIGNAL_LEGEND
from supportkpi.reports.signals import MARK as SIGNAL_MARK
from supportkpi.schema.inputs import UNKNOWN, is_time_dim

PIVOT_MAX_GROUPS = 8  # more groups: one row per group and KPI
BEYOND_NOISE = " *"  # after a change larger than its statistical noise
Group = tuple[tuple[str, str], ...]


def layout(report: Report) -> Document:
    label = report.window.label
    sections = []
    for keys, results in breakdowns(report):
        title = "Overall" if not keys else "By " + " × ".join(keys)
        key = "overall" if not keys else "by-" + "-".join(keys)
        time = next((k for k in keys if is_time_dim(k)), None)
        if not keys:
            blocks = _overall(report, results)
        elif time is not None:
            blocks = _series(report, keys, time, results)
        elif len(keys) > 1 and report.compare is None and _split_by_last(keys, results):
            blocks = _split_pivot(report, keys, results)
        elif report.compare is not None or len(groups_of(results)) > PIVOT_MAX_GROUPS:
            blocks = _long(report, keys, results)
        else:
            blocks = _pivot(report, keys, results)
        sections.append(Section(key, title, blocks))
    return Document(
        "Support KPIs" + (f" — {label}" if label else ""),
        header_lines(report),
        sections,
        _legend(report),
    )


def _legend(report: Report) -> list[str]:
    shown = {r.status for r in report.results if r.value is not None}
    marks = [f"{mark} {text}" for status, mark, text in LEGEND if status in shown]
    if any(r.previous is not None and r.previous.beyond_noise for r in report.results):
        marks.append(
            f"{BEYOND_NOISE.strip()} a change beyond its statistical noise (95 %: rates by a"
            " two-proportion test, NPS by its margins, counts by a Poisson test, mean first"
            " response and resolution times by Welch's)"
        )
    lines = ["  ".join(marks)] if marks else []
    if any(r.extra.get("signal") for r in report.results):  # --every: see reports/signals.py
        lines.append(SIGNAL_LEGEND)
    return lines


def _value(r: Result, currency: str) -> str:
    return fmt_value(r.unit, r.value, currency)


def _change(r: Result, currency: str) -> Cell:
    p = r.previous
    if p is None:
        return num("")
    text = fmt_change(r.unit, p.change, p.change_pct, p.better, currency)
    tone = None if p.better is None else "better" if p.better else "worse"
    return Cell(text + (BEYOND_NOISE if p.beyond_noise else ""), number=True, tone=tone)


def _without_value(results: Iterable[Result], title: str) -> list[Block]:
    """The KPIs without a value, one line per reason."""
    by_reason: dict[str, list[str]] = {}
    for r in results:
        by_reason.setdefault(r.reason or "no value", [])
        if r.label not in by_reason[r.reason or "no value"]:
            by_reason[r.reason or "no value"].append(r.label)
    if not by_reason:
        return []
    items = [Item(reason, _named(reason, labels)) for reason, labels in by_reason.items()]
    return [Items(items, title=title)]


_NAMED_FOR_A_MISSING_INPUT = 4


def _named(reason: str, labels: list[str]) -> str:
    """The KPIs a reason leaves without a value: for an input not given, a few and how
    many more (a survey export alone would list thirty ticket KPIs)."""
    if not reason.startswith("no ") or len(labels) <= _NAMED_FOR_A_MISSING_INPUT + 1:
        return ", ".join(labels)
    shown = ", ".join(labels[:_NAMED_FOR_A_MISSING_INPUT])
    return f"{shown} and {len(labels) - _NAMED_FOR_A_MISSING_INPUT} more"


def _without_empty(
    headers: list[str], rows: list[list[Cell]], keep: int
) -> tuple[list[str], list[list[Cell]]]:
    """The table without its columns empty on every row (no KPI asked has a target, an
    interval…: the column says nothing); the first `keep` columns stay."""
    kept = [i for i in range(len(headers)) if i < keep or any(r[i].text for r in rows)]
    return [headers[i] for i in kept], [[row[i] for i in kept] for row in rows]


# --------------------------------------------------------------------------- overall
def _overall(report: Report, results: list[Result]) -> list[Block]:
    cur = report.currency
    notable = notable_exclusions(report)
    shown = [r for r in results if r.value is not None]
    left_out = [fmt_excluded(r, notable) for r in shown]
    compare = report.compare is not None
    headers = ["KPI", "Value", "n"]
    if compare:
        before = report.compared_window.label if report.compared_window else None
        headers += [before or "Before", "Change"]
    headers += ["95% CI", "Target", "Status", "Benchmark"]
    rows = []
    for r, excluded in zip(shown, left_out, strict=True):
        row = [Cell(r.label), num(_value(r, cur)), num(f"{r.n:,}")]
        if compare:
            p = r.previous
            row += [num(fmt_value(r.unit, p.value if p else None, cur)), _change(r, cur)]
        row += [
            num(fmt_ci(r)),
            num(fmt_target(r.unit, r.target, cur)),
            Cell(STATUS_TEXT[r.status], r.status),
            Cell(r.tier or ""),
        ]
        if any(left_out):
            row.append(num(excluded))
        rows.append(row)
    if any(left_out):
        headers.append("Left out")
    headers, rows = _without_empty(headers, rows, keep=2)
    at = {h: i for i, h in enumerate(headers)}
    # on a narrow terminal: the benchmark tier goes first, then the interval, then n
    ranks = {"Benchmark": 1, "95% CI": 2, **({"n": 3, "Target": 4} if compare else {})}
    optional = {at[h]: rank for h, rank in ranks.items() if h in at}
    if compare:  # then the earlier value (the change says how far it was)
        optional[3] = 5
    right = {i for h, i in at.items() if h not in ("KPI", "Target", "Status", "Benchmark")}
    blocks: list[Block] = [Table(headers, rows, right, optional=optional)] if rows else []
    if not rows:
        blocks.append(Para("No KPI has a value."))
    blocks += _without_value(
        (r for r in results if r.value is None), "KPIs without a value, by reason"
    )
    if notable:
        blocks.append(
            Items(
                [Item("", note) for note in notable.values()],
                title="Left out: rows with a bad value, from the KPIs that read it",
            )
        )
    return blocks


# --------------------------------------------------------------------------- breakdowns
def _folded(results: list[Result], keys: Iterable[str]) -> tuple[list[Result], list[Block]]:
    """The results without the `(unknown)` groups that have nothing to show (only values
    from fewer responses than min_sample: surveys or credits whose ticket is unknown),
    and a line naming each."""
    by_group: dict[Group, list[Result]] = {}
    for r in results:
        by_group.setdefault(_group(r, keys), []).append(r)
    hidden: set[Group] = set()
    notes: list[Block] = []
    for group, rows in by_group.items():
        if not any(v == UNKNOWN for _, v in group):
            continue
        if any(r.value is not None and r.n > 0 and r.status != "low_sample" for r in rows):
            continue
        hidden.add(group)
        small = sum(r.value is not None and r.status == "low_sample" for r in rows)
        name = ", ".join(f"{k} {v}" for k, v in group)
        values = "1 value" if small == 1 else f"{small} values"
        what = f"{values}, too few responses to judge" if small else "no value"
        notes.append(
            Para(
                f"Not shown: {name}: {what} (survey, credit, comment or status rows whose"
                " ticket is not in the tickets export, or has no value there); --format json"
                " has them.",
                muted=True,
            )
        )
    kept = [r for r in results if _group(r, keys) not in hidden]
    return kept, notes


def _group(r: Result, keys: Iterable[str]) -> Group:
    return tuple((k, v) for k, v in r.group.items() if k in keys)


def _cell(r: Result | None, currency: str) -> Cell:
    if r is None or r.value is None:
        return num("—")
    signal = r.extra.get("signal")
    text = _value(r, currency) + MARK.get(r.status, "")
    return num(text + (f" {SIGNAL_MARK[signal]}" if signal else ""), r.status)


def _by_kpi(results: list[Result]) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    for r in results:
        out.setdefault(r.kpi, []).append(r)
    return out


def _pivot(report: Report, keys: tuple[str, ...], results: list[Result]) -> list[Block]:
    """KPIs as rows, groups as columns."""
    results, notes = _folded(results, keys)
    groups = groups_of(results)
    to_date = to_date_groups(results)
    headers = ["KPI"] + [", ".join(group_cell(k, v, g in to_date) for k, v in g) for g in groups]
    rows, empty = [], []
    for rows_of_kpi in _by_kpi(results).values():
        if all(r.value is None for r in rows_of_kpi):
            empty += rows_of_kpi
            continue
        cells = {tuple(r.group.items()): r for r in rows_of_kpi}
        rows.append(
            [Cell(rows_of_kpi[0].label)] + [_cell(cells.get(g), report.currency) for g in groups]
        )
    blocks: list[Block] = [Table(headers, rows, set(range(1, len(headers))), keys=1)]
    blocks += _without_value(empty, f"KPIs without a value by {' × '.join(keys)}, by reason")
    return blocks + notes


def _split_by_last(keys: tuple[str, ...], results: list[Result]) -> bool:
    """Whether the last key is the split of every KPI in the block (time in status
    --by channel: channel × status)."""
    from supportkpi.kpis.catalogue import ALL

    def split_key(name: str) -> str | None:
        split = ALL[name].stat.split if name in ALL else None
        return split[0] if split else None

    return all(split_key(r.kpi) == keys[-1] for r in results)


def _split_pivot(report: Report, keys: tuple[str, ...], results: list[Result]) -> list[Block]:
    """A KPI split by a key (time in status) by other dimensions: a row per KPI and group
    of the other keys, a column per value of the split key (as the overall row has)."""
    column, row_keys = keys[-1], keys[:-1]
    results, notes = _folded(results, row_keys)
    values = list(dict.fromkeys(r.group[column] for r in results))
    cells: dict[tuple[str, Group], dict[str, Result]] = {}
    for r in results:
        at = (r.kpi, tuple((k, r.group[k]) for k in row_keys))
        cells.setdefault(at, {})[r.group[column]] = r
    headers = ["KPI", *row_keys, *values]
    rows = []
    for (_, group), by_value in cells.items():
        first = next(iter(by_value.values()))
        rows.append(
            [Cell(first.label), *(Cell(group_cell(k, v, False)) for k, v in group)]
            + [_cell(by_value.get(v), report.currency) for v in values]
        )
    width = 1 + len(row_keys)
    return [Table(headers, rows, set(range(width, len(headers))), keys=width), *notes]


def _long(report: Report, keys: tuple[str, ...], results: list[Result]) -> list[Block]:
    """One row per group and KPI (many groups, or a comparison)."""
    cur = report.currency
    results, notes = _folded(results, keys)
    to_date = to_date_groups(results)
    compare = report.compare is not None
    headers = [*keys, "KPI", "Value", "n"]
    if compare:
        before = report.compared_window.label if report.compared_window else None
        headers += [before or "Before", "Change"]
    headers += ["Target", "Status"]
    rows, empty = [], []
    for rows_of_kpi in _by_kpi(results).values():
        if all(r.value is None for r in rows_of_kpi):
            empty += rows_of_kpi
    without = {r.kpi for r in empty}
    for r in results:
        if r.kpi in without:
            continue
        in_progress = tuple(r.group.items()) in to_date
        row = [Cell(group_cell(k, r.group[k], in_progress)) for k in keys]
        row += [Cell(r.label), num(_value(r, cur)), num(f"{r.n:,}")]
        if compare:
            p = r.previous
            row += [num(fmt_value(r.unit, p.value if p else None, cur)), _change(r, cur)]
        status = STATUS_TEXT[r.status] if r.value is not None else ""
        row += [num(fmt_target(r.unit, r.target, cur)), Cell(status, r.status)]
        rows.append(row)
    numbers = set(headers[len(keys) + 1 : headers.index("Target")])  # value, n, comparison
    headers, rows = _without_empty(headers, rows, keep=len(keys) + 2)
    at = {h: i for i, h in enumerate(headers)}
    optional = {at[h]: rank for h, rank in (("Target", 1), ("n", 2)) if h in at}
    right = {i for h, i in at.items() if h in numbers}
    blocks: list[Block] = [Table(headers, rows, right, optional=optional)]
    blocks += _without_value(empty, f"KPIs without a value by {' × '.join(keys)}, by reason")
    return blocks + notes


def _series(report: Report, keys: tuple[str, ...], time: str, results: list[Result]) -> list[Block]:
    """KPIs (and the other dimensions' groups) as rows, periods as columns, the latest
    on the right."""
    others = tuple(k for k in keys if k != time)
    results, notes = _folded(results, others)
    periods = sorted({r.group[time] for r in results})  # ISO labels sort by time
    running = {r.group[time] for r in results if not r.period_over}
    headers = ["KPI", *others, *(group_cell(time, p, p in running) for p in periods)]
    rows, empty = [], []
    for rows_of_kpi in _by_kpi(results).values():
        if all(r.value is None for r in rows_of_kpi):
            empty += rows_of_kpi
            continue
        cells: dict[Group, dict[str, Result]] = {}
        for r in rows_of_kpi:
            rest = tuple((k, v) for k, v in r.group.items() if k != time)
            cells.setdefault(rest, {})[r.group[time]] = r
        for n, (rest, by_period) in enumerate(cells.items()):
            label = rows_of_kpi[0].label if n == 0 else ""  # once per KPI
            row = [Cell(label), *(Cell(v) for _, v in rest)]
            row += [_cell(by_period.get(p), report.currency) for p in periods]
            rows.append(row)
    right = set(range(1 + len(others), len(headers)))
    blocks: list[Block] = [Table(headers, rows, right, keys=1 + len(others))]
    blocks += _without_value(empty, f"KPIs without a value by {' × '.join(keys)}, by reason")
    return blocks + notes
