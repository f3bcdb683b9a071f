"""`supportkpi compare`: two groups of the same exports side by side, each KPI's
difference tested (SPEC §6b).

Two groups: the two values of a column (`--by variant`, or `--a X --b Y` among more), or
two periods (`--period 2026-W47 --vs 2026-W46`: A is the earlier one, `--vs`, B the
period asked, so B − A is the change). For each KPI:

* both values with their n, as `compute` gives them (the engine computes them, once for
  the column's groups or once per period);
* the difference B − A with its 95 % interval and a two-sided p-value from the test that
  fits the statistic (`significance`: proportions, means, NPS scores, percentiles,
  totals, counts), from the rows behind each value (`explain.in_scope` and each
  statistic's `explain_columns`: the same rows and per-row values as the engine's, no
  KPI formula written twice);
* the p-values adjusted for the number of KPIs tested (Holm);
* a verdict: `a_better` / `b_better` when the adjusted p is below 0.05, in the KPI's
  direction; `different` for a KPI with no better direction (a band target, or none:
  volumes) whose difference is significant; `no_difference`; `too_few` when a side has
  fewer than `min_sample` rows (counts of events excepted: their exact test holds at
  any count) or the KPI has no test (then `reason` says why);
* `detectable_difference`: the smallest difference these samples could detect with 80 %
  power at α 0.05 (two-sided), from the observed variance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from supportkpi.config.settings import Config
from supportkpi.engine.core import Engine, Query
from supportkpi.errors import UsageError
from supportkpi.io.periods import Window, iso_us
from supportkpi.kpis.catalogue import Kpi, resolve
from supportkpi.kpis.statistics import ExplainRows
from supportkpi.model import Result
from supportkpi.reports import significance as sig
from supportkpi.reports.compute import (
    Options,
    asked,
    compute_report,
    default_as_of,
    load_all,
    make_window,
    parse_as_of,
    resolve_config,
    resolved_window,
    summaries,
)
from supportkpi.reports.explain import in_scope
from supportkpi.reports.report import Report
from supportkpi.schema.inputs import UNKNOWN, closest, is_time_dim, normalise_name

ALPHA = 0.05
VERDICTS = ("a_better", "b_better", "different", "no_difference", "too_few")


@dataclass(frozen=True)
class Spec:
    """What to compare: a column's two values, or two periods."""

    by: str | None = None
    a: str | None = None
    b: str | None = None
    period: str | None = None  # B
    vs: str | None = None  # A, the earlier period

    def check(self) -> None:
        if self.by and self.vs:
            raise UsageError(
                "give either --by COLUMN or --period P --vs Q, not both",
                hint="--by compares two groups in one period (--period, or --from/--to, is"
                " that window); --period/--vs compares two periods",
            )
        if not self.by and not (self.period or self.vs):
            raise UsageError(
                "nothing to compare: give --by COLUMN (two values, or --a X --b Y) or"
                " --period P --vs Q",
                hint="e.g. supportkpi compare -t tickets.csv --by channel --a email --b chat",
            )
        if (self.a is None) != (self.b is None):
            raise UsageError("give both --a and --b (the two values of --by to compare)")
        if self.a is not None and not self.by:
            raise UsageError("--a/--b name two values of --by COLUMN: give --by")
        if self.a is not None and self.a == self.b:
            raise UsageError(f"--a and --b are the same value ({self.a!r})")
        if not self.by and (self.period is None) != (self.vs is None):
            raise UsageError(
                "give both --period (B) and --vs (A, the period to compare it with)",
                hint="e.g. --period 2026-11 --vs 2026-10",
            )
        if self.by and is_time_dim(self.by):
            raise UsageError(
                f"--by {self.by}: to compare periods give --period P --vs Q",
                hint="e.g. --period 2026-W47 --vs 2026-W46",
            )


@dataclass
class Side:
    label: str
    value: float | None
    n: int

    def to_dict(self, unit: str) -> dict[str, Any]:
        value: float | int | None = _num(self.value)
        if value is not None and unit == "count":
            value = int(value)
        return {"label": self.label, "value": value, "n": self.n}


