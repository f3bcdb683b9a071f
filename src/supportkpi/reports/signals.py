"""Signals in a series: the points of a KPI's series that a process left alone would
rarely give (statistical process control), for `compute --every` and the summary's
trends.

* **Limits.** A proportion (a statistic with `proportion`: rates, SLA compliance) takes a
  p-chart: centre p̄ = Σx / Σn over the series' points (x the rows for which the
  condition holds), and each point its own limits p̄ ± 3·√(p̄(1 − p̄) / nᵢ), so a week of
  20 tickets is allowed a wider swing than a week of 2,000. Everything else (means,
  durations, counts, amounts, NPS, scores) takes an XmR chart (individuals and moving
  ranges): centre x̄, the mean of the points; limits x̄ ± 2.66 · MR̄, MR̄ the mean of the
  absolute differences between consecutive points (2.66 = 3 / d₂, d₂ = 1.128 for ranges
  of two). A point above its upper limit is `above_limit`, below its lower `below_limit`.
* **Runs.** RUN (8) or more consecutive points on one side of the centre line are each
  `run` (a shift too small for the limits): a point exactly on the centre line ends a
  run. A point outside a limit keeps its limit signal.
* **Which points.** The centre and the limits come from the series itself: every point
  shown that has a value and n > 0 and whose period is over at the as-of time. A period
  not over is neither part of them nor judged (no signal): its counts are only part of
  the period's, and its rates too can be of tickets not yet given their time (a
  resolution rate of a week not over is low because its last tickets are still open,
  not because anything changed). Points
  without a value or with n = 0 are skipped: they neither signal nor break a run. Fewer
  than MIN_POINTS points: no limits, no signal.

  Because the centre is the series' own average, a run needs more points than RUN: the
  8 points of the summary's trend can never all lie on one side of their mean.

Computed with numpy over every series at once (any number of KPIs × groups); numpy is
imported when computing, so a renderer reading MARK and LEGEND loads nothing heavy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from supportkpi.kpis.catalogue import Kpi
    from supportkpi.model import Result

SIGNALS = ("above_limit", "below_limit", "run")  # codes 1, 2, 3 (0: no signal)
XMR_SIGMAS = 2.66  # 3 / d2, d2 = 1.128 (moving ranges of two points)
P_SIGMAS = 3.0
RUN = 8
MIN_POINTS = 5  # points with a value needed for limits
MARK = {"above_limit": "▲", "below_limit": "▼", "run": "◆"}
LEGEND = (
    "▲ ▼ outside its control limits (XmR; p-chart for rates)  ◆ in a run of"
    f" {RUN}+ on one side of the centre line"
)


def signal_codes(
    series: np.ndarray,
    values: np.ndarray,
    n: np.ndarray,
    proportion: np.ndarray,
    in_baseline: np.ndarray,
    judged: np.ndarray,
) -> np.ndarray:
    """The signal of each point (0 none, 1 above, 2 below, 3 run; see SIGNALS) of
    points sorted by series then time. `series` ids (0..S−1), `values` (NaN: none; a
    proportion in percent), `n`, `proportion` per point (the same within a series),
    `in_baseline` (the point counts towards centre and limits), `judged` (the point
    may signal)."""
    import numpy as np

    count = len(values)
    out = np.zeros(count, dtype=np.int8)
    if not count:
        return out
    s = int(series.max()) + 1
    values = np.asarray(values, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    ok = np.isfinite(values) & (n > 0)
    base = ok & in_baseline
    judged = ok & judged
    sid_b = series[base]
    points = np.bincount(sid_b, minlength=s)
    # XmR: centre and mean moving range over consecutive baseline points of a series
    totals = np.bincount(sid_b, weights=values[base], minlength=s)
    at = np.flatnonzero(base)
    same = series[at[1:]] == series[at[:-1]]
    mr = np.abs(values[at[1:]] - values[at[:-1]])[same]
    mr_sid = series[at[1:]][same]
    ranges = np.bincount(mr_sid, minlength=s)
    mr_sum = np.bincount(mr_sid, weights=mr, minlength=s)
    # p-chart: p̄ = Σx / Σn
    x = values[base] / 100.0 * n[base]
    x_sum = np.bincount(sid_b, weights=x, minlength=s)
    n_sum = np.bincount(sid_b, weights=n[base], minlength=s)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = totals / points
        mr_bar = mr_sum / ranges
        p_bar = x_sum / n_sum
        p_sigma = np.sqrt(p_bar[series] * (1.0 - p_bar[series]) / n) * 100.0
    prop = np.asarray(proportion, dtype=bool)
    mid = np.where(prop, p_bar[series] * 100.0, centre[series])
    half = np.where(prop, P_SIGMAS * p_sigma, XMR_SIGMAS * mr_bar[series])
    enough = (points >= MIN_POINTS)[series] & (prop | (ranges > 0)[series])
    live = judged & enough & np.isfinite(mid) & np.isfinite(half)
    above = live & (values > mid + half)
    below = live & (values < mid - half)
    # runs: consecutive judged points of a series on one side of the centre line
    j = np.flatnonzero(live)
    in_run = np.zeros(count, dtype=bool)
    if len(j):
        side = np.sign(values[j] - mid[j])
        start = np.ones(len(j), dtype=bool)
        start[1:] = (series[j][1:] != series[j][:-1]) | (side[1:] != side[:-1])
        start |= side == 0  # a point on the centre line ends a run (and starts none)
        run_id = np.cumsum(start) - 1
        length = np.bincount(run_id)
        in_run[j] = (length[run_id] >= RUN) & (side != 0)
    out[in_run] = 3
    out[above] = 1
    out[below] = 2
    return out


def series_signals(
    values: Sequence[float | None],
    n: Sequence[int],
    proportion: bool,
    over: Sequence[bool] | None = None,
) -> list[str | None]:
    """The signals of one series (oldest first): see the module's docstring. `over`:
    whether each point's period is over (default: all)."""
    import numpy as np

    count = len(values)
    v = np.array([np.nan if x is None else x for x in values], dtype=np.float64)
    done = np.ones(count, bool) if over is None else np.asarray(over, dtype=bool)
    codes = signal_codes(
        np.zeros(count, dtype=np.int64),
        v,
        np.asarray(n, dtype=np.float64),
        np.full(count, proportion),
        done,
        done,
    )
    return [SIGNALS[c - 1] if c else None for c in codes.tolist()]


