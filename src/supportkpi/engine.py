"""The KPI engine: every requested KPI, for every group of every breakdown, in one
grouped pass per input and period anchor.

How: KPIs are gathered by *fact* (input × anchor column). For each fact the rows in the
period are found once, every dimension any breakdown uses is crossed into one *fine*
group code, and each measure is reduced to per-fine-group sums with `np.bincount`. A
breakdown (overall, by channel, by agent…) is then a roll-up of the fine groups — cheap,
exact, and the same mechanism that lets partial results of chunks be merged. Quantiles
take one sort per measure and breakdown (`grouping.packed_sort`). Each statistic
yields a `Block` (arrays over the groups of a breakdown); only turning a block into
result rows touches groups one by one.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import grouping, sla, threads
from .arrownp import gather
from .config import Config
from .errors import InputError
from .frame import Dim, Frame
from .kpis import (
    Count,
    Derived,
    Kpi,
    Mean,
    OpenAtEnd,
    PerDistinct,
    Quantile,
    Retention,
    SlaCompliance,
    Sum,
    definition_set,
    resolve,
)
from .measures import Measures
from .model import Result
from .partials import FactPartial, FineSpace, Values
from .periods import Buckets, Window, make_buckets
from .schema import TIME_DIMS, UNKNOWN, is_time_dim, normalise_name
from .timeparse import NAT

Z95 = 1.959963984540054
# rows for which a fact's measures are computed two at a time (numpy lets go of the GIL
# in its loops, so the second core is used): below, threads cost more than they save;
# above, two measures' large arrays at once contend for memory (sla-check at 10M tickets
# took 0.95-2.3 s so, against a steady 0.97 s), and each measure splits its own work
THREADS_FOR_ROWS = (100_000, 2_000_000)

# a state KPI's blocks at period end k, in the order of its KPIs
# a state KPI's blocks for period k, or for the whole window (None), in its KPIs' order
AtEnd = Callable[[int | None], list["Block"]]


@dataclass
class Query:
    kpis: list[str]
    breakdowns: list[tuple[str, ...]]  # dimension names as the user wrote them
    window: Window
    every: str | None
    as_of: int
    cohort: bool = False  # place every KPI by its ticket's creation time


@dataclass
class Block:
    """One KPI over the groups of one breakdown, as arrays."""

    value: np.ndarray  # NaN: no value
    n: np.ndarray
    ci: tuple[np.ndarray, np.ndarray] | None = None
    margin: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    empty_reason: str = "no rows"


@dataclass
class Groups:
    """The groups of one breakdown within one fact."""

    code: np.ndarray  # per fine group (or per row, for facts without fine groups)
    labels: list[tuple[str, ...]]
    order: list[tuple]
    up: grouping.RollUp | None = None  # sums of per-fine-group values into the groups

    def __len__(self) -> int:
        return len(self.labels)


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion, as fractions."""
    if n <= 0:
        return (math.nan, math.nan)
    lo, hi = wilson_arrays(np.array([successes], float), np.array([n], float), z)
    return float(lo[0]), float(hi[0])