@dataclass
class Row:
    kpi: str
    label: str
    unit: str
    direction: str
    a: Side
    b: Side
    group: dict[str, str] = field(default_factory=dict)  # a split KPI's {status: …}
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    test: str | None = None
    verdict: str = "too_few"
    detectable_difference: float | None = None
    reason: str | None = None
    # every row of both groups has one and the same value (time in closed: 0 s): no
    # test, and no place in Holm's count, which it would only make stricter
    alike: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kpi": self.kpi,
            "group": dict(self.group),
            "a": self.a.to_dict(self.unit),
            "b": self.b.to_dict(self.unit),
            "difference": _num(self.difference),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "p_value": _num(self.p_value),
            "p_adjusted": _num(self.p_adjusted),
            "test": self.test,
            "verdict": self.verdict,
            "detectable_difference": _num(self.detectable_difference),
        }
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class Comparison:
    """What `compare` returns: compute's document (inputs, as-of time, period) with one
    result row per KPI (`Row`)."""

    report: Report  # the envelope: its results are empty
    spec: Spec
    a: str  # A's label (a value of --by, or a period)
    b: str
    rows: list[Row]
    windows: dict[str, Window] = field(default_factory=dict)  # --period: "a" and "b"
    min_sample: int = 30

    @property
    def currency(self) -> str:
        return self.report.currency

    def worse_in_b(self) -> list[Row]:
        """The KPIs significantly worse in B (`--strict` fails on them)."""
        return [r for r in self.rows if r.verdict == "a_better"]

    def compared(self) -> dict[str, Any]:
        if self.spec.by:
            return {"by": self.spec.by, "a": self.a, "b": self.b}
        return {
            "a": {"period": self.windows["a"].to_dict()},
            "b": {"period": self.windows["b"].to_dict()},
        }

    def to_dict(self) -> dict[str, Any]:
        out = self.report.to_dict()
        out["compare"] = self.compared()
        out["results"] = [r.to_dict() for r in self.rows]
        return out


# the rows behind a KPI's value in one group, and the instant a state is measured at
RowsOf = Callable[[Kpi], tuple[np.ndarray, int]]


@dataclass
class Group:
    label: str
    engine: Engine
    results: dict[tuple[str, tuple], Result]  # (KPI, a split KPI's (key, value) or ())
    rows_of: RowsOf
    exposure: float  # the time it covers (µs), for counts of events
    # its period is over at the as-of time (two groups of one window are alike either way)
    over: bool = True


def compare(options: Options, spec: Spec) -> Comparison:
    spec.check()
    if options.every:
        raise UsageError("compare sets two groups side by side; --every gives a series instead")
    config = resolve_config(options)
    options = replace(options, by=[], compare=None, low_memory=False)
    if spec.by:  # the two groups within one window: --period, or --from/--to
        if spec.period and (options.from_ or options.to):
            raise UsageError("give --period or --from/--to, not both")
        return _by_column(replace(options, period=spec.period), config, spec)
    return _by_period(options, config, spec)


def _by_column(options: Options, config: Config, spec: Spec) -> Comparison:
    assert spec.by is not None
    col = spec.by
    kpi_names, breakdowns, window = asked(replace(options, by=[[col]]), config)
    frames = load_all(options, config, kpi_names, breakdowns)
    as_of = parse_as_of(options.as_of, config) if options.as_of else default_as_of(frames)
    window = resolved_window(options, config, as_of)
    query = Query(kpi_names, breakdowns, window, None, as_of or 0, options.cohort)
    engine = Engine(frames, query, config)
    results = engine.run()
    found = list(dict.fromkeys(r.group[col] for r in results if col in r.group and r.n > 0))
    values = [v for v in found if v != UNKNOWN]
    a, b = _pick(col, values, spec)

    def group(label: str) -> Group:
        mine = {_key(r, col): r for r in results if r.group.get(col) == label}

        seen: dict[tuple, tuple[np.ndarray, int]] = {}  # KPIs of one input and anchor

        def rows_of(kpi: Kpi) -> tuple[np.ndarray, int]:
            key = (kpi.source, engine._anchor(kpi), kpi.stat.state)
            if key not in seen:
                at = in_scope(engine, kpi)
                d = engine._dim(kpi.source, col, at.anchor_ts, at.buckets)
                if d is None:  # (the KPI's input has no such column: no rows)
                    seen[key] = np.zeros(0, np.int64), at.end
                else:
                    codes = [i for i, lb in enumerate(d.labels) if lb == label]
                    seen[key] = np.flatnonzero(at.scope & np.isin(d.codes, codes)), at.end
            return seen[key]

        return Group(label, engine, mine, rows_of, 1.0)  # one period: the same time

    envelope = compute_report(
        options, config, window, [], as_of, summaries(frames), [], engine.unavailable
    )
    rows = _rows(kpi_names, config, group(a), group(b), engine.unavailable)
    lacking = {k: engine.unavailable[k] for k in kpi_names if k in engine.unavailable}
    return _finish(envelope, spec, a, b, rows, {}, config, lacking)


