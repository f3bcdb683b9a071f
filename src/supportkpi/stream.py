"""Larger-than-memory `compute`: the tickets export is read one part at a time (a few
Parquet row groups, or one file of a folder of CSVs), each part is added to the facts'
mergeable partial aggregates (partials.py), and the KPIs are finished once at the end.
Results are exactly those of an in-memory run; only what a part leaves behind is kept:
per-group sums, the quantile measures' values (compactly), one small number per ticket
id (which part holds it), and the surveys.

Two things about the whole export are only known at its end: the as-of time (the latest
timestamp, when --as-of is not given) and which ticket ids appear in several parts (the
last row wins). The first pass assumes the as-of time Parquet's statistics give and no
such duplicates; when either turns out wrong, the parts are read again knowing them.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from . import progress
from .arrownp import to_np
from .config import Config
from .engine import Engine, Query
from .errors import Problem, UsageError
from .frame import Frame
from .load import (
    FIRST_ROWS,
    INPUTS,
    Request,
    _build,
    _check_tickets,
    _read,
    load_input,
    reconcile,
    record,
)
from .partials import FactPartial
from .periods import GRAINS, parse_instant
from .report import InputSummary, Report
from .sources import expand, open_source
from .targets import judge
from .timeparse import NAT

if TYPE_CHECKING:
    from .run import Options

PART_ROWS = 1 << 20  # rows per part: large enough for vectorised work, small in memory
BYTES_PER_TICKET = 200  # what an in-memory run holds per ticket (measured at 10M)
_NOT_STREAMED = ("credits", "customers", "agents")


@dataclass
class Part:
    path: str
    row_groups: list[int] | None  # None: the whole file
    first_row: int  # data rows of the file before this part
    rows: int | None  # None: not known before reading (CSV)


def parts_of(paths: list[str]) -> list[Part]:
    out: list[Part] = []
    for path in paths:
        src = open_source(path)
        if src.kind != "parquet":
            out.append(Part(path, None, 0, None))
            continue
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
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
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 40  # unknown: assume plenty


def needed(tickets: list[str]) -> bool:
    """Whether the tickets export would not fit comfortably in memory."""
    try:
        paths = expand(tickets, "tickets")
        return in_memory_bytes(paths) > available_memory() // 2
    except Exception:  # unreadable files: the normal path says what is wrong
        return False


def _latest(frame: Frame) -> int:
    values = [int(c.max()) for c in frame.cols.values() if c.dtype == np.int64 and len(c)]
    values = [v for v in values if v != NAT]
    return max(values) if values else NAT


def _stats_latest(parts: list[Part], columns: set[str]) -> int | None:
    """The latest timestamp Parquet's row-group statistics give (None: not known)."""
    import pyarrow.parquet as pq

    best: int | None = None
    for path in dict.fromkeys(p.path for p in parts):
        if open_source(path).kind != "parquet":
            return None
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
        for rg in range(pf.metadata.num_row_groups):
            meta = pf.metadata.row_group(rg)
            for j in range(meta.num_columns):
                col = meta.column(j)
                name = col.path_in_schema
                if name not in columns or name not in schema.names:
                    continue
                typ = schema.field(name).type
                if not pa.types.is_timestamp(typ):
                    continue
                stats = col.statistics
                if stats is None or not stats.has_min_max:
                    return None
                value = pa.scalar(stats.max, typ).cast(pa.timestamp("us", tz=typ.tz))
                us = value.value
                if us is not None:
                    best = us if best is None else max(best, us)
    return best


