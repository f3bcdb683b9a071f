"""Tests of a difference between two groups (A and B), each fitting one kind of
statistic, for `supportkpi compare` (SPEC §6b). Every function returns a `Test` of the
difference B − A in the KPI's unit: its 95 % interval, a two-sided p-value, the test's
name, and the smallest difference these samples could detect (power 80 %, α 0.05
two-sided: (z₀.₉₇₅ + z₀.₈) × the standard error of the difference, observed variance).

* proportions (rates, SLA compliance, shares of surveys): a two-proportion z test
  (pooled), Newcombe's hybrid score interval (Newcombe 1998, method 10);
* means: Welch's t test, Welch–Satterthwaite interval (scipy.stats.ttest_ind);
* NPS (+1/0/−1 per answer): a z test of the difference of means with each side's
  variance of the scores;
* medians and percentiles: a seeded bootstrap over rows; the resamples' percentile
  interval of the difference, and p from the same resamples (twice the share of
  differences on the far side of 0: the interval inverted);
* totals (money, seconds): a z test of the totals with the compound Poisson variance
  Σx² of each side (the rows arrive at random, each with its amount);
* counts of events: the exact conditional test of two Poisson counts (binomial, given
  their sum; each side weighted by its exposure, the time it covers).

scipy is imported here only: `compute` never loads it (a test checks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
Z80 = 0.8416212335729143  # the normal quantile of 80 % power
POWER_FACTOR = Z95 + Z80
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 20


@dataclass
class Test:
    difference: float  # B − A, in the KPI's unit
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str
    detectable: float | None  # the smallest |difference| detectable (80 % power)


def wilson(successes: float, n: float) -> tuple[float, float]:
    """Wilson's score interval of a proportion (95 %)."""
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def proportions(sa: float, na: float, sb: float, nb: float, scale: float = 100.0) -> Test:
    """B − A of two proportions (sa of na, sb of nb), times `scale` (100: percent)."""
    from scipy import stats

    pa, pb = sa / na, sb / nb
    d = pb - pa
    la, ua = wilson(sa, na)
    lb, ub = wilson(sb, nb)
    # Newcombe's hybrid score interval for pb − pa
    low = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    high = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    pooled = (sa + sb) / (na + nb)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    p = 1.0 if se0 == 0 else float(2 * stats.norm.sf(abs(d) / se0))
    return Test(
        d * scale,
        low * scale,
        high * scale,
        p,
        f"two-proportion z test, Newcombe interval ({int(sb)}/{int(nb)} vs {int(sa)}/{int(na)})",
        POWER_FACTOR * se0 * scale,
    )


def means(a: np.ndarray, b: np.ndarray) -> Test:
    """B − A of two means: Welch's t test and interval."""
    from scipy import stats

    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(0.95)
    se = math.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))
    p = float(res.pvalue)
    return Test(
        float(np.mean(b) - np.mean(a)),
        _finite(ci.low),
        _finite(ci.high),
        p if p == p else 1.0,  # no variance on either side and equal means
        f"Welch t test, t = {_show(res.statistic)}, df = {_show(res.df, 1)}",
        POWER_FACTOR * se,
    )


def scores(a: np.ndarray, b: np.ndarray, scale: float = 100.0) -> Test:
    """B − A of two means of +1/0/−1 scores (NPS), by a z test with each side's
    variance of the scores."""
    from scipy import stats

    d = float(np.mean(b) - np.mean(a))
    se = math.sqrt(np.var(a) / len(a) + np.var(b) / len(b))
    p = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(d) / se))
    return Test(
        d * scale,
        (d - Z95 * se) * scale,
        (d + Z95 * se) * scale,
        p,
        f"z test of the +1/0/−1 scores, z = {_show(d / se if se else 0.0)}",
        POWER_FACTOR * se * scale,
    )


