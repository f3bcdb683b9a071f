"""Issue #16, items 8–13: numbers a user can take at face value, run through the
installed `supportkpi` command. Every expected value is worked out by hand beside it."""

from __future__ import annotations

import csv
import io
import statistics
from pathlib import Path

import pytest

from conftest import Run, sh, write_csv

TICKET_HEADER = ["ticket_id", "created_at", "resolved_at", "escalated"]


def compute(folder: Path, config: str, *args: str) -> Run:
    (folder / "targets.yaml").write_text(config)
    return sh("compute", "--format", "json", *args, cwd=folder)


# --------------------------------------------------------------------------- item 13
@pytest.mark.parametrize(
    ("config", "line", "key", "meant"),
    [
        ("targets:\n  csat: {min: 0.9}\n", 2, "targets.csat.min", "90"),
        ("targets:\n  escalation_rate:\n    max: 0.1\n", 3, "targets.escalation_rate.max", "10"),
        ("targets:\n  csat: {min: 90, warn: 0.88}\n", 2, "targets.csat.warn", "88"),
        (
            "targets:\n  agent_utilization: {between: [0.7, 85]}\n",
            2,
            "targets.agent_utilization.between.0",
            "70",
        ),
        (
            "targets:\n  csat:\n    min: 90\n    by: {channel: {chat: {min: 0.925}}}\n",
            4,
            "targets.csat.by.channel.chat.min",
            "92.5",
        ),
        (
            "sla:\n  policies:\n    P1: {first_response: 15m, compliance: 0.99}\n",
            3,
            "sla.policies.P1.compliance",
            "99",
        ),
    ],
)
def test_a_percent_target_written_as_a_fraction_is_a_config_error(
    tmp_path: Path, config: str, line: int, key: str, meant: str
) -> None:
    write_csv(tmp_path / "t.csv", TICKET_HEADER, [[1, "2026-11-02T09:00:00Z", None, "no"]])
    r = compute(tmp_path, config, "-t", "t.csv")
    assert r.code == 2
    assert r.out == ""
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
    assert r.err.startswith(f"supportkpi: error: targets.yaml:{line}: {key}: ")
    assert f"percentages are 0–100: did you mean {meant}?" in r.err


def test_percent_targets_of_0_1_and_under_1_percent_written_with_the_sign_are_kept(
    tmp_path: Path,
) -> None:
    """Two tickets, one escalated: 50 %. `max: 1` is 1 % (missed), `max: '0.5%'` is
    0.5 % (missed), `min: 0` is met by anything."""
    rows = [[1, "2026-11-02T09:00:00Z", None, "yes"], [2, "2026-11-02T10:00:00Z", None, "no"]]
    write_csv(tmp_path / "t.csv", TICKET_HEADER, rows)
    for target, limit, status in (
        ("{max: 1}", ("max", 1.0), "missed"),
        ("{max: 0.5%}", ("max", 0.5), "missed"),
        ("{min: 0}", ("min", 0.0), "met"),
        ("{max: 60}", ("max", 60.0), "met"),
    ):
        config = f"min_sample: 0\ntargets:\n  escalation_rate: {target}\n"
        r = compute(tmp_path, config, "-t", "t.csv", "--kpi", "escalation_rate")
        assert r.code == 0, r.err
        (row,) = r.json()["results"]
        assert row["value"] == 50.0
        assert row["target"] == dict([limit])
        assert row["status"] == status


# --------------------------------------------------------------------------- item 12
SCORES = [5, 4, 3, 2, 1, 5, 2, 4]  # satisfied (4–5): 5, 4, 5, 4 = 4 of 8


