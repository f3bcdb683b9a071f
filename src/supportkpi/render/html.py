"""HTML: one self-contained page of a compute report, to mail as the summary is mailed
(the summary's page: inline CSS, no script, nothing fetched, every text escaped)."""

from __future__ import annotations

from supportkpi.render.document import draw_html
from supportkpi.render.layout import layout
from supportkpi.reports.report import Report


def render(report: Report) -> str:
    return draw_html(layout(report))
