"""The KPI engine: every requested KPI, for every group of every breakdown, in one
grouped pass per input and period anchor.

How: KPIs are gathered by *fact* (input × anchor column). For each fact the rows in the
period are found once, every dimension any breakdown uses is crossed into one *fine*
group code, and each measure is reduced to per-fine-group sums with `np.bincount`. A
breakdown (overall, by channel, by agent…) is then a roll-up of the fine groups — cheap,
exact, and the same mechanism that lets partial results of chunks be merged. Quantiles
take one sort per measure and breakdown (`grouping.grouped_quantiles`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import grouping, sla
from .config import Config
from .frame import Dim, Frame
from .kpis import CATALOGUE, Count, Kpi, Mean, OpenAtEnd, PerDistinct, Quantile, SlaCompliance
from .measures import Measures
from .periods import Buckets, Window, make_buckets
from .schema import TIME_DIMS, UNKNOWN, normalise_name
from .timeparse import NAT

Z95 = 1.959963984540054


@dataclass
class Query:
    kpis: list[str]
    breakdowns: list[tuple[str, ...]]  # dimension names as the user wrote them
    window: Window
    every: str | None
    as_of: int


@dataclass
class Result:
    kpi: str
    group: dict[str, str]
    value: float | None
    n: int
    reason: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    margin: float | None = None
    target: dict[str, Any] | None = None
    status: str = "no_target"
    extra: dict[str, Any] = field(default_factory=dict)


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion, as fractions."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def computability(kpi: Kpi, frames: dict[str, Frame], query: Query, config: Config) -> str | None:
    """None when the KPI can be computed from these inputs, else the reason."""
    frame = frames.get(kpi.source)
    if frame is None:
        return f"no {kpi.source} input (give --{kpi.source})"
    missing = [group for group in kpi.needs if not any(frame.has(c) for c in group)]
    if missing:
        return f"the {kpi.source} export has no column {needs_text(missing)}"
    if kpi.source == "surveys" and "type" not in frame.dims:
        return "surveys have no type column"
    if isinstance(kpi.stat, SlaCompliance) and sla.key_dim(frame, config) is None:
        return f"the SLA policies are keyed by {config.sla.key}, which the tickets export lacks"
    if kpi.anchor and kpi.anchor not in frame.cols and _needs_time(query):
        return f"{kpi.source} have no {kpi.anchor} column to place them in a period"
    return None


def needs_text(groups: list[tuple[str, ...]]) -> str:
    """`resolved_at (or resolution_minutes) and contacts`"""
    parts = [g[0] + (f" (or {', '.join(g[1:])})" if len(g) > 1 else "") for g in groups]
    return " and ".join(parts)


def _needs_time(query: Query) -> bool:
    if query.window.start is not None or query.window.end is not None or query.every:
        return True
    return any(normalise_name(d) in TIME_DIMS for b in query.breakdowns for d in b)


class Engine:
    def __init__(self, frames: dict[str, Frame], query: Query, config: Config) -> None:
        self.frames = frames
        self.query = query
        self.config = config
        self.measures = {name: Measures(f, query.as_of, config) for name, f in frames.items()}
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

    # ------------------------------------------------------------------ dimensions
    def _dim(
        self, source: str, name: str, anchor_ts: np.ndarray | None, buckets: dict[str, Buckets]
    ) -> Dim:
        key = normalise_name(name)
        if name == "period" or key in TIME_DIMS:
            grain = self.query.every if name == "period" else key
            assert grain is not None and anchor_ts is not None
            b = buckets[grain]
            codes = np.searchsorted(np.asarray(b.starts, dtype=np.int64), anchor_ts, "right") - 1
            codes = np.clip(codes, 0, max(len(b) - 1, 0)).astype(np.int32)
            return Dim(codes, list(b.labels))
        frame = self.frames[source]
        own = _find_dim(frame, key)
        if source == "tickets" or "tickets" not in self.frames:
            return own if own is not None else Dim.constant(frame.n)
        tickets = self.frames["tickets"]
        tdim = _find_dim(tickets, key)
        if tdim is None:
            return own if own is not None else Dim.constant(frame.n)
        rows = frame.cols.get("ticket_row")
        if rows is None:
            via = Dim.constant(frame.n)
        else:
            labels = [*tdim.labels, UNKNOWN]
            codes = np.where(rows >= 0, tdim.codes[np.maximum(rows, 0)], len(tdim.labels))
            via = _merge_labels(Dim(codes.astype(np.int32), labels))
        if own is not None and key == "agent":  # the survey's own agent wins
            return _prefer(own, via)
        return via

    # ------------------------------------------------------------------ running
    def run(self) -> list[Result]:
        facts: dict[tuple[str, str | None], list[Kpi]] = {}
        unavailable: dict[str, str] = {}
        for name in self.query.kpis:
            kpi = CATALOGUE[name]
            reason = computability(kpi, self.frames, self.query, self.config)
            if reason:
                unavailable[name] = reason
                continue
            anchor = kpi.anchor if kpi.anchor in self.frames[kpi.source].cols else None
            key = (kpi.source, anchor if not isinstance(kpi.stat, OpenAtEnd) else "@end")
            facts.setdefault(key, []).append(kpi)
        for (source, anchor), kpis in facts.items():
            if anchor == "@end":
                self._backlog(kpis)
            else:
                self._fact(source, anchor, kpis)
        return self._assemble(unavailable)

    def _window_mask(self, ts: np.ndarray) -> np.ndarray:
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
        return {g: make_buckets(g, lo, hi, self.config.timezone) for g in grains}

    def _fact(self, source: str, anchor: str | None, kpis: list[Kpi]) -> None:
        frame = self.frames[source]
        m = self.measures[source]
        if anchor is not None:
            ts_all = m.event(anchor)
            scope = self._window_mask(ts_all)
            rows = np.flatnonzero(scope)
            ts = ts_all[rows]
        else:
            rows = np.arange(frame.n)
            ts = None
        buckets = self._buckets_for(ts)
        union = list(dict.fromkeys(d for b in self.breakdowns for d in b))
        dims = {
            d: self._dim(source, d, ts if ts is not None else None, buckets)
            for d in union
            if not (normalise_name(d) in TIME_DIMS or d == "period")
        }
        for d in union:
            if normalise_name(d) in TIME_DIMS or d == "period":
                dims[d] = self._dim(source, d, ts, buckets)
        codes = [
            dims[d].codes
            if normalise_name(d) in TIME_DIMS or d == "period"
            else dims[d].codes[rows]
            for d in union
        ]
        fine, table = grouping.combine(codes, [dims[d].size for d in union], len(rows))
        k_fine = len(table)
        roll = []
        for dims_b in self.breakdowns:
            cols = [union.index(d) for d in dims_b]
            coarse, ctable = grouping.combine(
                [table[:, j] for j in cols], [dims[d].size for d in dims_b], k_fine
            )
            labels = [
                tuple(dims[d].labels[int(ctable[g, i])] for i, d in enumerate(dims_b))
                for g in range(len(ctable))
            ]
            order = [
                tuple(_rank(dims[d], int(ctable[g, i]), d) for i, d in enumerate(dims_b))
                for g in range(len(ctable))
            ]
            roll.append((coarse, labels, order))
        sums: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]] = {}
        quant_cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, list[float]]] = {}
        state_counts: dict[str, np.ndarray] = {}
        for kpi in kpis:
            stat = kpi.stat
            for bi, (coarse, labels, order) in enumerate(roll):
                g_count = len(labels)
                if isinstance(stat, Count):
                    w = None if stat.where is None else (m.get(stat.where)[rows] == 1)
                    fine_n = grouping.grouped_sum(fine, w, k_fine)
                    n_g = grouping.grouped_sum(coarse, fine_n, g_count)
                    for g in range(g_count):
                        self._put(
                            bi,
                            labels[g],
                            order[g],
                            Result(kpi.name, {}, float(n_g[g]), int(n_g[g])),
                        )
                elif isinstance(stat, Mean):
                    if stat.measure not in sums:
                        v = m.get(stat.measure)[rows]
                        valid = ~np.isnan(v)
                        vz = np.where(valid, v, 0.0)
                        sq = (
                            grouping.grouped_sum(fine, vz * vz, k_fine)
                            if stat.kind == "nps"
                            else None
                        )
                        sums[stat.measure] = (
                            grouping.grouped_sum(fine, valid.astype(np.float64), k_fine),
                            grouping.grouped_sum(fine, vz, k_fine),
                            sq,
                        )
                    fn, fs, fsq = sums[stat.measure]
                    n_g = grouping.grouped_sum(coarse, fn, g_count)
                    s_g = grouping.grouped_sum(coarse, fs, g_count)
                    sq_g = grouping.grouped_sum(coarse, fsq, g_count) if fsq is not None else None
                    for g in range(g_count):
                        self._put(
                            bi,
                            labels[g],
                            order[g],
                            _mean_result(
                                kpi,
                                stat,
                                float(n_g[g]),
                                float(s_g[g]),
                                None if sq_g is None else float(sq_g[g]),
                            ),
                        )
                elif isinstance(stat, Quantile):
                    key = (stat.measure, bi)
                    if key not in quant_cache:
                        qs = sorted(
                            {
                                s.stat.q
                                for s in kpis
                                if isinstance(s.stat, Quantile) and s.stat.measure == stat.measure
                            }
                        )
                        v = m.get(stat.measure)[rows]
                        vals, counts = grouping.grouped_quantiles(coarse[fine], v, g_count, qs)
                        quant_cache[key] = (vals, counts, qs)
                    vals, counts, qs = quant_cache[key]
                    j = qs.index(stat.q)
                    for g in range(g_count):
                        n = int(counts[g])
                        val = float(vals[g, j]) if n else None
                        self._put(
                            bi,
                            labels[g],
                            order[g],
                            Result(kpi.name, {}, val, n, None if n else "no rows"),
                        )
                elif isinstance(stat, SlaCompliance):
                    if stat.target not in state_counts:
                        codes_s = m.get("sla_" + stat.target)[rows].astype(np.int64)
                        k = len(sla.STATES)
                        state_counts[stat.target] = np.bincount(
                            fine * k + codes_s, minlength=k_fine * k
                        ).reshape(k_fine, k)
                    fc = state_counts[stat.target]
                    per = np.stack(
                        [
                            grouping.grouped_sum(coarse, fc[:, j].astype(np.float64), g_count)
                            for j in range(fc.shape[1])
                        ],
                        axis=1,
                    ).astype(np.int64)
                    for g in range(g_count):
                        self._put(bi, labels[g], order[g], _sla_result(kpi, per[g]))
                elif isinstance(stat, PerDistinct):
                    key_dim = frame.dims[stat.key]
                    kc = key_dim.codes[rows]
                    known = kc != _label_code(key_dim, UNKNOWN)
                    gc = coarse[fine][known]
                    distinct = grouping.grouped_distinct(gc, kc[known], g_count, key_dim.size)
                    n_rows = np.bincount(gc, minlength=g_count)
                    for g in range(g_count):
                        n_distinct = int(distinct[g])
                        val = n_rows[g] / n_distinct if n_distinct else None
                        self._put(
                            bi,
                            labels[g],
                            order[g],
                            Result(
                                kpi.name,
                                {},
                                None if val is None else float(val),
                                int(n_rows[g]),
                                None if n_distinct else "no rows",
                            ),
                        )

    def _backlog(self, kpis: list[Kpi]) -> None:
        m = self.measures["tickets"]
        created = m.event("created_at")
        resolved = m.event("resolved_at")
        valid = (created != NAT) & m.known("resolved_at")
        rows = np.flatnonzero(valid)
        # an event at the as-of instant has happened by then: measure just after it
        as_of = self.query.as_of + 1
        w = self.query.window
        end = min(w.end, as_of) if w.end is not None else as_of
        if self.query.every:
            lo = (
                w.start if w.start is not None else (int(created[rows].min()) if len(rows) else end)
            )
            b = make_buckets(self.query.every, lo, max(lo, end - 1), self.config.timezone)
            ends = np.minimum(np.asarray(b.starts[1:], dtype=np.int64), as_of)
            period_labels = list(b.labels)
        else:
            ends = np.array([end], dtype=np.int64)
            period_labels = []
        e = len(ends)
        c = created[rows]
        r = resolved[rows]
        kc = np.searchsorted(ends, c, "right")
        kr = np.where(r == NAT, e, np.searchsorted(ends, r, "right"))
        for bi, dims_b in enumerate(self.breakdowns):
            plain = [d for d in dims_b if d != "period"]
            if any(normalise_name(d) in TIME_DIMS for d in plain):
                continue  # backlog is a state at a period end, not an event in a day/week
            ds = [self._dim("tickets", d, None, {}) for d in plain]
            code, table = grouping.combine(
                [d.codes[rows] for d in ds], [d.size for d in ds], len(rows)
            )
            g_count = max(len(table), 1)
            width = e + 1
            diff = np.bincount(code * width + kc, minlength=g_count * width)
            diff = diff - np.bincount(code * width + kr, minlength=g_count * width)
            open_at = np.cumsum(diff.reshape(g_count, width), axis=1)[:, :e]
            for g in range(len(table)):
                labels = tuple(ds[i].labels[int(table[g, i])] for i in range(len(ds)))
                order = tuple(_rank(ds[i], int(table[g, i]), plain[i]) for i in range(len(ds)))
                for k in range(e):
                    if "period" in dims_b:
                        lab = (period_labels[k], *labels)
                        ordk = (k, *order)
                    else:
                        lab, ordk = labels, order
                    for kpi in kpis:
                        val = int(open_at[g, k])
                        self._put(bi, lab, ordk, Result(kpi.name, {}, float(val), val))
                    if "period" not in dims_b:
                        break

    def _put(self, bi: int, labels: tuple[str, ...], order: tuple, result: Result) -> None:
        key = (bi, labels)
        self.rows.setdefault(key, {})[result.kpi] = result
        self.order.setdefault(key, order)

    def _assemble(self, unavailable: dict[str, str]) -> list[Result]:
        out: list[Result] = []
        names = {bi: self._display(dims) for bi, dims in enumerate(self.breakdowns)}
        keys = sorted(self.rows, key=lambda k: (k[0], self.order[k]))
        if (0, ()) not in self.rows:
            keys.insert(0, (0, ()))
        for key in keys:
            bi, labels = key
            group = dict(zip(names[bi], labels, strict=True))
            have = self.rows.get(key, {})
            for name in self.query.kpis:
                if name in unavailable:
                    if bi == 0:
                        out.append(Result(name, {}, None, 0, unavailable[name]))
                    continue
                res = have.get(name)
                if res is None:
                    kpi = CATALOGUE[name]
                    if isinstance(kpi.stat, OpenAtEnd) and any(
                        normalise_name(d) in TIME_DIMS for d in self.breakdowns[bi]
                    ):
                        reason = "backlog is measured at a period end; use --every instead"
                    else:
                        reason = "no rows"
                    zero = kpi.unit == "count" and not isinstance(kpi.stat, OpenAtEnd)
                    res = Result(name, {}, 0.0 if zero else None, 0, None if zero else reason)
                res.group = dict(group)
                out.append(res)
        return out

    def _display(self, dims: tuple[str, ...]) -> list[str]:
        return list(dims)


def _mean_result(kpi: Kpi, stat: Mean, n: float, s: float, sq: float | None) -> Result:
    if n <= 0:
        return Result(kpi.name, {}, None, 0, "no rows")
    mean = s / n
    res = Result(kpi.name, {}, mean * stat.scale, round(n))
    if stat.kind == "proportion":
        lo, hi = wilson(s, n)
        res.ci_low, res.ci_high = lo * stat.scale, hi * stat.scale
    elif stat.kind == "nps" and sq is not None:
        var = max(sq / n - mean * mean, 0.0)
        res.margin = Z95 * math.sqrt(var / n) * stat.scale
    return res


def _sla_result(kpi: Kpi, counts: np.ndarray) -> Result:
    met, breached = int(counts[sla.MET]), int(counts[sla.BREACHED])
    n = met + breached
    extra = {state: int(c) for state, c in zip(sla.STATES, counts, strict=True)}
    if n == 0:
        return Result(
            kpi.name, {}, None, 0, "no ticket met or breached its target yet", extra=extra
        )
    lo, hi = wilson(met, n)
    return Result(kpi.name, {}, 100.0 * met / n, n, None, 100 * lo, 100 * hi, extra=extra)


def _find_dim(frame: Frame, key: str) -> Dim | None:
    if key in frame.dims:
        return frame.dims[key]
    for canonical, export in frame.mapping.items():
        if normalise_name(export) == key and canonical in frame.dims:
            return frame.dims[canonical]
    return None


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


def _rank(dim: Dim, code: int, name: str) -> tuple:
    label = dim.labels[code]
    if name == "period" or normalise_name(name) in TIME_DIMS:
        return (0, code, "")
    return (1 if label == UNKNOWN else 0, 0, _natural(label))


def _natural(text: str) -> tuple:
    import re

    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text))
