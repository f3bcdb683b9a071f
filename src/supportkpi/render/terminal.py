"""Where the text being rendered goes: a terminal (colour, the terminal's width) or a
file or pipe (plain text, a fixed width). The CLI says which per command, from stdout
and --output: a report written with `-o` from a terminal is the same plain text as one
redirected with `>`. Library callers get plain text."""

from __future__ import annotations

import io
import os
import sys
from typing import Any

_to_terminal = False


def set_destination(output: str | None) -> None:
    """The text goes to `output` (None or '-': stdout)."""
    global _to_terminal
    _to_terminal = output in (None, "-") and sys.stdout.isatty()


def console(buf: io.StringIO, plain_width: int) -> Any:
    """A rich console writing into `buf` for this destination."""
    from rich.console import Console

    color = _to_terminal and not os.environ.get("NO_COLOR")
    return Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        width=None if _to_terminal else plain_width,
        highlight=False,
        soft_wrap=False,
    )


def width(plain_width: int) -> int:
    """Columns to fill: the terminal's, else `plain_width`."""
    if _to_terminal:
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns
        except (OSError, ValueError):
            pass
    return plain_width