class Owners:
    """For each ticket id, the part that holds its row (whole-number ids close together:
    one small integer per id)."""

    def __init__(self) -> None:
        self.base = 0
        self.owner = np.zeros(0, dtype=np.int32)

    def _cover(self, lo: int, hi: int, rows_seen: int) -> None:
        if len(self.owner) == 0:
            self.base = lo
        new_lo, new_hi = min(lo, self.base), max(hi, self.base + len(self.owner) - 1)
        span = new_hi - new_lo + 1
        if span > 8 * rows_seen + (1 << 24):
            raise UsageError(
                "reading in parts (--low-memory) needs whole-number ticket ids numbered"
                " closely (1, 2, 3…); these are spread too thinly",
                hint="leave out --low-memory, or convert the export to Parquet and keep the"
                " numeric ticket id",
            )
        if new_lo == self.base and span <= len(self.owner):
            return
        grown = np.full(max(span, int(len(self.owner) * 1.5)), -1, dtype=np.int32)
        grown[self.base - new_lo : self.base - new_lo + len(self.owner)] = self.owner
        self.base, self.owner = new_lo, grown

    def claim(self, ids: np.ndarray, part: int, rows_seen: int) -> np.ndarray:
        """Mark `ids` as held by `part`; True where an earlier part held the id."""
        if not len(ids):
            return np.zeros(0, dtype=bool)
        self._cover(int(ids.min()), int(ids.max()), rows_seen)
        at = ids - self.base
        earlier = self.owner[at] >= 0
        self.owner[at] = part
        return earlier

    def of(self, ids: np.ndarray) -> np.ndarray:
        """The part holding each id (-1: none)."""
        at = ids - self.base
        inside = (at >= 0) & (at < len(self.owner))
        return np.where(inside, self.owner[np.where(inside, at, 0)], -1)


def _whole_ids(frame: Frame, what: str) -> np.ndarray:
    ids = frame.ids.get("ticket_id")
    if ids is None:
        return np.zeros(0, dtype=np.int64)
    if not pa.types.is_integer(ids.type):
        raise UsageError(
            f"reading in parts (--low-memory) needs whole-number ticket ids; the {what}"
            f" export's are {ids.type}",
            path=", ".join(frame.paths),
            hint="leave out --low-memory (the export is then read whole)",
        )
    return to_np(ids, np.int64, np.iinfo(np.int64).min)


class Surveys:
    """The surveys, read whole, in ticket-id order, handed out with each part's tickets."""

    def __init__(self, frame: Frame) -> None:
        tids = _whole_ids(frame, "surveys") if frame.n else np.zeros(0, dtype=np.int64)
        order = np.argsort(tids, kind="stable")
        self.tids = tids[order]
        frame.ids = {}  # checked already; the ids are kept as numbers above
        frame.take(order)
        self.frame = frame

    def for_tickets(self, ids: np.ndarray) -> Frame:
        """The surveys of these tickets, each with the row of its ticket (`ticket_row`)."""
        lo = np.searchsorted(self.tids, ids, "left")
        hi = np.searchsorted(self.tids, ids, "right")
        counts = hi - lo
        total = int(counts.sum())
        starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
        rows = starts + np.arange(total, dtype=np.int64)
        ticket_row = np.repeat(np.arange(len(ids), dtype=np.int64), counts)
        return self._subset(rows, ticket_row)

    def without_ticket(self, owners: Owners) -> tuple[Frame, np.ndarray]:
        """The surveys whose ticket no part holds (and the mask of them, in survey order)."""
        missing = self.tids == np.iinfo(np.int64).min
        unmatched = owners.of(np.where(missing, 0, self.tids)) < 0
        unmatched |= missing
        rows = np.flatnonzero(unmatched)
        return self._subset(rows, np.full(len(rows), -1, dtype=np.int64)), unmatched & ~missing

    def _subset(self, rows: np.ndarray, ticket_row: np.ndarray) -> Frame:
        sub = dataclasses.replace(self.frame, problems=[])
        sub.take(rows)
        sub.cols["ticket_row"] = ticket_row
        return sub


@dataclass
class _Tally:
    """An input's rows and problems, summed over its parts."""

    name: str
    paths: list[str] = dataclasses.field(default_factory=list)
    rows_read: int = 0
    rows_used: int = 0
    problems: list[Problem] = dataclasses.field(default_factory=list)
    columns: dict[str, str] = dataclasses.field(default_factory=dict)

    def add(self, frame: Frame) -> None:
        self.paths.extend(p for p in frame.paths if p not in self.paths)
        self.rows_read += frame.rows_read
        self.rows_used += frame.n
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
        frame = Frame(self.name, self.rows_used)
        frame.problems = sorted(self.problems, key=lambda p: (p.code, p.path or "", p.column))
        return InputSummary(
            name=self.name,
            paths=self.paths,
            rows_read=self.rows_read,
            rows_used=self.rows_used,
            rows_rejected=reconcile(frame),
            problems=frame.problems,
            columns=self.columns,
        )


