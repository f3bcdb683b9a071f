"""`supportkpi summary`: values against `compute`, hand-worked team views, golden
Markdown and JSON, HTML safety and rendering, and the edge cases that must not crash.

Golden files live in tests/golden/summary/; regenerate them on purpose only:
    SUPPORTKPI_REGEN_GOLDEN=1 pytest tests/test_summary.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import supportkpi.cli.summary  # noqa: F401  (registers the command on the app)
from conftest import ROOT, run, sh, write_csv
from supportkpi.render.summary import (
    render_html,
    render_json,
    render_markdown,
    render_table,
    sparkline,
)
from supportkpi.reports.compute import Options, compute
from supportkpi.reports.summary import (
    Line,
    Summary,
    build_summary,
    default_period,
    last_year,
    notable_changes,
    trend_labels,
)

GOLDEN = Path(__file__).resolve().parent / "golden" / "summary"
EXAMPLES = ROOT / "examples"
REGEN = os.environ.get("SUPPORTKPI_REGEN_GOLDEN") == "1"


def examples_options(**kw: Any) -> Options:
    return Options(
        tickets=[str(EXAMPLES / "tickets.csv")],
        surveys=[str(EXAMPLES / "surveys.csv")],
        credits=[str(EXAMPLES / "credits.csv")],
        customers=[str(EXAMPLES / "customers.csv")],
        agents=[str(EXAMPLES / "agents.csv")],
        config=str(ROOT / "targets.yaml"),
        **kw,
    )


@pytest.fixture(scope="module")
def w46() -> Summary:
    return build_summary(examples_options(), "2026-W46", "previous", None, None)


def by_key(report: Any, group: dict[str, str] | None = None) -> dict[str, Any]:
    group = group or {}
    return {r.kpi: r for r in report.results if r.group == group}


# --------------------------------------------------------------------------- periods
def test_periods() -> None:
    as_of = int(dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC).timestamp() * 1e6)
    assert default_period(as_of, "UTC") == "2026-W47"  # the last complete ISO week
    monday = int(dt.datetime(2026, 11, 23, tzinfo=dt.UTC).timestamp() * 1e6)
    assert default_period(monday, "UTC") == "2026-W47"  # it ended at the as-of instant
    assert trend_labels("2026-W02", 3) == ["2025-W52", "2026-W01", "2026-W02"]
    assert trend_labels("2026-11-02", 2) == ["2026-11-01", "2026-11-02"]
    assert last_year("2026-W46") == "2025-W46"
    assert last_year("2026-W53") == "2025-W52"  # 2025 has no week 53
    assert last_year("2028-02-29") == "2027-02-28"
    assert last_year("2026-Q4") == "2025-Q4"


# --------------------------------------------------------------------------- vs compute
def test_examples_week_matches_compute(w46: Summary) -> None:
    """Every headline and financial value of 2026-W46, and its previous week, is the
    value `compute --period` gives for that week."""
    this = compute(examples_options(period="2026-W46"))
    last = compute(examples_options(period="2026-W45"))
    assert w46.as_of is not None and this.as_of is not None
    assert w46.as_of.startswith("2026-11-24T23:30:23")
    assert this.as_of == last.as_of
    now, before = by_key(this), by_key(last)
    lines = w46.headline + w46.financial
    assert len(lines) > 20
    for ln in lines:
        assert ln.value == pytest.approx(now[ln.kpi].value, rel=1e-9), ln.kpi
        assert ln.n == now[ln.kpi].n, ln.kpi
        assert ln.status == now[ln.kpi].status, ln.kpi
        assert ln.previous == pytest.approx(before[ln.kpi].value, rel=1e-9), ln.kpi
        assert ln.previous_n == before[ln.kpi].n, ln.kpi
        assert ln.trend[-1] == ln.value and ln.trend[-2] == ln.previous
        assert len(ln.trend) == 8
        if ln.value is not None and ln.previous is not None:
            assert ln.change == pytest.approx(ln.value - ln.previous)
    assert w46.period == "2026-W46" and w46.compare_period == "2026-W45"
    assert w46.trend_periods[0] == "2026-W39"
    assert not w46.unavailable  # the examples hold every input


def test_examples_team_and_sla_match_compute(w46: Summary) -> None:
    report = compute(examples_options(period="2026-W46", by=[["agent"]], kpis=[]))
    assert w46.team is not None and w46.team.agents
    for row in w46.team.agents:
        theirs = by_key(report, {"agent": row.agent})
        for kpi in ("tickets_resolved", "fcr_rate", "csat", "qa_score"):
            mine, expected = row.values[kpi], theirs[kpi].value
            assert mine == (expected and pytest.approx(expected, rel=1e-9)), (row.agent, kpi)
            assert row.n[kpi] == theirs[kpi].n
    resolved = [
        by_key(report, {"agent": a.agent})["tickets_resolved"].value for a in w46.team.agents
    ]
    assert w46.team.average_resolved == pytest.approx(sum(resolved) / len(resolved))
    # SLA compliance by priority is compute's sla_* by priority (and sla-check's)
    sla = compute(examples_options(period="2026-W46", by=[["priority"]], kpis=["sla_resolution"]))
    for row in w46.sla.rows:
        group = {} if row.group == "all" else {"priority": row.group}
        assert row.resolution == pytest.approx(by_key(sla, group)["sla_resolution"].value)
    assert [r.group for r in w46.sla.rows] == ["all", "P1", "P2", "P3", "P4"]
    assert w46.sla.breached_tickets > 0 and len(w46.sla.worst) == 10
    overdue = [t["overdue_seconds"] for t in w46.sla.worst]
    assert overdue == sorted(overdue, reverse=True)


def test_examples_actions_and_notable(w46: Summary) -> None:
    # every missed KPI of the page: the headline, the financial lines, then the team
    # bars' own (schedule adherence 89 % against 95 %: marked missed in its bar)
    assert w46.team is not None
    bars = {b.kpi: b.status for b in w46.team.bars}
    assert bars["schedule_adherence"] == "missed"
    missed = [ln.kpi for ln in w46.headline + w46.financial if ln.status == "missed"]
    missed += [k for k, status in bars.items() if status == "missed" and k not in missed]
    # each missed KPI once; CSAT % and mean share seed 000's list, so one item
    assert [k for a in w46.actions for k in (a.kpi, *a.also)] == list(dict.fromkeys(missed))
    assert all(a.items for a in w46.actions)  # no "No action configured" placeholder
    fcr = next(a for a in w46.actions if a.kpi == "fcr_rate")
    assert fcr.source == "targets.yaml" and fcr.items[0] == "Review unresolved cases"
    # notable: exactly the rates whose two-proportion z exceeds 1.96 (computed here)
    expected = set()
    for ln in w46.headline + w46.financial:
        if ln.unit != "percent" or ln.ci_low is None or ln.previous is None:
            continue
        if min(ln.n, ln.previous_n) < 30 or ln.value is None:
            continue
        p1, p0, n1, n0 = ln.value / 100, ln.previous / 100, ln.n, ln.previous_n
        p = (p1 * n1 + p0 * n0) / (n1 + n0)
        se = (p * (1 - p) * (1 / n1 + 1 / n0)) ** 0.5
        if se and abs(p1 - p0) / se > 1.959963984540054:
            expected.add(ln.kpi)
    got = {c.kpi for c in w46.notable if c.unit == "percent"}
    assert got == expected and "fcr_rate" in got


# --------------------------------------------------------------------------- hand-built team
def write_team(folder: Path, agents: tuple[str, ...] = ("Ann", "Bob", "Cid", "Dee")) -> None:
    """A week (2026-W46) worked out by hand.

    agent  resolved  FCR (contacts == 1)  CSAT (satisfied = 4-5)  QA (5 reviews)  adherence
    Ann    12        11/12 = 91.67 %      6/6 = 100 %             90              95 %
    Bob    12         9/12 = 75 %         4/5 = 80 %              80              92 %
    Cid     3         3/3  = 100 %        2/2 = 100 % (too few)   —              100 %
    Dee    13         8/13 = 61.54 %      5/5 = 100 %             88              85 %
    Team average resolved: 40 / 4 = 10 per agent; 80 % of it = 8.
    """
    plan = {
        "Ann": (12, 11, 90, [5, 5, 5, 5, 4, 5], 0.95),
        "Bob": (12, 9, 80, [5, 5, 4, 4, 2], 0.92),
        "Cid": (3, 3, None, [5, 5], 1.00),
        "Dee": (13, 8, 88, [4, 5, 5, 4, 5], 0.85),
    }
    tickets, surveys, schedule = [], [], []
    start = dt.datetime(2026, 11, 9, 8, 0)
    tid = 100
    for a in agents:
        count, one_contact, qa, scores, adherence = plan[a]
        for k in range(count):
            tid += 1
            created = start + dt.timedelta(hours=3 * k, minutes=tid % 50)
            tickets.append(
                [
                    tid,
                    created.isoformat(),
                    (created + dt.timedelta(minutes=10)).isoformat(),
                    (created + dt.timedelta(hours=2)).isoformat(),
                    "P3",
                    "email",
                    a,
                    1 if k < one_contact else 2,
                    qa if (qa is not None and k < 5) else "",
                ]
            )
            if k < len(scores):
                submitted = created + dt.timedelta(hours=5)
                surveys.append([tid, tid, "csat", scores[k], submitted.isoformat()])
        schedule.append([a, "2026-11-10", 28800, 28800, round(28800 * adherence)])
    write_csv(
        folder / "tickets.csv",
        [
            "ticket_id",
            "created_at",
            "first_response_at",
            "resolved_at",
            "priority",
            "channel",
            "agent",
            "contacts",
            "qa_score",
        ],
        tickets,
    )
    write_csv(
        folder / "surveys.csv",
        ["survey_id", "ticket_id", "type", "score", "submitted_at"],
        surveys,
    )
    write_csv(
        folder / "agents.csv",
        ["agent", "date", "logged_seconds", "scheduled_seconds", "adherent_seconds"],
        schedule,
    )


def team_options(folder: Path) -> Options:
    return Options(
        tickets=[str(folder / "tickets.csv")],
        surveys=[str(folder / "surveys.csv")],
        agents=[str(folder / "agents.csv")],
    )


def _wilson_low(s: int, n: int, z: float = 1.959963984540054) -> float:
    """The lower end of the Wilson interval, written out (percent)."""
    p = s / n
    d = 1 + z * z / n
    return 100 * ((p + z * z / (2 * n)) - z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / d


def test_top_performers_and_coaching_by_hand(in_tmp: Path) -> None:
    write_team(in_tmp)
    s = build_summary(team_options(in_tmp), "2026-W46", "previous", None, None)
    team = s.team
    assert team is not None and team.reason is None
    assert team.average_resolved == pytest.approx(10.0)
    # at the default min_sample (30) no one is judged on a handful of surveys; Cid's 3
    # resolved vs 8 (80 % of 10): the count's Poisson upper end (8.77) reaches 8
    assert team.coaching == []
    assert {(n.kpi, n.reason) for n in team.not_judged} >= {
        ("csat", "too_few"),
        ("tickets_handled", "within_noise"),
    }
    # the mean of the lower ends of the CSAT and FCR intervals, among agents with >= 10
    # resolved and >= 5 CSAT responses (Cid's 2 surveys never count)
    expected = {
        "Ann": (_wilson_low(6, 6) + _wilson_low(11, 12)) / 2,  # 62.79
        "Dee": (_wilson_low(5, 5) + _wilson_low(8, 13)) / 2,  # 46.04
        "Bob": (_wilson_low(4, 5) + _wilson_low(9, 12)) / 2,  # 42.16
    }
    assert [p.agent for p in team.top] == ["Ann", "Dee", "Bob"]
    for p in team.top:
        assert p.score == pytest.approx(expected[p.agent], abs=1e-9)
    assert (team.top[0].csat_n, team.top[0].fcr_n) == (6, 12)
    # min_sample lowered to 5: Bob's QA 80 from 5 reviews (no interval) is flagged, and a
    # flagged agent is never a top performer
    (in_tmp / "low.yaml").write_text("min_sample: 5\n")
    low_opts = dataclasses.replace(team_options(in_tmp), config=str(in_tmp / "low.yaml"))
    low = build_summary(low_opts, "2026-W46", "previous", None, None)
    assert low.team is not None
    fired = {c.agent: [(t.kpi, t.basis) for t in c.triggers] for c in low.team.coaching}
    assert fired == {"Bob": [("qa_score", "sample")]}
    assert [p.agent for p in low.team.top] == ["Ann", "Dee"]
    md = render_markdown(low)
    assert "**Bob**: Quality score 80.0 < 85 (5 reviews, no interval)" in md
    assert "lower ends of the 95% (Wilson) intervals" in md


def test_personal_view_names_nobody_else(in_tmp: Path) -> None:
    write_team(in_tmp)
    # FCR trigger at 90 %: Dee's 8 of 13 (Wilson 35.5–82.3 %) is wholly below it
    (in_tmp / "c.yaml").write_text("min_sample: 5\ncoaching: {fcr_rate: 90}\n")
    opts = dataclasses.replace(team_options(in_tmp), config=str(in_tmp / "c.yaml"))
    s = build_summary(opts, "2026-W46", "previous", "dee", None)
    assert s.agent == "Dee" and s.title.startswith("Personal performance — Dee")
    lines = {ln.kpi: ln for ln in s.headline}
    assert lines["fcr_rate"].value == pytest.approx(800 / 13)
    assert lines["fcr_rate"].team == pytest.approx(100 * 31 / 40)
    assert lines["tickets_resolved"].team_average == pytest.approx(10.0)
    assert s.team is not None
    assert [c.agent for c in s.team.coaching] == ["Dee"]
    assert s.team.top == []  # flagged for coaching: never a top performer
    assert {a.agent for a in s.team.agents} == {"Dee"}
    text = render_markdown(s) + render_json(s)
    assert "Bob" not in text and "Ann" not in text
    assert "fcr_rate" in {a.kpi for a in s.actions}  # her coaching trigger's actions
    # an unknown name is a usage error with a suggestion
    r = run("summary", "-t", "tickets.csv", "--period", "2026-W46", "--agent", "Dea")
    assert r.code == 2 and "no agent named 'Dea'" in r.err and "Dee" in r.err


# --------------------------------------------------------------------------- edge cases
def test_empty_previous_period(in_tmp: Path) -> None:
    write_team(in_tmp)
    s = build_summary(team_options(in_tmp), "2026-W46", "previous", None, None)
    lines = {ln.kpi: ln for ln in s.headline}
    # no input has a row in 2026-W45: no data, not zero tickets
    assert lines["tickets"].value == 40 and lines["tickets"].previous is None
    assert lines["fcr_rate"].previous is None and lines["fcr_rate"].change is None
    assert lines["tickets"].trend == [None] * 7 + [40]
    assert s.notable == []  # nothing to compare with: no change is notable
    assert "No data in 2026-W45: nothing to compare with." in s.notes
    for render in (render_markdown, render_html, render_table, render_json):
        assert render(s)


def test_week_without_surveys_and_last_year(in_tmp: Path) -> None:
    write_team(in_tmp)
    # the surveys of that week were sent the week after
    rows = (in_tmp / "surveys.csv").read_text().replace("2026-11-", "2026-12-")
    (in_tmp / "surveys.csv").write_text(rows)
    s = build_summary(team_options(in_tmp), "2026-W46", "last-year", None, None)
    assert s.compare_period == "2025-W46"
    csat = next(ln for ln in s.headline if ln.kpi == "csat")
    assert csat.value is None and csat.reason == "no rows" and csat.previous is None
    assert s.team is not None and s.team.top == []
    assert all(t.kpi != "csat" for c in s.team.coaching for t in c.triggers)
    md = render_markdown(s)
    assert "None eligible" in md and "CSAT (% satisfied) | — |" in md


def test_single_agent_team(in_tmp: Path) -> None:
    write_team(in_tmp, agents=("Ann",))
    s = build_summary(team_options(in_tmp), "2026-W46", "previous", None, None)
    assert s.team is not None
    assert [p.agent for p in s.team.top] == ["Ann"]
    assert s.team.coaching == []  # the tickets-handled trigger needs a team to compare with
    assert any("One agent" in r for r in s.team.rules)
    assert "Ann" in render_html(s)


def test_no_agent_column_and_no_surveys(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "resolved_at"],
        [[1, "2026-11-10T10:00:00Z", "2026-11-10T12:00:00Z"], [2, "2026-11-11T10:00:00Z", ""]],
    )
    r = run("summary", "-t", "t.csv", "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["period"] == "2026-W45"  # the last complete week before the latest timestamp
    assert doc["team"]["reason"] == "the exports have no agent column"
    assert doc["sla"]["reason"]  # no priority column: said, not crashed
    assert "csat" in doc["unavailable"]
    r = run("summary", "-t", "t.csv", "--period", "2026-W46")
    assert r.code == 0 and "Not computable from these exports" in r.out


def test_daily_report_and_stdin(in_tmp: Path) -> None:
    write_team(in_tmp)
    data = (in_tmp / "tickets.csv").read_text()
    r = run("summary", "-t", "-", "--period", "2026-11-10", "-f", "markdown", stdin=data)
    assert r.code == 0, r.err
    for heading in ("Key metrics", "Financial impact", "Alerts", "Trends", "Actions needed"):
        assert f"## {heading}" in r.out
    assert "# Support daily report — 2026-11-10" in r.out
    assert "Last 8 days" in r.out


def test_output_file_and_terminal(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_team(in_tmp)
    r = run("summary", "-t", "tickets.csv", "--period", "2026-W46", "-f", "html", "-o", "s.html")
    assert r.code == 0 and (in_tmp / "s.html").read_text().startswith("<!DOCTYPE html>")
    r = run("summary", "-t", "tickets.csv", "--period", "2026-W46", "-o", "tickets.csv")
    assert r.code == 2 and "refusing" in r.err
    monkeypatch.setenv("NO_COLOR", "1")
    r = run("summary", "-t", "tickets.csv", "-s", "surveys.csv", "--period", "2026-W46")
    assert r.code == 0 and "\x1b[" not in r.out
    assert "Headline" in r.out and "Top performers" in r.out
    # a trend: no data for 7 weeks, then this one: a count at the top of its range (0 to
    # its largest value), not the middle of a min-to-max scale
    assert "·······█" in r.out


# --------------------------------------------------------------------------- statistics
def _rate(kpi: str, value: float, n: int, previous: float, previous_n: int) -> Line:
    return Line(kpi, kpi, "percent", "higher", value, n, "met", previous=previous,
                previous_n=previous_n, ci_low=0.0, ci_high=100.0)  # fmt: skip


def test_notable_changes_only_beyond_noise() -> None:
    big = _rate("csat", 90.0, 100, 30.0, 100)
    small = _rate("fcr_rate", 52.0, 100, 50.0, 100)
    tiny_sample = _rate("resolution_rate", 100.0, 10, 0.0, 10)  # under min_sample
    nps_big = Line("nps", "NPS", "points", "higher", 40.0, 200, "met", previous=10.0,
                   previous_n=200, margin=8.0, previous_margin=8.0)  # fmt: skip
    nps_small = Line("nps", "NPS", "points", "higher", 40.0, 200, "met", previous=30.0,
                     previous_n=200, margin=8.0, previous_margin=8.0)  # fmt: skip
    counts = Line("tickets", "Tickets", "count", "none", 140.0, 140, "", previous=100.0)
    same = Line("tickets", "Tickets", "count", "none", 105.0, 105, "", previous=100.0)
    mean = Line("first_response_time", "FRT", "seconds", "lower", 10.0, 99, "", previous=99.0)
    got = notable_changes([big, small, tiny_sample, nps_big, nps_small, counts, same, mean], 30)
    assert [(c.kpi, c.value) for c in got] == [("csat", 90.0), ("nps", 40.0), ("tickets", 140.0)]
    assert got[0].z == pytest.approx(0.6 / (0.6 * 0.4 * 0.02) ** 0.5)
    assert got[1].z == pytest.approx(30 / (2 * 8**2) ** 0.5 * 1.959963984540054)
    assert got[2].z == pytest.approx(40 / 240**0.5)


def test_sparkline() -> None:
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert sparkline([None, 5, 5]) == "·▄▄"
    assert sparkline([None, None]) == ""


# --------------------------------------------------------------------------- golden
def write_golden_data(folder: Path) -> None:
    """Three weeks (2026-W44..W46) of tickets, surveys and credits, from formulas."""
    agents = ["Ana", "Ben", "Caro", "Dmitri"]
    base = dt.datetime(2026, 10, 26, 0, 0)
    tickets, surveys, credits = [], [], []
    for i in range(126):
        created = base + dt.timedelta(hours=4 * i, minutes=(i * 37) % 60)
        agent = agents[(i * 5) % 4]
        first = created + dt.timedelta(minutes=(i * 53) % 300 + 5)
        resolved = created + dt.timedelta(hours=(i * 13) % 40 + 1) if i < 120 else None
        contacts = (1 if i % 3 else 2) if agent == "Ben" else (1 if (i * 7) % 10 < 8 else 2)
        cancel = i % 7 == 0
        tickets.append(
            [
                1000 + i,
                created.isoformat() + "Z",
                first.isoformat() + "Z",
                resolved.isoformat() + "Z" if resolved else "",
                ["P3", "P2", "P3", "P4", "P1", "P3"][i % 6],
                ["email", "chat", "phone"][i % 3],
                agent,
                "yes" if i % 9 == 0 else "no",
                1 if i % 11 == 0 else 0,
                contacts,
                70 + (i * 17) % 30 if i % 3 == 0 else "",
                "yes" if cancel else "no",
                ("yes" if i % 14 == 0 else "no") if cancel else "",
                100 + i if cancel and i % 14 == 0 else "",
                600 + (i * 31) % 600,
            ]
        )
        if resolved is not None and i % 3 != 0:
            score = [5, 4, 5, 3, 4, 5, 2, 5][i % 8] if agent != "Ben" else [3, 4, 2, 5][i % 4]
            at = (resolved + dt.timedelta(hours=1)).isoformat() + "Z"
            surveys.append([len(surveys) + 1, 1000 + i, "csat", score, at])
            if i % 5 == 0:
                surveys.append([len(surveys) + 1, 1000 + i, "nps", (i * 3) % 11, at])
        if i % 10 == 0:
            at = (created + dt.timedelta(hours=2)).isoformat() + "Z"
            credits.append([len(credits) + 1, 1000 + i, agent, "credit", 20 + i, "USD", at])
    write_csv(
        folder / "tickets.csv",
        [
            "ticket_id",
            "created_at",
            "first_response_at",
            "resolved_at",
            "priority",
            "channel",
            "agent",
            "escalated",
            "reopens",
            "contacts",
            "qa_score",
            "cancel_intent",
            "retained",
            "revenue_retained",
            "talk_seconds",
        ],
        tickets,
    )
    write_csv(
        folder / "surveys.csv", ["survey_id", "ticket_id", "type", "score", "submitted_at"], surveys
    )
    write_csv(
        folder / "credits.csv",
        ["credit_id", "ticket_id", "agent", "kind", "amount", "currency", "created_at"],
        credits,
    )
    (folder / "targets.yaml").write_text(
        "min_sample: 5\n"
        "costs: {agent_hourly: 30, currency: USD}\n"
        "targets:\n"
        "  first_response_time: {max: 2h}\n"
        "  resolution_time: {max: 24h}\n"
        "  fcr_rate: {min: 75}\n"
        "  csat: {min: 90}\n"
        "  escalation_rate: {max: 10}\n"
        "  credit_rate: {max: 30}\n"
        "actions:\n"
        '  csat: ["Review feedback", "=HYPERLINK(\\"evil\\")"]\n'
    )


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with SUPPORTKPI_REGEN_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file; if the change is intended, run "
        "SUPPORTKPI_REGEN_GOLDEN=1 pytest tests/test_summary.py"
    )


GOLDEN_ARGS = ("summary", "-t", "tickets.csv", "-s", "surveys.csv", "-c", "credits.csv")


def test_golden_markdown(in_tmp: Path) -> None:
    write_golden_data(in_tmp)
    r = run(*GOLDEN_ARGS, "--period", "2026-W46", "-f", "markdown")
    assert r.code == 0, r.err
    assert "'=HYPERLINK" in r.out  # a config action cannot become a spreadsheet formula
    _golden("weekly.md", r.out)


def test_golden_json(in_tmp: Path) -> None:
    write_golden_data(in_tmp)
    r = run(*GOLDEN_ARGS, "--period", "2026-W46", "-f", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["command"] == "summary" and doc["period"] == "2026-W46"
    doc["version"] = "X"  # the golden file does not change with each release
    _golden("weekly.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def test_golden_daily_markdown(in_tmp: Path) -> None:
    write_golden_data(in_tmp)
    r = run(*GOLDEN_ARGS, "--period", "2026-11-11", "-f", "markdown")
    assert r.code == 0, r.err
    _golden("daily.md", r.out)


# --------------------------------------------------------------------------- HTML
HOSTILE = "<script>alert(1)</script>"


def write_hostile(folder: Path) -> None:
    """The golden data, with an agent named like a script and one like a formula."""
    write_golden_data(folder)
    text = (folder / "tickets.csv").read_text().replace(",Ben,", f',"{HOSTILE}",')
    text = text.replace(",Ana,", ",\"=cmd|' /C calc'!A0\",")
    (folder / "tickets.csv").write_text(text)


HOSTILE_ARGS = (
    *("summary", "-t", "tickets.csv", "-s", "surveys.csv", "-c", "credits.csv"),
    *("--period", "2026-W46", "--min-tickets", "3", "--min-surveys", "2"),
)


def test_html_is_self_contained_and_escaped(in_tmp: Path) -> None:
    write_hostile(in_tmp)
    r = run(*HOSTILE_ARGS, "-f", "html")
    assert r.code == 0, r.err
    page = r.out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()
    assert not re.search(r"https?://", page)  # no resource from the network
    assert not re.search(r"(?i)(src|href)\s*=|@import|url\(", page)
    assert "<svg" in page and "<polyline" in page  # trend lines and bars are inline SVG
    assert "@media print" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    md = run(*HOSTILE_ARGS, "-f", "markdown").out
    assert "| '=cmd\\|' /C calc'!A0 |" in md  # a formula stays text in a spreadsheet
    assert "\\<script>alert(1)\\</script>" in md  # and a tag stays text in a wiki
    assert "<script" not in md.replace("\\<script", "")


def png_rows(data: bytes, limit: int) -> tuple[int, int, np.ndarray]:
    """Decode the first `limit` rows of an 8-bit RGB/RGBA PNG (what Chromium writes):
    (width, channels, rows × width × channels array)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, color = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, _height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 4 if color == 6 else 3
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8)
    out = np.zeros((limit, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(limit):  # one scanline at a time: each is filtered against the last
        f = int(raw[y * (stride + 1)])
        line = raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)].astype(np.int64)
        if f == 1:  # sub: a running sum per channel
            line = np.cumsum(line.reshape(width, bpp), axis=0).reshape(stride) & 255
        elif f == 2:  # up
            line = (line + prev) & 255
        elif f in (3, 4):  # average, Paeth: pixel by pixel
            cur, up = line.tolist(), prev.tolist()
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                b = up[x]
                if f == 3:
                    cur[x] = (cur[x] + (a + b) // 2) & 255
                    continue
                c = up[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[x] = (cur[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            line = np.array(cur, dtype=np.int64)
        out[y] = line
        prev = line
    return width, bpp, out.reshape(limit, width, bpp)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_html_renders_in_headless_chromium(in_tmp: Path) -> None:
    write_hostile(in_tmp)
    r = run(*HOSTILE_ARGS, "-f", "html", "-o", "summary.html")
    assert r.code == 0, r.err
    shot = in_tmp / "shot.png"
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                "--window-size=1200,2000",
                (in_tmp / "summary.html").as_uri(),
            ],
            capture_output=True,
            timeout=90,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert shot.exists() and shot.stat().st_size > 10_000
    # the whole shot: with the overview and the channels above it, and trends drawn in
    # their natural range (flatter than min-to-max), the headline's lines reach further
    # down than the first 1000 rows
    width, _bpp, pixels = png_rows(shot.read_bytes(), 2000)
    assert width == 1200
    rgb = pixels[:, :, :3].astype(np.int64)

    def count(colour: tuple[int, int, int], tolerance: int = 40) -> int:
        return int((np.abs(rgb - np.array(colour)).max(axis=2) <= tolerance).sum())

    # the trend lines (#0969da) of the headline table are drawn: a few hundred pixels each
    assert count((9, 105, 218)) > 1000


def test_period_not_over(in_tmp: Path, w46: Summary) -> None:
    assert not w46.partial
    write_team(in_tmp)
    s = build_summary(team_options(in_tmp), "2026-W46", "previous", None, "2026-11-10T12:00:00")
    assert s.partial and s.as_of == "2026-11-10T12:00:00Z"
    assert any("not over at the as-of time" in n for n in s.notes)
    assert "— not over at the as-of time" in render_markdown(s)


def test_the_default_period_computes_only_its_trend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --period, the summary is the one of the last week before the data's
    as-of time, and only that week's trend is computed (not every week of the data by
    agent: 200k result rows for a year of 200 agents)."""
    from supportkpi.reports import summary as summary_module

    periods: list[set[str]] = []
    real = summary_module.compute

    def counted(*args: Any, **kw: Any) -> Any:
        report = real(*args, **kw)
        periods.append({r.group["period"] for r in report.results if "period" in r.group})
        return report

    monkeypatch.setattr(summary_module, "compute", counted)
    default = run("summary", "-f", "json", cwd=ROOT)
    assert default.code == 0, default.err
    label = json.loads(default.out)["period"]
    trend = set(trend_labels(label))
    assert len(trend) == 8
    periods_of_series = periods[0]
    assert periods_of_series <= trend  # the series: the trend weeks, nothing earlier
    explicit = run("summary", "--period", label, "-f", "json", cwd=ROOT)
    assert json.loads(explicit.out) == json.loads(default.out)


def test_a_summary_reads_each_export_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The series, the comparison period and the SLA check read the same exports: each
    is read once, and the problems it has are reported once."""
    from supportkpi.reports import compute as run_module

    reads: list[str] = []
    real = run_module.load_input

    def counted(name: str, *args: Any, **kw: Any) -> Any:
        reads.append(name)
        return real(name, *args, **kw)

    monkeypatch.setattr(run_module, "load_input", counted)
    done = run("summary", "--compare", "last-year", "-f", "json", cwd=ROOT)
    assert done.code == 0, done.err
    assert sorted(reads) == sorted(set(reads)) and "tickets" in reads
    doc = json.loads(done.out)
    assert any(i["problems"] for i in doc["inputs"])  # the examples have some
    for summary_input in doc["inputs"]:
        codes = [p["code"] for p in summary_input["problems"]]
        assert len(codes) == len(set(codes)), summary_input["input"]


def test_the_overview_says_when_there_is_nothing_to_compare_with() -> None:
    """A year before the examples there is no data: the overview says so, instead of
    'no KPI changed beyond its noise' (which reads as news that nothing moved)."""
    t = str(EXAMPLES / "tickets.csv")
    doc = run("summary", "-t", t, "--period", "2026-W47", "--compare", "last-year", "-f", "json")
    assert doc.json()["overview"][1] == "No data in 2025-W47 to compare with."
    doc = run("summary", "-t", t, "--period", "2026-W47", "-f", "json")
    assert doc.json()["overview"][1].endswith("vs 2026-W46.")


def test_a_kpi_with_a_target_is_in_the_report_curated_or_not(tmp_path: Path) -> None:
    """The summary's headline is seed 001's list; a KPI given a target beyond it (self-
    service resolution, 13.4 % in week 47 against 99 % here) is added to it, counted at
    a glance and given its action item, instead of being missed nowhere on the page."""
    (tmp_path / "targets.yaml").write_text("targets:\n  self_service_resolution_rate: {min: 99}\n")
    ex = Path(__file__).resolve().parents[1] / "examples"
    r = sh("summary", "-t", str(ex / "tickets.csv"), "--period", "2026-W47", "-f", "json",
           cwd=tmp_path)  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    line = next(x for x in doc["headline"] if x["kpi"] == "self_service_resolution_rate")
    assert line["status"] == "missed" and line["target"] == {"min": 99.0}
    assert "self_service_resolution_rate" in [a["kpi"] for a in doc["actions"]]
    assert "Self-service resolution rate" in doc["overview"][0]
