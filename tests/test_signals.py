"""Signals in series (reports/signals.py), sparklines in a KPI's natural range, and the
summary's notable changes of mean durations (Welch). Every expected number is worked
out by hand in the test."""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from pathlib import Path

import numpy as np
import pytest

from conftest import result, sh, write_csv
from supportkpi.render.document import sparkline, svg_sparkline
from supportkpi.reports.signals import natural_range, series_signals, signal_codes
from supportkpi.reports.summary import Line, notable_changes


# --------------------------------------------------------------------------- XmR
def test_xmr_limits_by_hand() -> None:
    """10, 12, 11, 13, 12, 11, 25: x̄ = 94 / 7 = 13.428571; moving ranges 2, 1, 2, 1, 1,
    14, MR̄ = 21 / 6 = 3.5; limits 13.428571 ± 2.66 × 3.5 = [4.118571, 22.738571]: 25
    is above, the rest inside."""
    values = [10.0, 12, 11, 13, 12, 11, 25]
    assert series_signals(values, [1] * 7, proportion=False) == [None] * 6 + ["above_limit"]
    # 20, 21, 19, 20, 22, 21, 20, 5: x̄ = 148 / 8 = 18.5; ranges 1, 2, 1, 2, 1, 1, 15,
    # MR̄ = 23 / 7 = 3.285714; lower limit 18.5 − 8.74 = 9.76: 5 is below
    values = [20.0, 21, 19, 20, 22, 21, 20, 5]
    assert series_signals(values, [1] * 8, proportion=False) == [None] * 7 + ["below_limit"]


def test_xmr_uses_2_66_mean_moving_ranges() -> None:
    """Centre and limits from the first six points (the baseline): 10, 12, 11, 13, 12,
    11 → x̄ = 69 / 6 = 11.5, MR̄ = (2+1+2+1+1) / 5 = 1.4, upper limit 11.5 + 2.66 × 1.4 =
    15.224. A seventh point of 15.5 is above it (it would not be above 3 × MR̄ = 15.7)."""
    v = np.array([10.0, 12, 11, 13, 12, 11, 15.5])
    base = np.array([True] * 6 + [False])
    codes = signal_codes(
        np.zeros(7, np.int64), v, np.ones(7), np.zeros(7, bool), base, np.ones(7, bool)
    )
    assert codes.tolist() == [0] * 6 + [1]
    v[-1] = 15.2  # just inside 15.224
    codes = signal_codes(
        np.zeros(7, np.int64), v, np.ones(7), np.zeros(7, bool), base, np.ones(7, bool)
    )
    assert codes.tolist() == [0] * 7


def test_points_without_value_or_n_are_skipped_and_few_points_give_nothing() -> None:
    values = [10.0, None, 12, 11, 13, 12, 11, 25]
    n = [1, 1, 1, 0, 1, 1, 1, 1]  # the 11 at position 3 has n = 0: skipped
    # left: 10, 12, 13, 12, 11, 25 → x̄ = 83 / 6 = 13.8333; ranges 2, 1, 1, 1, 14 →
    # MR̄ = 19 / 5 = 3.8; upper limit 13.8333 + 10.108 = 23.94: 25 above
    got = series_signals(values, n, proportion=False)
    assert got == [None] * 7 + ["above_limit"]
    # four points: fewer than MIN_POINTS (5), no limits
    assert series_signals([10.0, 10, 10, 40], [1] * 4, proportion=False) == [None] * 4


# --------------------------------------------------------------------------- p-chart
def test_p_chart_with_varying_n() -> None:
    """n = 100, 400, 100, 400, 100, 400; x = 50, 200, 50, 200, 62, 248.
    p̄ = 810 / 1500 = 0.54. Upper limit at n = 100: 0.54 + 3·√(0.54·0.46/100) = 0.54 +
    0.14952 = 0.68952; at n = 400: 0.54 + 0.07476 = 0.61476. The same 62 % is inside
    the limits of the week of 100 and above those of the week of 400."""
    n = [100, 400, 100, 400, 100, 400]
    x = [50, 200, 50, 200, 62, 248]
    pct = [100.0 * a / b for a, b in zip(x, n, strict=True)]
    assert series_signals(pct, n, proportion=True) == [None] * 5 + ["above_limit"]
    # read as an XmR chart (no n), the 62 % points would be judged alike
    xmr = series_signals(pct, n, proportion=False)
    assert xmr[4] == xmr[5]


