"""Renderers: pure functions from a `Report` to text. Nothing here computes a KPI."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # render.text serves `kpis` and messages: no numpy on import
    from supportkpi.reports.report import Report

FORMATS = ("table", "json", "csv", "markdown", "html")


def renderer(fmt: str) -> Callable[[Report], str]:
    if fmt == "json":
        from supportkpi.render.json import render
    elif fmt == "csv":
        from supportkpi.render.csv import render
    elif fmt == "markdown":
        from supportkpi.render.markdown import render
    elif fmt == "html":
        from supportkpi.render.html import render
    else:
        from supportkpi.render.table import render
    return render
