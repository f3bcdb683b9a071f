"""One layout, three drawings: a `Document` (sections of tables, bullet items and
paragraphs, each cell with its status) drawn for a terminal (rich), as Markdown, or as one
self-contained HTML page. The summary and compute lay their reports out as Documents;
nothing here knows a KPI.

Text from exports goes through `render.text` (terminal, Markdown) or `h` (HTML): no
escape sequence, markup, tag, link or formula reaches the reader.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from supportkpi.errors import printable
from supportkpi.render.text import for_terminal, markdown, unpadded
from supportkpi.reports.signals import MARK as SIGNAL_MARK

if TYPE_CHECKING:
    from supportkpi.reports.summary import Bar

BLOCKS = "▁▂▃▄▅▆▇█"
STYLE = {
    "met": "green",
    "warn": "yellow",
    "missed": "bold red",
    "low_sample": "dim",
    "to_date": "dim",
}
TONE_STYLE = {"better": "green", "worse": "red"}
GAP = 2  # characters between two columns of a terminal table


# --------------------------------------------------------------------------- document
@dataclass
class Cell:
    text: str
    status: str | None = None  # colours the cell (met / warn / missed / low_sample)
    spark: list[float | None] | None = None  # a trend: HTML draws an SVG line
    bar: Bar | None = None  # a bar against target: HTML draws an SVG bar
    target_value: float | None = None  # the target line of a sparkline
    spark_range: tuple[float, float] | None = None  # the trend's scale (None: its values')
    spark_titles: list[str] | None = None  # each point's hover text (HTML <title>)
    spark_marks: list[str | None] | None = None  # each point's signal (reports/signals)
    strong: bool = False
    number: bool = False  # text we formatted from a number: no formula protection needed
    tone: str | None = None  # better | worse: a change for the better or the worse


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    right: set[int] = field(default_factory=set)  # right-aligned columns
    title: str = ""
    # On a terminal narrower than the table: the columns left out first (by rank, 1
    # first), then the others spread over several tables that each repeat the first
    # `keys` columns (0: never split). Either set: no cell wraps.
    optional: dict[int, int] = field(default_factory=dict)
    keys: int = 0


@dataclass
class Item:
    lead: str  # shown bold ("": a plain bullet, its text alone)
    text: str = ""
    children: list[str] = field(default_factory=list)
    checklist: bool = False  # children are to-dos
    status: str | None = None
    spark: list[float | None] | None = None  # a trend after the text
    spark_range: tuple[float, float] | None = None  # as Cell's
    spark_titles: list[str] | None = None
    spark_marks: list[str | None] | None = None


@dataclass
class Items:
    items: list[Item]
    ordered: bool = False
    title: str = ""


@dataclass
class Para:
    text: str
    muted: bool = False


Block = Table | Items | Para


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]


@dataclass
class Document:
    title: str
    meta: list[str]
    sections: list[Section]
    notes: list[str]


def num(text: str, status: str | None = None) -> Cell:
    """A cell holding a number we formatted (a leading + or - is a sign, not a formula)."""
    return Cell(text, status, number=True)


def sparkline(
    values: list[float | None],
    scale: tuple[float, float] | None = None,
    signals: list[str | None] | None = None,
) -> str:
    """▁▂▃▄▅▆▇█ scaled in `scale` (lowest, highest: a KPI's natural range, so that
    100 % → 99 % stays near the top), else between the lowest and highest value; · where
    there is none; then the mark of the latest point's signal (▲ ▼ ◆), if it has one."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    lo, hi = scale if scale is not None else (min(known), max(known))
    lo, hi = min(lo, *known), max(hi, *known)
    out = []
    for v in values:
        if v is None:
            out.append("·")
        elif hi == lo:
            out.append(BLOCKS[3])
        else:
            out.append(BLOCKS[round((v - lo) / (hi - lo) * (len(BLOCKS) - 1))])
    last = signals[-1] if signals else None
    return "".join(out) + (f" {SIGNAL_MARK.get(last, '')}" if last else "")


