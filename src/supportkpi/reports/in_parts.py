"""Larger-than-memory `compute`: the exports are read one part at a time (a few
Parquet row groups, or one file of a folder of CSVs), each part is added to the facts'
mergeable partial aggregates (partials.py), and the KPIs are finished once at the end.
Results are those of an in-memory run; what is kept between parts is small: per-group
sums, the quantile measures' values (compactly), and two small numbers per ticket id
(which part holds it, and a key to its labels for the surveys that refer to it).

Tickets come first, then surveys: a survey counts in its ticket's groups through that
key. Two things about the whole export are only known at its end: the as-of time (the
latest timestamp, when --as-of is not given) and which ids appear in several parts (the
last row wins). The first pass assumes the as-of time Parquet's statistics give and no
such repeats; when either turns out wrong, the parts are read again knowing them.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from supportkpi import runtime, threads
from supportkpi.config.settings import Config
from supportkpi.engine import grouping
from supportkpi.engine.core import Engine, Query, by_measure_of
from supportkpi.engine.core import expand as expand_kpis
from supportkpi.engine.partials import FactPartial, FineSpace
from supportkpi.errors import InputError, Problem, UsageError
from supportkpi.io import progress
from supportkpi.io.arrownp import to_np
from supportkpi.io.periods import Window
from supportkpi.io.sources import arrow_file, expand, is_pipe, open_source
from supportkpi.io.timeparse import NAT
from supportkpi.kpis.catalogue import Kpi, definition_set
from supportkpi.reports.report import InputSummary, Report
from supportkpi.schema.frame import Dim, Frame
from supportkpi.schema.inputs import normalise_name
from supportkpi.schema.load import (
    FIRST_ROWS,
    INPUTS,
    Request,
    build_frame,
    check_surveys,
    check_tickets,
    name_affected,
    read_file,
    record,
)

if TYPE_CHECKING:
    from supportkpi.reports.compute import Options


class NotInParts(UsageError):
    """These exports cannot be read in parts (a run that chose parts by itself reads
    them whole instead)."""


PART_ROWS = 1 << 20  # rows per part: large enough for vectorised work, small in memory
BYTES_PER_TICKET = 200  # what an in-memory run holds per ticket (measured at 10M)
_NOT_STREAMED = ("credits", "customers", "agents", "events", "comments")


@dataclass
class Part:
    path: str
    row_groups: list[int] | None  # None: the whole file
    first_row: int  # data rows of the file before this part
    rows: int | None  # None: not known before reading (CSV)


def parts_of(paths: list[str], sheet: str | None = None) -> list[Part]:
    """`sheet`: the sheet of workbooks to read (None: the first); a workbook is one part."""
    out: list[Part] = []
    for path in paths:
        src = open_source(path, sheet=sheet)
        if src.kind != "parquet":
            out.append(Part(path, None, 0, None))
            continue
        import pyarrow.parquet as pq

        try:
            meta = pq.ParquetFile(arrow_file(path)).metadata
        except Exception as exc:
            raise InputError(
                f"corrupt or truncated Parquet file ({exc})", path=src.display, code="E003"
            ) from exc
        group: list[int] = []
        first = rows = 0
        for i in range(meta.num_row_groups):
            group.append(i)
            rows += meta.row_group(i).num_rows
            if rows >= PART_ROWS or i + 1 == meta.num_row_groups:
                out.append(Part(path, group, first, rows))
                first += rows
                group, rows = [], 0
    return out


def in_memory_bytes(paths: list[str]) -> int:
    """About what reading these tickets files whole would take, from their sizes alone
    (no file is opened: this runs before every compute). Parquet holds about 35 bytes a
    ticket that take 190 in memory; CSV about 150."""
    total = 0
    for path in paths:
        if path == "-" or not os.path.isfile(path):
            continue
        lower = path.lower()
        if lower.endswith((".parquet", ".pq")):
            factor = 6.0  # compressed columns
        elif lower.endswith(".gz"):
            factor = 8.0  # compressed text
        else:
            factor = 1.3
        total += int(os.path.getsize(path) * factor)
    return total


def available_memory() -> int:
    free = runtime.free_memory()
    return 1 << 40 if free is None else free  # unknown: assume plenty


def worth_it(paths: dict[str, list[str]], kpi_names: list[str], config: Config) -> str | None:
    """Read in parts by itself? "memory" when the tickets would not fit in half the free
    memory; "speed" when they are several parts long (parts are then faster: each fits
    the caches) and every KPI asked can be merged from parts; else None."""
    try:
        size = in_memory_bytes(expand(paths["tickets"], "tickets"))
    except Exception:  # unreadable paths: the usual path says what is wrong
        return None
    if size > available_memory() // 2:
        return "memory"
    if size < 3 * PART_ROWS * BYTES_PER_TICKET or any(name in paths for name in _NOT_STREAMED):
        return None
    defs = definition_set(config.definitions)
    names = expand_kpis(kpi_names, config.definitions)
    return "speed" if all(defs[name].stat.can_merge(defs) for name in names) else None


_PER_UNIT = {"s": 1_000_000, "ms": 1000, "us": 1}  # microseconds per timestamp unit


def _stats_latest(parts: list[Part], columns: set[str], span: tuple[int, int]) -> int | None:
    """The latest timestamp Parquet's row-group statistics give (None: not known, or
    outside the valid years `span`, where the reading rejects it)."""
    import pyarrow.parquet as pq

    if any(p.row_groups is None for p in parts):  # a CSV or a workbook: no statistics
        return None
    best: int | None = None
    for path in dict.fromkeys(p.path for p in parts):
        pf = pq.ParquetFile(arrow_file(path))
        schema = pf.schema_arrow
        for rg in range(pf.metadata.num_row_groups):
            meta = pf.metadata.row_group(rg)
            for j in range(meta.num_columns):
                col = meta.column(j)
                name = col.path_in_schema
                if name not in columns or name not in schema.names:
                    continue
                typ = schema.types[schema.names.index(name)]  # a name may be there twice
                if not pa.types.is_timestamp(typ):
                    continue
                stats = col.statistics
                if stats is None or not stats.has_min_max or stats.physical_type != "INT64":
                    return None
                # the stored number, not `stats.max`: converting that imports pandas
                raw = int(stats.max_raw)
                us = raw // 1000 if typ.unit == "ns" else raw * _PER_UNIT[typ.unit]
                best = us if best is None else max(best, us)
    return best if best is not None and span[0] <= best <= span[1] else None


class IdTable:
    """One small integer per whole-number id, for ids numbered closely (1, 2, 3…): an
    array slot per id, -1 where an id was not seen."""

    def __init__(self, what: str, dtype: type = np.int32, capacity: int = 0) -> None:
        self.what = what
        self.dtype = dtype
        self.capacity = capacity  # ids expected: room for them from the start
        self.base = self.lo = self.hi = 0
        self.values: np.ndarray = np.zeros(0, dtype=dtype)

    def _cover(self, lo: int, hi: int, rows_seen: int) -> None:
        if len(self.values) == 0:
            self.base, self.lo, self.hi = lo, lo, hi
        self.lo, self.hi = min(lo, self.lo), max(hi, self.hi)  # the ids seen
        if self.hi - self.lo + 1 > 8 * rows_seen + (1 << 24):
            raise NotInParts(
                f"reading in parts (--low-memory) needs whole-number {self.what} ids numbered"
                " closely (1, 2, 3…); these are spread too thinly",
                hint="leave out --low-memory (the export is then read whole)",
            )
        if self.lo >= self.base and self.hi < self.base + len(self.values):
            return
        new_lo = min(self.lo, self.base)
        span = max(self.hi, self.base + len(self.values) - 1) - new_lo + 1
        size = max(span, 2 * len(self.values), self.capacity)
        grown: np.ndarray = np.empty(size, dtype=self.dtype)
        at = self.base - new_lo
        grown[:at] = -1
        grown[at : at + len(self.values)] = self.values
        grown[at + len(self.values) :] = -1
        self.base, self.values = new_lo, grown

    def put(self, ids: np.ndarray, values: np.ndarray | int, rows_seen: int) -> np.ndarray:
        """Set the ids' numbers; True where an id had one already."""
        if not len(ids):
            return np.zeros(0, dtype=bool)
        self._cover(int(ids.min()), int(ids.max()), rows_seen)
        at = ids - self.base
        earlier = self.values[at] != -1
        self.values[at] = values
        return earlier

    def get(self, ids: np.ndarray) -> np.ndarray:
        """Each id's number (-1: not seen)."""
        at = ids - self.base
        inside = (at >= 0) & (at < len(self.values))
        return np.where(inside, self.values[np.where(inside, at, 0)], -1)