@pytest.mark.parametrize(
    ("scales", "dissatisfied"),
    [
        ("", 3),  # the mirror of 4–5 on 1–5 is 1–2: 2, 1, 2
        ("scales: {csat: {dissatisfied: [1, 2]}}\n", 3),
        ("scales: {csat: {dissatisfied: [1, 3]}}\n", 4),  # 3, 2, 1, 2
        ("scales: {csat: {dissatisfied: [1]}}\n", 1),
        ("scales: {csat: {satisfied: [5]}}\n", 1),  # satisfied 5, 5; mirror 1–1: 1
    ],
)
def test_net_csat_dissatisfied_band_mirrors_the_satisfied_one(
    tmp_path: Path, scales: str, dissatisfied: int
) -> None:
    write_csv(tmp_path / "s.csv", ["type", "score"], [["csat", s] for s in SCORES])
    r = compute(tmp_path, "definitions: {csat: net}\n" + scales, "-s", "s.csv", "--kpi", "csat")
    assert r.code == 0, r.err
    (row,) = r.json()["results"]
    satisfied = sum(s >= (5 if "[5]" in scales else 4) for s in SCORES)
    assert (row["satisfied"], row["dissatisfied"]) == (satisfied, dissatisfied)
    assert row["value"] == pytest.approx(100 * (satisfied - dissatisfied) / len(SCORES))


@pytest.mark.parametrize(
    ("scales", "fragment"),
    [
        ("scales: {csat: {dissatisfied: [0, 2]}}\n", "dissatisfied.0: expected a score 1–5"),
        ("scales: {csat: {dissatisfied: [1, 2, 3]}}\n", "dissatisfied: expected [score] or"),
        ("scales: {csat: {dissatisfied: [1, 4]}}\n", "dissatisfied: overlaps the satisfied"),
        ("scales: {csat: {satisfied: [3, 5]}}\n", "satisfied: definitions: {csat: net} needs"),
    ],
)
def test_net_csat_dissatisfied_band_is_validated(
    tmp_path: Path, scales: str, fragment: str
) -> None:
    write_csv(tmp_path / "s.csv", ["type", "score"], [["csat", s] for s in SCORES])
    r = compute(tmp_path, "definitions: {csat: net}\n" + scales, "-s", "s.csv")
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("supportkpi: error: targets.yaml:2: scales.csat.")
    assert fragment in r.err and r.err.count("\n") == 1


def test_net_csat_band_is_documented(tmp_path: Path) -> None:
    r = sh("kpis", "--explain", "csat", cwd=tmp_path)
    assert r.code == 0
    assert "by default the mirror of the satisfied band (1–2 of 1–5)" in r.out


