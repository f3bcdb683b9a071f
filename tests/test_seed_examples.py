"""The worked examples of seed 003 (SPEC §3), each through the command line.

The tiny exports are built so that the seed's numbers hold, then `supportkpi compute`
must print exactly the seed's answer. Retention (S=500, N=200, E=480 → 56 %) needs the
customers input and is tested with the catalogue.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import result, run, value, write_csv

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_first_response_50_inquiries_200_minutes_is_4_minutes(in_tmp: Path) -> None:
    # 25 answered in 2 minutes, 25 in 6 minutes: 50 + 150 = 200 minutes in total
    rows = []
    for i in range(50):
        created = T0 + dt.timedelta(minutes=10 * i)
        wait = 2 if i % 2 else 6
        rows.append([i + 1, iso(created), iso(created + dt.timedelta(minutes=wait))])
    write_csv(in_tmp / "t.csv", ["ticket_id", "created_at", "first_response_at"], rows)
    doc = run("compute", "-t", "t.csv", "--kpi", "first_response_time", "-f", "json").json()
    assert value(doc, "first_response_time") == 240.0  # 4 minutes, in seconds
    assert result(doc, "first_response_time")["n"] == 50


def test_csat_65_satisfied_of_80_is_81_25(in_tmp: Path) -> None:
    scores = [5] * 40 + [4] * 25 + [3] * 8 + [2] * 4 + [1] * 3  # 65 satisfied, 15 not
    rows = [[i + 1, "csat", s, "2026-11-03T10:00:00Z"] for i, s in enumerate(scores)]
    write_csv(in_tmp / "s.csv", ["survey_id", "type", "score", "submitted_at"], rows)
    doc = run("compute", "-s", "s.csv", "--kpi", "csat", "-f", "json").json()
    assert value(doc, "csat") == 81.25
    assert result(doc, "csat")["n"] == 80


def test_resolution_rate_450_of_500_is_90(in_tmp: Path) -> None:
    rows = []
    for i in range(500):
        created = T0 + dt.timedelta(minutes=i)
        resolved = iso(created + dt.timedelta(hours=3)) if i < 450 else ""
        rows.append([i + 1, iso(created), resolved])
    write_csv(in_tmp / "t.csv", ["ticket_id", "created_at", "resolved_at"], rows)
    doc = run("compute", "-t", "t.csv", "--kpi", "resolution_rate", "-f", "json").json()
    assert value(doc, "resolution_rate") == 90.0
    assert result(doc, "resolution_rate")["n"] == 500


def test_aht_100_calls_500_100_200_minutes_is_8_minutes(in_tmp: Path) -> None:
    # talk 500 min, hold 100 min, after-call work 200 min over 100 calls, unevenly spread
    rows = []
    for i in range(100):
        talk = 240 if i % 2 else 360  # 50 × 4 min + 50 × 6 min = 500 min
        hold = 120 if i < 50 else 0  # 50 × 2 min = 100 min
        acw = 120  # 100 × 2 min = 200 min
        rows.append([i + 1, iso(T0 + dt.timedelta(minutes=i)), talk, hold, acw])
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "talk_seconds", "hold_seconds", "after_call_work_seconds"],
        rows,
    )
    doc = run("compute", "-t", "t.csv", "--kpi", "handle_time", "-f", "json").json()
    assert value(doc, "handle_time") == 480.0  # 8 minutes
    assert result(doc, "handle_time")["n"] == 100


def test_nps_60_promoters_20_passives_20_detractors_is_40(in_tmp: Path) -> None:
    scores = [10] * 35 + [9] * 25 + [8] * 12 + [7] * 8 + [6] * 10 + [3] * 6 + [0] * 4
    rows = [[i + 1, "nps", s, "2026-11-03T10:00:00Z"] for i, s in enumerate(scores)]
    write_csv(in_tmp / "s.csv", ["survey_id", "type", "score", "submitted_at"], rows)
    doc = run("compute", "-s", "s.csv", "--kpi", "nps", "-f", "json").json()
    assert abs(value(doc, "nps") - 40.0) < 1e-12
    assert result(doc, "nps")["n"] == 100


def test_tickets_per_customer_500_tickets_100_customers_is_5(in_tmp: Path) -> None:
    rows = [[i + 1, iso(T0 + dt.timedelta(minutes=i)), f"C{i % 100:03d}"] for i in range(500)]
    write_csv(in_tmp / "t.csv", ["ticket_id", "created_at", "customer_id"], rows)
    doc = run("compute", "-t", "t.csv", "--kpi", "tickets_per_customer", "-f", "json").json()
    assert value(doc, "tickets_per_customer") == 5.0
    assert result(doc, "tickets_per_customer")["n"] == 500