def _whole_ids(frame: Frame, column: str, what: str) -> np.ndarray:
    """An id column as int64 (missing ids: the smallest int64)."""
    ids = frame.ids.get(column)
    if ids is None:
        return np.zeros(0, dtype=np.int64)
    if ids.null_count == len(ids):  # none at all (an empty file's column is typed text)
        return np.full(len(ids), _NO_ID, dtype=np.int64)
    if not pa.types.is_integer(ids.type):
        raise NotInParts(
            f"reading in parts (--low-memory) needs whole-number {column.replace('_', ' ')}s;"
            f" the {what} export's are text",
            path=", ".join(frame.paths),
            hint="leave out --low-memory (the export is then read whole)",
        )
    return to_np(ids, np.int64, _NO_ID)


_NO_ID = np.iinfo(np.int64).min
_OUT_OF_WINDOW = -2  # a link key: the ticket exists, but was created outside the period


class Linker:
    """What a survey needs of its ticket, as one small number per ticket id: a key to
    the ticket's labels of every dimension the breakdowns use (with, when surveys are
    placed by their ticket's creation, the ticket's periods), and for each key one
    creation time that lies in those periods."""

    def __init__(self, cohort: bool, expected: int = 0) -> None:
        self.cohort = cohort
        self.space: FineSpace | None = None
        self.keys = IdTable("ticket", np.int32, expected)
        self.created = np.zeros(0, dtype=np.int64)

    def add(self, engine: Engine, frame: Frame, ids: np.ndarray, rows_seen: int) -> None:
        created = frame.cols["created_at"]
        dims = engine.fine_dims("tickets", slice(None), created if self.cohort else None)
        if self.space is None:
            self.space = FineSpace(list(dims))
        names = self.space.dims
        local, table = grouping.combine(
            [dims[d].codes for d in names], [dims[d].size for d in names], frame.n
        )
        keys = self.space.register(table, [dims[d] for d in names])
        if len(self.created) < len(self.space):
            grown = np.full(len(self.space), NAT, dtype=np.int64)
            grown[: len(self.created)] = self.created
            self.created = grown
        inside = engine.window_mask(created) if self.cohort else np.ones(frame.n, dtype=bool)
        instant = np.full(len(table), NAT, dtype=np.int64)
        instant[local[inside]] = created[inside]  # any of the key's tickets in the period
        self.created[keys] = np.where(instant != NAT, instant, self.created[keys])
        per_ticket = keys[local].astype(np.int32)
        per_ticket[~inside] = _OUT_OF_WINDOW
        self.keys.put(ids, per_ticket, rows_seen)

    def tickets_for(self, ticket_ids: np.ndarray) -> tuple[Frame, np.ndarray, np.ndarray]:
        """A stand-in tickets frame with one row per key these surveys' tickets have,
        each survey's row in it (-1: none), and each survey's key."""
        key = self.keys.get(ticket_ids)
        has = key >= 0
        assert self.space is not None
        used = np.zeros(len(self.space), dtype=bool)  # keys are small: no sort needed
        used[key[has]] = True
        uniq = np.flatnonzero(used)
        renumber = np.cumsum(used) - 1
        inverse = renumber[key[has]]
        frame = Frame("tickets", len(uniq))
        for j, d in enumerate(self.space.dims):
            codes = self.space.table[uniq, j].astype(np.int32)
            frame.dims[normalise_name(d)] = Dim(codes, self.space.labels[d])
        frame.cols["created_at"] = self.created[uniq]
        row = np.full(len(key), -1, dtype=np.int64)
        row[has] = inverse
        return frame, row, key


