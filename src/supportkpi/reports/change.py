"""A KPI beside itself in an earlier period: the change, whether it is for the better,
and whether it is larger than its statistical noise (95 %).

One machinery for the summary's headline and notable changes and for `compute
--compare`: a rate by a two-proportion z-test, NPS by its margins of error, a count of
events by a Poisson test; a mean duration whose per-row standard
deviation the engine keeps (first response and resolution time) by Welch's statistic
(normal approximation); other means, medians, percentiles and amounts are not tested,
nor samples under min_sample, nor, in a period not over, its counts and amounts and the
KPIs of its tickets placed by their creation (their latest tickets' outcomes are not
all known: a resolution rate or SLA compliance of the week so far still moves).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from supportkpi.errors import UsageError
from supportkpi.io.periods import label_of, parse_period, previous_period
from supportkpi.kpis.catalogue import Kpi
from supportkpi.kpis.statistics import Z95

COMPARE_MODES = ("previous", "last-year")
# units whose change is also shown relative to the earlier value (not rates: their change
# is in points already)
RELATIVE_UNITS = ("count", "money", "seconds", "score", "ratio")


@dataclass(frozen=True)
class Side:
    """One period's value of a KPI, with what its noise test needs."""

    value: float | None
    n: int
    margin: float | None = None  # NPS: its margin of error
    sd: float | None = None  # a mean: the per-row standard deviation (Result.sd)


@dataclass
class Previous:
    """`compute --compare`: a result's KPI and group in the earlier period, and the
    change from it to the result."""

    period: str
    value: float | None
    n: int
    status: str
    ci_low: float | None = None
    ci_high: float | None = None
    margin: float | None = None
    change: float | None = None  # in the KPI's unit
    change_pct: float | None = None
    better: bool | None = None
    z: float | None = None  # None: not tested
    test: str | None = None

    @property
    def beyond_noise(self) -> bool | None:
        return None if self.z is None else beyond_noise(self.z)

    def to_dict(self) -> dict[str, Any]:
        """The result row's keys for it (JSON)."""
        earlier: dict[str, Any] = {"period": self.period, "value": self.value, "n": self.n}
        earlier["status"] = self.status
        if self.ci_low is not None:
            earlier |= {"ci_low": self.ci_low, "ci_high": self.ci_high}
        if self.margin is not None:
            earlier["margin"] = self.margin
        return {
            "previous": earlier,
            "change": self.change,
            "change_pct": self.change_pct,
            "better": self.better,
            "beyond_noise": self.beyond_noise,
            "test": None if self.z is None else f"{self.test}, z = {self.z:+.2f}",
        }


def last_year(label: str) -> str:
    """The same period a year before: 2026-W46 → 2025-W46, 2026-11 → 2025-11."""
    start, _end, _label, grain = parse_period(label)
    if grain == "week":
        year, week, _ = start.isocalendar()
        try:
            return label_of(dt.date.fromisocalendar(year - 1, week, 1), grain)
        except ValueError:  # week 53 of a year whose previous year has 52
            return label_of(dt.date.fromisocalendar(year - 1, 52, 1), grain)
    try:
        return label_of(start.replace(year=start.year - 1), grain)
    except ValueError:  # 29 February
        return label_of(start.replace(year=start.year - 1, day=28), grain)


def compared_period(label: str, mode: str) -> str:
    """The period `label` is compared with: the one before it, or the same a year before."""
    if mode not in COMPARE_MODES:
        raise UsageError(f"--compare: unknown choice {mode!r}", hint="previous or last-year")
    return previous_period(label) if mode == "previous" else last_year(label)


def difference(
    now: float | None, before: float | None, unit: str, direction: str
) -> tuple[float | None, float | None, bool | None]:
    """(change in the KPI's unit, change in % of the earlier value where that means
    something, whether it is for the better: None without a direction or a change)."""
    if now is None or before is None:
        return None, None, None
    change = now - before
    pct = 100.0 * change / before if unit in RELATIVE_UNITS and before > 0 else None
    better = None
    if change != 0 and direction in ("higher", "lower"):
        better = (change > 0) == (direction == "higher")
    return change, pct, better


def noise_test(
    spec: Kpi,
    unit: str,
    now: Side,
    before: Side,
    min_sample: int,
    period_over: bool = True,
    means: bool = False,
) -> tuple[float, str] | None:
    """(z, how it was tested) of the change from `before` to `now`; None when the KPI is
    not tested (see the module's docstring). |z| > Z95: beyond noise. `means` (the
    summary): a mean whose per-row standard deviation both sides have (the mean
    durations) is tested too, by Welch's statistic with the normal approximation (both
    samples at least min_sample)."""
    if now.value is None or before.value is None:
        return None
    if spec.accumulates and not period_over:  # part of the period's count: not like for like
        return None
    if not period_over and spec.source == "tickets" and spec.anchor == "created_at":
        # the period's latest tickets are not all resolved, answered or breached yet:
        # their rates (resolution, SLA compliance) still move, and a test would flag that
        return None
    n1, n0 = now.n, before.n
    if unit == "percent" and spec.is_proportion:
        if n1 < min_sample or n0 < min_sample:
            return None
        p1, p0 = now.value / 100.0, before.value / 100.0
        pooled = (p1 * n1 + p0 * n0) / (n1 + n0)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        if se == 0:
            return None
        return (p1 - p0) / se, f"two-proportion test ({n1} vs {n0})"
    if spec.name == "nps" and now.margin is not None and before.margin is not None:
        if n1 < min_sample or n0 < min_sample:
            return None
        se = math.hypot(now.margin, before.margin) / Z95
        if se == 0:
            return None
        return (now.value - before.value) / se, (
            f"NPS margins ± {now.margin:.1f} and ± {before.margin:.1f}"
        )
    if spec.stat.events:  # events in the period (not backlog, a state)
        total = now.value + before.value
        if total <= 0:
            return None
        return (now.value - before.value) / math.sqrt(total), "Poisson test of counts"
    if means and now.sd is not None and before.sd is not None:
        if n1 < min_sample or n0 < min_sample:
            return None
        se = math.sqrt(now.sd**2 / n1 + before.sd**2 / n0)
        if se == 0:
            return None
        return (now.value - before.value) / se, f"Welch test of means ({n1} vs {n0})"
    return None


def beyond_noise(z: float) -> bool:
    return abs(z) > Z95
