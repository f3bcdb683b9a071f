"""Recognise an export that does not read as given, and say what reads it.

Two things a newcomer's export often is, and the one line that reads it:

* a known helpdesk's export, with that helpdesk's column names (`Id`, `opened_at`…):
  the preset whose columns fit the header best, among those that find every required
  column in it (`--preset servicenow`);
* an event log, one row per status change of a ticket (PrepBench's IT tickets, an audit
  trail): ids repeat, each row with a status and its own time. The `events:` line that
  collapses it to one row per ticket is written out, column names filled in.

Only asked when loading has already failed or found duplicate ids, so the extra reading
it does (a few columns of the export) is never paid by an export that reads well.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from supportkpi.config.presets import PRESETS, TITLES
from supportkpi.config.settings import Config, load_config
from supportkpi.errors import InputError
from supportkpi.io.arrownp import pc, to_np
from supportkpi.io.sources import Source, is_pipe, open_source, read_columns
from supportkpi.io.timeparse import NAT, AmbiguousDates, from_arrow
from supportkpi.schema import vocab
from supportkpi.schema.inputs import InputSpec, closest, normalise_name

# a preset fits when it reads the required columns and at least this many in all: two
# generic names (`id`, `created_at`) say nothing about which helpdesk wrote the export
FIT_COLUMNS = 3
# names an event log's ticket column goes by (normalised), the likeliest first
_ID_NAMES = (
    "ticket_id",
    "ticket",
    "ticket_number",
    "ticket_no",
    "case_id",
    "case",
    "case_number",
    "incident_id",
    "incident",
    "incident_number",
    "number",
    "issue_id",
    "issue_key",
    "key",
    "conversation_id",
    "request_id",
    "id",
)
_TIME_WORDS = frozenset(
    {"time", "timestamp", "date", "datetime", "at", "on", "when", "updated", "changed", "modified"}
)
# share of an event log's repeated rows that must carry a time of their own: a ticket
# exported twice, row for row, is a duplicate, not a history
_NEW_TIME_SHARE = 0.5


def fitting_preset(spec: InputSpec, header: list[str], src: Source) -> tuple[str, str] | None:
    """(preset, what it reads) for the preset that reads every required column of this
    header and the most columns in all; None when none does (or one only weakly)."""
    from supportkpi.schema.load import missing_required, plan_columns

    best: tuple[int, str, str] | None = None
    for name in PRESETS:
        config = load_config(None, name)
        try:
            mapping, rules, provided = plan_columns(spec, header, config, src)
        except InputError:  # a column the preset names alone is not there
            continue
        if missing_required(spec, mapping):
            continue
        read = {mapping[c] for c in mapping if c not in provided}
        if len(read) < FIT_COLUMNS or (best is not None and len(read) <= best[0]):
            continue
        what = TITLES[name]
        if rules is not None:  # its event log: the header has the log's id and time
            what = what.removesuffix(" export") + " log (one row per update)"
        best = (len(read), name, what)
    return (best[1], best[2]) if best else None


_WHEN = {"date", "datetime", "timestamp", "time_stamp", "created", "opened", "created_date"}


def likely_column(name: str, header: list[str]) -> str | None:
    """The export column that likely holds canonical `name`: the one column whose name
    has its words (`review_score` for score; for a score, a rating too), else the
    closest spelling."""
    words = set(name.split("_"))
    holding = [h for h in header if words <= set(normalise_name(h).split("_"))]
    if name == "score":
        holding = _ratings(header) or holding
    if not holding and name.endswith("_id"):  # a call centre's `Call Id` holds the ticket's
        holding = [h for h in header if normalise_name(h).split("_")[-1] == "id"]
    if not holding and name.endswith("_at"):  # a time of its own (not `Date of Purchase`)
        holding = [h for h in header if normalise_name(h) in _WHEN]
    return holding[0] if len(holding) == 1 else closest(name, header)


_WHEN_WORDS = {"date", "datetime", "time", "timestamp", "created", "submitted", "answered"}


def time_columns(header: list[str]) -> list[str]:
    """The columns whose names say they hold a time (`review_creation_date`,
    `review_answer_timestamp`), for a hint where a row's time is not mapped."""
    return [h for h in header if _WHEN_WORDS & set(normalise_name(h).split("_"))]


