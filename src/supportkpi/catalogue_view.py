"""`supportkpi kpis`: the catalogue, and which KPIs given exports can compute.

Computability is decided from the export headers alone (a cheap sniff), so this stays
fast on any file size.
"""

from __future__ import annotations

import io
import json
import sys

from .kpis import CATALOGUE, UNIT_LABEL, Kpi

DIRECTION = {"higher": "higher", "lower": "lower", "band": "within band", "none": "—"}


def _available(
    tickets: list[str], surveys: list[str], config_path: str | None, preset: str | None = None
) -> dict[str, set[str]] | None:
    if not tickets and not surveys:
        return None
    from .config import find_config, load_config
    from .load import resolve_columns
    from .schema import INPUTS
    from .sources import expand, open_source

    config = load_config(find_config(config_path), preset)
    out: dict[str, set[str]] = {}
    for name, specs in (("tickets", tickets), ("surveys", surveys)):
        if not specs:
            continue
        cols: set[str] = set()
        for path in expand(specs, name):
            src = open_source(path, config.limits)
            cols |= set(resolve_columns(INPUTS[name], src.header, config, src))
        if name == "surveys" and cols & {"csat", "nps", "ces"}:
            cols |= {"type", "score"}
        out[name] = cols
    return out


def _reason(kpi: Kpi, available: dict[str, set[str]]) -> str:
    cols = available.get(kpi.source)
    if cols is None:
        return f"no {kpi.source} export given"
    missing = [group for group in kpi.needs if not cols & set(group)]
    if missing:
        from .engine import needs_text

        return "needs " + needs_text(missing)
    if kpi.source == "surveys" and "type" not in cols:
        return "needs type"
    return ""


def render_catalogue(
    fmt: str, tickets: list[str], surveys: list[str], config: str | None, preset: str | None = None
) -> str:
    available = _available(tickets, surveys, config, preset)
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
        if available is not None:
            reason = _reason(kpi, available)
            row["computable"] = not reason
            row["reason"] = reason
        rows.append(row)
    if fmt == "json":
        return json.dumps({"kpis": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt in ("markdown", "csv"):
        cols = ["kpi", "unit", "better", "input", "period_anchor", "formula"]
        if available is not None:
            cols.append("reason")
        lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
        for r in rows:
            lines.append("| " + " | ".join(str(r[c]).replace("|", "\\|") for c in cols) + " |")
        return "\n".join(lines) + "\n"
    from rich import box
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(
        file=buf, force_terminal=sys.stdout.isatty(), width=None if sys.stdout.isatty() else 160
    )
    t = Table(box=box.SIMPLE, title="supportkpi KPI catalogue", title_justify="left")
    for col in ("KPI", "Unit", "Better", "Placed by", "Formula"):
        t.add_column(col, overflow="fold")
    if available is not None:
        t.add_column("Computable", overflow="fold")
    for r in rows:
        cells = [
            str(r["kpi"]),
            str(r["unit"]),
            str(r["better"]),
            str(r["period_anchor"]),
            str(r["formula"]),
        ]
        if available is not None:
            cells.append("yes" if r["computable"] else f"[red]no[/]: {r['reason']}")
        t.add_row(*cells)
    console.print(t)
    return buf.getvalue()