@dataclass
class _Tally:
    """An input's rows and problems, summed over its parts."""

    name: str
    paths: list[str] = dataclasses.field(default_factory=list)
    rows_read: int = 0
    rows_used: int = 0
    no_rating: int = 0
    problems: list[Problem] = dataclasses.field(default_factory=list)
    columns: dict[str, str] = dataclasses.field(default_factory=dict)

    def add(self, frame: Frame) -> None:
        self.paths.extend(p for p in frame.paths if p not in self.paths)
        self.rows_read += frame.rows_read
        self.rows_used += frame.n
        self.no_rating += frame.no_rating
        for k, v in frame.mapping.items():
            self.columns.setdefault(k, v)
        for p in frame.problems:
            same = next(
                (
                    q
                    for q in self.problems
                    if (q.code, q.column, q.message, q.path, q.whole_row)
                    == (p.code, p.column, p.message, p.path, p.whole_row)
                ),
                None,
            )
            if same is None:
                self.problems.append(dataclasses.replace(p, first_rows=list(p.first_rows)))
            else:
                same.rows += p.rows
                same.first_rows = (same.first_rows + p.first_rows)[:FIRST_ROWS]

    def summary(self) -> InputSummary:
        from supportkpi.reports.compute import summaries

        frame = Frame(self.name, self.rows_used)
        frame.paths, frame.rows_read, frame.mapping = self.paths, self.rows_read, self.columns
        frame.no_rating = self.no_rating
        frame.problems = sorted(self.problems, key=lambda p: (p.code, p.path or "", p.column))
        return summaries({self.name: frame})[0]


