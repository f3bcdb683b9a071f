"""The catalogue of problems supportkpi reports, and the exceptions that carry them.

Two kinds of trouble exist, and they are kept apart on purpose:

* a *fatal* error (`SupportKpiError` and subclasses) stops the command: unusable config,
  unreadable file, missing required column, bad usage. The CLI prints its one-line
  message and exits 2.
* a *row problem* (`Problem`) is collected while loading: a bad value in some rows. The
  rows are excluded from the KPIs the value would corrupt (or from everything, when the
  row cannot be placed at all) and counted, by code, in the report. Nothing is dropped
  silently and nothing stops the run.

Every code has a title and says what it affects; messages name the file, the row(s) and
the column, and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .rowlines import RowLines

# code -> (title, scope). scope: "row" = the row is excluded from every KPI;
# "value" = only the KPIs that read the column exclude the row; "warning" = nothing is
# excluded, the user should know.
CATALOGUE: dict[str, tuple[str, Literal["row", "value", "warning"]]] = {
    # fatal (the command stops; scope is irrelevant)
    "E001": ("file not found or unreadable", "row"),
    "E002": ("empty file (no header)", "row"),
    "E003": ("not a readable CSV, JSON or Parquet file", "row"),
    "E004": ("missing required column", "row"),
    "E005": ("ambiguous dates: day-first or month-first", "row"),
    "E006": ("invalid text encoding", "row"),
    "E007": ("several currencies without exchange rates", "row"),
    "C001": ("configuration error", "row"),
    "U001": ("usage error", "row"),
    # row problems (counted, never fatal)
    "E010": ("missing id", "row"),
    "E011": ("unparseable or missing timestamp", "row"),
    "E012": ("response before creation", "value"),
    "E013": ("resolution before creation", "value"),
    "E014": ("negative duration or amount", "value"),
    "E015": ("absurd duration (over a year)", "warning"),
    "E016": ("score outside its scale", "row"),
    "E017": ("unknown priority", "warning"),
    "E018": ("unknown survey type", "row"),
    "E019": ("duplicate id (the last row wins)", "row"),
    "E020": ("reference to a ticket not in the tickets export", "warning"),
    "E021": ("invalid value for the column's type", "value"),
    "E022": ("unparseable timestamp", "value"),
    "E023": ("naive timestamps mixed with offsets", "warning"),
    "E024": ("unknown status", "warning"),
    "E026": ("wrong number of fields on a CSV line", "row"),
    "E027": ("empty cell filled from the ticket's event history", "warning"),
    "E028": ("value no SLA policy covers (tickets not judged)", "warning"),
    "E029": ("implausible value (a duration over 100 years, an amount over 1e15)", "value"),
    "E030": ("timestamp outside the valid years", "value"),
    # about the header (a warning: the first of two same-named columns is read)
    "E008": ("two columns of the same name (the first is read)", "warning"),
}


def title(code: str) -> str:
    return CATALOGUE[code][0]


def scope(code: str) -> Literal["row", "value", "warning"]:
    return CATALOGUE[code][1]


# characters a message must not echo raw: C0/C1 controls and DEL (a newline, \x0b, \x0c
# or \x85 would split the one-line message; ESC drives the terminal), the Unicode line and
# paragraph separators, the invisible direction marks and overrides, and lone surrogates
# (a file name's bytes that are not UTF-8: no terminal or encoder takes them)
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if "\udc80" <= char <= "\udcff":  # a byte that is not UTF-8 (surrogateescape): that byte
        return f"\\x{ord(char) - 0xDC00:02x}"
    return repr(char)[1:-1]


def printable(text: str) -> str:
    """`text` with control characters escaped repr-style (`\\n`, `\\x1b`, `\\u2028`), so a
    message or a report quoting an export (a column name, an agent's name, a CSV line, a
    file name) stays on its line and cannot drive the terminal. A file name's byte that is
    not UTF-8 shows as that byte (`caf\\xe9.csv`). Every human-readable output goes through
    this, under its format's own escaping (rich markup, Markdown, HTML)."""
    return _UNPRINTABLE.sub(_escaped, text)


class SupportKpiError(Exception):
    """A fatal problem: the command cannot go on. Exit code 2."""

    code = "E000"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.key = key
        self.hint = hint
        if code:
            self.code = code

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        text = f"{where}{key}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(SupportKpiError):
    code = "C001"


class InputError(SupportKpiError):
    code = "E003"


class UsageError(SupportKpiError):
    code = "U001"


class UnknownDimension(UsageError):
    """A breakdown or filter names a column the export does not have."""

    def __init__(self, message: str, dimension: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.dimension = dimension


@dataclass
class Problem:
    """Rows of one input that share one problem (same code, same column)."""

    code: str
    input: str
    column: str
    message: str
    rows: int
    first_rows: list[int] = field(default_factory=list)  # 1-based data-row numbers
    path: str | None = None
    kpis: tuple[str, ...] = ()
    # every affected data row (1-based), for `validate --rejects`; not serialised
    all_rows: list[int] | None = field(default=None, repr=False, compare=False)
    # a value problem that leaves the row of no use to any KPI (a survey without a
    # readable score): the row is rejected, and counted so
    whole_row: bool = False
    # a CSV file's lines, to name rows as an editor numbers them (the header is line 1);
    # scanned only when a problem is shown
    row_lines: RowLines | None = field(default=None, repr=False, compare=False)
    # the lines themselves, for a problem about lines rather than rows (E026, E008)
    known_lines: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def scope(self) -> str:
        return "row" if self.whole_row else scope(self.code)

    @property
    def title(self) -> str:
        return title(self.code)

    @property
    def first_lines(self) -> list[int] | None:
        """The file line each of `first_rows` starts on (1 = the header); None when the
        export has no lines (Parquet) or they cannot be told."""
        if self.known_lines is not None:
            return self.known_lines
        return self.row_lines.lines(self.first_rows) if self.row_lines is not None else None

    def lines_of(self, rows: list[int]) -> list[int] | None:
        """The file line of each data row (for `validate --rejects`), or None."""
        return self.row_lines.lines(rows) if self.row_lines is not None else None

    def where(self) -> str:
        """`lines 495, 2570, …` (a CSV export), else `rows 494, 2569, …`; empty when no
        row is named."""
        lines = self.first_lines
        numbers, noun = (lines, "line") if lines is not None else (self.first_rows, "row")
        if not numbers:
            return ""
        shown = ", ".join(str(n) for n in numbers)
        more = ", …" if self.rows > len(numbers) else ""
        return f"{noun if len(numbers) == 1 and not more else noun + 's'} {shown}{more}"

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "scope": self.scope,
            "input": self.input,
            "path": self.path,
            "column": self.column,
            "message": self.message,
            "rows": self.rows,
            "first_rows": self.first_rows,
            "first_lines": self.first_lines,
            "kpis": list(self.kpis),
        }


def grouped(problems: list[Problem]) -> list[list[Problem]]:
    """The problems of an input by what they are (code, column, message, scope), each
    group holding the files it was found in, in order: the same problem in three monthly
    exports is one problem, reported once, naming its files."""
    groups: dict[tuple[str, str, str, str, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.input, p.code, p.column, p.message, p.scope), []).append(p)
    return list(groups.values())
