"""`supportkpi compare`: each test and interval against values worked out independently
(a textbook, R's output, by hand, or a second simpler method), a known effect found, an
A/A split that finds nothing, and the command as a user runs it."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
from tests.conftest import ROOT, console_script, run

import supportkpi
from supportkpi.reports import significance as sig

EXAMPLES = ROOT / "examples"
T, S = str(EXAMPLES / "tickets.csv"), str(EXAMPLES / "surveys.csv")


# ------------------------------------------------------------------ the tests themselves
def test_newcombe_interval_matches_newcombe_1998():
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, example (a):
    # 56/70 − 48/80 = 0.2000, method 10 (hybrid score, no continuity correction):
    # 0.0524 to 0.3339
    t = sig.proportions(48, 80, 56, 70, scale=1.0)
    assert t.difference == pytest.approx(0.2, abs=1e-12)
    assert t.ci_low == pytest.approx(0.0524, abs=5e-5)
    assert t.ci_high == pytest.approx(0.3339, abs=5e-5)


def test_two_proportion_z_test_by_hand():
    # pooled p = 104/150; se = sqrt(p(1-p)(1/70 + 1/80)); z = 0.2 / se; two-sided p
    pooled = 104 / 150
    se = math.sqrt(pooled * (1 - pooled) * (1 / 70 + 1 / 80))
    z = 0.2 / se
    assert z == pytest.approx(2.6502, abs=1e-4)  # z² = 7.0234, prop.test(correct=FALSE)
    t = sig.proportions(48, 80, 56, 70)
    assert t.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert t.difference == pytest.approx(20.0)  # in percentage points
    # the detectable difference: (1.96 + 0.8416) × se, in points
    assert t.detectable == pytest.approx(100 * 2.8015852 * se, rel=1e-6)


SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_welch_matches_r_t_test():
    # R: t.test(extra ~ group, data = sleep)
    #   t = -1.8608, df = 17.776, p-value = 0.07939
    #   95 percent confidence interval: -3.3654832  0.2054832 (group 1 − group 2)
    t = sig.means(np.array(SLEEP_1), np.array(SLEEP_2))  # B − A = group 2 − group 1
    assert t.difference == pytest.approx(1.58)
    assert t.p_value == pytest.approx(0.07939, abs=5e-6)
    assert t.ci_low == pytest.approx(-0.2054832, abs=1e-6)
    assert t.ci_high == pytest.approx(3.3654832, abs=1e-6)
    assert "t = 1.86" in t.test and "df = 17.8" in t.test


def test_welch_by_hand():
    # a = 1, 2, 3, 4 (mean 2.5, var 5/3); b = 2, 4, 6, 8, 10 (mean 6, var 10)
    # se = sqrt(5/12 + 2) = 1.5546; t = 3.5 / se = 2.2514
    # df = (5/12 + 2)^2 / ((5/12)^2/3 + 2^2/4) = 5.8403 / 1.0579 = 5.5208
    t = sig.means(np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 6, 8, 10]))
    se = math.sqrt(5 / 12 + 2)
    assert t.difference == pytest.approx(3.5)
    assert "t = 2.25" in t.test and "df = 5.5" in t.test
    assert t.detectable == pytest.approx(2.8015852 * se, rel=1e-6)


def test_nps_scores_by_hand():
    # A: 5 promoters, 3 passives, 2 detractors (NPS 30); B: 8, 1, 1 (NPS 70)
    a = np.array([1] * 5 + [0] * 3 + [-1] * 2, dtype=float)
    b = np.array([1] * 8 + [0] * 1 + [-1] * 1, dtype=float)
    # var A = 0.7 − 0.09 = 0.61; var B = 0.9 − 0.49 = 0.41; se = sqrt(0.102) = 0.31937
    se = math.sqrt(0.61 / 10 + 0.41 / 10)
    t = sig.scores(a, b)
    assert t.difference == pytest.approx(40.0)
    assert t.ci_low == pytest.approx(100 * (0.4 - 1.959964 * se), abs=1e-4)
    assert t.p_value == pytest.approx(math.erfc(0.4 / se / math.sqrt(2)), rel=1e-9)


def test_holm_by_hand():
    # sorted: 0.005×4 = 0.02, 0.01×3 = 0.03, 0.03×2 = 0.06, 0.04×1 = 0.04 → 0.06 (monotone)
    assert sig.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert sig.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_exact_poisson_by_hand():
    # 0 vs 10 at equal time: p = 2 × 0.5^10
    assert sig.counts(0, 10).p_value == pytest.approx(2 * 0.5**10)
    # B's share of the time is 2/3: 10 vs 20 is exactly as expected, and the interval
    # of 20 − 10 × 2 is centred on 0 with se = sqrt(20 + 10 × 4)
    t = sig.counts(10, 20, 1.0, 2.0)
    assert t.p_value == pytest.approx(1.0)
    assert t.difference == 10
    assert (t.ci_low, t.ci_high) == pytest.approx((-1.959964 * 60**0.5, 1.959964 * 60**0.5))


def test_totals_by_hand():
    a, b = np.array([10.0, 20.0]), np.array([30.0, 40.0, 50.0])
    se = math.sqrt(100 + 400 + 900 + 1600 + 2500)
    t = sig.totals(a, b)
    assert t.difference == 90
    assert t.ci_high - t.ci_low == pytest.approx(2 * 1.959964 * se, rel=1e-6)


def test_bootstrap_percentiles_match_drawing_the_resamples():
    # the order-statistic shortcut against resampling the rows for real
    rng = np.random.default_rng(7)
    x = rng.lognormal(8, 1, 301)
    for q in (0.5, 0.9):
        fast = sig.quantile_resamples(x, q, 20_000, np.random.default_rng(1))
        drawn = np.quantile(x[rng.integers(0, len(x), (20_000, len(x)))], q, axis=1)
        for level in (0.025, 0.25, 0.5, 0.75, 0.975):
            assert np.quantile(fast, level) == pytest.approx(np.quantile(drawn, level), rel=0.02)


def test_bootstrap_finds_a_shift_and_not_none():
    rng = np.random.default_rng(3)
    a = rng.exponential(100, 800)
    assert sig.bootstrap_quantile(a, a * 1.5, 0.5).p_value < 0.001
    same = sig.bootstrap_quantile(a, rng.exponential(100, 800), 0.5)
    assert same.p_value > 0.05
    assert same.ci_low < 0 < same.ci_high


# ------------------------------------------------------------------ generated A/B data
def _ab(
    rng: np.random.Generator, n: int, csat_a: float, csat_b: float
) -> tuple[pa.Table, pa.Table]:
    """n tickets per variant, one CSAT answer each: satisfied (5) with the variant's rate."""
    ids = np.arange(1, 2 * n + 1)
    variant = np.array(["A"] * n + ["B"] * n)
    created = np.datetime64("2026-11-02T09:00:00") + rng.integers(0, 6 * 86400, 2 * n).astype(
        "timedelta64[s]"
    )
    first = created + rng.exponential(600, 2 * n).astype("timedelta64[s]")
    resolved = first + rng.exponential(20000, 2 * n).astype("timedelta64[s]")
    iso = lambda ts: [str(t) + "Z" for t in ts]  # noqa: E731
    tickets = pa.table(
        {
            "ticket_id": [str(i) for i in ids],
            "created_at": iso(created),
            "first_response_at": iso(first),
            "resolved_at": iso(resolved),
            "variant": variant,
        }
    )
    rate = np.where(variant == "A", csat_a, csat_b)
    score = np.where(rng.random(2 * n) < rate, 5, 2)
    surveys = pa.table(
        {
            "survey_id": [f"s{i}" for i in ids],
            "ticket_id": [str(i) for i in ids],
            "type": ["csat"] * (2 * n),
            "score": score,
            "submitted_at": iso(resolved),
        }
    )
    return tickets, surveys


