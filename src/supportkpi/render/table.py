"""Terminal tables (rich): coloured status, plain text when not a TTY or NO_COLOR; on a
terminal, the tables fit its width (render/document.py `fit`)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from supportkpi.render.document import STYLE, draw_terminal
from supportkpi.render.layout import layout
from supportkpi.reports.report import Report

if TYPE_CHECKING:
    from rich.console import Console

PLAIN_WIDTH = 120  # when not a terminal

__all__ = ["STYLE", "render"]


def _console(buf: io.StringIO) -> Console:
    from supportkpi.render.terminal import console

    return console(buf, PLAIN_WIDTH)


def render(report: Report) -> str:
    return draw_terminal(layout(report), PLAIN_WIDTH, title=False)