# --------------------------------------------------------------------------- terminal
def draw_terminal(doc: Document, plain_width: int, title: bool = True) -> str:
    """For `supportkpi.terminal`'s destination: colour and the terminal's width on a
    terminal, plain text `plain_width` wide otherwise."""
    from supportkpi.render.terminal import console as make_console

    buf = io.StringIO()
    console = make_console(buf, plain_width)
    if title:
        console.print(f"[bold]{for_terminal(doc.title)}[/]")
    for line in doc.meta:
        console.print(for_terminal(line))
    for section in doc.sections:
        console.print()
        console.print(f"[bold underline]{for_terminal(section.title)}[/]")
        for block in section.blocks:
            if isinstance(block, Table):
                _print_table(console, block, section.title)
            elif isinstance(block, Items):
                if block.title:
                    console.print(f"[bold]{for_terminal(block.title)}[/]")
                for i, item in enumerate(block.items, 1):
                    bullet = f"{i}." if block.ordered else "•"
                    style = STYLE.get(item.status or "")
                    if item.lead:
                        lead = for_terminal(item.lead)
                        lead = f"[{style}]{lead}[/]" if style else f"[bold]{lead}[/]"
                        text = f": {for_terminal(item.text)}" if item.text else ""
                    else:
                        lead, text = "", for_terminal(item.text)
                    if item.spark is not None:
                        text += " " + for_terminal(
                            sparkline(item.spark, item.spark_range, item.spark_marks)
                        )
                    _print_hanging(console, f"  {bullet}", lead + text)
                    for child in item.children:
                        box_ = "[ ]" if item.checklist else "-"
                        console.print(f"      {for_terminal(box_)} {for_terminal(child)}")
            else:
                console.print(
                    f"[dim]{for_terminal(block.text)}[/]"
                    if block.muted
                    else for_terminal(block.text)
                )
    if doc.notes:
        console.print()
        for note in doc.notes:
            console.print(f"[dim]{for_terminal(note)}[/]")
    return unpadded(buf.getvalue())


def _print_hanging(console: Any, bullet: str, text: str) -> None:
    """A bullet and its text, the text's wrapped lines indented under its first."""
    from rich.table import Table as RichTable

    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(bullet, text)
    console.print(grid)


def _styled(cell: Cell) -> str:
    text = for_terminal(cell.text)
    style = STYLE.get(cell.status or "") or TONE_STYLE.get(cell.tone or "")
    if cell.strong:
        text = f"[bold]{text}[/]"
    return f"[{style}]{text}[/]" if style and cell.text else text


def _print_table(console: Any, block: Table, section: str) -> None:
    from rich import box
    from rich.table import Table as RichTable

    fitted = bool(block.optional) or block.keys > 0
    pieces, left_out = fit(block, console.width) if fitted else ([block], [])
    for n, piece in enumerate(pieces):
        if n:  # a table split to fit the width: say what continues
            console.print()
            console.print(f"[bold underline]{for_terminal(block.title or section)}[/] (continued)")
        t = RichTable(
            title=for_terminal(piece.title) if piece.title else None,
            box=box.SIMPLE_HEAVY,
            title_justify="left",
            show_edge=False,
            pad_edge=False,
            collapse_padding=True,
        )
        widths = column_widths(piece)
        # still too wide with every optional column left out: the text columns wrap, so
        # that no number is ever cut short
        crowded = fitted and sum(widths) + GAP * (len(widths) - 1) > console.width
        for i, head in enumerate(piece.headers):
            number = i in piece.right
            t.add_column(
                for_terminal(head),
                justify="right" if number else "left",
                no_wrap=fitted and (number or not crowded),
                min_width=widths[i] if number and crowded else None,
            )
        for row in piece.rows:
            t.add_row(*(_styled(c) for c in row))
        console.print(t)
    if left_out:
        console.print(
            f"[dim]Not shown at {console.width} columns: {for_terminal(', '.join(left_out))}"
            " (see --format markdown or json)[/]"
        )


def width_of(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.split("\n")), default=0)


def column_widths(table: Table) -> list[int]:
    """Each column's width on a terminal: its widest cell or header."""
    return [
        max([width_of(head), *(width_of(row[i].text) for row in table.rows)])
        for i, head in enumerate(table.headers)
    ]


def fit(table: Table, width: int) -> tuple[list[Table], list[str]]:
    """The table as it fits `width` terminal columns (see `Table.optional`, `.keys`),
    and the headers of the columns left out."""
    widths = column_widths(table)

    def total(columns: list[int]) -> int:
        return sum(widths[i] for i in columns) + GAP * (len(columns) - 1)

    shown = list(range(len(table.headers)))
    for i in sorted(table.optional, key=lambda i: table.optional[i]):
        if total(shown) <= width:
            break
        shown.remove(i)
    left_out = [table.headers[i] for i in range(len(table.headers)) if i not in shown]
    keys = [i for i in shown if i < table.keys]
    rest = [i for i in shown if i >= table.keys]
    chunks: list[list[int]] = [[]]
    for i in rest:  # one step per column of the table
        if chunks[-1] and total(keys + chunks[-1] + [i]) > width and table.keys:
            chunks.append([])
        chunks[-1].append(i)
    pieces = []
    for n, chunk in enumerate(chunks):
        columns = keys + chunk
        pieces.append(
            Table(
                [table.headers[i] for i in columns],
                [[row[i] for i in columns] for row in table.rows],
                {j for j, i in enumerate(columns) if i in table.right},
                table.title if n == 0 else "",
            )
        )
    return pieces, left_out