def nps_question(header: list[str]) -> str | None:
    """The one column asking "How likely are you to recommend…": NPS answers, one per
    row (mapped as `nps`, it needs no type column)."""
    asking = [h for h in header if "recommend" in normalise_name(h).split("_")]
    return asking[0] if len(asking) == 1 else None


def as_surveys(header: list[str], mapping: dict[str, str], config: Config) -> str:
    """For an export read as tickets that cannot be: how to read the ratings it holds
    as surveys (a review export, or Kaggle's tickets with no creation time); '' when it
    holds none. A column read as a ticket's (`qa_score`) is not a rating."""
    where = config.path or "targets.yaml"
    question = nps_question(header)
    if question is not None and question not in mapping.values():
        return (
            f"; or read its answers ('{question}') as NPS surveys: give it with -s instead"
            f" of -t and add to {where}: columns: {{surveys: {{nps: {yaml_scalar(question)}}}}}"
        )
    ratings = [h for h in _ratings(header) if h not in mapping.values()]
    if len(ratings) != 1:
        return ""
    return (
        f"; or read its ratings ('{ratings[0]}') as surveys: give it with -s instead of -t"
        f" and add to {where}: survey_type: csat (or nps, ces) and columns: {{surveys:"
        f" {{score: {yaml_scalar(ratings[0])}}}}}"
    )


def _ratings(header: list[str]) -> list[str]:
    return [h for h in header if {"score", "rating"} & set(normalise_name(h).split("_"))]


@dataclass
class EventLog:
    """How an export reads as an event log: its columns and resolved statuses."""

    id: str
    time: str
    status: str
    resolved: list[str]
    rows: int
    tickets: int

    def line(self) -> str:
        """The `events:` line to add to the config (YAML, names quoted where needed)."""
        rules = {"id": self.id, "time": self.time, "status": self.status}
        parts = [f"{k}: {yaml_scalar(v)}" for k, v in rules.items()]
        if self.resolved:
            parts.append("resolved: [" + ", ".join(yaml_scalar(v) for v in self.resolved) + "]")
        return "events: {tickets: {" + ", ".join(parts) + "}}"

    def hint(self, config: Config) -> str:
        where = config.path or "targets.yaml"
        closed = "" if self.resolved else " (and `resolved:`, the statuses that close a ticket)"
        return (
            f"this looks like an event log, one row per status change: {self.rows:,} rows of"
            f" {self.tickets:,} tickets ('{self.id}'), each with a status ('{self.status}')"
            f" and a time ('{self.time}'); to read one row per ticket from its history, add"
            f" to {where}: {self.line()}{closed}"
        )


def event_log(sources: list[Source], mapping: dict[str, str], config: Config) -> EventLog | None:
    """Whether these files (one export) are an event log: a ticket column whose values
    repeat, a status column, and a time column that changes from row to row of a
    ticket. `mapping`: the canonical columns already found (ticket_id, status)."""
    header = list(dict.fromkeys(h for src in sources for h in src.header))
    shared = [h for h in header if all(h in src.header for src in sources)]
    ids = [mapping["ticket_id"]] if "ticket_id" in mapping else _by_name(shared, _ID_NAMES)
    statuses = [mapping["status"]] if "status" in mapping else _status_names(shared)
    if not ids or not statuses:
        return None
    times = [h for h in shared if _TIME_WORDS & set(normalise_name(h).split("_"))]
    wanted = list(dict.fromkeys([*ids, *statuses, *times]))
    try:
        table = pa.concat_tables(
            [read_columns(src, [c for c in wanted if c in src.header], [])[0] for src in sources],
            promote_options="permissive",
        )
    except (InputError, pa.ArrowException):
        return None
    if not table.num_rows:
        return None
    for id_col in ids:
        codes = _codes(table.column(id_col))
        tickets = len(np.unique(codes[codes >= 0]))
        if tickets == 0 or tickets == table.num_rows:
            continue
        status = _status(table, [s for s in statuses if s != id_col], config)
        time = _changing_time(table, [t for t in times if t != id_col], codes, tickets, config)
        if status is None or time is None:
            continue
        labels, resolved = status
        return EventLog(id_col, time, labels, resolved, table.num_rows, tickets)
    return None


