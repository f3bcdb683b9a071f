"""The array kernels the statistics are computed with: per-group sums, state counts,
intervals, and the `Block` a statistic yields for the groups of one breakdown."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from supportkpi import threads
from supportkpi.engine import grouping
from supportkpi.engine.partials import FactPartial, Values
from supportkpi.kpis.statistics import Z95
from supportkpi.schema.frame import Dim
from supportkpi.sla import policy as sla

if TYPE_CHECKING:
    from supportkpi.engine.core import Engine
    from supportkpi.kpis.catalogue import Kpi
    from supportkpi.kpis.measures import Measures

# a state KPI's blocks for period k, or for the whole window (None), in its KPIs' order
AtEnd = Callable[[int | None], list["Block"]]


@dataclass
class Block:
    """One KPI over the groups of one breakdown, as arrays."""

    value: np.ndarray  # NaN: no value
    n: np.ndarray
    ci: tuple[np.ndarray, np.ndarray] | None = None
    margin: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    empty_reason: str = "no rows"
    sd: np.ndarray | None = None  # a mean's per-row standard deviation (Mean.spread)


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


def fine_sums(fine: np.ndarray, v: np.ndarray, k: int, squares: bool) -> tuple[np.ndarray, ...]:
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


def state_counts(fine: np.ndarray, states: np.ndarray, k: int) -> np.ndarray:
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


def open_counts(code: np.ndarray, kc: np.ndarray, kr: np.ndarray, width: int, g: int) -> AtEnd:
    diff = np.bincount(code * width + kc, minlength=g * width)
    diff = diff - np.bincount(code * width + kr, minlength=g * width)
    open_at = np.cumsum(diff.reshape(g, width), axis=1)[:, : width - 1].astype(np.float64)

    def at(k: int | None) -> list[Block]:
        col = open_at[:, -1 if k is None else k]  # the window's state: at its end
        return [Block(col, col)]

    return at


def sla_block(per_state: np.ndarray) -> Block:
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


@dataclass
class Part:
    """A part of one fact's rows being added to the fact's partial: the rows in the
    period, each row's fine group (local to this part), and the local groups' global ids."""

    partial: FactPartial
    measures: Measures
    fine: np.ndarray  # local fine group of each row in scope
    k: int  # local fine groups
    ids: np.ndarray  # global fine id of each local fine group
    rows: np.ndarray | slice  # the rows in scope (a slice: all of them, no copy)
    compact: bool  # a chunk of a larger run: keep values small and no per-row state

    def scoped(self, values: np.ndarray) -> np.ndarray:
        return values[self.rows]  # a view when rows is a slice

    def global_fine(self, local: np.ndarray) -> np.ndarray:
        ids = self.ids
        # the first (or only) chunk's fine groups usually are the global ones as they are
        same = len(ids) == 0 or bool((ids == np.arange(len(ids))).all())
        return local if same else ids[local]

    def tally(self, key: tuple, local: np.ndarray | tuple) -> None:
        """Add per-local-fine-group array(s) to the state `key`."""
        self.partial.add(key, self.ids, local)


@dataclass
class Finishing:
    """A fact's partial being turned into results, breakdown by breakdown."""

    engine: Engine
    source: str
    kpis: list[Kpi]
    partial: FactPartial
    groupings: list[Groups | None]
    cache: dict[Any, Any] = field(default_factory=dict)  # e.g. a measure's quantiles

    def full(self, a: np.ndarray) -> np.ndarray:
        """Per-fine-group values, zero for groups first seen after `a` was added."""
        size = len(self.partial.space)
        if len(a) == size:
            return a
        return np.concatenate([a, np.zeros((size - len(a), *a.shape[1:]), a.dtype)])

    def array(self, key: tuple) -> np.ndarray:
        """A statistic's state that is one per-fine-group array."""
        found = self.partial.tallies[key]
        assert not isinstance(found, tuple)
        return found

    def arrays(self, key: tuple) -> tuple[np.ndarray, ...]:
        """A statistic's state that is several per-fine-group arrays (count, sum, …)."""
        found = self.partial.tallies[key]
        assert isinstance(found, tuple)
        return found

    def up(self, per_fine: np.ndarray, groups: Groups) -> np.ndarray:
        """Per-fine-group sums rolled up into the groups of a breakdown."""
        assert groups.up is not None
        return groups.up(self.full(per_fine))


# values: below, threads cost more than they save; above, one sort at a time (memory)
_PARALLEL_SORT = (2_000_000, 20_000_000)


def all_quantiles(
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


def label_code(dim: Dim, label: str) -> int:
    try:
        return dim.labels.index(label)
    except ValueError:
        return -1
