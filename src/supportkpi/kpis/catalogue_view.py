"""`supportkpi kpis`: the catalogue, and which KPIs given exports can compute.

Which KPIs are computable is asked of the reading `compute` does (the preset, an event
log collapsed to tickets, columns derived from others, reading in parts), so the two
never disagree; without exports, nothing is read and the catalogue prints instantly.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

from supportkpi.kpis.catalogue import CATALOGUE, UNIT_LABEL

if TYPE_CHECKING:
    from supportkpi.reports.compute import Options

DIRECTION = {"higher": "higher", "lower": "lower", "band": "within band", "none": "—"}
FIELDS = (
    "kpi",
    "label",
    "section",
    "unit",
    "better",
    "input",
    "period_anchor",
    "formula",
    "needs",
)


def render_catalogue(fmt: str, options: Options | None = None) -> str:
    """The catalogue; with `options` naming exports, whether each KPI is computable
    from them and, when not, why (as `compute` says it)."""
    unavailable: dict[str, str] | None = None
    if options is not None:
        from supportkpi.reports.compute import unavailable as cannot_compute

        unavailable = cannot_compute(options)
    rows = []
    for kpi in CATALOGUE.values():
        needs = ", ".join(" or ".join(g) for g in kpi.needs)
        row: dict[str, object] = {
            "kpi": kpi.name,
            "label": kpi.label,
            "section": kpi.section,
            "unit": UNIT_LABEL[kpi.unit],
            "better": DIRECTION[kpi.direction],
            "input": kpi.source,
            "period_anchor": kpi.anchor or "period end",
            "formula": kpi.formula,
            "needs": needs,
        }
        if unavailable is not None:
            row["computable"] = kpi.name not in unavailable
            row["reason"] = unavailable.get(kpi.name, "")
        rows.append(row)
    if fmt == "json":
        return json.dumps({"kpis": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":  # (no cell starts with an export's text: nothing to neutralise)
        buf = io.StringIO()
        fields = [*FIELDS, *(("computable", "reason") if unavailable is not None else ())]
        writer = csv.DictWriter(buf, fields, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: str(v).lower() if isinstance(v, bool) else v for k, v in r.items()})
        return buf.getvalue()
    if fmt == "markdown":
        cols = ["kpi", "unit", "better", "input", "period_anchor", "formula"]
        if unavailable is not None:
            cols.append("reason")
        lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
        for r in rows:
            lines.append("| " + " | ".join(str(r[c]).replace("|", "\\|") for c in cols) + " |")
        return "\n".join(lines) + "\n"
    if unavailable is None:  # the instant path: no rich (a tenth of a second to import)
        return _plain_table(rows)
    from rich import box
    from rich.table import Table

    from supportkpi.render.terminal import console as terminal_console
    from supportkpi.render.text import for_terminal, unpadded

    buf = io.StringIO()
    console = terminal_console(buf, 160)
    t = Table(box=box.SIMPLE, title="supportkpi KPI catalogue", title_justify="left")
    for col in ("KPI", "Unit", "Better", "Placed by", "Formula"):
        t.add_column(col, overflow="fold")
    if unavailable is not None:
        t.add_column("Computable", overflow="fold")
    for r in rows:
        cells = [
            str(r["kpi"]),
            str(r["unit"]),
            str(r["better"]),
            str(r["period_anchor"]),
            str(r["formula"]),
        ]
        if unavailable is not None:
            cells.append(
                "yes" if r["computable"] else f"[red]no[/]: {for_terminal(str(r['reason']))}"
            )
        t.add_row(*cells)
    console.print(t)
    return unpadded(buf.getvalue())


TABLE_COLUMNS = (
    ("KPI", "kpi"),
    ("Unit", "unit"),
    ("Better", "better"),
    ("Placed by", "period_anchor"),
    ("Formula", "formula"),
)


def _plain_table(rows: list[dict[str, object]]) -> str:
    """The catalogue as the rich table below draws it (simple box), the formula folded
    to the width: the terminal's, else 160 columns."""
    import textwrap

    from supportkpi.render.terminal import width

    cells = [[str(r[key]) for _, key in TABLE_COLUMNS] for r in rows]
    heads = [head for head, _ in TABLE_COLUMNS]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    room = width(160) - sum(widths[:-1]) - 3 * len(heads) - 1
    widths[-1] = max(20, min(widths[-1], room))

    def line(values: list[str]) -> str:
        return " " + " ".join(f" {v:<{w}} " for v, w in zip(values, widths, strict=True))

    out = ["supportkpi KPI catalogue", "", line(heads), " " + "─" * (len(line(heads)) - 1)]
    for row in cells:
        folded = textwrap.wrap(row[-1], widths[-1]) or [""]
        out.append(line([*row[:-1], folded[0]]))
        out += [line([""] * (len(row) - 1) + [more]) for more in folded[1:]]
    return "\n".join(x.rstrip() for x in out) + "\n\n"