def test_a_known_effect_is_found():
    tickets, surveys = _ab(np.random.default_rng(11), 2000, 0.70, 0.80)
    c = supportkpi.compare(tickets=tickets, surveys=surveys, by="variant")
    rows = {r["kpi"]: r for r in c.to_dict()["results"]}
    csat = rows["csat"]
    assert (csat["a"]["label"], csat["b"]["label"]) == ("A", "B")
    assert csat["verdict"] == "b_better"
    assert csat["ci_low"] < 10 < csat["ci_high"]  # the true difference, 10 points
    assert csat["p_adjusted"] >= csat["p_value"]
    # the tickets' times are alike in both variants
    assert rows["first_response_time_median"]["verdict"] == "no_difference"
    assert c.worse_in_b() == []


def test_a_split_of_one_population_finds_nothing():
    """A/A: in at least 95 % of seeded repeats, no KPI is called different."""
    kpis = [
        "csat",
        "csat_score",
        "first_response_time",
        "first_response_time_median",
        "resolution_time_p90",
        "tickets",
    ]
    repeats, found = 40, 0
    for seed in range(repeats):
        tickets, surveys = _ab(np.random.default_rng(100 + seed), 150, 0.75, 0.75)
        c = supportkpi.compare(tickets=tickets, surveys=surveys, by="variant", kpis=kpis)
        if any(r.verdict not in ("no_difference", "too_few") for r in c.rows):
            found += 1
    assert found <= repeats * 0.05