@dataclass
class _Tickets:
    partials: dict[tuple[str, str | None], FactPartial]
    tally: _Tally
    latest: int
    owners: IdTable
    repeated: bool  # a ticket id held by several parts
    linker: Linker


def _load_part(kind: str, part: Part, config: Config, request: Request) -> Frame:
    """One part read, typed and checked like a whole file."""
    raw = read_file(INPUTS[kind], part.path, config, request, part.row_groups)
    frame = build_frame(INPUTS[kind], [raw], config, request, row_offset=part.first_row)
    if kind == "tickets":
        check_tickets(frame, config)
    else:
        check_surveys(frame, config)
    name_affected(frame, config)
    return frame


def _frames(
    kind: str, parts: list[Part], config: Config, request: Request, first: Frame | None
) -> Iterator[tuple[int, Frame]]:
    """Each part typed and checked, in order. The next part is read and typed in a
    thread meanwhile (Parquet decoding and most array work let go of the GIL), so on
    two cores loading overlaps computing. `first`: part 0, already loaded."""
    from concurrent.futures import Future

    with threads.executor(1) as pool:

        def ahead(i: int) -> Future[Frame] | None:
            if i >= len(parts):
                return None
            return pool.submit(_load_part, kind, parts[i], config, request)

        pending = ahead(0) if first is None else None
        for i, part in enumerate(parts):
            if i == 0 and first is not None:
                frame, first = first, None
            else:
                assert pending is not None
                frame = pending.result()
            pending = ahead(i + 1)
            if len(parts) > 1:
                progress.stage(f"reading {kind}: part {i + 1} of {len(parts)} ({part.path})")
            yield i, frame


def _superseded(
    frame: Frame, ids: np.ndarray, final: IdTable | None, part: int, column: str
) -> np.ndarray:
    """Drop the rows whose id's last row is in a later part (E019); the ids kept."""
    if final is None or not len(ids):
        return ids
    later = final.get(ids) != part
    if later.any():
        record(
            frame,
            "E019",
            column,
            later,
            f"an earlier row of a repeated {column}; the id's last row is used",
        )
        frame.take(np.flatnonzero(~later))
        ids = ids[~later]
    return ids


