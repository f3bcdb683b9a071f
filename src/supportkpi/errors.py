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
    from supportkpi.io.rowlines import RowLines

Scope = Literal["row", "value", "warning"]


@dataclass(frozen=True)
class Code:
    """One code of the catalogue: what `E019` is called, what it means, what supportkpi
    does with the rows it touches, and what the user should do.

    `title` is part of the JSON (a problem's `title`, the `rows_rejected` keys): it never
    changes. `name` is its readable name (`E019 duplicate-id`), shown beside the number
    in docs/errors.md and `supportkpi validate --help`, never in a JSON document.
    `templates` are the messages the code is reported with, `{…}` standing for what the
    call site fills in; the message itself is composed where the problem is found, so
    these document it (tests check them against what is printed)."""

    code: str
    name: str
    title: str
    # fatal: the command stops (exit 2); row: the rows are excluded from every KPI;
    # value: only the KPIs reading the column exclude them; warning: nothing is excluded
    kind: Literal["fatal", "row", "value", "warning"]
    templates: tuple[str, ...]
    description: str  # what it means and what supportkpi does
    action: str  # what the user should do next

    @property
    def scope(self) -> Scope:
        """A problem's scope (a fatal code is no problem: `row`, as it always was)."""
        return "row" if self.kind == "fatal" else self.kind

    @property
    def label(self) -> str:
        """`E019 duplicate-id`."""
        return f"{self.code} {self.name}"


CODES: dict[str, Code] = {}


def _define(*codes: Code) -> None:
    for c in codes:
        assert c.code not in CODES, c.code
        CODES[c.code] = c


# ------------------------------------------------------------------ fatal
_define(
    Code(
        "E001",
        "file-not-found",
        "file not found or unreadable",
        "fatal",
        (
            "no such file",
            "no file matches this pattern",
            "cannot read: {reason}",
            "cannot read the folder: {reason}",
            "folder holds no .csv, .csv.gz, .parquet, .xlsx or .json files",
            "more than {mb} MB: stdin or a pipe is held in memory whole (limits.stdin_mb)",
        ),
        "The path given for an input (on the command line or in the config's `inputs:`)"
        " names no file, a pattern matches none, a folder holds no export, or the file"
        " cannot be opened (permissions, a device error).",
        "Check the path and its permissions; a folder is read whole, a pattern needs quotes"
        " so that the shell does not expand it.",
    ),
    Code(
        "E002",
        "empty-file",
        "empty file (no header)",
        "fatal",
        (
            "empty file: no header row",
            "empty header row",
            "no records in the JSON file",
            "the workbook has no sheet",
            "sheet {sheet} is empty: no header row",
        ),
        "The export has no header row (an empty file, an empty first line, an empty sheet)"
        " or no records at all, so there is no column to read.",
        "Export again; a header-only CSV is fine (it has no rows), an empty one is not.",
    ),
    Code(
        "E003",
        "format-error",
        "not a readable CSV, JSON or Parquet file",
        "fatal",
        (
            "binary data, not a CSV file",
            "not a Parquet file (no PAR1 magic bytes)",
            "corrupt or truncated Parquet file ({detail})",
            "corrupt gzip file ({detail})",
            "invalid JSON: {detail}",
            "not a readable Excel workbook ({detail})",
            "no sheet named {sheet}; the workbook has {sheets}",
            "a row longer than {mb} MB",
            "cannot read the header row ({detail})",
        ),
        "The file is not in a format supportkpi reads (CSV, .csv.gz, Parquet, Excel, JSON"
        " records), or it is corrupt or truncated, or it passes a safety limit (a row"
        " longer than the limit, a gzip bomb). Also the code of any input error no other"
        " code names.",
        "Export the data again as CSV (UTF-8), Parquet or JSON records; for a workbook,"
        " give the sheet with --sheet.",
    ),
    Code(
        "E004",
        "missing-column",
        "missing required column",
        "fatal",
        (
            "missing required column {column}",
            "column '{export}' (mapped to {canonical} in the config) is not in the file",
            "column '{column}' named in the config is not in the file",
            "no {column} column: SLA policies are set per {column} (sla.key)",
            "surveys need a type column (csat, nps or ces), or one score column per type",
        ),
        "A column the input cannot do without (a ticket's id and creation time, a survey's"
        " type) is not in the export under any name supportkpi knows, or a column the"
        " config maps is not in the file. (An optional column that is missing only"
        " disables the KPIs that need it, with the reason; that is no error.)",
        "Map the export's column in the config (`columns: {tickets: {created_at: \"Opened"
        ' on"}}`) or use the preset of the helpdesk the export comes from (--preset).',
    ),
    Code(
        "E005",
        "ambiguous-dates",
        "ambiguous dates: day-first or month-first",
        "fatal",
        ("{column}: {detail}",),
        "Dates like 03/04/2026 could be the 3rd of April or the 4th of March, and nothing in"
        " the column tells which: supportkpi never guesses.",
        "Set `date_order: day_first` (or `month_first`) in the config.",
    ),
    Code(
        "E006",
        "encoding-error",
        "invalid text encoding",
        "fatal",
        (
            "cannot decode text ({detail})",
            "UTF-16 text is not supported",
            "text that is not UTF-8 (byte {byte}): JSON is UTF-8",
            "column {column} holds bytes that are not UTF-8 text (row {row})",
        ),
        "The text is in none of the encodings supportkpi reads (UTF-8 with or without BOM,"
        " cp1252/Latin-1).",
        "Save the export as UTF-8 CSV.",
    ),
    Code(
        "E007",
        "missing-exchange-rate",
        "several currencies without exchange rates",
        "fatal",
        ("amounts in several currencies ({currencies}) and no exchange rate for {missing}",),
        "Credits are in more than one currency and the config gives no rate to convert"
        " some of them: summing them as they are would be wrong.",
        "Add `costs: {rates: {USD: 0.92}}` (the value of one unit in the config's"
        " currency) for each currency named.",
    ),
    Code(
        "C001",
        "config-error",
        "configuration error",
        "fatal",
        ("{key}: {detail}",),
        "The config file (targets.yaml, --config, $SUPPORTKPI_CONFIG) cannot be used: not"
        " valid YAML, an unknown key, a value of the wrong type or out of range.",
        "Fix the key the message names; the `init` command writes a commented starter config.",
    ),
    Code(
        "U001",
        "usage-error",
        "usage error",
        "fatal",
        ("{detail}",),
        "The command line asks for something that cannot be done (an unknown KPI or"
        " dimension, a period that does not parse, an option given twice, an output that"
        " would overwrite an input).",
        "Follow the hint in the message; each command's `--help` lists its options.",
    ),
)