def test_values_and_n_are_computes():
    """Each side's value and n are compute's for that group (one definition of each KPI),
    and the test reads the same rows (its counts name them)."""
    c = supportkpi.compare(tickets=T, surveys=S, by="channel", a="email", b="chat")
    report = supportkpi.compute(tickets=T, surveys=S, by=["channel"])
    value = {(r.kpi, r.group.get("channel")): (r.value, r.n) for r in report.results}
    for row in c.rows:
        assert (row.a.value, row.a.n) == value[(row.kpi, "email")]
        assert (row.b.value, row.b.n) == value[(row.kpi, "chat")]
    fcr = next(r for r in c.rows if r.kpi == "fcr_rate")
    assert f"/{fcr.b.n} vs " in (fcr.test or "") and (fcr.test or "").endswith(f"/{fcr.a.n})")


# ------------------------------------------------------------------ the command
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_by_channel_in_every_format(fmt):
    r = run(
        "compare", "-t", T, "-s", S, "--by", "channel", "--a", "email", "--b", "chat", "-f", fmt
    )
    assert r.code == 0, r.err
    if fmt == "json":
        doc = r.json()
        assert doc["command"] == "compare"
        assert doc["compare"] == {"by": "channel", "a": "email", "b": "chat"}
        keys = {
            "kpi",
            "group",
            "a",
            "b",
            "difference",
            "ci_low",
            "ci_high",
            "p_value",
            "p_adjusted",
            "test",
            "verdict",
            "detectable_difference",
        }
        for row in doc["results"]:
            assert keys <= set(row) <= keys | {"reason"}
            assert row["verdict"] in (
                "a_better",
                "b_better",
                "different",
                "no_difference",
                "too_few",
            )
    elif fmt == "csv":
        assert r.out.splitlines()[0].startswith("kpi,label,unit,a_label,a_value,a_n,b_label")
    else:
        assert "First contact resolution" in r.out and "A better" in r.out


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_two_months_in_every_format(fmt):
    r = run("compare", "-t", T, "-s", S, "--period", "2026-11", "--vs", "2026-10", "-f", fmt)
    assert r.code == 0, r.err
    if fmt == "json":
        doc = r.json()
        assert doc["compare"]["a"]["period"]["label"] == "2026-10"
        assert doc["compare"]["b"]["period"]["label"] == "2026-11"
        row = next(x for x in doc["results"] if x["kpi"] == "tickets")
        assert row["a"]["label"] == "2026-10" and row["b"]["label"] == "2026-11"
        # November is to date at the as-of time: its count is tested per unit of time,
        # and a note says its rates are not final
        assert "share of the time" in row["test"]
        [note] = [n for n in doc["notes"] if "not over" in n]
        assert note.startswith("2026-11 is not over at the as-of time (2026-11-24T23:30:23Z)")
        # its resolution rate still moves (100 % vs 93.8 % is November's latest tickets
        # still open): shown, not tested; FCR, placed by the resolution, is tested
        res = next(x for x in doc["results"] if x["kpi"] == "resolution_rate")
        assert res["p_value"] is None and res["verdict"] == "too_few"
        assert res["reason"].startswith("2026-11 is not over")
        fcr = next(x for x in doc["results"] if x["kpi"] == "fcr_rate")
        assert fcr["p_value"] is not None
    elif fmt != "csv":  # (a CSV holds the rows only)
        assert "2026-11 is not over" in r.out and "2026-10 is not over" not in r.out


def test_strict_exits_1_when_b_is_worse():
    # email's first contact resolution is 72.9 % against chat's 60.2 % (examples)
    args = ("compare", "-t", T, "--by", "channel", "--a", "email", "--b", "chat", "-k", "fcr_rate")
    assert run(*args, "--strict").code == 1
    assert run(*args).code == 0
    flipped = ("compare", "-t", T, "--by", "channel", "--a", "chat", "--b", "email")
    assert run(*flipped, "-k", "fcr_rate", "--strict").code == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--by", "channel"), "5 value(s) in the period (chat, email, phone, self_service"),
        (("--by", "channel", "--a", "email", "--b", "fax"), "--b fax: no row"),
        (("--by", "channel", "--a", "email"), "give both --a and --b"),
        (("--period", "2026-11"), "give both --period"),
        (("--by", "channel", "--period", "2026-11", "--vs", "2026-10"), "not both"),
        ((), "nothing to compare"),
        (("--by", "week"), "--period P --vs Q"),
        (("--by", "nosuch", "--a", "x", "--b", "y"), "no such column"),
        (("--period", "2026-13", "--vs", "2026-10"), "2026-13"),
        (("--by", "channel", "--period", "2026-11", "--from", "2026-11-01"), "not both"),
        (("--period", "2026-11", "--vs", "2026-10", "--from", "2026-10-01"), "--from/--to"),
        # November holds week 47: its tickets would be on both sides
        (("--period", "2026-W47", "--vs", "2026-11"), "(2026-W47) and --vs (2026-11) overlap"),
        (("--period", "2026-11", "--vs", "2026-W47"), "overlap"),
    ],
)
def test_bad_usage_exits_2_with_a_message(args, says):
    r = run("compare", "-t", T, *args)
    assert r.code == 2
    assert says in r.err
    assert "Traceback" not in r.err