# --------------------------------------------------------------------------- runs
def test_run_of_eight_on_one_side() -> None:
    """12 points alternating 9, 11, then eight at 10.5: x̄ = (120 + 84) / 20 = 10.2;
    ranges: eleven of 2, one of 0.5, seven of 0 → MR̄ = 22.5 / 19 = 1.184, limits
    10.2 ± 3.15: every point inside. The last 11 (index 11) and the eight 10.5 are nine
    points in a row above 10.2: a run; the 9 before them is below."""
    values = [9.0, 11] * 6 + [10.5] * 8
    got = series_signals(values, [1] * 20, proportion=False)
    assert got == [None] * 11 + ["run"] * 9
    # seven in a row (the 11, then six at 10.5): x̄ = 183 / 18 = 10.1667, no run
    values = [9.0, 11] * 6 + [10.5] * 6
    assert series_signals(values, [1] * 18, proportion=False) == [None] * 18


def test_a_period_not_over_is_neither_judged_nor_in_the_limits() -> None:
    """The six weeks over set the limits (x̄ = 11.5, MR̄ = 1.4, lower limit 11.5 − 3.724
    = 7.776); the week not over, at 2, is below them but gets no signal: its count (or
    its rate of tickets not yet given their time) is only part of the week's. Over, the
    same 2 is below_limit."""
    values = [10.0, 12, 11, 13, 12, 11, 2]
    over = [True] * 6 + [False]
    assert series_signals(values, [1] * 7, False, over) == [None] * 7
    assert series_signals([*values[:6], 2], [1] * 7, False, [True] * 7)[-1] == "below_limit"


# --------------------------------------------------------------------------- console
def _weekly_tickets(folder: Path, per_week: list[int]) -> Path:
    """`per_week[i]` tickets in ISO week 37 + i of 2026 (Monday 2026-09-07 on)."""
    rows = []
    tid = 1
    monday = dt.datetime(2026, 9, 7, 9, 0)
    for week, count in enumerate(per_week):
        for k in range(count):
            created = monday + dt.timedelta(weeks=week, minutes=97 * k)
            rows.append([tid, created.isoformat(), (created + dt.timedelta(hours=1)).isoformat()])
            tid += 1
    return write_csv(folder / "t.csv", ["ticket_id", "created_at", "resolved_at"], rows)


def test_every_week_json_and_table_through_the_console_script(tmp_path: Path) -> None:
    """Tickets per week 20, 21, 19, 20, 22, 20, 21, 19, 20, 80: x̄ = 262 / 10 = 26.2;
    moving ranges 1, 2, 1, 2, 2, 1, 2, 1, 60 → MR̄ = 72 / 9 = 8; limits 26.2 ± 21.28 =
    [4.92, 47.48]: the week of 80 is above, no other point is outside. The nine weeks
    before it (19 to 22) are all below the centre line of 26.2: a run of nine, each
    marked `run` (the centre is the series' own mean, which the spike pulls up)."""
    per_week = [20, 21, 19, 20, 22, 20, 21, 19, 20, 80]
    _weekly_tickets(tmp_path, per_week)
    args = ("compute", "-t", "t.csv", "--kpi", "tickets", "--every", "week")
    args += ("--as-of", "2026-12-01")  # every week over
    r = sh(*args, "-f", "json", cwd=tmp_path)
    assert r.code == 0, r.err
    doc = r.json()
    weeks = [f"2026-W{37 + i}" for i in range(10)]
    rows = [result(doc, "tickets", period=w) for w in weeks]
    assert [x["value"] for x in rows] == per_week
    assert [x["signal"] for x in rows] == ["run"] * 9 + ["above_limit"]
    assert "signal" not in result(doc, "tickets")  # the overall row is no point of a series
    table = sh(*args, cwd=tmp_path)
    assert table.code == 0
    assert re.search(r"\b80 ▲", table.out) and re.search(r"\b19 ◆", table.out)
    assert "▲ ▼ outside its control limits" in table.out
    md = sh(*args, "-f", "markdown", cwd=tmp_path)
    assert "| 80 ▲ |" in md.out
    csv_out = sh(*args, "-f", "csv", cwd=tmp_path)
    head, *lines = csv_out.out.splitlines()
    assert "signal" in head.split(",")
    assert lines[-1].endswith(",above_limit")


def test_every_without_signal_keeps_its_table(tmp_path: Path) -> None:
    """No point outside its limits: no mark, no legend line (the table as before)."""
    _weekly_tickets(tmp_path, [20, 21, 19, 20, 22, 20])
    r = sh("compute", "-t", "t.csv", "-k", "tickets", "--every", "week", cwd=tmp_path)
    assert r.code == 0
    assert "▲" not in r.out and "control limits" not in r.out