def _tickets_pass(
    parts: list[Part],
    config: Config,
    request: Request,
    query: Query,
    facts: dict[tuple[str, str | None], list[Kpi]],
    final: IdTable | None,
    scan_only: bool,
    first: Frame | None = None,
) -> _Tickets:
    tally = _Tally("tickets")
    expected = sum(p.rows or 0 for p in parts)
    owners = IdTable("ticket", np.int16 if len(parts) < (1 << 15) else np.int32, expected)
    linker = Linker(query.cohort, expected)
    latest = NAT
    repeated = False
    mine = {key: kpis for key, kpis in facts.items() if key[0] == "tickets"}
    lanes = _Lanes(mine, query, config)
    for i, frame in _frames("tickets", parts, config, request, first):
        ids = _superseded(frame, _whole_ids(frame, "ticket_id", "tickets"), final, i, "ticket_id")
        seen = tally.rows_read + frame.rows_read
        repeated |= bool(owners.put(ids, i, seen).any())
        part_latest = frame.latest()
        if part_latest is not None:
            latest = max(latest, part_latest)
        tally.add(frame)
        if not scan_only:
            link = functools.partial(linker.add, frame=frame, ids=ids, rows_seen=seen)
            lanes.submit(i, {"tickets": frame}, link)
    return _Tickets(lanes.merged(), tally, latest, owners, repeated, linker)


class _Lanes:
    """Parts computed two at a time (numpy's sorts and array arithmetic let go of the
    GIL): part i goes to lane i % 2, each lane adds its parts in order to its own
    partials, and the lanes are merged at the end, so the sums are the same every run."""

    def __init__(
        self, facts: dict[tuple[str, str | None], list[Kpi]], query: Query, config: Config
    ) -> None:
        self.facts, self.query, self.config = facts, query, config
        self.partials: list[dict[tuple[str, str | None], FactPartial]] = [{}, {}]
        self.pools = threads.lanes(2)
        self.running: list = []
        self.lock = threading.Lock()

    def _run(self, i: int, frames: dict[str, Frame], then: Callable[[Engine], None] | None) -> None:
        engine = Engine(frames, self.query, self.config)
        mine = self.partials[i % 2]
        for (source, anchor), kpis in self.facts.items():
            mine[(source, anchor)] = engine.accumulate(
                source, anchor, kpis, mine.get((source, anchor)), compact=True
            )
        if then is not None:
            with self.lock:
                then(engine)

    def submit(
        self, i: int, frames: dict[str, Frame], then: Callable[[Engine], None] | None = None
    ) -> None:
        if i == 0 or not self.partials[0]:  # the first part makes the group spaces
            self._run(i, frames, then)
            if i == 0 and not self.partials[1]:
                self.partials[1] = {k: FactPartial(p.space) for k, p in self.partials[0].items()}
            return
        if len(self.running) >= 2:  # at most two parts in work, besides the one read ahead
            self.running.pop(0).result()
        self.running.append(self.pools[i % 2].submit(self._run, i, frames, then))

    def merged(self) -> dict[tuple[str, str | None], FactPartial]:
        try:
            for future in self.running:
                future.result()
        finally:
            for pool in self.pools:
                pool.shutdown()
        first, second = self.partials
        for key, partial in second.items():
            if key in first:
                first[key].merge(partial)
            else:
                first[key] = partial
        return first


def _surveys_pass(
    parts: list[Part],
    config: Config,
    request: Request,
    query: Query,
    facts: dict[tuple[str, str | None], list[Kpi]],
    linker: Linker,
    final: IdTable | None,
    first: Frame | None = None,
) -> tuple[dict[tuple[str, str | None], FactPartial], _Tally, IdTable, bool]:
    tally = _Tally("surveys")
    owners = IdTable("survey", np.int16 if len(parts) < (1 << 15) else np.int32)
    lanes = _Lanes({key: kpis for key, kpis in facts.items() if key[0] == "surveys"}, query, config)
    repeated = False
    for i, frame in _frames("surveys", parts, config, request, first):
        sids = _superseded(frame, _whole_ids(frame, "survey_id", "surveys"), final, i, "survey_id")
        repeated |= bool(
            owners.put(sids[sids != _NO_ID], i, tally.rows_read + frame.rows_read).any()
        )
        tids = _whole_ids(frame, "ticket_id", "surveys")
        if not len(tids):
            tids = np.full(frame.n, _NO_ID, dtype=np.int64)
        tickets, frame.cols["ticket_row"], key = linker.tickets_for(tids)
        record(
            frame, "E020", "ticket_id", (tids != _NO_ID) & (key == -1),
            "survey for a ticket that is not in the tickets export (counted; its ticket"
            " dimensions are (unknown))", ("ticket dimensions",),
        )  # fmt: skip
        frame.ids = {}
        tally.add(frame)
        lanes.submit(i, {"tickets": tickets, "surveys": frame})
    return lanes.merged(), tally, owners, repeated


