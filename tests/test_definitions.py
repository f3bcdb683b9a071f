"""Named definitions (the vendors' variants), the documentation generated from the
catalogue, and `explain` — the rows behind a number — reconciling with `compute`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import ROOT, result, run, value, write_csv
from supportkpi.kpis.catalogue import CATALOGUE

HEADER = [
    "ticket_id",
    "created_at",
    "resolved_at",
    "first_resolved_at",
    "contacts",
    "agent_replies",
    "customer_replies",
    "channel",
]
#                      contacts agent customer  single  one-touch  no-customer-reply
TICKETS = [
    [
        1,
        "2026-11-02T09:00:00Z",
        "2026-11-02T12:00:00Z",
        "2026-11-02T10:00:00Z",
        1,
        1,
        0,
        "chat",
    ],  # S O N
    [
        2,
        "2026-11-02T10:00:00Z",
        "2026-11-03T10:00:00Z",
        "2026-11-02T11:00:00Z",
        1,
        2,
        1,
        "chat",
    ],  # S
    [
        3,
        "2026-11-03T09:00:00Z",
        "2026-11-03T13:00:00Z",
        "2026-11-03T13:00:00Z",
        2,
        1,
        0,
        "email",
    ],  # O N
    [
        4,
        "2026-11-03T10:00:00Z",
        "2026-11-05T10:00:00Z",
        "2026-11-04T10:00:00Z",
        3,
        3,
        2,
        "email",
    ],  # -
    [
        5,
        "2026-11-04T09:00:00Z",
        "2026-11-04T10:00:00Z",
        "2026-11-04T10:00:00Z",
        1,
        0,
        1,
        "chat",
    ],  # S O
    [
        6,
        "2026-11-04T10:00:00Z",
        "2026-11-04T12:00:00Z",
        "2026-11-04T12:00:00Z",
        2,
        0,
        0,
        "email",
    ],  # O N
    [
        7,
        "2026-11-05T09:00:00Z",
        "2026-11-05T18:00:00Z",
        "2026-11-05T10:00:00Z",
        2,
        3,
        0,
        "email",
    ],  # N
    [
        8,
        "2026-11-05T10:00:00Z",
        "2026-11-05T11:00:00Z",
        "2026-11-05T11:00:00Z",
        2,
        1,
        2,
        "chat",
    ],  # O
    [9, "2026-11-05T11:00:00Z", "", "", "", "", "", "chat"],  # still open
]


def compute_with(tmp: Path, definitions: str, *args: str) -> dict:
    (tmp / "targets.yaml").write_text(f"definitions: {{{definitions}}}\n" if definitions else "")
    r = run("compute", "-t", "t.csv", "-f", "json", *args)
    assert r.code == 0, r.err
    return r.json()


@pytest.fixture
def tickets(in_tmp: Path) -> Path:
    write_csv(in_tmp / "t.csv", HEADER, TICKETS)
    return in_tmp


def test_fcr_variants_count_different_tickets(tickets: Path) -> None:
    """Eight resolved tickets; the three definitions pick different ones (see the table
    above): exactly one contact (1, 2, 5), fewer than two agent replies (1, 3, 5, 6, 8),
    no customer reply after the first message (1, 3, 6, 7)."""
    assert value(compute_with(tickets, ""), "fcr_rate") == 3 / 8 * 100
    one_touch = compute_with(tickets, "fcr_rate: one_touch")
    assert value(one_touch, "fcr_rate") == 5 / 8 * 100
    assert result(one_touch, "fcr_rate")["definition"] == "one_touch"
    assert value(compute_with(tickets, "fcr_rate: no_customer_reply"), "fcr_rate") == 4 / 8 * 100


def test_resolution_time_first_or_full(tickets: Path) -> None:
    full = compute_with(tickets, "", "--kpi", "resolution_time,resolution_time_median")
    # last resolutions: 3 h, 24 h, 4 h, 48 h, 1 h, 2 h, 9 h, 1 h
    assert value(full, "resolution_time") == (3 + 24 + 4 + 48 + 1 + 2 + 9 + 1) * 3600 / 8
    first = compute_with(
        tickets,
        "resolution_time: first, resolution_time_median: first",
        "--kpi",
        "resolution_time,resolution_time_median",
    )
    # first resolutions: 1 h, 1 h, 4 h, 24 h, 1 h, 2 h, 1 h, 1 h
    assert value(first, "resolution_time") == (1 + 1 + 4 + 24 + 1 + 2 + 1 + 1) * 3600 / 8
    assert value(first, "resolution_time_median") == 3600.0


def test_backlog_state_or_net_flow(tickets: Path) -> None:
    args = ("--kpi", "backlog", "--period", "2026-11-03", "--as-of", "2026-11-06T00:00:00Z")
    # open at the end of 3 Nov: of tickets 1-4 (created by then) only 4 (resolved 5 Nov)
    assert value(compute_with(tickets, "", *args), "backlog") == 1
    # Zammad's view: created on 3 Nov (3, 4) − resolved on 3 Nov (2, 3) = 0
    assert value(compute_with(tickets, "backlog: net_flow", *args), "backlog") == 0
    week = compute_with(tickets, "backlog: net_flow", "--kpi", "backlog", "--period", "2026-W45")
    assert value(week, "backlog") == 9 - 8  # nine created, eight resolved that week


def test_csat_variants(in_tmp: Path) -> None:
    write_csv(in_tmp / "s.csv", ["type", "score"], [["csat", s] for s in (5, 4, 3, 2, 1, 5)])
    (in_tmp / "targets.yaml").write_text("")
    assert value(run("compute", "-s", "s.csv", "-f", "json").json(), "csat") == 50.0
    (in_tmp / "targets.yaml").write_text("definitions: {csat: mean_score}\n")
    doc = run("compute", "-s", "s.csv", "-f", "json").json()
    assert value(doc, "csat") == pytest.approx(20 / 6) and result(doc, "csat")["unit"] == "score"
    (in_tmp / "targets.yaml").write_text("definitions: {csat: net}\n")
    # satisfied 5, 4, 5; dissatisfied (1–2 by default, the mirror of 4–5) 2, 1 -> 1/6
    assert value(run("compute", "-s", "s.csv", "-f", "json").json(), "csat") == pytest.approx(
        100 / 6
    )


def test_csat_net_on_help_scouts_three_point_scale(in_tmp: Path) -> None:
    write_csv(in_tmp / "s.csv", ["type", "score"], [["csat", s] for s in (3, 3, 2, 1)])
    (in_tmp / "targets.yaml").write_text(
        "definitions: {csat: net}\n"
        "scales: {csat: {min: 1, max: 3, satisfied: [3], dissatisfied: [1]}}\n"
    )
    doc = run("compute", "-s", "s.csv", "-f", "json").json()
    assert value(doc, "csat") == 25.0  # great 2/4 − not good 1/4
    assert result(doc, "csat")["unit"] == "points"


def test_variant_errors(in_tmp: Path) -> None:
    (in_tmp / "targets.yaml").write_text("definitions: {fcr_rate: one_tuch}\n")
    r = run("compute", "-t", "x.csv")
    assert r.code == 2 and "definitions.fcr_rate: expected one of single_contact" in r.err
    assert "did you mean 'one_touch'?" in r.err
    (in_tmp / "targets.yaml").write_text("definitions: {nps: whatever}\n")
    assert "nps has a single definition" in run("compute", "-t", "x.csv").err
    # targets follow the unit of the definition in force
    (in_tmp / "targets.yaml").write_text(
        "definitions: {csat: mean_score}\ntargets: {csat: {min: 4.5}}\n"
    )
    assert "expected" not in run("compute", "-t", "x.csv").err


def test_explain_reconciles_with_compute(tickets: Path) -> None:
    (tickets / "targets.yaml").write_text("")
    doc = run("compute", "-t", "t.csv", "--by", "channel", "-f", "json").json()
    for kpi in ("fcr_rate", "resolution_rate"):
        fcr = result(doc, kpi, channel="chat")
        r = run("explain", kpi, "-t", "t.csv", "--where", "channel=chat")
        rows = list(csv.DictReader(io.StringIO(r.out)))
        den = [x for x in rows if x["in_denominator"] == "true"]
        num = [x for x in rows if x["in_numerator"] == "true"]
        assert len(den) == fcr["n"]
        assert len(num) * 100 / len(den) == pytest.approx(fcr["value"])
    r = run("explain", "resolution_time", "-t", "t.csv", "--where", "channel=email")
    values = [float(x["value"]) for x in csv.DictReader(io.StringIO(r.out)) if x["value"]]
    email = result(doc, "resolution_time", channel="email")
    assert len(values) == email["n"] and sum(values) / len(values) == pytest.approx(email["value"])


def test_explain_writes_parquet_and_rejects_derived_kpis(tickets: Path) -> None:
    r = run("explain", "tickets", "-t", "t.csv", "--where", "day=2026-11-03", "-o", "rows.parquet")
    assert r.code == 0
    table = pq.read_table(tickets / "rows.parquet")
    assert sorted(table.column("ticket_id").to_pylist()) == [3, 4]
    r = run("explain", "cost_per_resolution", "-t", "t.csv")
    assert r.code == 2 and "explain those" in r.err
    assert run("explain", "fcr_rate", "-t", "t.csv", "--where", "nope").code == 2


def test_kpis_explain() -> None:
    out = run("kpis", "--explain", "fcr_rate").out
    assert "one_touch" in out and "Freshservice" in out and "placed by: tickets.resolved_at" in out
    assert run("kpis", "--explain", "fcr").code == 2


def test_definitions_doc_is_generated_and_current() -> None:
    doc = (ROOT / "docs" / "definitions.md").read_text()
    assert doc == run("kpis", "--docs").out, "run: supportkpi kpis --docs > docs/definitions.md"
    for name in CATALOGUE:
        assert f"### `{name}`" in doc
    assert "docs/definitions.md" in (ROOT / "README.md").read_text()


def test_explain_writes_instants_as_the_json_does(in_tmp: Path) -> None:
    """ISO 8601 in UTC, as in the JSON (not Arrow's "2026-11-02 09:00:00.000000Z"):
    microseconds only when there are some, and the file reads back the same."""
    (in_tmp / "t.csv").write_text(
        "ticket_id,created_at,first_response_at\n"
        "1,2026-11-02T10:00:00+01:00,2026-11-02T09:30:00.250000Z\n"
        "2,2026-11-02T09:00:00Z,\n"
    )
    r = run("explain", "first_response_time", "-t", "t.csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert [(x["created_at"], x["first_response_at"]) for x in rows] == [
        ("2026-11-02T09:00:00Z", "2026-11-02T09:30:00.250000Z"),
        ("2026-11-02T09:00:00Z", ""),
    ]
    assert float(rows[0]["value"]) == 1800.25
    (in_tmp / "rows.csv").write_text(r.out)
    again = run("explain", "first_response_time", "-t", "rows.csv")
    assert list(csv.DictReader(io.StringIO(again.out))) == rows
