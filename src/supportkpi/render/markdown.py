"""Markdown: pastes into chat, wikis and tickets. Text goes through `text.markdown`, as
in the summary: no markup, HTML, link or image from an export's values, no escape
sequence, and no formula (the table may be pasted into a spreadsheet)."""

from __future__ import annotations

from supportkpi.render.document import draw_markdown
from supportkpi.render.layout import layout
from supportkpi.reports.report import Report


def render(report: Report) -> str:
    return draw_markdown(layout(report))