# ------------------------------------------------------------------ about the header
_define(
    Code(
        "E008",
        "duplicate-column",
        "two columns of the same name (the first is read)",
        "warning",
        (
            "columns {first} and {second} are both named '{name}': column {first} is read"
            " (rename the other in the export if it is the one meant)",
            "columns {first} ('{a}') and {second} ('{b}') both stand for {column}: column"
            " {first} is read (rename the other in the export if it is the one meant)",
        ),
        "Two header names stand for one column (`agent` twice, or `Agent` and `agent `)."
        " The first is read, as every CSV reader does; which one the export meant cannot be"
        " told. Nothing is excluded.",
        "Rename or drop the other column in the export if it is the one meant, or map the"
        " column by its exact name in the config.",
    ),
)

# ------------------------------------------------------------------ row problems
_define(
    Code(
        "E010",
        "missing-id",
        "missing id",
        "row",
        (
            "no {column}: the row cannot be identified",
            "not an id (a number with a fraction, or an infinity): the row cannot be identified",
        ),
        "The row's own id (ticket_id, survey_id, …) is empty or not an id, so the row"
        " cannot be told from others or linked to. It is excluded from every KPI and"
        " counted in rows_rejected.",
        "Fill the id in the export; `validate --rejects FILE` lists the rows.",
    ),
    Code(
        "E011",
        "unplaceable-row",
        "unparseable or missing timestamp",
        "row",
        (
            "cannot read the timestamp",
            "no created_at: the ticket cannot be placed in a period",
            "no {column}: the {what} cannot be placed",
        ),
        "The timestamp that places the row in a period (a ticket's created_at, a survey's"
        " submitted_at, a credit's created_at, a customer's started_at) is empty or cannot"
        " be read, so the row belongs to no period. It is excluded from every KPI and"
        " counted in rows_rejected. When every row of an export has it, the command stops"
        " (`every one of its N rows was rejected`).",
        "Fix the timestamps in the export; if they are in a form supportkpi does not read,"
        " export ISO 8601 (2026-11-23 14:05) or set `date_order` for dd/mm/yyyy.",
    ),
    Code(
        "E012",
        "response-before-creation",
        "response before creation",
        "value",
        ("first response before creation",),
        "The first response is timed before the ticket was created (clocks of two systems,"
        " a migrated ticket). The response time would be negative: the row is excluded"
        " from the KPIs that read first_response_at (first response time, SLA first"
        " response) and kept in the others.",
        "Check the export's clock or time zone; `validate` names the lines.",
    ),
    Code(
        "E013",
        "resolution-before-creation",
        "resolution before creation",
        "value",
        (
            "resolution before creation",
            "first resolution before creation",
            "ended before it started",
        ),
        "The resolution is timed before the ticket was created (or a customer's ended_at"
        " before their started_at). The row is excluded from the KPIs that read the column"
        " (resolution time, SLA resolution, …) and kept in the others.",
        "Check the export's clock or time zone; `validate` names the lines.",
    ),
    Code(
        "E014",
        "negative-value",
        "negative duration or amount",
        "value",
        ("negative value, expected {what}",),
        "A duration, count or amount is below zero. The row is excluded from the KPIs that"
        " read the column and kept in the others.",
        "Fix the value at the source; a refund is a credit, not a negative amount.",
    ),
    Code(
        "E015",
        "over-a-year",
        "absurd duration (over a year)",
        "warning",
        (
            "duration over a year (kept; check the export)",
            "more than a year after creation (kept; check it)",
        ),
        "A duration, or the time from creation to a response or resolution, is over a"
        " year: possible (a ticket reopened much later), but often a typing error."
        " Nothing is excluded.",
        "Check the rows named; if they are errors, fix them in the export.",
    ),
    Code(
        "E016",
        "score-out-of-scale",
        "score outside its scale",
        "row",
        ("{type} score outside its scale {min}–{max}",),
        "A survey score is outside its type's scale (CSAT 1–5, NPS 0–10, CES 1–7 unless the"
        " config's `scales:` says otherwise). The response is excluded from every KPI and"
        " counted in rows_rejected: a score on an unknown scale cannot be read.",
        "Set the scale the survey uses in the config (`scales: {csat: {min: 1, max: 10}}`)"
        " or fix the scores.",
    ),
    Code(
        "E017",
        "unknown-priority",
        "unknown priority",
        "warning",
        (
            "unknown priority {values}: kept as written, no SLA policy applies; map it with"
            " values: {priority: {Name: P1}}",
            "no ticket is covered by an SLA policy: {key} values seen: {values}; policies"
            " exist for {policies}",
        ),
        "A priority is none of the known words (urgent, high, normal, low, P1–P4, …). It is"
        " kept as written, so no SLA policy applies to its tickets; nothing is excluded"
        " from other KPIs. `sla-check` stops when no ticket at all is covered by a policy"
        " (exit 0 with nothing judged would keep a monitor green for ever).",
        "Map the word to a priority in the config: `values: {priority: {Blocker: P1}}`.",
    ),
    Code(
        "E018",
        "unknown-survey-type",
        "unknown survey type",
        "row",
        (
            "unknown survey type {values}: expected csat, nps or ces",
            "no survey type",
        ),
        "A survey's type is empty or not csat, nps or ces, so its score cannot be read on"
        " any scale. The response is excluded from every KPI and counted in"
        " rows_rejected.",
        "Map the export's word in the config (`values: {type: {Satisfaction: csat}}`), or"
        " set `survey_type: csat` when every answer is one kind.",
    ),
    Code(
        "E019",
        "duplicate-id",
        "duplicate id (the last row wins)",
        "row",
        ("an earlier row of a repeated {column}; the id's last row is used",),
        "Several rows have the same id (an export that overlaps the one before, a ticket"
        " exported at each update). The last row of the id, in file order and across the"
        " files of an input, is used; the earlier ones are excluded from every KPI and"
        " counted in rows_rejected.",
        "Nothing, if the last row is the latest state of the record (as helpdesk exports"
        " are); otherwise remove the duplicates at the source.",
    ),
    Code(
        "E020",
        "unknown-ticket",
        "reference to a ticket not in the tickets export",
        "warning",
        (
            "{input} for a ticket that is not in the tickets export (counted; its ticket"
            " dimensions are (unknown))",
        ),
        "A survey or credit names a ticket the tickets export does not hold (usually the"
        " two exports cover different dates). It is counted in its own KPIs; split by a"
        " ticket dimension (channel, agent, …), it falls under (unknown). `validate"
        " --rejects` lists these rows too.",
        "Export tickets and surveys (or credits) over the same period.",
    ),
    Code(
        "E021",
        "invalid-value",
        "invalid value for the column's type",
        "value",
        (
            "expected {what}",
            "expected {what}{hint}",
            "expected yes/no, true/false or 1/0",
            "outside 0–100",
            "unknown value {values}",
            "not an id (a number with a fraction, or an infinity): read as no {column}",
        ),
        "A value cannot be read as the column's type (a number, a duration, a yes/no, a"
        " percentage, a known word). The row is excluded from the KPIs that read the"
        " column and kept in the others; when the column is a survey's score, the"
        " response is of no use and is excluded from every KPI.",
        "Fix the values at the source, or map the export's words in the config's"
        " `values:`; a decimal comma is read only in semicolon-separated files.",
    ),
    Code(
        "E022",
        "unparseable-timestamp",
        "unparseable timestamp",
        "value",
        (
            "cannot read the timestamp",
            "cannot read the event time (the event is left out of the ticket's history)",
        ),
        "A timestamp other than the one that places the row (first_response_at,"
        " resolved_at, …) cannot be read. The row is excluded from the KPIs that read the"
        " column (a ticket with an unreadable resolved_at is neither resolved nor open"
        " for the resolution KPIs) and kept in the others.",
        "Export ISO 8601 timestamps, or set `date_order` for dd/mm/yyyy forms.",
    ),
    Code(
        "E023",
        "naive-timestamps-mixed",
        "naive timestamps mixed with offsets",
        "warning",
        ("no UTC offset while other values have one; read in {timezone}",),
        "Some timestamps of a column carry a UTC offset and others do not. Those without"
        " are read in the config's `timezone`; nothing is excluded.",
        "Check that `timezone` in the config is the one the export's naive timestamps are in.",
    ),
    Code(
        "E024",
        "unknown-status",
        "unknown status",
        "warning",
        (
            "unknown status {values}: kept as written; map it with values: {mapping}"
            " (or pending, on_hold…)",
            "unknown status {values}: kept as written; time in it counts in no status of the"
            " history KPIs (requester wait, agent work, time in status…); map it with values:"
            " {mapping} (or pending, on_hold…)",
        ),
        "A status is none of the known words (new, open, pending, on_hold, solved, closed,"
        " …). It is kept as written; nothing is excluded.",
        "Map the word in the config: `values: {status: {Awaiting customer: pending}}`.",
    ),
    Code(
        "E026",
        "malformed-line",
        "wrong number of fields on a CSV line",
        "row",
        (
            "lines with {found} fields where the header has {expected} (a stray delimiter"
            " or quote?){where}",
            "a quote opened on line {line} is never closed: the lines after it are read"
            " into one cell",
        ),
        "A CSV line has more or fewer fields than the header (a stray delimiter, a quote"
        " never closed). The line cannot be read as a row: it is skipped, excluded from"
        " every KPI and counted in rows_rejected.",
        "Fix the line in the export (`validate --rejects FILE` quotes it), or export with"
        " proper CSV quoting.",
    ),
    Code(
        "E027",
        "filled-from-events",
        "empty cell filled from the ticket's event history",
        "warning",
        ("empty; taken from the ticket's {event}",),
        "In an event log, a ticket's created_at, first_response_at or resolved_at is"
        " empty and is taken from its history (the first event, the first event in a"
        " responded or resolved status). Nothing is excluded.",
        "Nothing, if the event statuses in the config are right (`validate` shows the mapping).",
    ),
    Code(
        "E028",
        "no-sla-policy",
        "value no SLA policy covers (tickets not judged)",
        "warning",
        (
            "no SLA policy for {key} {values} (policies: {policies}): these tickets are"
            " not judged; map them (values: {{key}: {{value}: P1}}) or add policies for"
            " them",
        ),
        "Tickets have a value of the SLA policy key (the priority, by default) that no"
        " policy names: they are never judged met or breached, and counted as such in"
        " the SLA results. Nothing else is excluded.",
        "Map the value to a policy in `values:` or add a policy for it under `sla:`.",
    ),
    Code(
        "E029",
        "implausible-value",
        "implausible value (a duration over 100 years, an amount over 1e15)",
        "value",
        ("{what} over {limit}: not a real value",),
        "A duration, count or amount is too large to be real (a duration over 100 years,"
        " an amount over 1e15): a placeholder or a unit error. The row is excluded from"
        " the KPIs that read the column, so one such value cannot swamp a mean or a sum.",
        "Fix the value at the source; check the column's unit (seconds, not milliseconds).",
    ),
    Code(
        "E030",
        "year-out-of-range",
        "timestamp outside the valid years",
        "value",
        (
            "outside the years {first}–{last} (a typing error? valid_years in the config)",
            "a duration ending after the year {last}",
            "outside the years {first}–{last} (a typing error? valid_years in the config)"
            " (the event is left out of the ticket's history)",
        ),
        "A timestamp is outside the config's `valid_years` (a typing error such as 0026"
        " for 2026, or 1970 from an empty epoch): read, it would stretch every series"
        " over decades. The row is excluded from the KPIs that read the column; when the"
        " timestamp is the one that places the row, from every KPI.",
        "Fix the value; if the years are real, widen `valid_years` in the config.",
    ),
    Code(
        "E031",
        "change-before-creation",
        "status change before the ticket's creation",
        "warning",
        ("status change before its ticket's created_at: counted from the creation",),
        "A status change in the history is dated before its ticket was created (clocks"
        " out of step between two exports, or a created_at that is the import date). The"
        " change is kept and counted from the creation, so no time before the ticket"
        " existed counts in any status.",
        "Check which of the two times is right; map created_at to the export's own"
        " creation time if it has one.",
    ),
    Code(
        "E032",
        "clock-not-defined",
        "value naming no clock (the config's clock applies)",
        "warning",
        (
            "{column} {values} names no clock (clocks: {clocks}): these tickets' SLAs run on"
            " the config's clock",
        ),
        "`sla.clock_by` names a ticket column whose value chooses the ticket's SLA clock"
        " (a schedule under `clocks:`); these tickets have a value that names none, so"
        " their SLAs run on the config's own clock. Nothing is excluded.",
        "Add a clock of that name under `clocks:`, or map the values in `values:`.",
    ),
)