def _pick(col: str, values: list[str], spec: Spec) -> tuple[str, str]:
    shown = ", ".join(values[:12]) + (", …" if len(values) > 12 else "")
    if spec.a is None or spec.b is None:
        if len(values) != 2:
            raise UsageError(
                f"--by {col}: {len(values)} value(s) in the period ({shown or 'none'});"
                " compare needs two",
                hint="name them: --a X --b Y" if len(values) > 2 else "check the column",
            )
        return values[0], values[1]
    if not values:
        raise UsageError(
            f"--by {col}: no row in the period has a {col}, so nothing to compare",
            hint="check the period (--period, --from/--to) and that the export has rows",
        )
    out = []
    for option, asked_value in (("--a", spec.a), ("--b", spec.b)):
        match = [v for v in values if v == asked_value] or [
            v for v in values if normalise_name(v) == normalise_name(asked_value)
        ]
        if not match:
            hint = closest(asked_value, values)
            raise UsageError(
                f"{option} {asked_value}: no row in the period has {col} = {asked_value}",
                hint=(f"did you mean '{hint}'? " if hint else "") + f"values found: {shown}",
            )
        out.append(match[0])
    return out[0], out[1]


def _by_period(options: Options, config: Config, spec: Spec) -> Comparison:
    assert spec.period is not None and spec.vs is not None
    opt_b = replace(options, period=spec.period, from_=None, to=None)
    opt_a = replace(options, period=spec.vs, from_=None, to=None)
    if options.from_ or options.to:
        raise UsageError("--period/--vs name the two periods: leave out --from/--to")
    make_window(opt_b, config)  # an unreadable period stops before the data is read
    make_window(opt_a, config)
    kpi_names, _, _ = asked(opt_b, config)
    frames = load_all(options, config, kpi_names, [])
    as_of = parse_as_of(options.as_of, config) if options.as_of else default_as_of(frames)
    windows = {
        "a": resolved_window(opt_a, config, as_of),
        "b": resolved_window(opt_b, config, as_of),
    }
    groups = {}
    for key, w in windows.items():
        engine = Engine(frames, Query(kpi_names, [], w, None, as_of or 0, options.cohort), config)
        results = {_key(r, ""): r for r in engine.run()}

        label = w.label or (spec.period if key == "b" else spec.vs)
        over = as_of is None or w.end is None or w.end <= as_of + 1
        span = _span(w, as_of)
        groups[key] = Group(str(label), engine, results, _in_period(engine), span, over)
    if groups["a"].label == groups["b"].label:
        raise UsageError(f"--period and --vs are the same period ({groups['a'].label})")
    _check_apart(windows["a"], windows["b"])
    envelope = compute_report(
        opt_b,
        config,
        windows["b"],
        [],
        as_of,
        summaries(frames),
        [],
        groups["b"].engine.unavailable,
    )
    unavailable = {
        k: groups["b"].engine.unavailable[k]
        for k in kpi_names
        if k in groups["b"].engine.unavailable
    }
    rows = _rows(kpi_names, config, groups["a"], groups["b"], unavailable)
    envelope.notes += [_not_over(g.label, as_of) for g in groups.values() if not g.over]
    return _finish(
        envelope, spec, groups["a"].label, groups["b"].label, rows, windows, config, unavailable
    )


def _check_apart(a: Window, b: Window) -> None:
    """Two periods that share time put the same tickets on both sides: the tests assume
    two separate samples."""
    starts = [-math.inf if w.start is None else w.start for w in (a, b)]
    ends = [math.inf if w.end is None else w.end for w in (a, b)]
    if max(starts) < min(ends):
        raise UsageError(
            f"--period ({period_text(b)}) and --vs ({period_text(a)}) overlap: the tickets"
            " of the shared days would be on both sides, and the tests need two separate"
            " samples",
            hint="compare periods that share no day, e.g. --period 2026-W47 --vs 2026-W46",
        )