# --------------------------------------------------------------------------- sparklines
def test_terminal_sparkline_in_natural_range() -> None:
    trend: list[float | None] = [100.0] * 7 + [99.0]
    # 0–100 %: 99 % is round(0.99 × 7) = 7, the top block, as 100 % is
    assert sparkline(trend, (0.0, 100.0)) == "████████"
    # (between its own lowest and highest, the fall would draw as a collapse)
    assert sparkline(trend) == "███████▁"
    assert natural_range("percent", trend) == (0.0, 100.0)
    assert natural_range("count", [3.0, 5.0], target=8.0) == (0.0, 8.0)
    assert natural_range("seconds", [60.0, 90.0]) == (0.0, 90.0)
    assert natural_range("points", [20.0]) == (-100.0, 100.0)
    assert natural_range("money", [-5.0, 10.0]) == (-5.0, 10.0)
    # a signal on the latest point: its mark after the trend
    # (1 in 0–2: round(0.5 × 7) = 4, ▅)
    assert sparkline([1.0, 2.0], (0.0, 2.0), [None, "below_limit"]) == "▅█ ▼"


def test_svg_sparkline_scale_titles_and_target() -> None:
    """In 0–100 on a 30-pixel-high chart with 3 pixels of padding, y = 3 + (100 − v) /
    100 × 24: 100 % at 3.0, 99 % at 3.24, the 90 % target at 5.4."""
    trend: list[float | None] = [100.0] * 7 + [99.0]
    titles = [f"2026-W{39 + i}: {v:.1f}%" for i, v in enumerate(trend) if v is not None]
    svg = svg_sparkline(trend, 90.0, scale=(0.0, 100.0), titles=titles)
    ys = [float(y) for y in re.findall(r"[\d.]+,([\d.]+)", _polyline(svg))]
    assert ys == [3.0] * 7 + [3.2]
    assert 'y1="5.4"' in svg  # the target line
    assert re.findall(r"<title>([^<]*)</title>", svg) == ["target", *titles]
    # a screen reader reads the values, not the block characters of the terminal's line
    (label,) = re.findall(r'aria-label="([^"]*)"', svg)
    assert label == "; ".join(titles) and label.startswith("2026-W39: 100.0%; 2026-W40")
    marked = svg_sparkline(
        [1.0, 2.0], None, scale=(0.0, 2.0), titles=["a: 1", "b: 2"], marks=[None, "run"]
    )
    assert "<title>b: 2 — in a run on one side of the centre line</title>" in marked
    assert 'fill="#cf222e"' in marked


def _polyline(svg: str) -> str:
    found = re.search(r'<polyline points="([^"]*)"', svg)
    assert found is not None
    return found.group(1)


def _resolution_weeks(folder: Path) -> None:
    """Eight weeks (2026-W39..W46) of 100 tickets, all resolved within the hour but one
    ticket of the last week: resolution rate 100 % for seven weeks, then 99 %."""
    rows = []
    monday = dt.datetime(2026, 9, 21, 8, 0)
    for week in range(8):
        for k in range(100):
            tid = week * 100 + k + 1
            created = monday + dt.timedelta(weeks=week, minutes=50 * k)
            resolved = "" if (week, k) == (7, 0) else (created + dt.timedelta(hours=1))
            rows.append([tid, created.isoformat(), resolved and resolved.isoformat()])
    write_csv(folder / "t.csv", ["ticket_id", "created_at", "resolved_at"], rows)


def test_summary_trend_of_100_to_99_percent_draws_near_the_top(tmp_path: Path) -> None:
    _resolution_weeks(tmp_path)
    base = ("summary", "-t", "t.csv", "--period", "2026-W46", "--as-of", "2026-11-20")
    doc = sh(*base, "-f", "json", cwd=tmp_path).json()
    line = next(x for x in doc["headline"] if x["kpi"] == "resolution_rate")
    assert line["trend"] == [100.0] * 7 + [99.0]
    assert line["trend_range"] == [0.0, 100.0]
    # p-chart: p̄ = 799 / 800, 3σ at n = 100 = 3·√(0.99875 × 0.00125 / 100) = 1.06 pp:
    # 99 % is inside [98.82, 100]: no signal
    assert line["trend_signals"] == [None] * 8
    md = sh(*base, "-f", "markdown", cwd=tmp_path).out
    row = next(x for x in md.splitlines() if x.startswith("| Resolution rate"))
    assert row.rstrip(" |").endswith("████████")
    html = sh(*base, "-f", "html", cwd=tmp_path).out
    svg = next(s for s in html.split("<svg")[1:] if "2026-W46: 99.0%" in s)
    ys = [float(y) for y in re.findall(r"[\d.]+,([\d.]+)", _polyline(svg))]
    assert max(ys) < 4.0  # the top of a 30-pixel chart, not its bottom (27)
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert [t for t in titles if t.startswith("2026-W")] == [
        *(f"2026-W{w}: 100.0%" for w in range(39, 46)),
        "2026-W46: 99.0%",
    ]