def mark(results: list[Result], defs: dict[str, Kpi], time: str = "period") -> None:
    """Each row of a series (a `time` key in its group) gets `extra["signal"]`: its
    signal in the series of its KPI and other group keys, or None."""
    rows = [r for r in results if time in r.group]
    if not rows:
        return
    import numpy as np

    keys: dict[tuple, int] = {}
    sid = np.empty(len(rows), dtype=np.int64)
    for i, r in enumerate(rows):  # one step per result row (already Python objects)
        key = (r.kpi, *((k, v) for k, v in r.group.items() if k != time))
        sid[i] = keys.setdefault(key, len(keys))
    labels = sorted({r.group[time] for r in rows})  # ISO labels sort by time
    rank = {label: i for i, label in enumerate(labels)}
    when = np.array([rank[r.group[time]] for r in rows], dtype=np.int64)
    order = np.lexsort((when, sid))
    values = np.array([np.nan if r.value is None else r.value for r in rows], dtype=np.float64)
    n = np.array([r.n for r in rows], dtype=np.float64)
    spec = [defs.get(r.kpi) for r in rows]
    prop = np.array([k is not None and k.stat.proportion for k in spec], dtype=bool)
    over = np.array([r.period_over for r in rows], dtype=bool)
    codes = np.empty(len(rows), dtype=np.int8)
    codes[order] = signal_codes(
        sid[order],
        values[order],
        n[order],
        prop[order],
        over[order],
        over[order],
    )
    for r, c in zip(rows, codes.tolist(), strict=True):
        r.extra["signal"] = SIGNALS[c - 1] if c else None


def natural_range(
    unit: str,
    values: Sequence[float | None],
    target: float | None = None,
    scale: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """The range a KPI's trend is drawn in: 0–100 for percentages, −100–100 for NPS
    points, the rating `scale` for a score on one, else 0 to the largest value (or
    target) — not the values' own lowest to highest, where 100 % → 99 % would look like
    a collapse. Values beyond it (a negative amount, an ROI over 100 %) widen it."""
    known = [v for v in values if v is not None and v == v]
    if target is not None:
        known.append(target)
    if unit == "percent":
        lo, hi = 0.0, 100.0
    elif unit == "points":
        lo, hi = -100.0, 100.0
    elif scale is not None:
        lo, hi = scale
    else:
        lo, hi = 0.0, 0.0
    lo = min([lo, *known])
    hi = max([hi, *known])
    if hi <= lo:
        hi = lo + 1.0
    return lo, hi


__all__ = ["LEGEND", "MARK", "SIGNALS", "mark", "natural_range", "series_signals", "signal_codes"]