def wilson_arrays(s: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        p = s / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


def computability(kpi: Kpi, frames: dict[str, Frame], query: Query, config: Config) -> str | None:
    """None when the KPI can be computed from these inputs, else the reason."""
    if isinstance(kpi.stat, Derived):
        for part in kpi.stat.parts:
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
        if inputs and not any(i in frames for i in inputs):
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
    if isinstance(kpi.stat, SlaCompliance) and sla.key_dim(frame, config) is None:
        return f"the SLA policies are keyed by {config.sla.key}, which the tickets export lacks"
    if kpi.anchor and kpi.anchor not in frame.cols and _needs_time(query):
        from .recognise import time_columns, yaml_scalar

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
        stat = resolve(name, definitions).stat
        if isinstance(stat, Derived):
            for part in stat.parts:
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
        if source not in ("surveys", "credits") or "tickets" not in self.frames:
            return own
        tdim = self.frames["tickets"].find_dim(key)
        if tdim is None:
            return own
        if ticket_rows is None and "ticket_row" in frame.cols:
            ticket_rows = frame.cols["ticket_row"][rows]
        if ticket_rows is None:
            via = Dim.constant(frame.n if isinstance(rows, slice) else len(rows))
        else:  # a row without a ticket: (unknown), the ticket dimension's own if it has one
            unknown = _label_code(tdim, UNKNOWN)
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
            for (source, anchor), kpis in facts.items():
                if anchor == "@end":
                    self._backlog(kpis)
                elif anchor == "@retention":
                    self._retention(kpis)
                else:
                    self._fact(source, anchor, kpis, pool, pending)
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
            if isinstance(kpi.stat, Derived):
                derived.append(kpi)
                continue
            if isinstance(kpi.stat, OpenAtEnd):
                key: tuple[str, str | None] = (kpi.source, "@end")
            elif isinstance(kpi.stat, Retention):
                key = (kpi.source, "@retention")
            else:
                key = (kpi.source, self._anchor(kpi))
            facts.setdefault(key, []).append(kpi)
        return facts, derived, unavailable

    def conclude(self, derived: list[Kpi], unavailable: dict[str, str]) -> list[Result]:
        """The derived KPIs, then every result row in order."""
        for kpi in derived:
            self._derive(kpi)
        self.unavailable = unavailable
        return self._assemble(unavailable)

    def _anchor(self, kpi: Kpi) -> str | None:
        """The column placing the KPI's rows in a period (None: no such column, all rows).
        In a cohort view, everything about a ticket is placed by its creation time."""
        frame = self.frames[kpi.source]
        if self.query.cohort and kpi.anchor is not None:
            if kpi.source == "tickets":
                return "created_at"
            if kpi.source in ("surveys", "credits") and "tickets" in self.frames:
                return "@ticket_created"
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

    def _fact(
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
        k = len(table)
        # the first (or only) chunk's fine groups usually are the global ones as they are
        same = len(ids) == 0 or bool((ids == np.arange(len(ids))).all())

        def global_fine(local: np.ndarray) -> np.ndarray:
            return local if same else ids[local]

        done: set[str] = set()

        def in_scope(values: np.ndarray) -> np.ndarray:
            return values[rows]  # a view when rows is a slice

        def add(stat: Any) -> str:
            """Add one statistic's aggregates (in a function: its arrays go when it returns)."""
            key = ""
            if isinstance(stat, Count):
                key = "n:" + (stat.where or "")
                if key not in done:
                    w = None if stat.where is None else (in_scope(m.get(stat.where)) == 1)
                    partial.add(partial.counts, key, ids, grouping.grouped_sum(fine, w, k))
            elif isinstance(stat, (Sum, Mean)):
                squares = isinstance(stat, Mean) and stat.kind == "nps"
                key = stat.measure + ("²" if squares else "")
                if key not in done:
                    partial.add(
                        partial.sums,
                        key,
                        ids,
                        _fine_sums(fine, in_scope(m.get(stat.measure)), k, squares),
                    )
            elif isinstance(stat, Quantile):
                key = "q:" + stat.measure
                if key not in done:
                    us = m.micros(stat.measure)
                    sample = grouping.Sample.of(
                        fine,
                        in_scope(us if us is not None else m.get(stat.measure)),
                        us is not None,
                    )
                    partial.values.setdefault(stat.measure, Values()).add(
                        global_fine(sample.fine), sample.values, us is not None, compact
                    )
            elif isinstance(stat, SlaCompliance):
                key = "sla:" + stat.target
                if key not in done:
                    states = in_scope(m.get("sla_" + stat.target))
                    partial.add(partial.states, stat.target, ids, _state_counts(fine, states, k))
            elif isinstance(stat, PerDistinct):
                key = "rows"
                if not compact:  # needs every row at once: in-memory runs only
                    partial.row_fine, partial.rows = global_fine(fine), rows
            else:  # pragma: no cover - every stat of a fact is handled above
                raise TypeError(stat)
            return key

        def measure_job(measure: str | None, of_measure: list[Kpi]) -> None:
            for kpi in of_measure:
                done.add(add(kpi.stat))
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
        groupings: list[Groups | None] = partial.rollups[1]

        def full(a: np.ndarray) -> np.ndarray:  # groups first seen after this was added
            return (
                a
                if len(a) == size
                else np.concatenate([a, np.zeros((size - len(a), *a.shape[1:]), a.dtype)])
            )

        quantiles: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, list[float]]] = {}
        kpis = sorted(kpis, key=lambda x: _measure_of(x) or "")
        for i, kpi in enumerate(kpis):
            stat = kpi.stat
            measure = _measure_of(kpi)
            for bi, groups in enumerate(groupings):
                if groups is None:
                    continue
                g = len(groups)

                def up(
                    per_fine: np.ndarray, roll: grouping.RollUp | None = groups.up
                ) -> np.ndarray:
                    assert roll is not None
                    return roll(full(per_fine))

                block: Block
                if isinstance(stat, Count):
                    n = up(partial.counts["n:" + (stat.where or "")])
                    block = Block(n.copy(), n)
                elif isinstance(stat, Sum):
                    cnt, total = partial.sums[stat.measure]
                    block = Block(up(total), up(cnt))
                elif isinstance(stat, Mean):
                    if stat.kind == "nps":
                        cnt, total, squares = partial.sums[stat.measure + "²"]
                        block = _mean_block(stat, up(cnt), up(total), up(squares))
                    else:
                        cnt, total = partial.sums[stat.measure]
                        block = _mean_block(stat, up(cnt), up(total), None)
                elif isinstance(stat, Quantile):
                    qkey = (stat.measure, bi)
                    if qkey not in quantiles:
                        qs = sorted(
                            {
                                k.stat.q
                                for k in kpis
                                if isinstance(k.stat, Quantile) and k.stat.measure == stat.measure
                            }
                        )
                        held = partial.values.pop(stat.measure)
                        for b, found in _all_quantiles(held, groupings, qs).items():
                            quantiles[(stat.measure, b)] = (*found, qs)
                        del held
                    vals, counts, qs = quantiles[qkey]
                    block = Block(vals[:, qs.index(stat.q)], counts)
                elif isinstance(stat, SlaCompliance):
                    per_state = full(partial.states[stat.target]).astype(np.float64)
                    per = np.stack([up(per_state[:, j]) for j in range(len(sla.STATES))], axis=1)
                    block = _sla_block(per)
                elif isinstance(stat, PerDistinct):
                    assert partial.row_fine is not None and partial.rows is not None
                    block = self._per_distinct(
                        self.frames[source],
                        self.measures[source],
                        stat,
                        partial.rows,
                        groups.code[partial.row_fine],
                        g,
                    )
                else:  # pragma: no cover - every stat of a fact is handled above
                    raise TypeError(stat)
                self._emit(bi, groups, kpi, block)
            if measure and (i + 1 == len(kpis) or _measure_of(kpis[i + 1]) != measure):
                partial.values.pop(measure, None)

    def _per_distinct(
        self,
        frame: Frame,
        m: Measures,
        stat: PerDistinct,
        rows: np.ndarray | slice,
        group_of_row: np.ndarray,
        g: int,
    ) -> Block:
        if stat.key in frame.dims:
            key_dim = frame.dims[stat.key]
            kc = key_dim.codes[rows].astype(np.int64)
            kc[kc == _label_code(key_dim, UNKNOWN)] = -1
            card = key_dim.size
        else:
            all_codes, card = getattr(m, "key_" + stat.key)()
            kc = all_codes[rows]
        known = kc >= 0
        gc = group_of_row[known]
        distinct = grouping.grouped_distinct(gc, kc[known], g, card)
        n_rows = np.bincount(gc, minlength=g).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(distinct > 0, n_rows / np.maximum(distinct, 1), np.nan)
        return Block(value, n_rows)

    def _backlog(self, kpis: list[Kpi]) -> None:
        m = self.measures["tickets"]
        created = m.event("created_at")
        resolved = m.event("resolved_at")
        rows = np.flatnonzero((created != NAT) & m.known("resolved_at"))
        ends, period_labels = self._period_ends(created[rows])
        e = len(ends)
        kc = np.searchsorted(ends, created[rows], "right")
        r = resolved[rows]
        kr = np.where(r == NAT, e, np.searchsorted(ends, r, "right"))
        # ticket i is open at ends[k] for kc[i] <= k < kr[i]: difference array + cumsum
        self._at_period_ends(
            kpis,
            "tickets",
            rows,
            ends,
            period_labels,
            lambda code, width, g: _open_counts(code, kc, kr, width, g),
        )

    def _period_ends(self, first_instants: np.ndarray) -> tuple[np.ndarray, list[str]]:
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

    def _at_period_ends(
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

    def _retention(self, kpis: list[Kpi]) -> None:
        """Customers kept and lost over each period: S at its start, E at its end, N new.
        A customer counts from started_at (inclusive) to ended_at (exclusive)."""
        frame = self.frames["customers"]
        m = self.measures["customers"]
        started = frame.cols["started_at"]
        ended = np.full(frame.n, NAT, dtype=np.int64)
        if "ended_at" in frame.cols:
            ended = np.where(m.known("ended_at"), m.event("ended_at"), NAT)
        start = self._period_starts()
        end = int(self._period_ends(np.array([start], dtype=np.int64))[0][-1])
        if self.query.every:
            b = make_buckets(
                self.query.every,
                start,
                max(start, end - 1),
                self.config.timezone,
                self.config.limits.periods,
            )
            periods = np.minimum(np.asarray(b.starts, dtype=np.int64), end)
            labels = list(b.labels)
        else:
            periods = np.array([start, end], dtype=np.int64)
            labels = []
        # the first --every period may begin before the window does; the whole window's
        # row is counted from the window's own start, so it does not depend on --every
        bounds = np.union1d(periods, [start])
        at_period = np.searchsorted(bounds, periods)
        at_start = int(np.searchsorted(bounds, start))
        width = len(bounds) + 2
        # index j of the first boundary after the instant: counted "before" bounds[j..]
        ks = np.searchsorted(bounds, started, "right")
        ke = np.where(ended == NAT, width - 1, np.searchsorted(bounds, ended, "right"))

        def matrices(code: np.ndarray, _width: int, g: int) -> AtEnd:
            def before(k_idx: np.ndarray) -> np.ndarray:
                counts = np.bincount(code * width + k_idx, minlength=g * width)
                return np.cumsum(counts.reshape(g, width), axis=1)[:, : len(bounds)]

            started_before = before(ks).astype(np.float64)
            ended_before = before(ke).astype(np.float64)
            active = started_before - ended_before

            def at(k: int | None) -> list[Block]:
                # the whole window, or period k: from one boundary to another
                i, j = (at_start, len(bounds) - 1) if k is None else at_period[k : k + 2]
                s_k, e_k = active[:, i], active[:, j]
                new_k = started_before[:, j] - started_before[:, i]
                lost_k = ended_before[:, j] - ended_before[:, i]
                extra = {"start": s_k, "end": e_k, "new": new_k, "lost": lost_k}
                blocks = []
                for kpi in kpis:
                    kept = e_k - new_k if kpi.stat.kind == "retention" else lost_k  # type: ignore[union-attr]
                    with np.errstate(invalid="ignore", divide="ignore"):
                        value = np.where(s_k > 0, 100 * kept / s_k, np.nan)
                    blocks.append(
                        Block(
                            value, s_k, extra=extra, empty_reason="no customers at the period start"
                        )
                    )
                return blocks

            return at

        self._at_period_ends(kpis, "customers", np.arange(frame.n), periods[1:], labels, matrices)

    def _period_starts(self) -> int:
        """Start of the (first) period; without one, the first ticket (or customer)."""
        w = self.query.window
        if w.start is not None:
            return w.start
        tickets = self.frames.get("tickets")
        if tickets is not None and tickets.n:
            return int(tickets.cols["created_at"].min())
        return int(self.frames["customers"].cols["started_at"].min())

    def _derive(self, kpi: Kpi) -> None:
        """A formula over other KPIs of the same group (each with its own anchor)."""
        stat = kpi.stat
        assert isinstance(stat, Derived)
        rate = float(self.config.costs.get("agent_hourly", 0.0))
        for key, have in self.rows.items():
            bi = key[0]
            parts = {p: have.get(p) or self._zero(bi, p) for p in stat.parts}
            if any(r is None or r.value is None for r in parts.values()):
                missing = [p for p, r in parts.items() if r is None or r.value is None]
                why = self.skipped.get((bi, missing[0]), f"no {missing[0]} in this group")
                self.skipped.setdefault((bi, kpi.name), why)
                continue
            values = {
                p: float(r.value) for p, r in parts.items() if r is not None and r.value is not None
            }
            value = stat.formula(values, rate)
            n_part = parts[stat.n_from]
            assert n_part is not None
            reason = None
            if value is None:  # e.g. nothing resolved: say which part leaves it undefined
                absent = [p for p in stat.parts if p not in have]
                reason = f"no {absent[0]} in this group" if absent else "no rows"
            have[kpi.name] = Result(kpi.name, {}, value, n_part.n, reason)

    def _zero(self, bi: int, name: str) -> Result | None:
        """A count or sum of a group none of whose rows it has: 0 (as reported on its own
        row), unless its input cannot be split by this breakdown."""
        kpi = self.defs[name]
        if isinstance(kpi.stat, (Count, Sum)) and (bi, name) not in self.skipped:
            return Result(name, {}, 0.0, 0)
        return None

    # ------------------------------------------------------------------ output
    def _emit(self, bi: int, groups: Groups, kpi: Kpi, block: Block) -> None:
        zero_if_empty = isinstance(kpi.stat, (Count, Sum))
        # Python numbers once per block (not an array lookup per group and field)
        values = block.value.tolist()
        if np.isnan(block.n).any():  # pragma: no cover - every statistic counts its rows
            raise ValueError(f"{kpi.name}: a group without a row count")
        ns = np.rint(block.n).astype(np.int64).tolist()
        ci = (block.ci[0].tolist(), block.ci[1].tolist()) if block.ci is not None else None
        margin = block.margin.tolist() if block.margin is not None else None
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
                res = have.get(name) or self._zero(bi, name)
                kpi = self.defs[name]
                if res is None:
                    res = Result(name, {}, None, 0, self.skipped.get((bi, name), "no rows"))
                res.group = dict(group)
                out.append(_described(res, kpi))
        return out


# values: below, threads cost more than they save; above, one sort at a time (memory)
_PARALLEL_SORT = (2_000_000, 20_000_000)


def _all_quantiles(
    held: Values, groupings: list[Groups | None], qs: list[float]
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """A measure's quantiles for every breakdown: one sort each, two at a time (numpy
    sorts let go of the GIL) unless the values are many."""
    jobs = [(bi, groups) for bi, groups in enumerate(groupings) if groups is not None]
    held.ready([len(groups) for _, groups in jobs])
    n = len(held)

    def one(job: tuple[int, Groups]) -> tuple[np.ndarray, np.ndarray]:
        return held.quantiles(job[1].code, len(job[1]), qs)

    if not _PARALLEL_SORT[0] <= n <= _PARALLEL_SORT[1]:
        return {bi: one((bi, groups)) for bi, groups in jobs}
    return {bi: found for (bi, _), found in zip(jobs, threads.map2(one, jobs), strict=True)}


def _fine_sums(fine: np.ndarray, v: np.ndarray, k: int, squares: bool) -> tuple[np.ndarray, ...]:
    """(count, sum[, sum of squares]) of a measure per fine group; empty values (NaN)
    left out."""
    if v.dtype == np.int8:  # an indicator: one counting pass over its states
        return grouping.indicator_sums(fine, v, k, squares)
    empty = np.isnan(v)
    f, vv = fine, v
    if empty.any():  # the rows with a value, by position (no branch per row)
        at = np.flatnonzero(~empty)
        f, vv = fine.take(at), v.take(at)
    out = [np.bincount(f, minlength=k).astype(np.float64), np.bincount(f, weights=vv, minlength=k)]
    if squares:
        out.append(np.bincount(f, weights=vv * vv, minlength=k))
    return tuple(out)


def _state_counts(fine: np.ndarray, states: np.ndarray, k: int) -> np.ndarray:
    """Rows per fine group and SLA state (k × len(sla.STATES)). With few groups, a slice
    at a time, two at a time: a slice's combined index stays in the caches, where one
    for every row is fresh memory (80 MB at 10M tickets)."""
    s = len(sla.STATES)

    def counts(rows: slice) -> np.ndarray:
        index = fine[rows] * s
        index += states[rows]
        return np.bincount(index, minlength=k * s)

    if len(fine) < 4 * threads.SLICE or k * s > threads.SLICE // 16:  # many groups: one pass
        return counts(slice(None)).reshape(k, s)
    return np.sum(threads.by_slices(counts, len(fine)), axis=0).reshape(k, s)


def by_measure_of(kpis: list[Kpi]) -> dict[str | None, list[Kpi]]:
    """The KPIs grouped by the measure they take a statistic of (each group is added and
    finished on its own, in one thread)."""
    out: dict[str | None, list[Kpi]] = {}
    for kpi in sorted(kpis, key=lambda x: _measure_of(x) or ""):
        out.setdefault(_measure_of(kpi), []).append(kpi)
    return out


def _measure_of(kpi: Kpi) -> str | None:
    stat = kpi.stat
    if isinstance(stat, SlaCompliance):
        return "sla_" + stat.target
    return getattr(stat, "measure", None) or getattr(stat, "where", None)


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


def _open_counts(code: np.ndarray, kc: np.ndarray, kr: np.ndarray, width: int, g: int) -> AtEnd:
    diff = np.bincount(code * width + kc, minlength=g * width)
    diff = diff - np.bincount(code * width + kr, minlength=g * width)
    open_at = np.cumsum(diff.reshape(g, width), axis=1)[:, : width - 1].astype(np.float64)

    def at(k: int | None) -> list[Block]:
        col = open_at[:, -1 if k is None else k]  # the window's state: at its end
        return [Block(col, col)]

    return at


def _mean_block(stat: Mean, n: np.ndarray, total: np.ndarray, squares: np.ndarray | None) -> Block:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
    block = Block(mean * stat.scale, n)
    if stat.kind == "proportion":
        lo, hi = wilson_arrays(total, n)
        block.ci = (lo * stat.scale, hi * stat.scale)
    elif stat.kind == "nps" and squares is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.maximum(squares / n - mean * mean, 0.0)
            block.margin = Z95 * np.sqrt(var / n) * stat.scale
        # each answer counts +1, 0 or −1, so sum(x²) − sum(x) = 2 × the bad answers;
        # the counts let a reader redo the score their own way (e.g. flooring each share)
        good, bad = (
            ("promoters", "detractors")
            if stat.measure == "nps_value"
            else ("satisfied", "dissatisfied")
        )
        block.extra = {good: (squares + total) / 2, bad: (squares - total) / 2}
    return block


def _sla_block(per_state: np.ndarray) -> Block:
    met, breached = per_state[:, sla.MET], per_state[:, sla.BREACHED]
    n = met + breached
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(n > 0, 100.0 * met / n, np.nan)
    lo, hi = wilson_arrays(met, n)
    extra = {state: per_state[:, i] for i, state in enumerate(sla.STATES)}
    extra["unmatched"] = per_state[:, sla.NA]  # no policy covers them (SPEC §4)
    return Block(
        value, n, (100 * lo, 100 * hi), None, extra, "no ticket met or breached its target yet"
    )


def _label_code(dim: Dim, label: str) -> int:
    try:
        return dim.labels.index(label)
    except ValueError:
        return -1


def _merge_labels(dim: Dim) -> Dim:
    from .coerce import relabel

    return relabel(dim.codes, dim.labels)


def _prefer(own: Dim, fallback: Dim) -> Dim:
    """`own` where it is known, else `fallback` (labels unified)."""
    labels = own.labels + fallback.labels
    unknown_own = _label_code(own, UNKNOWN)
    codes = np.where(own.codes == unknown_own, fallback.codes + len(own.labels), own.codes)
    return _merge_labels(Dim(codes.astype(np.int32), labels))


def _rank_label(label: str) -> tuple:
    """Sort key of a group label: natural order (period labels are ISO, so this is time
    order whichever input's buckets they came from), unknown last."""
    return (1 if label == UNKNOWN else 0, _natural(label))


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text))