# --------------------------------------------------------------------------- durations
def test_welch_on_mean_durations_by_hand() -> None:
    """m₁ = 5400 s, s₁ = 600, n₁ = 50 against m₀ = 1800 s, s₀ = 1200, n₀ = 40:
    se = √(600²/50 + 1200²/40) = √(7200 + 36000) = √43200 = 207.846; z = 3600 / se =
    17.3205 (10√3)."""
    ln = Line(
        "first_response_time",
        "First response time (mean)",
        "seconds",
        "lower",
        5400.0,
        50,
        "met",
        previous=1800.0,
        previous_n=40,
        sd=600.0,
        previous_sd=1200.0,
        better=False,
    )
    (change,) = notable_changes([ln], min_sample=30)
    assert change.z == pytest.approx(10 * math.sqrt(3), rel=1e-12)
    assert change.method == "Welch test of means (50 vs 40)"
    # under min_sample on one side: not tested
    ln.previous_n = 29
    assert notable_changes([ln], min_sample=30) == []
    # no standard deviation (a median, or a mean the engine keeps none for): not tested
    ln.previous_n, ln.sd = 40, None
    assert notable_changes([ln], min_sample=30) == []


def _response_weeks(folder: Path, before: list[float], now: list[float]) -> None:
    """Tickets of 2026-W45 and W46 with these first response times (minutes)."""
    rows = []
    for week, minutes in ((0, before), (1, now)):
        monday = dt.datetime(2026, 11, 2, 8, 0) + dt.timedelta(weeks=week)
        for k, m in enumerate(minutes):
            created = monday + dt.timedelta(minutes=60 * k)
            first = created + dt.timedelta(minutes=m)
            rows.append([week * 1000 + k + 1, created.isoformat(), first.isoformat()])
    write_csv(folder / "t.csv", ["ticket_id", "created_at", "first_response_at"], rows)


def test_summary_finds_a_shift_in_mean_first_response(tmp_path: Path) -> None:
    before = [20.0 + (k * 7) % 21 for k in range(60)]  # 20–40 minutes
    now = [60.0 + (k * 11) % 31 for k in range(60)]  # 60–90 minutes
    _response_weeks(tmp_path, before, now)
    # as of the week's end: a week not over tests no KPI of its tickets by creation
    r = sh("summary", "-t", "t.csv", "--period", "2026-W46", "--as-of", "2026-11-16T00:00:00Z",
           "-f", "json", cwd=tmp_path)  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    found = {c["kpi"]: c for c in doc["notable"]}
    assert "first_response_time" in found
    c = found["first_response_time"]
    # Welch's statistic from the minutes themselves (statistics.stdev: n − 1)
    se = math.sqrt(
        statistics.stdev(now) ** 2 / len(now) + statistics.stdev(before) ** 2 / len(before)
    )
    z = (statistics.mean(now) - statistics.mean(before)) / se  # minutes: z has no unit
    assert c["z"] == pytest.approx(z, rel=1e-9)
    assert c["method"] == "Welch test of means (60 vs 60)"
    line = next(x for x in doc["headline"] if x["kpi"] == "first_response_time")
    assert line["sd"] == pytest.approx(60 * statistics.stdev(now), rel=1e-9)


def test_summary_finds_no_change_in_noise(tmp_path: Path) -> None:
    """The same response times in another order, two minutes longer each: a mean two
    minutes up on a spread of about 6 minutes over 60 tickets is noise (z ≈ 1.8)."""
    before = [20.0 + (k * 7) % 21 for k in range(60)]
    now = [m + 2.0 for m in reversed(before)]
    _response_weeks(tmp_path, before, now)
    # as of the week's end: a week not over tests no KPI of its tickets by creation
    r = sh("summary", "-t", "t.csv", "--period", "2026-W46", "--as-of", "2026-11-16T00:00:00Z",
           "-f", "json", cwd=tmp_path)  # fmt: skip
    assert r.code == 0, r.err
    assert "first_response_time" not in {c["kpi"] for c in r.json()["notable"]}
    sd = statistics.stdev(before)
    assert 2.0 / math.sqrt(2 * sd**2 / 60) < 1.96  # the test's premise, by hand