# codes no longer reported, kept here so that an old report can still be read
RETIRED: dict[str, str] = {
    "E009": "never used",
    "E025": "a survey without a rating: since issue #17 it is counted apart as"
    " `no_rating`, neither used nor rejected",
}

# code -> (title, scope): the catalogue's older form, derived from CODES
CATALOGUE: dict[str, tuple[str, Scope]] = {c.code: (c.title, c.scope) for c in CODES.values()}


def title(code: str) -> str:
    return CODES[code].title


def scope(code: str) -> Scope:
    return CODES[code].scope


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


# ------------------------------------------------------------------ docs/errors.md
EFFECT = {
    "fatal": "the command stops: one line on stderr, exit 2 (`validate`: the input is"
    " UNUSABLE, exit 2)",
    "row": "the rows are excluded from every KPI and counted in `rows_rejected`",
    "value": "the rows are excluded from the KPIs that read the column, and kept in the"
    " others (`validate` names those KPIs)",
    "warning": "nothing is excluded: reported so that you know",
}
SECTIONS = (
    ("fatal", "Errors that stop the command"),
    ("row", "Rows excluded from every KPI"),
    ("value", "Values excluded from the KPIs that read them"),
    ("warning", "Warnings: nothing excluded"),
)


def _md(text: str) -> str:
    """Text in a Markdown table cell."""
    return text.replace("|", "\\|")