# tickets up to which the measures are finished two at a time; past it, one at a time,
# as each one's quantile sort keys are large (100M tickets: 400 MB a sort)
FINISH_TWO_AT_A_TIME_UP_TO = 20_000_000

_IN_MEMORY_ONLY = (
    "needs every row at once, which reading in parts (--low-memory) does not keep;"
    " compute it without --low-memory"
)


def _streamable(plan: tuple) -> None:
    """KPIs whose statistic is not a mergeable partial become unavailable (with why)."""
    facts, derived, unavailable = plan
    for key in list(facts):
        keep = []
        for kpi in facts[key]:
            if not kpi.stat.can_merge({}):  # (facts hold no derived KPIs)
                unavailable[kpi.name] = _IN_MEMORY_ONLY
            else:
                keep.append(kpi)
        if keep:
            facts[key] = keep
        else:
            del facts[key]
    for kpi in list(derived):
        if any(p in unavailable for p in kpi.stat.components):
            unavailable[kpi.name] = _IN_MEMORY_ONLY
            derived.remove(kpi)


def _refuse(paths: dict[str, list[str]], config: Config) -> None:
    if any(is_pipe(p) for name in ("tickets", "surveys") for p in paths.get(name, ())):
        raise NotInParts(  # (each part opens its file again: a pipe can be read once)
            "reading in parts (--low-memory) reads files, not stdin (-) or a pipe",
            hint="save the export to a file, or leave out --low-memory",
        )
    others = [name for name in _NOT_STREAMED if name in paths]
    if others:
        raise NotInParts(
            f"reading in parts (--low-memory) reads tickets and surveys only, not {others[0]}",
            hint=f"leave out --low-memory, or compute without the {others[0]} input",
        )
    if "tickets" not in paths:
        raise NotInParts(
            "reading in parts (--low-memory) needs the tickets export",
            hint="give -t tickets.parquet, or leave out --low-memory",
        )
    if "tickets" in config.events or "surveys" in config.events:
        raise NotInParts(
            "reading in parts (--low-memory) cannot collapse an event log (events: in the config)",
            hint="leave out --low-memory",
        )


@dataclass
class Start:
    """What a run in parts settles before its passes: the query asked, each input's
    parts and first part, and the KPIs by fact (those parts cannot give moved to the
    unavailable ones, with why)."""

    kpi_names: list[str]
    breakdowns: list[tuple[str, ...]]
    window: Window
    requests: dict[str, Request]
    tparts: list[Part]
    sparts: list[Part]
    first: dict[str, Frame]
    plan: tuple[dict[tuple[str, str | None], list[Kpi]], list[Kpi], dict[str, str]]


def start(options: Options, config: Config) -> Start:
    from supportkpi.reports.compute import asked, check_dims, plan_reads

    kpi_names, breakdowns, window = asked(options, config)
    paths, requests = plan_reads(options, config, kpi_names, breakdowns)
    _refuse(paths, config)
    tparts = parts_of(expand(paths["tickets"], "tickets"), config.sheet_of("tickets"))
    sparts = (
        parts_of(expand(paths["surveys"], "surveys"), config.sheet_of("surveys"))
        if "surveys" in paths
        else []
    )
    # the first part of each input: what the KPIs can be, and the as-of time to try
    first = {"tickets": _load_part("tickets", tparts[0], config, requests["tickets"])}
    if sparts:
        first["surveys"] = _load_part("surveys", sparts[0], config, requests["surveys"])
        first["surveys"].cols["ticket_row"] = np.full(first["surveys"].n, -1, dtype=np.int64)
        _whole_ids(first["surveys"], "survey_id", "surveys")
        _whole_ids(first["surveys"], "ticket_id", "surveys")
    _whole_ids(first["tickets"], "ticket_id", "tickets")  # before any long work
    check_dims(first, sorted({d for b in breakdowns for d in b}))
    query = Query(kpi_names, breakdowns, window, options.every, 0, options.cohort)
    plan = Engine(first, query, config).plan()
    _streamable(plan)
    return Start(kpi_names, breakdowns, window, requests, tparts, sparts, first, plan)


