"""An export's text (an agent's or a channel's name, a column name, a file name) in a
human-readable output: through `for_terminal()` (rich markup) or `markdown()`, the only
one of each format. Both start from `errors.printable`, so no output can carry an escape
sequence to the reader's terminal; HTML (render/summary.py `h`) starts from it too.
Light on purpose: `kpis` and the messages use it without loading numpy or pyarrow.
"""

from __future__ import annotations

import re

from supportkpi.errors import printable

_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Neutralise spreadsheet formula injection in a text cell (prefix a quote)."""
    return "'" + text if text.startswith(_INJECTION) else text


def for_terminal(text: str) -> str:
    """Text for a rich console: no escape sequence, no rich markup."""
    from rich.markup import escape

    return escape(printable(text))


# Markdown that text could turn into markup: a backslash, a table pipe, emphasis, code,
# links and images, HTML tags (< before a letter, / ! or ?), and _ that is not inside a
# word, and character references
_MD_SPECIAL = re.compile(
    r"[\\|*`\[\]]|<(?=[A-Za-z/!?])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)"
)


def markdown(text: str, number: bool = False) -> str:
    """Text for a Markdown cell or line: no markup, no HTML, no link or image, no escape
    sequence, no spreadsheet formula (unless it is a number we formatted: its leading +
    or - is a sign)."""
    text = text if number else safe_text(text)
    text = printable(text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


_PADDING = re.compile(r" +$", re.MULTILINE)


def unpadded(text: str) -> str:
    """rich pads every table row and wrapped line to the width: a file, a pipe or a
    pasted report gets none of it."""
    return _PADDING.sub("", text)