def draw_markdown(doc: Document) -> str:
    out = [f"# {markdown(doc.title)}", ""]
    out += [f"- {markdown(line)}" for line in doc.meta]
    for section in doc.sections:
        out += ["", f"## {markdown(section.title)}"]
        for block in section.blocks:
            out.append("")
            if isinstance(block, Table):
                if block.title:
                    out += [f"**{markdown(block.title)}**", ""]
                out.append("| " + " | ".join(markdown(h) for h in block.headers) + " |")
                out.append(
                    "| "
                    + " | ".join(
                        "---:" if i in block.right else "---" for i in range(len(block.headers))
                    )
                    + " |"
                )
                for row in block.rows:
                    cells = [
                        f"**{markdown(c.text)}**"
                        if c.strong and c.text
                        else markdown(c.text, c.number)
                        for c in row
                    ]
                    out.append("| " + " | ".join(cells) + " |")
            elif isinstance(block, Items):
                if block.title:
                    out += [f"**{markdown(block.title)}**", ""]
                for i, item in enumerate(block.items, 1):
                    bullet = f"{i}." if block.ordered else "-"
                    text = f": {markdown(item.text)}" if item.text else ""
                    if item.spark is not None:
                        text += " " + sparkline(item.spark, item.spark_range, item.spark_marks)
                    if item.lead:
                        out.append(f"{bullet} **{markdown(item.lead)}**{text}")
                    else:
                        out.append(f"{bullet} {markdown(item.text)}")
                    for child in item.children:
                        box_ = "- [ ]" if item.checklist else "-"
                        out.append(f"   {box_} {markdown(child)}")
            else:
                out.append(f"_{markdown(block.text)}_" if block.muted else markdown(block.text))
    if doc.notes:
        out += ["", "---", ""]
        out += [f"- {markdown(n)}" for n in doc.notes]
    return "\n".join(out) + "\n"


_CSS = """
:root { --met: #1a7f37; --warn: #9a6700; --missed: #cf222e; --muted: #57606a;
  --line: #d0d7de; --bar: #0969da; --bg: #ffffff; --fg: #1f2328; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: var(--muted); margin: 0; padding-left: 18px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: middle; }
th { font-weight: 600; background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: var(--met); } .warn { color: var(--warn); }
.missed { color: var(--missed); font-weight: 600; } .low_sample, .to_date { color: var(--muted); }
.muted { color: var(--muted); font-size: 12px; }
.better { color: var(--met); } .worse { color: var(--missed); }
svg { display: block; } li svg { display: inline-block; vertical-align: middle; }
th, td.num { white-space: nowrap; }
ol, ul { margin: 4px 0 12px; }
li.todo { list-style: none; } li.todo::before { content: "☐ "; }
footer { margin-top: 28px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  section { break-inside: avoid-page; }
  h2 { break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
_COLOUR = {
    "met": "#1a7f37",
    "warn": "#9a6700",
    "missed": "#cf222e",
    "low_sample": "#8c959f",
    "to_date": "#8c959f",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def h(text: str) -> str:
    return html.escape(printable(text), quote=True)


SIGNAL_TEXT = {
    "above_limit": "above its upper control limit",
    "below_limit": "below its lower control limit",
    "run": "in a run on one side of the centre line",
}


def svg_sparkline(
    values: list[float | None],
    target: float | None = None,
    width: int = 140,
    height: int = 30,
    label: str = "",
    scale: tuple[float, float] | None = None,
    titles: list[str] | None = None,
    marks: list[str | None] | None = None,
) -> str:
    """An inline SVG trend line (gaps where a period has no value) in `scale` (lowest,
    highest: the KPI's natural range; None: the values' own, with the target), the
    target dashed; each point with its hover text (`titles`, an SVG <title>), a point
    with a signal (`marks`: above_limit, below_limit, run) drawn red."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    lo, hi = scale if scale is not None else (min(known), max(known))
    lo, hi = min(lo, *known), max(hi, *known)
    if target is not None:
        lo, hi = min(lo, target), max(hi, target)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = 3
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, pad + (hi - v) / (hi - lo) * (height - 2 * pad)

    segments: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):  # one point per period of the trend
        if v is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(xy(i, v))
    if titles:  # read aloud as the values, not the terminal's block characters
        label = "; ".join(t for t in titles if t)
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{h(label)}">'
    ]
    if target is not None:
        _x, ty = xy(0, target)
        parts.append(
            f'<line x1="0" y1="{ty:.1f}" x2="{width}" y2="{ty:.1f}" stroke="#8c959f" '
            'stroke-width="1" stroke-dasharray="3 2"><title>target</title></line>'
        )
    for seg in segments:
        if len(seg) == 1:
            x, y = seg[0]
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.5" fill="#0969da"/>')
        elif seg:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="#0969da" stroke-width="1.8" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        x, y = xy(*last)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="#0969da"/>')
    for i, v in enumerate(values):  # each point: its signal, and its text on hover
        if v is None:
            continue
        x, y = xy(i, v)
        mark = marks[i] if marks and i < len(marks) else None
        text = titles[i] if titles and i < len(titles) else ""
        if mark:
            text += f" — {SIGNAL_TEXT.get(mark, mark)}"
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="#cf222e"/>')
        if text:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{min(max(3.0, step / 2), 10.0):.1f}" '
                f'fill="transparent"><title>{h(text)}</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)


