"""`supportkpi compare` drawn: a table (terminal), Markdown, CSV or the JSON document."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from supportkpi.io.periods import elapsed_share
from supportkpi.render.common import fmt_change, fmt_value, header_lines
from supportkpi.render.document import Cell, Document, Items, Para, Section, Table, num
from supportkpi.render.json import _lines
from supportkpi.render.text import safe_text
from supportkpi.reports.compare import Comparison, Row, period_text

FORMATS = ("table", "json", "csv", "markdown")
PLAIN_WIDTH = 120
VERDICT_TEXT = {
    "a_better": "A better",
    "b_better": "B better",
    "different": "different",
    "no_difference": "no difference",
    "too_few": "too few",
}
# a worse B reads as missed, a better B as met
VERDICT_STATUS = {"a_better": "missed", "b_better": "met", "too_few": "low_sample"}
_CSV = [
    "kpi",
    "label",
    "unit",
    "a_label",
    "a_value",
    "a_n",
    "b_label",
    "b_value",
    "b_n",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "test",
    "verdict",
    "detectable_difference",
    "reason",
]


def renderer(fmt: str) -> Callable[[Comparison], str]:
    return {"json": render_json, "csv": render_csv, "markdown": render_markdown}.get(
        fmt, render_table
    )


def render_json(c: Comparison) -> str:
    doc = c.to_dict()
    results = doc.pop("results")
    head = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    return head[:-2] + ',\n  "results": ' + _lines(results) + "\n}\n"


def render_csv(c: Comparison) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_CSV)
    unit_of = {r.kpi: (c.currency if r.unit == "money" else r.unit) for r in c.rows}
    for r in c.rows:
        d = r.to_dict()
        a, b = d["a"], d["b"]
        w.writerow(
            [
                r.kpi,
                r.label,
                unit_of[r.kpi],
                safe_text(a["label"]),
                _num(a["value"]),
                a["n"],
                safe_text(b["label"]),
                _num(b["value"]),
                b["n"],
                *(_num(d[k]) for k in ("difference", "ci_low", "ci_high", "p_value")),
                _num(d["p_adjusted"]),
                safe_text(d["test"] or ""),
                d["verdict"],
                _num(d["detectable_difference"]),
                safe_text(d.get("reason") or ""),
            ]
        )
    return buf.getvalue()


def render_table(c: Comparison) -> str:
    from supportkpi.render.document import draw_terminal

    return draw_terminal(layout(c), PLAIN_WIDTH, title=True)


def render_markdown(c: Comparison) -> str:
    from supportkpi.render.document import draw_markdown

    return draw_markdown(layout(c))


def title(c: Comparison) -> str:
    if c.spec.by:
        return f"Compare {c.spec.by}: A = {c.a}, B = {c.b}"
    return f"Compare periods: A = {period_text(c.windows['a'])}, B = {period_text(c.windows['b'])}"


def layout(c: Comparison) -> Document:
    rows = [_cells(c, r) for r in c.rows]
    table = Table(
        [
            "KPI",
            f"A: {c.a}",
            f"B: {c.b}",
            "B − A",
            "95 % interval",
            "p (Holm)",
            "Verdict",
            "Detectable",
        ],
        rows,
        right={1, 2, 3, 4, 5, 7},
        optional={7: 1, 4: 2, 5: 3},
        keys=1,
    )
    meta = header_lines(c.report)[:1] if c.spec.by else _periods(c)
    blocks: list[Table | Items | Para] = [table]
    untested = [r for r in c.rows if r.reason]
    if untested:
        blocks.append(Para("Not tested: " + "; ".join(f"{r.label}: {r.reason}" for r in untested)))
    notes = [
        "B − A with its 95 % interval; p adjusted for the number of KPIs tested (Holm);"
        " better/worse in each KPI's direction at p < 0.05. Rates: two-proportion z test"
        " (Newcombe interval); means: Welch t; NPS: z test of the +1/0/−1 scores;"
        " medians and p90: bootstrap over rows; totals: compound Poisson z; counts:"
        " exact Poisson test. Detectable: the smallest difference these samples could"
        " detect (80 % power); 'too few': fewer rows than min_sample, or no test.",
        *c.report.notes,
    ]
    return Document(title(c), meta, [Section("compare", "KPIs", blocks)], notes)


def _periods(c: Comparison) -> list[str]:
    """Each period, and whether it is over at the as-of time (its counts are so far)."""
    out = []
    for side in ("a", "b"):
        w = c.windows[side]
        share = elapsed_share(w.start, w.end, c.report.as_of)
        line = f"{side.upper()}: {period_text(w)}"
        if share is not None and share < 1.0:
            line += f" — to date, {100 * share:.0f} % of it elapsed at the as-of time"
        out.append(line)
    return out


def _cells(c: Comparison, r: Row) -> list[Cell]:
    unit, cur = r.unit, c.currency
    side = [
        num(f"{fmt_value(unit, s.value, cur)}  n {s.n:,}") if s.value is not None else num("—")
        for s in (r.a, r.b)
    ]
    interval = (
        f"{_signed(unit, r.ci_low, cur)} to {_signed(unit, r.ci_high, cur)}"
        if r.ci_low is not None and r.ci_high is not None
        else ""
    )
    p = "" if r.p_adjusted is None else _p(r.p_adjusted)
    detectable = (
        ""
        if r.detectable_difference is None
        else "±" + _magnitude(unit, r.detectable_difference, cur)
    )
    return [
        Cell(r.label),
        *side,
        num(fmt_change(unit, r.difference, None, None, cur)),
        num(interval),
        num(p),
        Cell(VERDICT_TEXT[r.verdict], VERDICT_STATUS.get(r.verdict)),
        num(detectable),
    ]


def _signed(unit: str, x: float, currency: str) -> str:
    return fmt_change(unit, x, None, None, currency)


def _magnitude(unit: str, x: float, currency: str) -> str:
    return fmt_change(unit, abs(x), None, None, currency).lstrip("+")


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _num(x: object) -> str:
    if x is None:
        return ""
    return repr(x) if isinstance(x, float) else str(x)
