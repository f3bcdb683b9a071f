"""Every operational and satisfaction KPI on a small export worked out by hand.

Six tickets and eight surveys; week 2026-W45 runs Mon 2 Nov – Sun 8 Nov 2026 (UTC).
Each expected number below is derived in the comment beside it.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from conftest import ROOT, result, run, value, write_csv

TICKET_HEADER = [
    "ticket_id",
    "created_at",
    "first_response_at",
    "resolved_at",
    "channel",
    "priority",
    "escalated",
    "reopens",
    "contacts",
    "talk_seconds",
    "hold_seconds",
    "after_call_work_seconds",
    "customer_id",
]
TICKETS = [
    # 1: frt 600 s, resolution 7200 s (resolved in W45)
    [
        1,
        "2026-11-02T09:00:00Z",
        "2026-11-02T09:10:00Z",
        "2026-11-02T11:00:00Z",
        "chat",
        "P1",
        "no",
        0,
        1,
        300,
        60,
        40,
        "C1",
    ],
    # 2: frt 1800 s, resolution 172800 s (2 days), escalated, reopened, 2 contacts
    [
        2,
        "2026-11-03T10:00:00Z",
        "2026-11-03T10:30:00Z",
        "2026-11-05T10:00:00Z",
        "email",
        "P2",
        "yes",
        1,
        2,
        None,
        None,
        None,
        "C1",
    ],
    # 3: frt 3600 s, never resolved
    [
        3,
        "2026-11-04T08:00:00Z",
        "2026-11-04T09:00:00Z",
        None,
        "email",
        "P3",
        "no",
        0,
        None,
        None,
        None,
        None,
        "C2",
    ],
    # 4: no first response, resolution 3600 s
    [
        4,
        "2026-11-05T12:00:00Z",
        None,
        "2026-11-05T13:00:00Z",
        "phone",
        "P3",
        "no",
        0,
        1,
        200,
        0,
        100,
        "C3",
    ],
    # 5: frt 300 s, resolved in W46 (4 days)
    [
        5,
        "2026-11-06T15:00:00Z",
        "2026-11-06T15:05:00Z",
        "2026-11-10T15:00:00Z",
        "chat",
        "P4",
        "no",
        0,
        1,
        400,
        None,
        50,
        "C2",
    ],
    # 6: created in W46
    [
        6,
        "2026-11-10T09:00:00Z",
        "2026-11-10T09:20:00Z",
        None,
        "phone",
        "P2",
        "yes",
        0,
        None,
        100,
        20,
        30,
        "C4",
    ],
]
SURVEY_HEADER = ["survey_id", "ticket_id", "type", "score", "submitted_at"]
SURVEYS = [
    ["s1", 1, "csat", 5, "2026-11-02T12:00:00Z"],
    ["s2", 2, "csat", 3, "2026-11-05T12:00:00Z"],
    ["s3", 4, "csat", 4, "2026-11-06T10:00:00Z"],
    ["s4", 1, "nps", 10, "2026-11-02T13:00:00Z"],
    ["s5", 2, "nps", 6, "2026-11-05T13:00:00Z"],
    ["s6", 4, "nps", 8, "2026-11-06T11:00:00Z"],
    ["s7", 5, "ces", 6, "2026-11-11T10:00:00Z"],  # W46
    ["s8", 1, "ces", 3, "2026-11-03T10:00:00Z"],
]


@pytest.fixture
def week45(in_tmp: Path) -> dict:
    write_csv(in_tmp / "tickets.csv", TICKET_HEADER, TICKETS)
    write_csv(in_tmp / "surveys.csv", SURVEY_HEADER, SURVEYS)
    r = run(
        "compute",
        "-t",
        "tickets.csv",
        "-s",
        "surveys.csv",
        "--period",
        "2026-W45",
        "--by",
        "channel",
        "-f",
        "json",
    )
    assert r.code == 0, r.err
    return r.json()


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-12)


def test_volume(week45: dict) -> None:
    assert value(week45, "tickets") == 5  # tickets 1-5 created in W45
    assert value(week45, "tickets_resolved") == 3  # 1 (2 Nov), 2 (5 Nov), 4 (5 Nov)
    # open at the end of W45 (9 Nov 00:00): 3 (never resolved), 5 (resolved 10 Nov)
    assert value(week45, "backlog") == 2
    # C1: tickets 1, 2; C2: 3, 5; C3: 4 -> 5 tickets / 3 customers
    assert value(week45, "tickets_per_customer") == approx(5 / 3)


def test_first_response_time(week45: dict) -> None:
    # responses of tickets created in W45: 600, 1800, 3600, 300 (ticket 4 has none)
    assert value(week45, "first_response_time") == approx((600 + 1800 + 3600 + 300) / 4)
    assert result(week45, "first_response_time")["n"] == 4
    assert value(week45, "first_response_time_median") == approx((600 + 1800) / 2)
    # sorted 300, 600, 1800, 3600; p90 at position 3 × 0.9 = 2.7 -> 1800 + 0.7 × 1800
    assert value(week45, "first_response_time_p90") == approx(3060)


def test_resolution_time(week45: dict) -> None:
    # resolved in W45: 7200 (1), 172800 (2), 3600 (4)
    assert value(week45, "resolution_time") == approx((7200 + 172800 + 3600) / 3)
    assert value(week45, "resolution_time_median") == 7200
    # position 2 × 0.9 = 1.8 -> 7200 + 0.8 × (172800 − 7200)
    assert value(week45, "resolution_time_p90") == approx(139680)


def test_rates(week45: dict) -> None:
    # created in W45 and resolved by the as-of time (10 Nov 15:00): 1, 2, 4, 5 of 1-5
    assert value(week45, "resolution_rate") == 80.0
    # resolved in W45: 1 (1 contact), 2 (2 contacts), 4 (1 contact)
    assert value(week45, "fcr_rate") == approx(200 / 3)
    assert value(week45, "reopen_rate") == approx(100 / 3)  # ticket 2 reopened
    assert value(week45, "escalation_rate") == 20.0  # ticket 2 of 5
    # talk + hold + after-call work: 1: 400, 4: 300, 5: 450 (empty hold counts 0)
    assert value(week45, "handle_time") == approx((400 + 300 + 450) / 3)


def test_satisfaction(week45: dict) -> None:
    # csat in W45: 5 (satisfied), 3 (not), 4 (satisfied)
    assert value(week45, "csat") == approx(200 / 3)
    assert value(week45, "csat_score") == 4.0
    # nps in W45: 10 promoter, 6 detractor, 8 passive -> (1 − 1) / 3
    assert value(week45, "nps") == 0.0
    # ces in W45: s8 only (3: not easy); s7 is in W46
    assert value(week45, "ces") == 3.0
    assert value(week45, "ces_easy_rate") == 0.0
    assert result(week45, "ces")["n"] == 1


def test_by_channel(week45: dict) -> None:
    assert value(week45, "tickets", channel="chat") == 2  # 1, 5
    assert value(week45, "tickets", channel="email") == 2  # 2, 3
    assert value(week45, "tickets", channel="phone") == 1  # 4
    assert value(week45, "backlog", channel="chat") == 1  # 5
    assert value(week45, "backlog", channel="email") == 1  # 3
    assert value(week45, "backlog", channel="phone") == 0
    # a survey counts in its ticket's channel: chat s1 (5), email s2 (3), phone s3 (4)
    assert value(week45, "csat", channel="chat") == 100.0
    assert value(week45, "csat", channel="email") == 0.0
    assert value(week45, "csat", channel="phone") == 100.0
    assert value(week45, "first_response_time", channel="email") == approx((1800 + 3600) / 2)
    # a group without responses has no value, and says why
    phone_frt = result(week45, "first_response_time", channel="phone")
    assert phone_frt["value"] is None and phone_frt["n"] == 0 and phone_frt["reason"]


def test_groups_add_up_to_overall(week45: dict) -> None:
    for kpi in ("tickets", "tickets_resolved", "backlog"):
        total = sum(
            r["value"]
            for r in week45["results"]
            if r["kpi"] == kpi and list(r["group"]) == ["channel"]
        )
        assert total == value(week45, kpi)
    for kpi in ("first_response_time", "csat", "fcr_rate"):
        n = sum(
            r["n"] for r in week45["results"] if r["kpi"] == kpi and list(r["group"]) == ["channel"]
        )
        assert n == result(week45, kpi)["n"]


def test_row_order_never_changes_a_result(in_tmp: Path, week45: dict) -> None:
    rng = random.Random(3)
    for attempt in range(3):
        tickets, surveys = TICKETS[:], SURVEYS[:]
        rng.shuffle(tickets)
        rng.shuffle(surveys)
        write_csv(in_tmp / "tickets.csv", TICKET_HEADER, tickets)
        write_csv(in_tmp / "surveys.csv", SURVEY_HEADER, surveys)
        doc = run(
            "compute",
            "-t",
            "tickets.csv",
            "-s",
            "surveys.csv",
            "--period",
            "2026-W45",
            "--by",
            "channel",
            "-f",
            "json",
        ).json()
        assert doc["results"] == week45["results"], attempt


def test_as_of_judges_open_tickets_at_that_instant(in_tmp: Path) -> None:
    write_csv(in_tmp / "tickets.csv", TICKET_HEADER, TICKETS)
    doc = run(
        "compute",
        "-t",
        "tickets.csv",
        "--period",
        "2026-W45",
        "--as-of",
        "2026-11-05T00:00:00Z",
        "-f",
        "json",
    ).json()
    # tickets 4 and 5 did not exist yet; of 1-3 only ticket 1 was resolved by then
    assert value(doc, "tickets") == 3
    assert value(doc, "resolution_rate") == approx(100 / 3)
    assert doc["as_of"] == "2026-11-05T00:00:00Z"


def test_every_week_gives_a_series(in_tmp: Path) -> None:
    write_csv(in_tmp / "tickets.csv", TICKET_HEADER, TICKETS)
    doc = run(
        "compute", "-t", "tickets.csv", "--kpi", "tickets,backlog", "--every", "week", "-f", "json"
    ).json()
    assert value(doc, "tickets", period="2026-W45") == 5
    assert value(doc, "tickets", period="2026-W46") == 1
    assert value(doc, "backlog", period="2026-W45") == 2  # 3 and 5 open at 9 Nov 00:00
    # W46 ends after the as-of time (10 Nov 15:00): measured then -> 3 and 6 open
    assert value(doc, "backlog", period="2026-W46") == 2
    assert value(doc, "tickets") == 6  # the overall row is always there
    assert value(doc, "backlog") == 2  # overall: at the end of the whole window


def test_by_week_uses_each_kpis_own_anchor(in_tmp: Path) -> None:
    write_csv(in_tmp / "tickets.csv", TICKET_HEADER, TICKETS)
    doc = run(
        "compute",
        "-t",
        "tickets.csv",
        "--kpi",
        "tickets,tickets_resolved",
        "--by",
        "week",
        "-f",
        "json",
    ).json()
    assert value(doc, "tickets", week="2026-W45") == 5
    assert value(doc, "tickets_resolved", week="2026-W45") == 3
    assert value(doc, "tickets_resolved", week="2026-W46") == 1  # ticket 5, by resolved_at


def test_status_against_targets(in_tmp: Path) -> None:
    write_csv(in_tmp / "tickets.csv", TICKET_HEADER, TICKETS)
    (in_tmp / "targets.yaml").write_text(
        "min_sample: 1\n"
        "targets:\n"
        "  escalation_rate: {max: 25}\n"
        "  fcr_rate: {min: 70, warn: 60}\n"
        "  reopen_rate: {max: 10}\n"
        "  first_response_time: {max: 30m, by: {channel: {chat: {max: 5m}}}}\n"
    )
    doc = run(
        "compute", "-t", "tickets.csv", "--period", "2026-W45", "--by", "channel", "-f", "json"
    ).json()
    assert result(doc, "escalation_rate")["status"] == "met"  # 20 <= 25
    assert result(doc, "fcr_rate")["status"] == "warn"  # 60 <= 66.7 < 70
    assert result(doc, "reopen_rate")["status"] == "missed"  # 33.3 > 10
    assert result(doc, "first_response_time")["status"] == "met"  # 1575 s <= 1800 s
    chat = result(doc, "first_response_time", channel="chat")  # (600 + 300) / 2 = 450 s
    assert chat["target"] == {"max": 300.0} and chat["status"] == "missed"
    assert result(doc, "tickets")["status"] == "no_target"


def test_small_samples_are_flagged_not_judged(in_tmp: Path) -> None:
    write_csv(in_tmp / "tickets.csv", TICKET_HEADER, TICKETS)
    (in_tmp / "targets.yaml").write_text("targets:\n  escalation_rate: {max: 25}\n")
    doc = run("compute", "-t", "tickets.csv", "-f", "json").json()  # default min_sample 30
    r = result(doc, "escalation_rate")
    assert r["status"] == "low_sample" and r["n"] == 6


def test_a_total_made_of_totals_is_judged_whatever_its_n(in_tmp: Path) -> None:
    """Net financial impact is a sum and difference of totals (retained revenue less
    credits…), judged like the totals it is made of, not held back as a small sample;
    a ratio of totals (cost per resolution) stays a rate of its rows."""
    (in_tmp / "targets.yaml").write_text(
        "min_sample: 30\ncosts: {agent_hourly: 30}\n"
        "targets:\n  net_financial_impact: {min: -1000000000}\n"
        "  cost_per_resolution: {max: 1000000}\n"
    )
    ex = ROOT / "examples"
    doc = run(
        "compute", "-t", str(ex / "tickets.csv"), "-c", str(ex / "credits.csv"),
        "-k", "net_financial_impact,cost_per_resolution", "--period", "2026-W47",
        "--by", "agent", "-f", "json",
    ).json()  # fmt: skip
    rows = [r for r in doc["results"] if r["n"] < 30 and r["value"] is not None]
    net = [r for r in rows if r["kpi"] == "net_financial_impact"]
    cost = [r for r in rows if r["kpi"] == "cost_per_resolution"]
    assert net and {r["status"] for r in net} == {"met"}  # any value is above −1e9
    assert cost and {r["status"] for r in cost} == {"low_sample"}


def test_durations_given_in_minutes(in_tmp: Path) -> None:
    # exports like Zendesk's ticket metrics give minutes instead of timestamps
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "Reply time", "Full resolution", "priority"],
        [
            [1, "2026-11-02T09:00:00Z", 10, 120, "P1"],
            [2, "2026-11-02T10:00:00Z", 30.5, "", "P1"],
            [3, "2026-11-02T11:00:00Z", "-5", 60, "P1"],  # unreadable: unknown, not "no reply"
        ],
    )
    (in_tmp / "targets.yaml").write_text(
        "columns:\n  tickets: {first_response_minutes: Reply time,"
        " resolution_minutes: Full resolution}\n"
    )
    doc = run("compute", "-t", "t.csv", "--as-of", "2026-11-03T00:00:00Z", "-f", "json").json()
    assert value(doc, "first_response_time") == (600 + 1830) / 2
    assert value(doc, "resolution_time") == (7200 + 3600) / 2
    assert value(doc, "tickets_resolved") == 2
    # P1 first response 15 min: ticket 1 met, ticket 2 breached, ticket 3 invalid
    # (unreadable), not n/a: a policy covers it
    fr = result(doc, "sla_first_response")
    assert (fr["met"], fr["breached"], fr["n/a"], fr["invalid"]) == (1, 1, 0, 1)


def test_cohort_places_everything_by_creation(in_tmp: Path) -> None:
    write_csv(in_tmp / "tickets.csv", TICKET_HEADER, TICKETS)
    write_csv(in_tmp / "surveys.csv", SURVEY_HEADER, SURVEYS)
    doc = run(
        "compute",
        "-t",
        "tickets.csv",
        "-s",
        "surveys.csv",
        "--cohort",
        "--period",
        "2026-W45",
        "--kpi",
        "tickets_resolved,resolution_time,ces",
        "-f",
        "json",
    ).json()
    # tickets created in W45 that were resolved (by the as-of time): 1, 2, 4, 5
    assert value(doc, "tickets_resolved") == 4
    assert value(doc, "resolution_time") == approx((7200 + 172800 + 3600 + 345600) / 4)
    # surveys of tickets created in W45, whenever answered: s7 (ticket 5) and s8 (ticket 1)
    assert value(doc, "ces") == (6 + 3) / 2