def svg_bar(bar: Bar, width: int = 260, height: int = 16) -> str:
    """A bar against target: the value filled, coloured by status; the target a tick."""
    fill = max(0.0, min(1.0, bar.fill)) * width
    mark = max(0.0, min(1.0, bar.marker)) * width
    colour = _COLOUR.get(bar.status, "#0969da")
    return (
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{h(bar.label)}">'
        f'<rect x="0" y="2" width="{width}" height="{height - 4}" rx="3" fill="#eaeef2"/>'
        f'<rect x="0" y="2" width="{fill:.1f}" height="{height - 4}" rx="3" fill="{colour}"/>'
        f'<line x1="{mark:.1f}" y1="0" x2="{mark:.1f}" y2="{height}" stroke="#1f2328" '
        'stroke-width="2"/></svg>'
    )


def draw_html(doc: Document) -> str:
    """One self-contained page: inline CSS and SVG, no script, nothing fetched (the
    Content-Security-Policy forbids it), every text escaped, readable printed."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(doc.title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{h(doc.title)}</h1>",
        '<ul class="meta">' + "".join(f"<li>{h(m)}</li>" for m in doc.meta) + "</ul>",
    ]
    for section in doc.sections:
        out.append(f'<section id="{h(section.key)}">')
        out.append(f"<h2>{h(section.title)}</h2>")
        for block in section.blocks:
            out.append(_html_block(block))
        out.append("</section>")
    if doc.notes:
        out.append('<footer class="muted">' + "".join(f"<p>{h(n)}</p>" for n in doc.notes))
        out.append("</footer>")
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_block(block: Block) -> str:
    if isinstance(block, Table):
        parts = []
        if block.title:
            parts.append(f"<h3>{h(block.title)}</h3>")
        parts.append("<table><thead><tr>")
        for i, head in enumerate(block.headers):
            cls = ' class="num"' if i in block.right else ""
            parts.append(f"<th{cls}>{h(head)}</th>")
        parts.append("</tr></thead><tbody>")
        for row in block.rows:
            parts.append("<tr>")
            for i, cell in enumerate(row):
                classes = []
                if i in block.right:
                    classes.append("num")
                if cell.status in _COLOUR:
                    classes.append(str(cell.status))
                elif cell.tone:
                    classes.append(cell.tone)
                cls = f' class="{" ".join(classes)}"' if classes else ""
                if cell.bar is not None:
                    body = svg_bar(cell.bar)
                elif cell.spark is not None:
                    body = svg_sparkline(
                        cell.spark,
                        cell.target_value,
                        label=cell.text,
                        scale=cell.spark_range,
                        titles=cell.spark_titles,
                        marks=cell.spark_marks,
                    )
                else:
                    body = h(cell.text)
                    if cell.strong:
                        body = f"<strong>{body}</strong>"
                parts.append(f"<td{cls}>{body}</td>")
            parts.append("</tr>")
        parts.append("</tbody></table>")
        return "".join(parts)
    if isinstance(block, Items):
        tag = "ol" if block.ordered else "ul"
        parts = [f"<h3>{h(block.title)}</h3>"] if block.title else []
        parts.append(f"<{tag}>")
        for item in block.items:
            cls = f' class="{item.status}"' if item.status in _COLOUR else ""
            text = f": {h(item.text)}" if item.text else ""
            if item.spark is not None:
                text += " " + svg_sparkline(
                    item.spark,
                    None,
                    100,
                    18,
                    item.lead,
                    item.spark_range,
                    item.spark_titles,
                    item.spark_marks,
                )
            if item.lead:
                parts.append(f"<li><strong{cls}>{h(item.lead)}</strong>{text}")
            else:
                parts.append(f"<li{cls}>{h(item.text)}")
            if item.children:
                li = '<li class="todo">' if item.checklist else "<li>"
                parts.append("<ul>" + "".join(f"{li}{h(c)}</li>" for c in item.children) + "</ul>")
            parts.append("</li>")
        parts.append(f"</{tag}>")
        return "".join(parts)
    cls = ' class="muted"' if block.muted else ""
    return f"<p{cls}>{h(block.text)}</p>"