@dataclass
class _Outcome:
    results: list
    tickets: _Tally
    latest: int
    owners: Owners
    repeated: bool  # a ticket id held by several parts


def _load_part(part: Part, config: Config, request: Request, n_parts: int, i: int) -> Frame:
    if n_parts > 1:
        progress.stage(f"reading tickets: part {i + 1} of {n_parts} ({part.path})")
    spec = INPUTS["tickets"]
    raw = _read(spec, part.path, config, request, part.row_groups)
    frame = _build(spec, [raw], config, request, row_offset=part.first_row)
    del raw
    _check_tickets(frame)
    return frame


def _one_pass(
    parts: list[Part],
    config: Config,
    request: Request,
    query: Query,
    surveys: Surveys | None,
    final_owners: Owners | None,
    scan_only: bool,
    check_dims: list[str],
) -> _Outcome:
    tally = _Tally("tickets")
    owners = Owners()
    partials: dict[tuple[str, str | None], FactPartial] = {}
    latest = NAT
    repeated = False
    engine: Engine | None = None
    plan = None
    frames: dict[str, Frame] = {}
    for i, part in enumerate(parts):
        frame = _load_part(part, config, request, len(parts), i)
        ids = _whole_ids(frame, "tickets")
        if final_owners is not None and len(ids):
            superseded = final_owners.of(ids) != i
            if superseded.any():  # the id's last row is in a later part
                record(
                    frame, "E019", "ticket_id", superseded,
                    "duplicate ticket_id; the last row with the id is used",
                )  # fmt: skip
                frame.take(np.flatnonzero(~superseded))
                ids = ids[~superseded]
        repeated |= bool(owners.claim(ids, i, tally.rows_read + frame.rows_read).any())
        latest = max(latest, _latest(frame))
        tally.add(frame)
        if scan_only:
            continue
        frames = {"tickets": frame}
        if surveys is not None:
            frames["surveys"] = surveys.for_tickets(ids)
        engine = Engine(frames, query, config)
        if plan is None:
            from .run import _check_dims

            _check_dims(frames, check_dims)
            plan = engine.plan()
            _streamable(engine, plan)
        facts = plan[0]
        for (source, anchor), kpis in facts.items():
            partials[(source, anchor)] = engine.accumulate(
                source, anchor, kpis, partials.get((source, anchor)), compact=True
            )
        del frames
    results: list = []
    if not scan_only and engine is not None and plan is not None:
        facts, derived, unavailable = plan
        if surveys is not None and any(source == "surveys" for source, _ in facts):
            orphans, _ = surveys.without_ticket(owners)
            last = engine.frames["tickets"]
            engine = Engine({"tickets": last, "surveys": orphans}, query, config)
            for (source, anchor), kpis in facts.items():
                if source == "surveys":
                    partials[(source, anchor)] = engine.accumulate(
                        source, anchor, kpis, partials.get((source, anchor)), compact=True
                    )
        progress.stage("computing KPIs")
        for (source, anchor), kpis in facts.items():
            if (source, anchor) in partials:
                engine.finish(source, kpis, partials.pop((source, anchor)))
        results = engine.conclude(derived, unavailable)
    return _Outcome(results, tally, latest, owners, repeated)


_IN_MEMORY_ONLY = (
    "needs every row at once, which reading in parts (--low-memory) does not keep;"
    " compute it without --low-memory"
)


def _streamable(engine: Engine, plan: tuple) -> None:
    """KPIs whose statistic is not a mergeable partial become unavailable (with why)."""
    from .kpis import PerDistinct

    facts, derived, unavailable = plan
    for key in list(facts):
        keep = []
        for kpi in facts[key]:
            if key[1] in ("@end", "@retention") or isinstance(kpi.stat, PerDistinct):
                unavailable[kpi.name] = _IN_MEMORY_ONLY
            else:
                keep.append(kpi)
        if keep:
            facts[key] = keep
        else:
            del facts[key]
    for kpi in list(derived):
        if any(p in unavailable for p in kpi.stat.parts):
            unavailable[kpi.name] = _IN_MEMORY_ONLY
            derived.remove(kpi)