# --------------------------------------------------------------------------- item 9
# created, first resolution, last resolution (reopened tickets 1, 2 and 4)
RESOLUTIONS = [
    (1, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z"),
    (2, "2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z", "2026-11-03T10:00:00Z"),
    (3, "2026-11-03T09:00:00Z", "2026-11-03T13:00:00Z", "2026-11-03T13:00:00Z"),
    (4, "2026-11-03T10:00:00Z", "2026-11-04T10:00:00Z", "2026-11-05T10:00:00Z"),
]
FIRST = [3600.0, 3600.0, 14400.0, 86400.0]  # 1 h, 1 h, 4 h, 24 h
FULL = [10800.0, 86400.0, 14400.0, 172800.0]  # 3 h, 24 h, 4 h, 48 h
RES_KPIS = "resolution_time,resolution_time_median,resolution_time_p90"


def _stats(seconds: list[float]) -> dict[str, float]:
    return {
        "resolution_time": statistics.fmean(seconds),
        "resolution_time_median": statistics.median(seconds),
        # type 7 (linear interpolation) is statistics' "inclusive" method
        "resolution_time_p90": statistics.quantiles(seconds, n=10, method="inclusive")[8],
    }


@pytest.mark.parametrize(
    ("definitions", "expected"),
    [
        ("", FULL),
        ("definitions: {resolution_time: first}\n", FIRST),
        ("definitions: {resolution_time: full}\n", FULL),
        ("definitions: {resolution_time_p90: first}\n", FIRST),  # any of the three sets all
        ("preset: zendesk\ndefinitions: {resolution_time_median: first}\n", FIRST),
    ],
)
def test_resolution_time_definition_switches_mean_median_and_p90_together(
    tmp_path: Path, definitions: str, expected: list[float]
) -> None:
    header = ["ticket_id", "created_at", "first_resolved_at", "resolved_at"]
    write_csv(tmp_path / "t.csv", header, [list(r) for r in RESOLUTIONS])
    r = compute(tmp_path, definitions, "-t", "t.csv", "--kpi", RES_KPIS)
    assert r.code == 0, r.err
    got = {row["kpi"]: row["value"] for row in r.json()["results"]}
    assert got == pytest.approx(_stats(expected))


def test_explain_follows_the_resolution_time_definition(tmp_path: Path) -> None:
    header = ["ticket_id", "created_at", "first_resolved_at", "resolved_at"]
    write_csv(tmp_path / "t.csv", header, [list(r) for r in RESOLUTIONS])
    (tmp_path / "targets.yaml").write_text("definitions: {resolution_time: first}\n")
    r = sh("explain", "resolution_time_median", "-t", "t.csv", cwd=tmp_path)
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert sorted(float(row["value"]) for row in rows) == FIRST
    assert "first_resolved_at" in rows[0]
    assert statistics.median(float(row["value"]) for row in rows) == 9000.0


def test_resolution_time_definitions_that_disagree_are_a_config_error(tmp_path: Path) -> None:
    config = "definitions:\n  resolution_time: first\n  resolution_time_median: full\n"
    r = compute(tmp_path, config, "-t", "t.csv")
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1
    assert r.err.startswith(
        "supportkpi: error: targets.yaml:3: definitions.resolution_time_median: resolution_time,"
        " resolution_time_median, resolution_time_p90 share one definition: 'full' here,"
        " 'first' above"
    )


# --------------------------------------------------------------------------- item 10
FINANCE_HEADER = [
    "ticket_id",
    "created_at",
    "resolved_at",
    "agent",
    "talk_seconds",
    "hold_seconds",
    "after_call_work_seconds",
    "revenue_retained",
    "upsell_amount",
]
FINANCE = [
    [1, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "Ann", 1200, 0, 600, 100, 0],
    [2, "2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z", "Ann", 600, 0, 0, None, 50],
    [3, "2026-11-03T09:00:00Z", "2026-11-03T13:00:00Z", "Bob", 1800, 0, 0, 200, None],
    [4, "2026-11-03T10:00:00Z", "2026-11-04T10:00:00Z", "Bob", 1200, 600, 0, None, None],
]
CREDITS_HEADER = ["credit_id", "ticket_id", "kind", "amount", "created_at", "recovered_amount"]
CREDITS = [  # Ann's tickets only: Bob's group has handle time and no credit rows
    [1, 1, "credit", 40, "2026-11-02T09:30:00Z", 5],
    [2, 2, "refund", 10, "2026-11-02T10:30:00Z", None],
]
FINANCE_KPIS = "cost_per_resolution,net_financial_impact,support_roi"


def test_a_group_without_credit_rows_has_credits_0(tmp_path: Path) -> None:
    write_csv(tmp_path / "t.csv", FINANCE_HEADER, FINANCE)
    write_csv(tmp_path / "c.csv", CREDITS_HEADER, CREDITS)
    config = "costs: {agent_hourly: 36}\n"
    r = compute(
        tmp_path, config, "-t", "t.csv", "-c", "c.csv", "--by", "agent", "--kpi", FINANCE_KPIS
    )
    assert r.code == 0, r.err
    rows = {(row["kpi"], row["group"].get("agent")): row for row in r.json()["results"]}
    # Ann: 2400 s handled = 2/3 h × 36 = 24; credits 40; refunds 10; recovered 5; 2 resolved
    assert rows["cost_per_resolution", "Ann"]["value"] == pytest.approx((40 + 24) / 2)
    assert rows["net_financial_impact", "Ann"]["value"] == pytest.approx(100 + 50 + 5 - 40 - 10)
    assert rows["support_roi", "Ann"]["value"] == pytest.approx(100 * 105 / 24)
    # Bob: 3600 s handled = 1 h × 36 = 36; no credits, refunds or recoveries; 2 resolved
    assert rows["cost_per_resolution", "Bob"]["value"] == pytest.approx((0 + 36) / 2)
    assert rows["net_financial_impact", "Bob"]["value"] == pytest.approx(200)
    assert rows["support_roi", "Bob"]["value"] == pytest.approx(100 * 200 / 36)
    assert all(row["value"] is not None for row in rows.values())


def test_without_a_credits_input_the_credit_kpis_stay_not_computable(tmp_path: Path) -> None:
    write_csv(tmp_path / "t.csv", FINANCE_HEADER, FINANCE)
    config = "costs: {agent_hourly: 36}\n"
    r = compute(tmp_path, config, "-t", "t.csv", "--by", "agent", "--kpi", FINANCE_KPIS)
    assert r.code == 0, r.err
    rows = r.json()["results"]
    assert [row["kpi"] for row in rows] == FINANCE_KPIS.split(",")  # overall rows only
    for row in rows:
        assert row["value"] is None and row["reason"] == "no credits input (give --credits)"


# --------------------------------------------------------------------------- item 11
@pytest.mark.parametrize(
    "every", [[], ["--every", "month"], ["--every", "week"], ["--every", "day"]]
)
def test_overall_retention_starts_at_the_first_ticket_whatever_every(
    tmp_path: Path, every: list[str]
) -> None:
    """Tickets from Tue 10 Nov 09:00 to 25 Nov 12:00 (the as-of time). At the first
    ticket C1, C3, C5, C6, C7 are customers (C2 left on 3 Nov): S = 5; C4 joins (N = 1),
    C5 leaves: E = 5 → retention (5 − 1) / 5 = 80 %, churn 1 / 5 = 20 %. Counted from the
    first day, week or month of an --every series instead, C7 (joined at 05:00 that day),
    C3 (joined on Monday 9 Nov) or C2 (left on 3 Nov) would change S."""
    write_csv(
        tmp_path / "t.csv",
        ["ticket_id", "created_at"],
        [[1, "2026-11-10T09:00:00Z"], [2, "2026-11-25T12:00:00Z"]],
    )
    write_csv(
        tmp_path / "c.csv",
        ["customer_id", "started_at", "ended_at"],
        [
            ["C1", "2026-10-01T00:00:00Z", None],
            ["C2", "2026-10-01T00:00:00Z", "2026-11-03T00:00:00Z"],
            ["C3", "2026-11-09T12:00:00Z", None],
            ["C4", "2026-11-12T00:00:00Z", None],
            ["C5", "2026-10-01T00:00:00Z", "2026-11-20T00:00:00Z"],
            ["C6", "2026-10-01T00:00:00Z", "2026-12-05T00:00:00Z"],
            ["C7", "2026-11-10T05:00:00Z", None],
        ],
    )
    kpis = "customer_retention_rate,churn_rate"
    r = compute(tmp_path, "", "-t", "t.csv", "--customers", "c.csv", "--kpi", kpis, *every)
    assert r.code == 0, r.err
    overall = {row["kpi"]: row for row in r.json()["results"] if not row["group"]}
    for row in overall.values():
        assert (row["start"], row["end"], row["new"], row["lost"]) == (5, 5, 1, 1)
    assert overall["customer_retention_rate"]["value"] == 80.0
    assert overall["churn_rate"]["value"] == 20.0


# --------------------------------------------------------------------------- item 8
# W47 runs Mon 16 – Sun 22 Nov 2026, W48 Mon 23 – Sun 29 Nov; the export ends on Tue 24
# Nov 12:00 (its latest timestamp, so the as-of time): W48 is 36 h of 168 h in
WEEKS = [
    [1, "2026-11-16T09:00:00Z", None, "yes"],
    [2, "2026-11-17T09:00:00Z", None, "no"],
    [3, "2026-11-19T09:00:00Z", None, "no"],
    [4, "2026-11-22T09:00:00Z", None, "no"],
    [5, "2026-11-23T09:00:00Z", None, "yes"],
    [6, "2026-11-24T12:00:00Z", None, "yes"],
]
W48_ELAPSED = 36 / 168
NOV_ELAPSED = (23 * 24 + 12) / (30 * 24)  # 1 Nov 00:00 to 24 Nov 12:00, of 30 days
TARGETS = "min_sample: 0\ntargets:\n  tickets: {min: 3}\n  escalation_rate: {max: 50}\n"


@pytest.fixture
def weeks(tmp_path: Path) -> Path:
    write_csv(tmp_path / "t.csv", TICKET_HEADER, WEEKS)
    (tmp_path / "targets.yaml").write_text(TARGETS)
    return tmp_path


def _rows(r: Run) -> dict[tuple[str, str | None], dict]:
    assert r.code == 0, r.err
    return {(row["kpi"], row["group"].get("period")): row for row in r.json()["results"]}


def test_a_period_not_over_is_marked_and_its_counts_not_judged(weeks: Path) -> None:
    args = ("--kpi", "tickets,escalation_rate", "--format", "json")
    r = sh("compute", "-t", "t.csv", "--period", "2026-W48", *args, cwd=weeks)
    doc = r.json()
    assert doc["period"]["complete"] is False
    assert doc["period"]["elapsed_share"] == pytest.approx(W48_ELAPSED)
    rows = _rows(r)
    tickets, escalation = rows["tickets", None], rows["escalation_rate", None]
    # 2 tickets so far against a minimum of 3 for the week: not judged yet
    assert (tickets["value"], tickets["status"]) == (2, "to_date")
    # a rate is judged whatever the period: both escalated, 100 % > 50 %
    assert (escalation["value"], escalation["status"]) == (100.0, "missed")
    for row in (tickets, escalation):
        assert row["period_complete"] is False
        assert row["elapsed_share"] == pytest.approx(W48_ELAPSED)

    r = sh("compute", "-t", "t.csv", "--period", "2026-W47", *args, cwd=weeks)
    assert r.json()["period"]["complete"] is True and "elapsed_share" not in r.json()["period"]
    rows = _rows(r)
    assert (rows["tickets", None]["value"], rows["tickets", None]["status"]) == (4, "met")
    assert (rows["escalation_rate", None]["value"], rows["escalation_rate", None]["status"]) == (
        25.0,
        "met",
    )
    assert all("period_complete" not in row for row in rows.values())


@pytest.mark.parametrize(
    ("every", "period", "elapsed", "tickets"),
    [("week", "2026-W48", W48_ELAPSED, 2), ("month", "2026-11", NOV_ELAPSED, 6)],
)
def test_every_series_marks_the_period_not_over(
    weeks: Path, every: str, period: str, elapsed: float, tickets: int
) -> None:
    r = sh("compute", "-t", "t.csv", "--every", every, "--kpi", "tickets", "-f", "json", cwd=weeks)
    doc = r.json()
    assert doc["period"]["complete"] is True  # all the data, up to the as-of time
    rows = _rows(r)
    last = rows["tickets", period]
    assert (last["value"], last["status"], last["period_complete"]) == (tickets, "to_date", False)
    assert last["elapsed_share"] == pytest.approx(elapsed)
    assert rows["tickets", None]["status"] == "met"  # the whole window: 6 ≥ 3
    assert "period_complete" not in rows["tickets", None]
    if every == "week":
        assert rows["tickets", "2026-W47"]["status"] == "met"
        assert "period_complete" not in rows["tickets", "2026-W47"]


def test_tables_markdown_and_csv_say_to_date(weeks: Path) -> None:
    base = ("compute", "-t", "t.csv", "--kpi", "tickets,escalation_rate")
    table = sh(*base, "--period", "2026-W48", cwd=weeks)
    assert table.code == 0, table.err
    assert "Period: 2026-W48 — to date, 21 % of it elapsed at the as-of time" in table.out
    assert "to date" in next(line for line in table.out.splitlines() if "Tickets created" in line)
    assert "… to date (period not over: not judged)" in table.out

    series = sh(*base, "--every", "week", cwd=weeks)
    head = next(line for line in series.out.splitlines() if "2026-W47" in line)
    assert "2026-W48 (to date)" in head and "2026-W47 (to date)" not in head
    tickets = [line for line in series.out.splitlines() if "Tickets created" in line][-1]
    assert tickets.split()[-4:] == ["4", "✓", "2", "…"]

    md = sh(*base, "--every", "week", "-f", "markdown", cwd=weeks)
    assert "| KPI | 2026-W47 | 2026-W48 (to date) |" in md.out
    assert "| Tickets created | 4 ✓ | 2 … |" in md.out

    csv_out = sh(*base, "--every", "week", "-f", "csv", cwd=weeks)
    rows = list(csv.DictReader(io.StringIO(csv_out.out)))
    w48 = next(row for row in rows if row["period"] == "2026-W48" and row["kpi"] == "tickets")
    assert (w48["status"], w48["period_complete"]) == ("to_date", "false")
    assert float(w48["elapsed_share"]) == pytest.approx(W48_ELAPSED)
    w47 = next(row for row in rows if row["period"] == "2026-W47" and row["kpi"] == "tickets")
    assert (w47["status"], w47["period_complete"], w47["elapsed_share"]) == ("met", "true", "1.0")


def test_summary_agrees_on_the_period_not_over(weeks: Path) -> None:
    for period, partial, status in (("2026-W48", True, "to_date"), ("2026-W47", False, "met")):
        r = sh("summary", "-t", "t.csv", "--period", period, "-f", "json", cwd=weeks)
        assert r.code == 0, r.err
        doc = r.json()
        assert doc["partial"] is partial
        tickets = next(line for line in doc["headline"] if line["kpi"] == "tickets")
        assert tickets["status"] == status


def test_summary_does_not_test_a_partial_count_for_a_notable_change(tmp_path: Path) -> None:
    """20 tickets in W47, 2 so far in W48: a Poisson test would call the drop notable,
    z = (2 − 20) / √22 = −3.8; over (as of 1 Dec) it is, to date it is not compared."""
    rows = [[i, f"2026-11-{16 + i % 7:02d}T09:00:00Z", None, "no"] for i in range(20)]
    rows += [[20, "2026-11-23T09:00:00Z", None, "no"], [21, "2026-11-24T12:00:00Z", None, "no"]]
    write_csv(tmp_path / "t.csv", TICKET_HEADER, rows)
    args = ("summary", "-t", "t.csv", "--period", "2026-W48", "-f", "json")
    notable = {c["kpi"]: c for c in sh(*args, cwd=tmp_path).json()["notable"]}
    assert "tickets" not in notable
    over = {c["kpi"]: c for c in sh(*args, "--as-of", "2026-12-01", cwd=tmp_path).json()["notable"]}
    assert over["tickets"]["z"] == pytest.approx((2 - 20) / 22**0.5)


def test_explain_csat_says_the_type_of_each_survey(tmp_path: Path) -> None:
    """CSAT's rows are the surveys in the period: an NPS or CES answer is in no
    denominator, and its `type` column says why (a score of 6 out of denominator read
    as a bug without it)."""
    write_csv(
        tmp_path / "s.csv",
        ["survey_id", "type", "score", "submitted_at"],
        [
            [1, "csat", 5, "2026-11-02T09:00:00Z"],
            [2, "nps", 6, "2026-11-02T10:00:00Z"],
            [3, "csat", 2, "2026-11-02T11:00:00Z"],
        ],
    )
    r = sh("explain", "csat", "-s", "s.csv", cwd=tmp_path)
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    got = [
        (row["survey_id"], row["type"], row["in_denominator"], row["in_numerator"]) for row in rows
    ]
    assert got == [
        ("1", "csat", "true", "true"),
        ("2", "nps", "false", "false"),
        ("3", "csat", "true", "false"),
    ]