def compute(options: Options, config: Config | None = None) -> Report:
    """`run.compute`, reading the exports one part at a time."""
    from supportkpi.reports.compute import (
        compute_report,
        parse_as_of,
        resolve_config,
        resolved_window,
    )

    config = config if config is not None else resolve_config(options)
    begun = start(options, config)
    runtime.reading_in_parts()
    kpi_names, breakdowns = begun.kpi_names, begun.breakdowns
    requests, tparts, sparts, first = begun.requests, begun.tparts, begun.sparts, begun.first
    facts, derived, unavailable = begun.plan

    def query(as_of: int | None) -> Query:
        # last-week is the week before the as-of time's: open until that is known
        window = resolved_window(options, config, as_of) if as_of is not None else begun.window
        return Query(kpi_names, breakdowns, window, options.every, as_of or 0, options.cohort)

    given = parse_as_of(options.as_of, config) if options.as_of else None
    guess = given
    if guess is None:
        t = first["tickets"]
        read = {t.mapping[c] for c, v in t.cols.items() if v.dtype == np.int64 and c in t.mapping}
        guess = _stats_latest(tparts, read, config.valid_span)

    final: IdTable | None = None
    tickets: _Tickets | None = None
    settled = False
    for _ in range(4):
        as_of = given if given is not None else guess
        tickets = _tickets_pass(
            tparts, config, requests["tickets"], query(as_of), facts, final, as_of is None,
            first.pop("tickets", None),
        )  # fmt: skip
        latest = tickets.latest if tickets.latest != NAT else None
        settled = (given is not None or latest == as_of) and (
            final is not None or not tickets.repeated
        )
        if settled and as_of is not None:
            break
        guess = latest
        if tickets.repeated:
            final = tickets.owners
    if tickets is None or not settled:  # pragma: no cover - three passes always settle
        raise RuntimeError("the as-of time did not settle over the parts")
    as_of = given if given is not None else guess
    partials = tickets.partials
    inputs = [tickets.tally.summary()]
    tickets_read = tickets.tally.rows_read
    tickets.owners = IdTable("ticket")  # let it go
    if sparts:
        final = None
        for _ in range(2):
            found, tally, owners, repeated = _surveys_pass(
                sparts, config, requests["surveys"], query(as_of), facts, tickets.linker, final,
                first.pop("surveys", None),
            )  # fmt: skip
            if final is not None or not repeated:
                break
            final = owners
        partials.update(found)
        inputs.append(tally.summary())
    del tickets  # the per-ticket numbers: only the partials are needed now
    pa.default_memory_pool().release_unused()  # what the parts' reading left cached
    progress.stage("computing KPIs")
    engine = Engine({}, query(as_of), config)
    jobs = [
        (source, of_measure, partials[(source, anchor)])
        for (source, anchor), kpis in facts.items()
        if (source, anchor) in partials
        for of_measure in by_measure_of(kpis).values()
    ]
    if tickets_read <= FINISH_TWO_AT_A_TIME_UP_TO:
        threads.map2(lambda job: engine.finish(*job), jobs)
    else:  # one measure at a time: each one's quantile keys are large
        for job in jobs:
            engine.finish(*job)
    partials.clear()
    results = engine.conclude(derived, unavailable)
    window = resolved_window(options, config, as_of)
    return compute_report(options, config, window, breakdowns, as_of, inputs, results, unavailable)
