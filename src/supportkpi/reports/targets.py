"""Judge each KPI result against its target: met / warn / missed, or why not.

Statuses:
* `met`, `warn`, `missed` — against the target (per-dimension overrides first);
* `to_date` — a count or amount (a KPI that adds up over its period) of a period not
  over at the as-of time: shown, not judged, as only part of the period is in it;
* `low_sample` — fewer than `min_sample` responses behind a rate or mean: shown, not
  judged, with or without a target (and given no benchmark tier);
* `no_target` — the config sets no target for the KPI;
* `no_data` — nothing to judge (no rows, or the KPI cannot be computed).

A `warn` threshold marks a band next to the target: for `min: 90, warn: 88` a value in
[88, 90) is `warn`; for `max: 2h, warn: 90m` a value in (90m, 2h] is `warn`. Either side
of the target works, so "nearly missed" and "slightly missed" can both be expressed.

Beside the status, a KPI with industry bands (seed 003) gets its benchmark `tier`:
exceptional / above average / typical / below typical. A day's credits_total is judged
against `costs.daily_credit_budget`.
"""

from __future__ import annotations

import re

from supportkpi.config.settings import Config, Target
from supportkpi.errors import UsageError
from supportkpi.io.periods import Window, elapsed_share, window_for_period
from supportkpi.kpis.catalogue import Kpi, resolve
from supportkpi.model import Result
from supportkpi.schema.inputs import is_time_dim, normalise_name

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def target_for(
    kpi: str, group: dict[str, str], config: Config, period_label: str | None = None
) -> Target | None:
    budget = config.costs.get("daily_credit_budget")
    if kpi == "credits_total" and budget is not None and kpi not in config.targets:
        day_group = any(
            normalise_name(k) in ("day", "period") and _DAY.match(v) for k, v in group.items()
        )
        if day_group or (period_label and _DAY.match(period_label) and not group):
            return Target(max=float(budget))
    if kpi.startswith("sla_"):
        policy_target = _policy_compliance(kpi, group, config)
        if policy_target is not None:
            return policy_target
    target = config.targets.get(kpi)
    if target is None:
        return None
    for dim, value in group.items():
        per_value = target.by.get(normalise_name(dim))
        if not per_value:
            continue
        for key, override in per_value.items():
            if key == value or normalise_name(key) == normalise_name(value):
                return override
    if target.min is None and target.max is None and target.between is None:
        return None  # only overrides, none of which applies
    return target


def _policy_compliance(kpi: str, group: dict[str, str], config: Config) -> Target | None:
    """A row of one SLA key value (e.g. priority P1) is judged against that policy's
    compliance target, unless the config's targets override it for that value."""
    key = normalise_name(config.sla.key)
    explicit = config.targets.get(kpi)
    for dim, value in group.items():
        if normalise_name(dim) != key:
            continue
        if explicit is not None and key in explicit.by:
            return None  # the user's per-value targets win
        folded = {normalise_name(k): v for k, v in config.sla.policies.items()}
        policy = config.sla.policies.get(value) or folded.get(normalise_name(value))
        if policy is not None and policy.compliance is not None:
            return Target(min=policy.compliance)
    return None


def status_of(value: float, t: Target) -> str:
    if t.between is not None:
        lo, hi = t.between
        if lo <= value <= hi:
            return "met"
        if isinstance(t.warn, tuple) and t.warn[0] <= value <= t.warn[1]:
            return "warn"
        return "missed"
    warn = t.warn if isinstance(t.warn, (int, float)) else None
    if t.min is not None and t.max is not None:
        return "met" if t.min <= value <= t.max else "missed"
    if t.min is not None:
        lo_band, hi_band = sorted((t.min, warn if warn is not None else t.min))
        if warn is not None and lo_band <= value < hi_band:
            return "warn"
        return "met" if value >= t.min else "missed"
    if t.max is not None:
        lo_band, hi_band = sorted((t.max, warn if warn is not None else t.max))
        if warn is not None and lo_band < value <= hi_band:
            return "warn"
        return "met" if value <= t.max else "missed"
    return "no_target"


def tier_of(kpi: Kpi, value: float | None) -> str | None:
    if not kpi.tiers or value is None:
        return None
    for name, threshold in kpi.tiers:
        if value <= threshold if kpi.direction == "lower" else value >= threshold:
            return name
    return "below typical"


def judge(
    results: list[Result],
    config: Config,
    window: Window | None = None,
    as_of: int | None = None,
) -> None:
    """Each result's status (and tier), and the share of its period elapsed at the
    as-of time: the `window` computed, or the --every / time-dimension period in its
    group (within the window)."""
    window = window or Window(None, None)
    periods = _Periods(window, config.timezone)
    for r in results:
        kpi = resolve(r.kpi, config.definitions)
        r.elapsed_share = elapsed_share(*periods.of(r.group), as_of)
        # a rate or mean of fewer responses than min_sample is marked, target or not,
        # and gets no benchmark tier either: both would read as a verdict
        few = kpi.stat.sampled and r.n < config.min_sample
        r.tier = None if few else tier_of(kpi, r.value)
        t = target_for(r.kpi, r.group, config, window.label)
        r.target = t.to_dict() if t is not None else None
        if r.value is None:
            r.status = "no_data"
        elif few:
            r.status = "low_sample"
        elif t is None:
            r.status = "no_target"
        elif kpi.accumulates and not r.period_over:
            r.status = "to_date"
        else:
            r.status = status_of(r.value, t)


class _Periods:
    """[start, end) of a result's period: the window, narrowed to the period its group
    names (`period` of an --every series, or a day/week/month/quarter/year dimension)."""

    def __init__(self, window: Window, tz: str) -> None:
        self.window = window
        self.tz = tz
        self.known: dict[str, Window | None] = {}  # label -> its bounds, once per label

    def of(self, group: dict[str, str]) -> tuple[int | None, int | None]:
        start, end = self.window.start, self.window.end
        for key, label in group.items():
            if not is_time_dim(key):
                continue
            if label not in self.known:
                try:
                    self.known[label] = window_for_period(label, self.tz)
                except UsageError:  # not a period label (e.g. "(unknown)")
                    self.known[label] = None
            bounds = self.known[label]
            if bounds is None or bounds.start is None or bounds.end is None:
                continue
            start = bounds.start if start is None else max(start, bounds.start)
            end = bounds.end if end is None else min(end, bounds.end)
        return start, end