def event_log_of(paths: list[str], mapping: dict[str, str], config: Config) -> EventLog | None:
    """`event_log` of the files of an input read before: opened again (not a pipe or
    stdin, which can be read once)."""
    if any(p == "-" or is_pipe(p) for p in paths):
        return None
    try:
        sources = [open_source(p, config.limits) for p in paths]
    except InputError:
        return None
    return event_log(sources, mapping, config)


def _by_name(header: list[str], names: tuple[str, ...]) -> list[str]:
    rank = {n: i for i, n in enumerate(names)}
    found = [h for h in header if normalise_name(h) in rank]
    return sorted(found, key=lambda h: rank[normalise_name(h)])


def _status_names(header: list[str]) -> list[str]:
    return [h for h in header if {"status", "state"} & set(normalise_name(h).split("_"))]


def _codes(column: pa.ChunkedArray) -> np.ndarray:
    """Integer codes of a column's values (-1 where empty), by value."""
    text = pc.cast(column, pa.string()) if not pa.types.is_string(column.type) else column
    encoded = pc.dictionary_encode(text.combine_chunks())
    return to_np(encoded.indices, np.int64, -1)


def _status(table: pa.Table, candidates: list[str], config: Config) -> tuple[str, list[str]] | None:
    """The status column (the first whose values include a known status) and, of its
    values, those that mean resolved or closed."""
    overrides = config.values.get("status")
    for name in candidates:
        values = pc.unique(pc.cast(table.column(name), pa.string())).to_pylist()
        labels = [v.strip() for v in values if v is not None and v.strip()]
        known = {v: vocab.normalise("status", v, overrides) for v in labels}
        if any(known.values()):
            return name, [v for v in labels if known[v] in vocab.RESOLVED_STATUSES]
    return None


def _changing_time(
    table: pa.Table, candidates: list[str], codes: np.ndarray, tickets: int, config: Config
) -> str | None:
    """The time column whose value changes most often between the rows of one ticket,
    if most repeated rows carry a time of their own."""
    repeats = int((codes >= 0).sum()) - tickets
    best: tuple[int, str] | None = None
    for name in candidates:
        try:
            parsed = from_arrow(
                table.column(name),
                config.timezone,
                config.date_order,  # type: ignore[arg-type]
                config.valid_span,
            )
        except (AmbiguousDates, pa.ArrowException, ValueError):
            continue
        when = parsed.us
        present = when != NAT
        if present.sum() < 0.9 * len(when):  # not a time column (or a mostly empty one)
            continue
        keep = present & (codes >= 0)
        order = np.lexsort((when[keep], codes[keep]))
        c, w = codes[keep][order], when[keep][order]
        pairs = 1 + int(np.count_nonzero((c[1:] != c[:-1]) | (w[1:] != w[:-1]))) if len(c) else 0
        new_times = pairs - tickets
        if new_times >= _NEW_TIME_SHARE * repeats and (best is None or new_times > best[0]):
            best = (new_times, name)
    return best[1] if best else None


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .()/-]*$")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


def yaml_scalar(text: str) -> str:
    """A YAML scalar for a column name or value: as written when YAML reads it back
    unchanged, else double-quoted."""
    if _PLAIN.match(text) and text == text.strip() and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)