def _not_over(label: str, as_of: int | None) -> str:
    """The note of a period that ends after the as-of time (a Group not `over`): its
    rates count only what has happened so far."""
    assert as_of is not None  # (no as-of time: every period is taken as over)
    return (
        f"{label} is not over at the as-of time ({iso_us(as_of)}): its counts are weighed"
        " by the time covered so far, and the KPIs of its tickets by creation (resolution"
        " rate, SLA compliance, response times…) are not tested: its latest tickets have"
        " had less time to be answered or resolved"
    )


def _in_period(engine: Engine) -> RowsOf:
    """Every row in the engine's period, for each KPI."""
    seen: dict[tuple, tuple[np.ndarray, int]] = {}  # KPIs of one input and anchor

    def rows_of(kpi: Kpi) -> tuple[np.ndarray, int]:
        key = (kpi.source, engine._anchor(kpi), kpi.stat.state)
        if key not in seen:
            at = in_scope(engine, kpi)
            seen[key] = np.flatnonzero(at.scope), at.end
        return seen[key]

    return rows_of


def _span(window: Window, as_of: int | None) -> float:
    """The time a window covers up to the as-of time (µs); nan when open-ended."""
    if window.start is None or (window.end is None and as_of is None):
        return math.nan
    ends = [e for e in (window.end, None if as_of is None else as_of + 1) if e is not None]
    end = min(ends)
    return float(max(0, end - window.start))


def _finish(
    envelope: Report,
    spec: Spec,
    a: str,
    b: str,
    rows: list[Row],
    windows: dict[str, Window],
    config: Config,
    unavailable: dict[str, str],
) -> Comparison:
    envelope.command = "compare"
    tested = [(r, r.p_value) for r in rows if r.p_value is not None]
    for (r, _), p in zip(tested, sig.holm([p for _, p in tested]), strict=True):
        r.p_adjusted = p
    for r in rows:
        r.verdict = _verdict(r)
    if unavailable:
        names = ", ".join(unavailable)
        envelope.notes.append(f"not computable from these inputs, so not compared: {names}")
    return Comparison(envelope, spec, a, b, rows, windows, config.min_sample)


def _verdict(r: Row) -> str:
    if r.alike:
        return "no_difference"
    if r.p_adjusted is None or r.difference is None:
        return "too_few"
    if r.p_adjusted >= ALPHA or r.difference == 0:
        return "no_difference"
    if r.direction not in ("higher", "lower"):
        return "different"
    return "b_better" if (r.difference > 0) == (r.direction == "higher") else "a_better"


def _key(r: Result, col: str) -> tuple[str, tuple]:
    """A result's KPI and the rest of its group beyond the compared column: () or a
    split KPI's own key (time in status: ("status", "pending"))."""
    return r.kpi, tuple(sorted((k, v) for k, v in r.group.items() if k != col))


def _rows(
    names: list[str], config: Config, a: Group, b: Group, unavailable: dict[str, str]
) -> list[Row]:
    out = []
    for name in names:
        if name in unavailable:
            continue
        kpi = resolve(name, config.definitions)
        split = kpi.stat.split
        # a split KPI (time in status): one row per value, each its hidden part's test
        parts = [(((split[0], v),), p) for v, p in split[1]] if split else [((), name)]
        for extra, part in parts:
            ra, rb = a.results.get((name, extra)), b.results.get((name, extra))
            row = Row(
                name,
                kpi.label + "".join(f" — {v}" for _, v in extra),
                kpi.unit,
                kpi.direction,
                Side(a.label, ra.value if ra else None, ra.n if ra else 0),
                Side(b.label, rb.value if rb else None, rb.n if rb else 0),
                dict(extra),
            )
            if row.a.value is not None and row.b.value is not None:
                row.difference = row.b.value - row.a.value
            _test(row, resolve(part, config.definitions), a, b, config.min_sample)
            out.append(row)
    return out