def bootstrap_quantile(
    a: np.ndarray, b: np.ndarray, q: float, resamples: int = BOOTSTRAP_RESAMPLES
) -> Test:
    """B − A of a percentile (type 7, as the engine's), by a seeded bootstrap over rows."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    qa, qb = quantile_resamples(a, q, resamples, rng), quantile_resamples(b, q, resamples, rng)
    diffs = qb - qa
    d = float(np.quantile(b, q) - np.quantile(a, q))
    low, high = (float(x) for x in np.quantile(diffs, [0.025, 0.975]))
    below, above = np.count_nonzero(diffs <= 0), np.count_nonzero(diffs >= 0)
    p = min(1.0, 2 * (min(below, above) + 1) / (resamples + 1))
    return Test(
        d,
        low,
        high,
        p,
        f"bootstrap over rows ({resamples:,} resamples, seed {BOOTSTRAP_SEED}):"
        " percentile interval, p from the resamples",
        POWER_FACTOR * float(np.std(diffs, ddof=1)),
    )


def quantile_resamples(
    values: np.ndarray, q: float, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """The type-7 percentile q of `resamples` bootstrap resamples of `values`, without
    drawing them: resampling n rows is taking floor(n·U) of n uniforms U, so the
    resample's k-th smallest value is x₍floor(n·U₍k₎)₎ of the sorted values, and U₍k₎ is
    Beta(k, n − k + 1); the next order statistic is U₍k₎ + (1 − U₍k₎)·Beta(1, n − k).
    Exact, and O(resamples) after one sort (the tests compare it with drawing them)."""
    x = np.sort(values)
    n = len(x)
    h = (n - 1) * q
    lo = math.floor(h)
    frac = h - lo
    u1 = rng.beta(lo + 1, n - lo, resamples)
    first = x[np.minimum((n * u1).astype(np.int64), n - 1)]
    if frac == 0 or lo + 1 >= n:
        return first
    u2 = u1 + (1 - u1) * rng.beta(1, n - lo - 1, resamples)
    second = x[np.minimum((n * u2).astype(np.int64), n - 1)]
    return first + frac * (second - first)


def totals(a: np.ndarray, b: np.ndarray) -> Test:
    """B − A of two totals of per-row amounts, by a z test with the compound Poisson
    variance of each total (Σx²)."""
    from scipy import stats

    d = float(np.sum(b) - np.sum(a))
    se = math.sqrt(float(np.sum(a * a) + np.sum(b * b)))
    p = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(d) / se))
    return Test(
        d,
        d - Z95 * se,
        d + Z95 * se,
        p,
        "z test of the totals, compound Poisson variance (Σx²)",
        POWER_FACTOR * se,
    )


def counts(ka: int, kb: int, exposure_a: float = 1.0, exposure_b: float = 1.0) -> Test:
    """B − A of two counts of events: the exact conditional (binomial) test of two
    Poisson rates, each weighted by the time it covers; a normal interval. When the
    times differ (a period to date, months of 30 and 31 days), the interval and the
    detectable difference are of B − A × (B's time / A's time): A at B's length."""
    from scipy import stats

    d = float(kb - ka)
    total = ka + kb
    share = exposure_b / (exposure_a + exposure_b)
    p = 1.0 if total == 0 else float(stats.binomtest(kb, total, share).pvalue)
    ratio = exposure_b / exposure_a
    centre = kb - ka * ratio
    se = math.sqrt(kb + ka * ratio * ratio)
    same = exposure_a == exposure_b
    scaled = f", B's share of the time {share:.3f}; interval: B − A × {ratio:.3f})"
    return Test(
        d,
        centre - Z95 * se,
        centre + Z95 * se,
        p,
        "exact Poisson test (binomial given the sum" + (")" if same else scaled),
        POWER_FACTOR * se,
    )


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment (in the order given)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _show(x: float, digits: int = 2) -> str:
    x = float(x)
    return f"{x:.{digits}f}" if math.isfinite(x) else "n/a"
