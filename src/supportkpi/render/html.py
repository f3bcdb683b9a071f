"""HTML: one self-contained page of a compute report, to mail as the summary is mailed
(the summary's page: inline CSS, no script, nothing fetched, every text escaped)."""

from __future__ import annotations

from ..report import Report
from .document import draw_html
from .layout import layout


def render(report: Report) -> str:
    return draw_html(layout(report))