def test_console_script_as_a_user():
    out = subprocess.run(
        [
            console_script(),
            "compare",
            "-t",
            T,
            "-s",
            S,
            "--by",
            "channel",
            "--a",
            "email",
            "--b",
            "chat",
            "-k",
            "csat,fcr_rate",
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {r["kpi"]: r for r in json.loads(out.stdout)["results"]}
    assert rows["fcr_rate"]["verdict"] == "a_better"
    assert rows["csat"]["b"]["n"] == 256


def test_compute_never_imports_scipy():
    code = (
        "import sys; from supportkpi.cli import main\n"
        "try:\n"
        f"    main(['compute', '-t', {T!r}, '-s', {S!r}, '-f', 'json', '-q'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('SCIPY' if 'scipy' in sys.modules else 'NO-SCIPY')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.endswith("NO-SCIPY")


def test_a_kpi_per_status_is_compared_per_status():
    """time_in_status is one figure per status: one row each, its group naming it, its
    values compute's."""
    E = str(EXAMPLES / "events.csv")
    c = supportkpi.compare(
        tickets=T, events=E, by="channel", a="email", b="chat", kpis="time_in_status"
    )
    report = supportkpi.compute(tickets=T, events=E, by=["channel"], kpis="time_in_status")
    value = {(r.group.get("channel"), r.group.get("status")): r.value for r in report.results}
    statuses = [r.group["status"] for r in c.rows]
    assert statuses == ["new", "open", "pending", "on_hold", "solved", "closed"]
    for row in c.rows:
        assert row.a.value == value[("email", row.group["status"])]
        assert row.b.value == value[("chat", row.group["status"])]
        if row.group["status"] != "closed":  # (0 s everywhere: not tested, see below)
            assert row.test is not None and row.test.startswith("Welch")


def test_by_a_column_within_a_period(tmp_path):
    """--by with --period (or --from/--to) compares the two groups in that window: each
    side's value and n are compute's for the period by the column."""
    window = {"--period": ("2026-11",), "--from": ("2026-11-01", "--to", "2026-11-15")}
    for option, values in window.items():
        doc = run(
            "compare", "-t", T, "--by", "channel", "--a", "email", "--b", "chat", "-k",
            "fcr_rate", option, *values, "-f", "json",
        ).json()  # fmt: skip
        ref = run("compute", "-t", T, "-k", "fcr_rate", "--by", "channel", option, *values,
                  "-f", "json").json()  # fmt: skip
        by = {r["group"].get("channel"): r for r in ref["results"]}
        row = doc["results"][0]
        assert (row["a"]["value"], row["a"]["n"]) == (by["email"]["value"], by["email"]["n"])
        assert (row["b"]["value"], row["b"]["n"]) == (by["chat"]["value"], by["chat"]["n"])
        assert row["a"]["n"] < 887  # the window's tickets, not all of email's


def test_a_value_the_same_in_every_row_is_not_tested():
    """No example ticket spends time in closed before its last solve: 0 s in every row of
    email and chat. Nothing to test: no difference, no p-value, and not counted by Holm
    (five statuses tested: each p_adjusted is at most five times its p)."""
    doc = run("compare", "-t", T, "-e", str(ROOT / "examples" / "events.csv"), "--by",
              "channel", "--a", "email", "--b", "chat", "-k", "time_in_status", "-f",
              "json").json()  # fmt: skip
    rows = {r["group"]["status"]: r for r in doc["results"]}
    closed = rows.pop("closed")
    assert (closed["verdict"], closed["p_value"], closed["difference"]) == (
        "no_difference",
        None,
        0,
    )
    assert "same value in every row" in closed["reason"]
    ranked = sorted(rows.values(), key=lambda r: r["p_value"])
    assert ranked[0]["p_adjusted"] == pytest.approx(min(1.0, 5 * ranked[0]["p_value"]))