def compute(options: Options, config: Config | None = None) -> Report:
    """`run.compute`, reading the tickets export one part at a time."""
    from .run import make_window, parse_by, plan_reads, resolve_config, select_kpis

    config = config if config is not None else resolve_config(options)
    kpi_names = select_kpis(options.kpis)
    breakdowns = parse_by(options.by)
    if options.every is not None and options.every not in GRAINS:
        raise UsageError(
            f"--every: unknown grain {options.every!r}",
            hint="use day, week, month, quarter or year",
        )
    window = make_window(options, config)
    paths, requests = plan_reads(options, config, kpi_names, breakdowns)
    others = [name for name in _NOT_STREAMED if name in paths]
    if others:
        raise UsageError(
            f"reading in parts (--low-memory) reads tickets and surveys only, not {others[0]}",
            hint=f"leave out --low-memory, or compute without the {others[0]} input",
        )
    if "tickets" not in paths:
        raise UsageError(
            "reading in parts (--low-memory) needs the tickets export",
            hint="give -t tickets.parquet, or leave out --low-memory",
        )
    if "tickets" in config.events or "surveys" in config.events:
        raise UsageError(
            "reading in parts (--low-memory) cannot collapse an event log (events: in the config)",
            hint="leave out --low-memory",
        )
    parts = parts_of(expand(paths["tickets"], "tickets"))
    surveys = None
    survey_frame = None
    if "surveys" in paths:
        survey_frame = load_input("surveys", paths["surveys"], config, requests["surveys"])
        surveys = Surveys(survey_frame)
    given = parse_instant(options.as_of, config.timezone, "--as-of") if options.as_of else None
    guess = given
    if guess is None:  # the timestamps a run reads, from the first part
        first = _load_part(parts[0], config, requests["tickets"], 1, 0)
        read = {
            first.mapping[c]
            for c, v in first.cols.items()
            if v.dtype == np.int64 and c in first.mapping
        }
        del first
        guess = _stats_latest(parts, read)
    final_owners: Owners | None = None
    dims = sorted({d for b in breakdowns for d in b})
    outcome = None
    settled = False
    for _ in range(4):
        as_of = given if given is not None else guess
        outcome = _one_pass(
            parts,
            config,
            requests["tickets"],
            Query(kpi_names, breakdowns, window, options.every, as_of or 0, options.cohort),
            surveys,
            final_owners,
            scan_only=as_of is None,
            check_dims=dims,
        )
        latest = outcome.latest if outcome.latest != NAT else None
        settled = (given is not None or latest == as_of) and (
            final_owners is not None or not outcome.repeated
        )
        if settled and as_of is not None:
            break
        guess = latest
        if outcome.repeated:
            final_owners = outcome.owners
    if outcome is None or not settled:  # pragma: no cover - three passes always settle
        raise RuntimeError("the as-of time did not settle over the parts")
    inputs = [outcome.tickets.summary()]
    if surveys is not None and survey_frame is not None:
        _, orphaned = surveys.without_ticket(outcome.owners)
        record(
            survey_frame, "E020", "ticket_id", orphaned,
            "survey for a ticket that is not in the tickets export (counted; its ticket"
            " dimensions are (unknown))", ("ticket dimensions",),
        )  # fmt: skip
        tally = _Tally("surveys")
        tally.add(survey_frame)
        inputs.append(tally.summary())
    results = outcome.results
    judge(results, config, window.label)
    as_of_final = given if given is not None else guess
    return Report(
        command="compute",
        as_of=as_of_final,
        timezone=config.timezone,
        clock=config.clock,
        window=window,
        every=options.every,
        inputs=inputs,
        group_by=[list(b) for b in breakdowns],
        results=results,
        config_path=config.path,
        currency=config.currency,
    )
