"""The KPI engine: every requested KPI, for every group of every breakdown, in one
grouped pass per input and period anchor.

How: KPIs are gathered by *fact* (input × anchor column; each statistic says which fact
it belongs to). For each fact the rows in the period are found once, every dimension any
breakdown uses is crossed into one *fine* group code, and each statistic adds those rows
to its mergeable per-fine-group state (statistics.py: the engine never asks which kind
a statistic is). A breakdown (overall, by channel, by agent…) is then a roll-up of the
fine groups — cheap, exact, and the same mechanism that lets partial results of chunks
be merged. Each statistic finishes into a `Block` (arrays over the groups of a
breakdown); only turning a block into result rows touches groups one by one.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace

import numpy as np

from supportkpi import threads
from supportkpi.config.settings import Config
from supportkpi.engine import grouping
from supportkpi.engine.aggregate import AtEnd, Block, Finishing, Groups, Part, label_code
from supportkpi.engine.partials import FactPartial, FineSpace
from supportkpi.errors import InputError
from supportkpi.io.arrownp import gather
from supportkpi.io.periods import Buckets, Window, make_buckets
from supportkpi.io.timeparse import NAT
from supportkpi.kpis.catalogue import Kpi, definition_set, resolve
from supportkpi.kpis.measures import Measures
from supportkpi.model import Result
from supportkpi.schema import history
from supportkpi.schema.frame import Dim, Frame
from supportkpi.schema.inputs import TIME_DIMS, UNKNOWN, is_time_dim, normalise_name

# rows for which a fact's measures are computed two at a time (numpy lets go of the GIL
# in its loops, so the second core is used): below, threads cost more than they save;
# above, two measures' large arrays at once contend for memory (sla-check at 10M tickets
# took 0.95-2.3 s so, against a steady 0.97 s), and each measure splits its own work
THREADS_FOR_ROWS = (100_000, 2_000_000)


@dataclass
class Query:
    kpis: list[str]
    breakdowns: list[tuple[str, ...]]  # dimension names as the user wrote them
    window: Window
    every: str | None
    as_of: int
    cohort: bool = False  # place every KPI by its ticket's creation time


def computability(kpi: Kpi, frames: dict[str, Frame], query: Query, config: Config) -> str | None:
    """None when the KPI can be computed from these inputs, else the reason."""
    for part in kpi.stat.components:
        reason = computability(resolve(part, config.definitions), frames, query, config)
        if reason:
            return reason
    if kpi.stat.hourly_cost and not config.costs.get("agent_hourly"):
        return "needs costs.agent_hourly in targets.yaml"
    frame = frames.get(kpi.source)
    if frame is None:
        return f"no {kpi.source} input (give --{kpi.source})"
    if kpi.name == "authorization_compliance" and not config.authorization_limits:
        # with no limits every credit is above its approver's limit of 0: a 0 % that
        # says nothing about the credits
        return "needs authorization_limits in targets.yaml (approver role -> max amount)"
    for group in kpi.needs:
        inputs = [c[1:] for c in group if c.startswith("@")]
        if inputs and not any(_has_input(i, frames) for i in inputs):
            if inputs[0] in ("events.agent", "events.group"):  # an event log may name neither
                column = inputs[0].partition(".")[2]
                given = (
                    f"the events input has no {column} column"
                    if "events" in frames
                    else "no events input"
                )
                who = "who" if column == "agent" else "which group"
                return f"{given} (give -e/--events with {who} was assigned from each change on)"
            if inputs[0] == "events":
                return (
                    "no status history (give -e/--events, one row per status change; or"
                    " read an event-log export: a preset or events: in the config)"
                )
            return f"no {inputs[0]} input (give --{inputs[0]})"
    missing = [
        group
        for group in kpi.needs
        if not group[0].startswith("@") and not any(frame.has(c) for c in group)
    ]
    if missing:
        if len(frame.left_unread([group[0] for group in missing])) == len(missing):
            return (
                f"the {kpi.source} export's {needs_text(missing)} is not read (the config or"
                " preset maps it to no column)"
            )
        return f"the {kpi.source} export has no column {needs_text(missing)}"
    if kpi.source == "surveys" and "type" not in frame.dims:
        return "surveys have no type column"
    lacking = kpi.stat.unavailable(frame, config)
    if lacking:
        return lacking
    if (
        kpi.anchor
        and kpi.anchor not in frame.cols
        and not _worked_out(kpi.anchor)
        and _needs_time(query)
    ):
        from supportkpi.schema.recognise import time_columns, yaml_scalar

        reason = f"{kpi.source} have no {kpi.anchor} column to place them in a period"
        found = time_columns(frame.header)
        if found:  # the export likely has it under its own name
            column = yaml_scalar(found[0])
            shown = ", ".join(found[:4])
            reason += (
                f" (the export has {shown}: map one, e.g."
                f" columns: {{{kpi.source}: {{{kpi.anchor}: {column}}}}})"
            )
        return reason
    return None


def _worked_out(anchor: str) -> bool:
    """An anchor the measures work out (`@reply_opened`), not a column of the input."""
    return anchor.startswith("@")


def _has_input(name: str, frames: dict[str, Frame]) -> bool:
    """Whether an input a KPI needs is there (an event-log export is its own history)."""
    if name == "events":
        return history.available(frames)
    name, _, column = name.partition(".")  # `events.agent`: that input with that column
    return name in frames and (not column or frames[name].has(column))


def needs_text(groups: list[tuple[str, ...]]) -> str:
    """`resolved_at (or resolution_minutes) and contacts`"""
    parts = [g[0] + (f" (or {', '.join(g[1:])})" if len(g) > 1 else "") for g in groups]
    return " and ".join(parts)


def _needs_time(query: Query) -> bool:
    if query.window.start is not None or query.window.end is not None or query.every:
        return True
    return any(normalise_name(d) in TIME_DIMS for b in query.breakdowns for d in b)


def expand(names: list[str], definitions: dict[str, str] | None = None) -> list[str]:
    """The requested KPIs and, first, every component a derived one needs."""
    out: list[str] = []

    def visit(name: str) -> None:
        for part in resolve(name, definitions).stat.components:
            visit(part)
        if name not in out:
            out.append(name)

    for name in names:
        visit(name)
    return out


class Engine:
    def __init__(self, frames: dict[str, Frame], query: Query, config: Config) -> None:
        self.frames = frames
        self.query = query
        self.config = config
        self.defs = definition_set(config.definitions)
        self.measures = {
            name: Measures(f, query.as_of, config, frames) for name, f in frames.items()
        }
        # breakdowns as lists of dimension names; "period" is the --every bucket
        base: list[tuple[str, ...]] = [()]
        if query.every:
            base.append(("period",))
            base += [("period", *b) for b in query.breakdowns]
        else:
            base += list(query.breakdowns)
        self.breakdowns = list(dict.fromkeys(base))
        self.rows: dict[tuple[int, tuple[str, ...]], dict[str, Result]] = {}
        self.order: dict[tuple[int, tuple[str, ...]], tuple] = {}
        self.skipped: dict[tuple[int, str], str] = {}  # (breakdown, kpi) -> why not
        self.unavailable: dict[str, str] = {}  # kpi -> why the inputs cannot give it
        self._rollup_lock = threading.Lock()

    # ------------------------------------------------------------------ dimensions
    def _dim(
        self,
        source: str,
        name: str,
        anchor_ts: np.ndarray | None,
        buckets: dict[str, Buckets],
        rows: np.ndarray | slice = slice(None),
        ticket_rows: np.ndarray | None = None,
    ) -> Dim | None:
        """The dimension `name` for `rows` of `source` (None: that input has no such
        dimension). Surveys and credits take their ticket's value; their own `agent`
        wins when present. `anchor_ts` are the timestamps of those rows already;
        `ticket_rows`, when given, is their `ticket_row` column already."""
        if is_time_dim(name):
            grain = self.query.every if name == "period" else normalise_name(name)
            assert grain is not None and anchor_ts is not None
            if grain not in buckets:  # no row has this anchor: no period to place any in
                return Dim(np.zeros(len(anchor_ts), dtype=np.int32), [])
            b = buckets[grain]
            return Dim(_bucket_codes(b, anchor_ts), list(b.labels))
        key = normalise_name(name)
        frame = self.frames[source]
        own = frame.find_dim(key)
        if own is not None and not isinstance(rows, slice):
            own = own.take(rows)
        if source not in ("surveys", "credits", "comments") or "tickets" not in self.frames:
            return own
        tdim = self.frames["tickets"].find_dim(key)
        if tdim is None:
            return own
        if ticket_rows is None and "ticket_row" in frame.cols:
            ticket_rows = frame.cols["ticket_row"][rows]
        if ticket_rows is None:
            via = Dim.constant(frame.n if isinstance(rows, slice) else len(rows))
        else:  # a row without a ticket: (unknown), the ticket dimension's own if it has one
            unknown = label_code(tdim, UNKNOWN)
            labels = tdim.labels if unknown >= 0 else [*tdim.labels, UNKNOWN]
            fill = unknown if unknown >= 0 else len(tdim.labels)
            # that row's -1 takes the fill appended last (take counts from the end)
            via = Dim(gather(np.append(tdim.codes, np.int32(fill)), ticket_rows), labels)
        if own is not None and key == "agent":  # the row's own agent wins
            return _prefer(own, via)
        return via

    # ------------------------------------------------------------------ running
    def run(self) -> list[Result]:
        facts, derived, unavailable = self.plan()
        rows = sum(f.n for f in self.frames.values())
        low, high = THREADS_FOR_ROWS
        pool = threads.pool() if low <= rows <= high else None
        pending: list[Future[None]] = []
        try:
            for fact, kpis in facts.items():
                kpis[0].stat.evaluate(self, fact, kpis, pool, pending)
            for job in pending:
                job.result()
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        for m in self.measures.values():
            m.release()
        return self.conclude(derived, unavailable)

    def plan(self) -> tuple[dict[tuple[str, str | None], list[Kpi]], list[Kpi], dict[str, str]]:
        """The KPIs by fact (input, anchor), the KPIs derived from others, and the KPIs
        the inputs cannot give (with why)."""
        facts: dict[tuple[str, str | None], list[Kpi]] = {}
        unavailable: dict[str, str] = {}
        derived: list[Kpi] = []
        for name in expand(self.query.kpis, self.config.definitions):
            kpi = self.defs[name]
            reason = computability(kpi, self.frames, self.query, self.config)
            if reason:
                unavailable[name] = reason
                continue
            key = kpi.stat.fact(kpi.source, self._anchor(kpi))
            if key is None:  # a formula over other KPIs: once they are done
                derived.append(kpi)
                continue
            facts.setdefault(key, []).append(kpi)
        return facts, derived, unavailable

    def conclude(self, derived: list[Kpi], unavailable: dict[str, str]) -> list[Result]:
        """The derived KPIs, then every result row in order."""
        for kpi in derived:
            kpi.stat.derive(self, kpi)  # type: ignore[attr-defined]
        self.unavailable = unavailable
        return self._assemble(unavailable)

    def _anchor(self, kpi: Kpi) -> str | None:
        """The column placing the KPI's rows in a period (None: no such column, all rows).
        In a cohort view, everything about a ticket is placed by its creation time."""
        frame = self.frames[kpi.source]
        if self.query.cohort and kpi.anchor is not None:
            if kpi.source == "tickets":
                return "created_at"
            if kpi.source in ("surveys", "credits", "comments") and "tickets" in self.frames:
                return "@ticket_created"
        if kpi.anchor is not None and _worked_out(kpi.anchor):
            return kpi.anchor
        return kpi.anchor if kpi.anchor in frame.cols else None

    def window_mask(self, ts: np.ndarray) -> np.ndarray:
        scope = ts != NAT
        w = self.query.window
        if w.start is not None:
            scope &= ts >= w.start
        if w.end is not None:
            scope &= ts < w.end
        return scope

    def _buckets_for(self, ts: np.ndarray | None) -> dict[str, Buckets]:
        grains = {normalise_name(d) for b in self.breakdowns for d in b if d != "period"}
        grains &= set(TIME_DIMS)
        if self.query.every:
            grains.add(self.query.every)
        if not grains or ts is None or not len(ts):
            return {}
        lo, hi = int(ts.min()), int(ts.max())
        return {
            g: make_buckets(g, lo, hi, self.config.timezone, self.config.limits.periods)
            for g in grains
        }

    def fine_dims(
        self, source: str, rows: np.ndarray | slice, ts: np.ndarray | None
    ) -> dict[str, Dim]:
        """Every dimension a breakdown uses that this input has, for the rows in scope."""
        buckets = self._buckets_for(ts)
        union = list(dict.fromkeys(d for b in self.breakdowns for d in b))
        frame = self.frames[source]
        ticket_rows = frame.cols["ticket_row"][rows] if "ticket_row" in frame.cols else None
        dims: dict[str, Dim] = {}
        for d in union:
            if is_time_dim(d) and ts is None:
                continue
            dim = self._dim(source, d, ts, buckets, rows, ticket_rows)
            if dim is not None:
                dims[d] = dim
        return dims

    def rows_fact(
        self,
        source: str,
        anchor: str | None,
        kpis: list[Kpi],
        pool: Executor | None,
        pending: list[Future[None]],
    ) -> None:
        # each measure's KPIs are finished as soon as the measure is added, so only one
        # measure's values (one per thread) are held at a time
        self.accumulate(
            source,
            anchor,
            kpis,
            then=lambda ks, p: self.finish(source, ks, p),
            pool=pool,
            pending=pending,
        )

    def accumulate(
        self,
        source: str,
        anchor: str | None,
        kpis: list[Kpi],
        partial: FactPartial | None = None,
        compact: bool = False,
        then: Callable[[list[Kpi], FactPartial], None] | None = None,
        pool: Executor | None = None,
        pending: list[Future[None]] | None = None,
    ) -> FactPartial:
        """Add this engine's rows of `source` to the fact's mergeable per-fine-group
        aggregates (a new `FactPartial` when none is given). `compact`: a chunk of a
        larger run, so keep quantile values small and no per-row state. `then` is
        called with each measure's KPIs once that measure is added. With a `pool`, the
        measures are added in its threads (their futures appended to `pending`)."""
        if pending is None:
            pending = []
        frame = self.frames[source]
        m = self.measures[source]
        # the rows in the period: a slice (a view, no copy) when it is all of them
        rows: np.ndarray | slice = slice(None)
        n_rows = frame.n
        ts: np.ndarray | None = None
        if anchor is not None:
            ts = m.event(anchor)
            scope = self.window_mask(ts)
            if not scope.all():
                rows = np.flatnonzero(scope)
                n_rows = len(rows)
                ts = ts[rows]
        dims = self.fine_dims(source, rows, ts)
        if partial is None:
            partial = FactPartial(FineSpace(list(dims)))
        elif partial.space.dims != list(dims):
            raise InputError(
                f"the {source} files do not all have the columns the breakdowns use"
                f" ({', '.join(partial.space.dims) or 'none'} against"
                f" {', '.join(dims) or 'none'})",
                path=", ".join(frame.paths),
                code="E004",
            )
        usable = partial.space.dims
        fine, table = grouping.combine(
            [dims[d].codes for d in usable], [dims[d].size for d in usable], n_rows
        )
        ids = partial.space.register(table, [dims[d] for d in usable])
        part = Part(partial, m, fine, len(table), ids, rows, compact)
        done: set[tuple] = set()

        def measure_job(measure: str | None, of_measure: list[Kpi]) -> None:
            for kpi in of_measure:  # (a function: a measure's arrays go when it returns)
                if kpi.stat.state_key not in done:  # e.g. a mean and a sum of one measure
                    kpi.stat.add(part)
                    done.add(kpi.stat.state_key)
            if measure:
                m.forget(measure)
            if then is not None:
                then(of_measure, partial)

        by_measure = by_measure_of(kpis)
        if pool is None:
            for measure, of_measure in by_measure.items():
                measure_job(measure, of_measure)
            m.release()
        else:  # the caller waits for these, then releases the measures
            pending += [pool.submit(measure_job, *item) for item in by_measure.items()]
        return partial

    def _rollups(self, space: FineSpace) -> list[Groups | None]:
        """Each breakdown's groups of the fine groups (None: not split by this input)."""
        out: list[Groups | None] = []
        ranked: dict[str, list[tuple]] = {}

        def ranks(d: str) -> list[tuple]:  # each label's sort key, once per dimension
            if d not in ranked:
                ranked[d] = [_rank_label(label) for label in space.labels[d]]
            return ranked[d]

        for dims_b in self.breakdowns:
            if any(d not in space.dims for d in dims_b):
                out.append(None)
                continue
            cols = [space.dims.index(d) for d in dims_b]
            coarse, ctable = grouping.combine(
                [space.table[:, j] for j in cols],
                [len(space.labels[d]) for d in dims_b],
                len(space),
            )
            rows = ctable.tolist()
            labels = [
                tuple(space.labels[d][c] for d, c in zip(dims_b, row, strict=True)) for row in rows
            ]
            order = [tuple(ranks(d)[c] for d, c in zip(dims_b, row, strict=True)) for row in rows]
            out.append(Groups(coarse, labels, order, grouping.RollUp(coarse, len(labels))))
        return out

    def finish(self, source: str, kpis: list[Kpi], partial: FactPartial) -> None:
        """Roll the fine groups up into each breakdown's groups and emit the results."""
        space = partial.space
        size = len(space)
        for bi, dims_b in enumerate(self.breakdowns):
            lacking = [d for d in dims_b if d not in space.dims]
            if lacking:
                what = "a period" if is_time_dim(lacking[0]) else lacking[0]
                for kpi in kpis:
                    self.skipped[(bi, kpi.name)] = f"{source} cannot be split by {what}"
        with self._rollup_lock:  # once per fact, whichever measure's thread comes first
            if partial.rollups is None or partial.rollups[0] != size:
                partial.rollups = (size, self._rollups(space))
        finishing = Finishing(self, source, kpis, partial, partial.rollups[1])
        kpis = sorted(kpis, key=lambda x: x.stat.measure or "")
        for i, kpi in enumerate(kpis):
            for bi, groups in enumerate(finishing.groupings):
                if groups is not None:
                    self._emit(bi, groups, kpi, kpi.stat.finish(finishing, bi, groups))
            measure = kpi.stat.measure
            if measure and (i + 1 == len(kpis) or kpis[i + 1].stat.measure != measure):
                partial.values.pop(measure, None)

    def period_ends(self, first_instants: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Instants a state is measured at: the end of the period (or of each --every
        period), never after the as-of time (an event at the as-of instant counts)."""
        as_of = self.query.as_of + 1
        w = self.query.window
        end = min(w.end, as_of) if w.end is not None else as_of
        if not self.query.every:
            return np.array([end], dtype=np.int64), []
        lo = (
            w.start
            if w.start is not None
            else (int(first_instants.min()) if len(first_instants) else end)
        )
        b = make_buckets(
            self.query.every, lo, max(lo, end - 1), self.config.timezone, self.config.limits.periods
        )
        return np.minimum(np.asarray(b.starts[1:], dtype=np.int64), as_of), list(b.labels)

    def at_period_ends(
        self,
        kpis: list[Kpi],
        source: str,
        rows: np.ndarray,
        ends: np.ndarray,
        period_labels: list[str],
        per_group: Callable[[np.ndarray, int, int], AtEnd],
    ) -> None:
        """Emit state KPIs measured at each period end; `per_group(code, width, g)`
        returns a (groups × ends) matrix for each KPI, in `kpis` order."""
        e = len(ends)
        for bi, dims_b in enumerate(self.breakdowns):
            plain = [d for d in dims_b if d != "period"]
            if any(is_time_dim(d) for d in plain):
                for kpi in kpis:
                    self.skipped[(bi, kpi.name)] = (
                        f"{kpi.name} is a state at a period end, not an event in a day or"
                        " week; use --every instead"
                    )
                continue
            ds = [self._dim(source, d, None, {}) for d in plain]
            if any(d is None for d in ds):
                missing = plain[[d is None for d in ds].index(True)]
                for kpi in kpis:
                    self.skipped[(bi, kpi.name)] = f"{source} cannot be split by {missing}"
                continue
            dims = [d.take(rows) for d in ds if d is not None]
            code, table = grouping.combine(
                [d.codes for d in dims], [d.size for d in dims], len(rows)
            )
            g = max(len(table), 1)
            matrices = per_group(code, e + 1, g)
            labels = [tuple(dims[i].labels[int(c)] for i, c in enumerate(row)) for row in table]
            order = [tuple(_rank_label(label) for label in row) for row in labels]
            if not len(table):
                if plain:  # no row at all: no group of this breakdown
                    continue
                labels, order = [()], [()]
            if "period" not in dims_b:  # the whole window at once
                for kpi, block in zip(kpis, matrices(None), strict=True):
                    self._emit(bi, Groups(np.arange(g), labels, order), kpi, block)
                continue
            for k in range(e):
                groups = Groups(
                    np.arange(g),
                    [(period_labels[k], *lb) for lb in labels],
                    [(_rank_label(period_labels[k]), *o) for o in order],
                )
                for kpi, block in zip(kpis, matrices(k), strict=True):
                    self._emit(bi, groups, kpi, block)

    def period_start(self) -> int:
        """Start of the (first) period; without one, the first ticket (or customer)."""
        w = self.query.window
        if w.start is not None:
            return w.start
        tickets = self.frames.get("tickets")
        if tickets is not None and tickets.n:
            return int(tickets.cols["created_at"].min())
        return int(self.frames["customers"].cols["started_at"].min())

    def zero(self, bi: int, name: str) -> Result | None:
        """A count or sum of a group none of whose rows it has: 0 (as reported on its own
        row), unless its input cannot be split by this breakdown."""
        kpi = self.defs[name]
        if kpi.stat.zero_when_empty and (bi, name) not in self.skipped:
            return Result(name, {}, 0.0, 0)
        return None

    # ------------------------------------------------------------------ output
    def _emit(self, bi: int, groups: Groups, kpi: Kpi, block: Block) -> None:
        zero_if_empty = kpi.stat.zero_when_empty
        # Python numbers once per block (not an array lookup per group and field)
        values = block.value.tolist()
        if np.isnan(block.n).any():  # pragma: no cover - every statistic counts its rows
            raise ValueError(f"{kpi.name}: a group without a row count")
        ns = np.rint(block.n).astype(np.int64).tolist()
        ci = (block.ci[0].tolist(), block.ci[1].tolist()) if block.ci is not None else None
        margin = block.margin.tolist() if block.margin is not None else None
        sd = block.sd.tolist() if block.sd is not None else None
        extra = {name: np.rint(arr).astype(np.int64).tolist() for name, arr in block.extra.items()}
        for g, labels in enumerate(groups.labels):  # result rows, one per group
            raw = values[g]
            value: float | None = None if math.isnan(raw) else raw
            if value is None and zero_if_empty:
                value = 0.0
            res = Result(
                kpi.name, {}, value, ns[g], None if value is not None else block.empty_reason
            )
            if value is not None:
                if ci is not None:
                    res.ci_low, res.ci_high = ci[0][g], ci[1][g]
                if margin is not None:
                    res.margin = margin[g]
                if sd is not None and not math.isnan(sd[g]):
                    res.sd = sd[g]
            for name, column in extra.items():
                res.extra[name] = column[g]
            key = (bi, labels)
            self.rows.setdefault(key, {})[kpi.name] = res
            self.order.setdefault(key, groups.order[g])

    def _assemble(self, unavailable: dict[str, str]) -> list[Result]:
        out: list[Result] = []
        # labels last: two labels of one rank (e.g. "Bob", "bob") keep one order whichever
        # thread emitted first
        keys = sorted(self.rows, key=lambda k: (k[0], self.order[k], k[1]))
        if (0, ()) not in self.rows:
            keys.insert(0, (0, ()))
        for key in keys:
            bi, labels = key
            group = dict(zip(self.breakdowns[bi], labels, strict=True))
            have = self.rows.get(key, {})
            for name in self.query.kpis:
                if name in unavailable:
                    if bi == 0:
                        out.append(
                            _described(
                                Result(name, {}, None, 0, unavailable[name]), self.defs[name]
                            )
                        )
                    continue
                kpi = self.defs[name]
                split = kpi.stat.split
                parts = split[1] if split else (("", name),)
                if split and any(normalise_name(k) == split[0] for k in group):  # --by status
                    why = f"one figure per {split[0]} already; leave {split[0]} out of --by"
                    out.append(_described(Result(name, dict(group), None, 0, why), kpi))
                    continue
                for value, part in parts:
                    res = have.get(part) or self.zero(bi, part)
                    if res is None:
                        res = Result(part, {}, None, 0, self.skipped.get((bi, part), "no rows"))
                    if split:  # reported under the split KPI's name, its key in the group
                        res = replace(res, kpi=name, group={}, extra=dict(res.extra))
                    res.group = dict(group)
                    if split:
                        res.group[split[0]] = value
                    out.append(_described(res, kpi))
        return out


def by_measure_of(kpis: list[Kpi]) -> dict[str | None, list[Kpi]]:
    """The KPIs grouped by the measure they take a statistic of (each group is added and
    finished on its own, in one thread)."""
    out: dict[str | None, list[Kpi]] = {}
    for kpi in sorted(kpis, key=lambda x: x.stat.measure or ""):
        out.setdefault(kpi.stat.measure, []).append(kpi)
    return out


def _bucket_codes(b: Buckets, ts: np.ndarray) -> np.ndarray:
    """Bucket of each instant (every instant lies inside the buckets). Equal-length
    buckets (days and weeks without DST, i.e. in UTC) are one division, else a search."""
    starts = np.asarray(b.starts, dtype=np.int64)
    steps = np.diff(starts)
    if len(steps) and (steps == steps[0]).all():
        return ((ts - starts[0]) // steps[0]).astype(np.int32)
    return (np.searchsorted(starts, ts, "right") - 1).astype(np.int32)


def _described(res: Result, kpi: Kpi) -> Result:
    res.unit, res.label, res.definition = kpi.unit, kpi.label, kpi.variant
    return res


def _merge_labels(dim: Dim) -> Dim:
    from supportkpi.schema.coerce import relabel

    return relabel(dim.codes, dim.labels)


def _prefer(own: Dim, fallback: Dim) -> Dim:
    """`own` where it is known, else `fallback` (labels unified)."""
    labels = own.labels + fallback.labels
    unknown_own = label_code(own, UNKNOWN)
    codes = np.where(own.codes == unknown_own, fallback.codes + len(own.labels), own.codes)
    return _merge_labels(Dim(codes.astype(np.int32), labels))


def _rank_label(label: str) -> tuple:
    """Sort key of a group label: natural order (period labels are ISO, so this is time
    order whichever input's buckets they came from), unknown last."""
    return (1 if label == UNKNOWN else 0, _natural(label))


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text))
