"""Financial, retention, quality and channel KPIs (seeds 000–002), each by hand, plus
statistical honesty (Wilson intervals, tiers, low samples)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import result, run, value, write_csv
from supportkpi.engine.aggregate import wilson

TICKET_HEADER = [
    "ticket_id",
    "created_at",
    "resolved_at",
    "agent",
    "channel",
    "customer_id",
    "talk_seconds",
    "cancel_intent",
    "retained",
    "upsell_offered",
    "upsell_won",
    "revenue_retained",
    "upsell_amount",
    "qa_score",
    "script_adherence",
    "resolved_by",
    "bot_handled",
    "handed_off",
]
TICKETS = [
    # 1 Ann: 1 h on the phone; saved a cancelling customer worth 900; reviewed 90, adherent
    [
        1,
        "2026-11-02T09:00:00Z",
        "2026-11-02T10:00:00Z",
        "Ann",
        "phone",
        "C1",
        3600,
        "yes",
        "yes",
        "no",
        "",
        900,
        "",
        90,
        "yes",
        "agent",
        "no",
        "",
    ],
    # 2 Ann: 30 min; lost a cancelling customer; sold an upsell of 300; reviewed 70, not adherent
    [
        2,
        "2026-11-02T11:00:00Z",
        "2026-11-03T11:00:00Z",
        "Ann",
        "phone",
        "C2",
        1800,
        "yes",
        "no",
        "yes",
        "yes",
        "",
        300,
        70,
        "no",
        "agent",
        "no",
        "",
    ],
    # 3 Bob: upsell offered, not won; resolved by the bot
    [
        3,
        "2026-11-03T09:00:00Z",
        "2026-11-03T09:05:00Z",
        "Bob",
        "chat",
        "C3",
        "",
        "no",
        "",
        "yes",
        "no",
        "",
        "",
        "",
        "",
        "bot",
        "yes",
        "no",
    ],
    # 4 Bob: bot handed it to an agent; still open
    [
        4,
        "2026-11-04T09:00:00Z",
        "",
        "Bob",
        "chat",
        "C9",
        1800,
        "no",
        "",
        "no",
        "",
        "",
        "",
        "",
        "",
        "",
        "yes",
        "yes",
    ],
    # 5: solved by a knowledge-base article
    [
        5,
        "2026-11-05T09:00:00Z",
        "2026-11-05T09:30:00Z",
        "",
        "self_service",
        "C1",
        "",
        "no",
        "",
        "no",
        "",
        "",
        "",
        "",
        "",
        "self_service",
        "no",
        "",
    ],
]
CREDIT_HEADER = [
    "credit_id",
    "ticket_id",
    "kind",
    "amount",
    "approved_by",
    "created_at",
    "recovered_amount",
]
CREDITS = [
    ["k1", 1, "credit", 100, "agent", "2026-11-02T10:00:00Z", 40],  # within 200
    ["k2", 1, "refund", 50, "agent", "2026-11-02T10:05:00Z", ""],  # within 200
    ["k3", 2, "discount", 300, "lead", "2026-11-03T10:00:00Z", ""],  # within 1000
    ["k4", 3, "goodwill", 250, "", "2026-11-03T10:00:00Z", ""],  # no approver: limit 200
    ["k5", 2, "credit", 500, "Ann", "2026-11-04T10:00:00Z", ""],  # Ann is a lead: 1000
]
AGENT_HEADER = [
    "agent",
    "team",
    "role",
    "date",
    "logged_seconds",
    "scheduled_seconds",
    "adherent_seconds",
]
AGENTS = [
    ["Ann", "T1", "lead", "2026-11-02", 7200, 8 * 3600, 6 * 3600],
    ["Bob", "T1", "agent", "2026-11-03", 3600, 4 * 3600, 4 * 3600],
    ["Bob", "T1", "agent", "2026-11-04", 3600, 4 * 3600, 2 * 3600],
]
CONFIG = """\
min_sample: 1
authorization_limits: {none: 200, agent: 200, lead: 1000}
costs: {agent_hourly: 36, currency: USD, daily_credit_budget: 400}
"""


@pytest.fixture
def doc(in_tmp: Path) -> dict:
    write_csv(in_tmp / "t.csv", TICKET_HEADER, TICKETS)
    write_csv(in_tmp / "c.csv", CREDIT_HEADER, CREDITS)
    write_csv(in_tmp / "a.csv", AGENT_HEADER, AGENTS)
    (in_tmp / "targets.yaml").write_text(CONFIG)
    r = run("compute", "-t", "t.csv", "-c", "c.csv", "--agents", "a.csv", "-f", "json")
    assert r.code == 0, r.err
    return r.json()


def test_credits_and_refunds(doc: dict) -> None:
    assert value(doc, "credits_total") == 100 + 300 + 250 + 500  # every kind but refunds
    assert value(doc, "refunds_total") == 50
    assert value(doc, "recoveries_total") == 40
    # tickets with a credit other than a refund: 1, 2, 3 of 5
    assert value(doc, "credit_rate") == 60.0
    # within limit: k1, k2, k3, k5 (Ann's role is lead); k4 250 > none's 200
    assert value(doc, "authorization_compliance") == 80.0
    assert result(doc, "authorization_compliance")["n"] == 5


def test_cost_per_resolution_and_roi(doc: dict) -> None:
    # handle time 3600 + 1800 + 1800 s = 2 h at 36/h = 72; credits 1150; resolved: 1, 2, 3, 5
    assert value(doc, "cost_per_resolution") == pytest.approx((1150 + 72) / 4)
    # retained 900 + upsell 300 + recoveries 40 − credits 1150 − refunds 50 = 40
    assert value(doc, "net_financial_impact") == pytest.approx(40)
    assert value(doc, "support_roi") == pytest.approx(100 * 40 / 72)
    assert value(doc, "revenue_retained_total") == 900
    assert value(doc, "upsell_amount_total") == 300


def test_retention_and_upsell_conversations(doc: dict) -> None:
    assert value(doc, "revenue_retention_rate") == 50.0  # 1 of 2 cancel intents kept
    assert value(doc, "upsell_rate") == 50.0  # 1 of 2 offers won


def test_quality(doc: dict) -> None:
    assert value(doc, "qa_score") == 80.0  # (90 + 70) / 2
    assert value(doc, "script_adherence") == 50.0


def test_channel_and_self_service(doc: dict) -> None:
    # resolved without an agent: 3 (bot), 5 (self-service) of 5 tickets
    assert value(doc, "self_service_resolution_rate") == 40.0
    # bot-handled: 3 (contained), 4 (handed off)
    assert value(doc, "bot_containment_rate") == 50.0
    # resolved with an agent: 1, 2, 3 (Ann 2 Nov, Ann 3 Nov, Bob 3 Nov): 3 agent-days
    assert value(doc, "tickets_per_agent_day") == 1.0
    assert result(doc, "tickets_per_agent_day")["n"] == 3


def test_utilisation_and_adherence(doc: dict) -> None:
    # handle 7200 s / logged 7200 + 3600 + 3600 s
    assert value(doc, "agent_utilization") == pytest.approx(100 * 7200 / 14400)
    # adherent 6 + 4 + 2 h / scheduled 8 + 4 + 4 h
    assert value(doc, "schedule_adherence") == 75.0


def test_by_agent_joins_tickets_credits_and_agents(in_tmp: Path, doc: dict) -> None:
    r = run(
        "compute",
        "-t",
        "t.csv",
        "-c",
        "c.csv",
        "--agents",
        "a.csv",
        "--by",
        "agent",
        "--kpi",
        "agent_utilization,credits_total,schedule_adherence",
        "-f",
        "json",
    )
    by = r.json()
    assert value(by, "agent_utilization", agent="Ann") == 75.0  # tickets 1, 2: 5400 s of 7200 s
    assert value(by, "schedule_adherence", agent="Bob") == 75.0  # (4 + 2) / (4 + 4) h
    # credits count in their ticket's agent: Ann 100 + 300 + 500, Bob 250
    assert value(by, "credits_total", agent="Ann") == 900
    assert value(by, "credits_total", agent="Bob") == 250


def test_daily_credit_budget(in_tmp: Path, doc: dict) -> None:
    r = run(
        "compute",
        "-t",
        "t.csv",
        "-c",
        "c.csv",
        "--kpi",
        "credits_total",
        "--by",
        "day",
        "-f",
        "json",
    )
    by_day = r.json()
    nov2 = result(by_day, "credits_total", day="2026-11-02")  # 100 (refund excluded)
    nov3 = result(by_day, "credits_total", day="2026-11-03")  # 300 + 250
    assert (nov2["value"], nov2["target"], nov2["status"]) == (100.0, {"max": 400.0}, "met")
    assert (nov3["value"], nov3["status"]) == (550.0, "missed")
    assert result(by_day, "credits_total")["target"] is None  # the whole range: no daily budget


def test_several_currencies_need_rates(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "c.csv",
        ["amount", "currency", "kind"],
        [[100, "USD", "credit"], [100, "EUR", "credit"]],
    )
    r = run("compute", "-c", "c.csv", "--kpi", "credits_total")
    assert r.code == 2 and "no exchange rate for EUR" in r.err and "rates" in r.err
    (in_tmp / "targets.yaml").write_text("costs: {currency: USD, rates: {EUR: 1.1}}\n")
    doc = run("compute", "-c", "c.csv", "--kpi", "credits_total", "-f", "json").json()
    assert value(doc, "credits_total") == pytest.approx(210.0)
    assert result(doc, "credits_total")["unit"] == "USD"


def test_customer_retention_seed_example(in_tmp: Path) -> None:
    """Seed 003: S = 500 at the start, N = 200 new, E = 480 at the end -> 56 %."""
    rows = []
    for i in range(500):  # customers at the start of 2026; 220 of them leave during it
        ended = "2026-07-01" if i < 220 else ""
        rows.append([f"old{i}", "2025-03-01", ended, "SaaS B2B" if i % 2 else "E-commerce"])
    for i in range(200):  # new in 2026, all still customers at its end
        rows.append([f"new{i}", "2026-05-01", "", "Startups"])
    write_csv(in_tmp / "cust.csv", ["customer_id", "started_at", "ended_at", "industry"], rows)
    doc = run(
        "compute",
        "--customers",
        "cust.csv",
        "--period",
        "2026",
        "--kpi",
        "customer_retention_rate,churn_rate",
        "-f",
        "json",
    ).json()
    r = result(doc, "customer_retention_rate")
    assert r["value"] == 56.0 and r["n"] == 500
    assert (r["start"], r["new"], r["end"], r["lost"]) == (500, 200, 480, 220)
    assert value(doc, "churn_rate") == 44.0  # 220 / 500 = 100 − 56


def test_retention_by_segment_and_month(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "cust.csv",
        ["customer_id", "started_at", "ended_at", "segment"],
        [
            ["a", "2026-01-05", "", "smb"],
            ["b", "2026-01-10", "2026-02-15", "smb"],
            ["c", "2026-01-20", "", "ent"],
            ["d", "2026-02-03", "", "ent"],
        ],
    )
    doc = run(
        "compute",
        "--customers",
        "cust.csv",
        "--from",
        "2026-02-01",
        "--to",
        "2026-04-01",
        "--every",
        "month",
        "--by",
        "segment",
        "--kpi",
        "customer_retention_rate",
        "--as-of",
        "2026-04-01",
        "-f",
        "json",
    ).json()
    # February: S = a, b, c; b leaves; d is new -> E = a, c, d; (3 − 1) / 3
    assert value(doc, "customer_retention_rate", period="2026-02") == pytest.approx(200 / 3)
    assert value(doc, "customer_retention_rate", period="2026-03") == 100.0
    assert value(doc, "customer_retention_rate", period="2026-02", segment="smb") == 50.0
    # the overall row covers the whole window (1 Feb - 1 Apr), not its first month
    overall = result(doc, "customer_retention_rate")
    assert (overall["start"], overall["new"], overall["lost"], overall["end"]) == (3, 1, 1, 3)


def test_customer_attributes_become_ticket_dimensions(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "customer_id"],
        [
            [1, "2026-11-02T09:00:00Z", "C1"],
            [2, "2026-11-02T10:00:00Z", "C2"],
            [3, "2026-11-02T11:00:00Z", "C1"],
            [4, "2026-11-02T12:00:00Z", "C404"],
        ],
    )
    write_csv(
        in_tmp / "cust.csv",
        ["customer_id", "started_at", "industry"],
        [["C1", "2025-01-01", "SaaS B2B"], ["C2", "2025-01-01", "E-commerce"]],
    )
    doc = run(
        "compute",
        "-t",
        "t.csv",
        "--customers",
        "cust.csv",
        "--by",
        "industry",
        "--kpi",
        "tickets",
        "-f",
        "json",
    ).json()
    assert value(doc, "tickets", industry="SaaS B2B") == 2
    assert value(doc, "tickets", industry="E-commerce") == 1
    assert value(doc, "tickets", industry="(unknown)") == 1  # counted, never dropped


def test_wilson_textbook_value() -> None:
    lo, hi = wilson(65, 80)
    assert (round(100 * lo, 1), round(100 * hi, 1)) == (71.3, 88.3)


def test_intervals_margins_and_tiers_in_the_output(in_tmp: Path) -> None:
    scores = [5] * 40 + [4] * 25 + [2] * 15
    nps = [10] * 60 + [8] * 20 + [3] * 20
    rows = [[i, "csat", s] for i, s in enumerate(scores)] + [
        [100 + i, "nps", s] for i, s in enumerate(nps)
    ]
    write_csv(in_tmp / "s.csv", ["survey_id", "type", "score"], rows)
    doc = run("compute", "-s", "s.csv", "--kpi", "csat,nps", "-f", "json").json()
    csat = result(doc, "csat")
    assert (round(csat["ci_low"], 1), round(csat["ci_high"], 1)) == (71.3, 88.3)
    assert csat["tier"] == "below typical"  # seed 003: typical 85 %, above 90, exceptional 95
    nps_row = result(doc, "nps")
    # NPS 40 with p = 0.6, d = 0.2: 1.96 × sqrt((0.8 − 0.16) / 100) × 100
    assert nps_row["margin"] == pytest.approx(1.959963984540054 * math.sqrt(0.64 / 100) * 100)
    assert nps_row["tier"] == "typical"


def test_every_kpi_can_say_why_it_is_not_computable(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", ["ticket_id", "created_at"], [[1, "2026-11-02T09:00:00Z"]])
    doc = run("compute", "-t", "t.csv", "-f", "json").json()
    reasons = {r["kpi"]: r.get("reason") for r in doc["results"] if r["value"] is None}
    assert reasons["cost_per_resolution"]
    assert reasons["schedule_adherence"] == "no agents input (give --agents)"
    write_csv(
        in_tmp / "t2.csv",
        ["ticket_id", "created_at", "resolved_at", "talk_seconds"],
        [[1, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", 60]],
    )
    write_csv(in_tmp / "c.csv", ["ticket_id", "amount"], [[1, 10]])
    doc = run(
        "compute", "-t", "t2.csv", "-c", "c.csv", "--kpi", "cost_per_resolution", "-f", "json"
    ).json()
    assert (
        result(doc, "cost_per_resolution")["reason"] == "needs costs.agent_hourly in targets.yaml"
    )


credit = st.fixed_dictionaries(
    {
        "ticket": st.integers(0, 9),
        "kind": st.sampled_from(["credit", "refund", "discount", "goodwill"]),
        "amount": st.integers(0, 3000),
        "approver": st.sampled_from(["", "agent", "lead", "Zed"]),
    }
)


@settings(max_examples=40, deadline=None)
@given(st.lists(credit, max_size=25), st.randoms())
def test_credit_kpis_match_plain_python(credits: list[dict], rnd: random.Random) -> None:
    import tempfile

    limits = {"": 200, "agent": 200, "lead": 1000, "Zed": 200}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_csv(
            folder / "t.csv",
            ["ticket_id", "created_at"],
            [[i, f"2026-11-02T{9 + i:02d}:00:00Z"] for i in range(10)],
        )
        rows = [
            [j, c["ticket"], c["kind"], c["amount"], c["approver"], "2026-11-03T10:00:00Z"]
            for j, c in enumerate(credits)
        ]
        rnd.shuffle(rows)
        write_csv(
            folder / "c.csv",
            ["credit_id", "ticket_id", "kind", "amount", "approved_by", "created_at"],
            rows,
        )
        (folder / "k.yaml").write_text(
            "authorization_limits: {agent: 200, lead: 1000, none: 200}\n"
        )
        r = run(
            "compute",
            "-t",
            str(folder / "t.csv"),
            "-c",
            str(folder / "c.csv"),
            "--config",
            str(folder / "k.yaml"),
            "--kpi",
            "credits_total,refunds_total,credit_rate,authorization_compliance",
            "-f",
            "json",
        )
    doc = r.json()
    assert value(doc, "credits_total") == sum(c["amount"] for c in credits if c["kind"] != "refund")
    assert value(doc, "refunds_total") == sum(c["amount"] for c in credits if c["kind"] == "refund")
    with_credit = {c["ticket"] for c in credits if c["kind"] != "refund"}
    assert value(doc, "credit_rate") == pytest.approx(100 * len(with_credit) / 10)
    within = [c["amount"] <= limits[c["approver"]] for c in credits]
    expected = 100 * sum(within) / len(within) if within else None
    assert value(doc, "authorization_compliance") == pytest.approx(expected)