def _test(row: Row, kpi: Kpi, a: Group, b: Group, min_sample: int) -> None:
    """Fill the row's interval, p-value, test and detectable difference."""
    how = kpi.stat.comparable()
    if not how.test:
        row.reason = how.reason
        return
    if row.a.value is None or row.b.value is None:
        missing = [g.label for g, s in ((a, row.a), (b, row.b)) if s.value is None]
        row.reason = f"no value in {' and '.join(missing)}"
        return
    running = [g.label for g in (a, b) if not g.over]
    if running and how.test != "count" and kpi.source == "tickets" and kpi.anchor == "created_at":
        row.reason = (
            f"{running[0]} is not over: its latest tickets are not all resolved, answered or"
            " breached yet, so this KPI still moves (not tested)"
        )
        return
    if how.test == "count":
        if not (a.exposure > 0 and b.exposure > 0):
            row.reason = "a period with no time before the as-of time"
            return
        _fill(row, sig.counts(int(row.a.value), int(row.b.value), a.exposure, b.exposure))
        return
    if row.a.n < min_sample or row.b.n < min_sample:
        row.reason = f"fewer than min_sample ({min_sample}) rows: {row.a.n} vs {row.b.n}"
        _fill_detectable(row, kpi, a, b)
        return
    va, vb = _values(kpi, a), _values(kpi, b)
    if how.test != "proportion" and _alike(va["value"], vb["value"]):
        row.alike = True
        row.reason = "the same value in every row of both groups: nothing to test"
        return
    t = _sampled_test(kpi, va, vb)
    if t is None:
        row.reason = "no rows with a value on one side"
        return
    _fill(row, t)


def _alike(a: np.ndarray, b: np.ndarray) -> bool:
    """Every known value of both sides the same one."""
    xa, xb = _known(a), _known(b)
    return bool(len(xa) and len(xb) and (xa == xa[0]).all() and (xb == xa[0]).all())


def _sampled_test(kpi: Kpi, va: dict[str, np.ndarray], vb: dict[str, np.ndarray]) -> Any:
    how = kpi.stat.comparable()
    if how.test == "proportion":
        na, nb = int(va["in_denominator"].sum()), int(vb["in_denominator"].sum())
        if na == 0 or nb == 0:
            return None
        sa, sb = int(va["in_numerator"].sum()), int(vb["in_numerator"].sum())
        return sig.proportions(sa, na, sb, nb, how.scale)
    xa, xb = _known(va["value"]), _known(vb["value"])
    if len(xa) < 2 or len(xb) < 2:
        return None
    if how.test == "quantile":
        return sig.bootstrap_quantile(xa, xb, how.q)
    if how.test == "total":
        return sig.totals(xa, xb)
    if how.test == "scores":
        return sig.scores(xa, xb, how.scale)
    return sig.means(xa * how.scale, xb * how.scale)


def _fill_detectable(row: Row, kpi: Kpi, a: Group, b: Group) -> None:
    """Under min_sample: no test, but what these samples could have detected."""
    if row.a.n < 2 or row.b.n < 2:
        return
    t = _sampled_test(kpi, _values(kpi, a), _values(kpi, b))
    if t is not None:
        row.detectable_difference = t.detectable


def _fill(row: Row, t: sig.Test) -> None:
    row.ci_low, row.ci_high = t.ci_low, t.ci_high
    row.p_value, row.test = t.p_value, t.test
    row.detectable_difference = t.detectable


def _values(kpi: Kpi, g: Group) -> dict[str, np.ndarray]:
    """The per-row columns behind the group's value (explain's: `in_denominator` and
    `in_numerator`, or `value`) as numpy arrays."""
    rows, end = g.rows_of(kpi)
    frame = g.engine.frames[kpi.source]
    m = g.engine.measures[kpi.source]
    columns = kpi.stat.explain_columns(ExplainRows(frame.dims, m, rows, end))
    return {k: np.asarray(v.to_numpy(zero_copy_only=False)) for k, v in columns.items()}


def _known(values: np.ndarray) -> np.ndarray:
    x = values.astype(np.float64)
    return x[~np.isnan(x)]


def _num(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(x)


def period_text(w: Window) -> str:
    if w.label:
        return w.label
    start = iso_us(w.start) if w.start is not None else "…"
    end = iso_us(w.end) if w.end is not None else "…"
    return f"{start} to {end}"