def catalogue_markdown() -> str:
    """docs/errors.md: every code, generated from CODES (`python -m supportkpi.errors >
    docs/errors.md`; a test fails when the file differs)."""
    out = [
        "# Error and problem codes",
        "",
        "<!-- Generated from src/supportkpi/errors.py by `python -m supportkpi.errors`:",
        "     edit the catalogue there, not this file. -->",
        "",
        "Every problem supportkpi reports carries a code. A *fatal* error stops the command",
        "(exit 2, one line on stderr naming the file, line and column). A *row problem* is",
        "counted, never fatal: `validate` prints one line per problem (`E019 ticket_id:",
        "an earlier row of a repeated ticket_id; …`) with its rows and what it excludes,",
        "and each input of a JSON report lists it under `problems` (`code`, `title`, `scope`,",
        "`message`, `rows`, …) and, when it rejects rows, in `rows_rejected`. Each code has",
        "a readable name, shown here and in `validate --help` only: the JSON carries the code",
        "and its title, as it always did.",
        "",
        "| code | name | title | what happens |",
        "| --- | --- | --- | --- |",
    ]
    for c in CODES.values():
        out.append(
            f"| [{c.code}](#{c.code.lower()}-{c.name}) | {c.name} | {_md(c.title)} | {c.kind} |"
        )
    for kind, heading in SECTIONS:
        out += ["", f"## {heading}", "", f"Scope `{kind}`: {EFFECT[kind]}."]
        for c in CODES.values():
            if c.kind != kind:
                continue
            out += ["", f"### {c.code} {c.name}", "", f"**{c.title}**", "", c.description]
            out += ["", f"What to do: {c.action}", "", "Reported as:", ""]
            out += [f"- `{t}`" for t in c.templates]
    out += ["", "## Codes no longer reported", ""]
    out += [f"- {code}: {why}" for code, why in RETIRED.items()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(catalogue_markdown())
