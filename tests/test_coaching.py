"""The summary's coaching and top performers survive a second look (issue #20 §2), and
the manager's page (§5): a three-line overview, an action list for every missed KPI,
a channel breakdown, 100 terminal columns.

The week 2026-W46 built here, worked out by hand (CSAT satisfied = 4–5 on 1–5):

agent  tickets  one contact (FCR)   CSAT responses (satisfied)
Zed    200      160 (80 %)          200 (140 = 70 %)   Wilson 95 %: 63.32–75.93 %
Yan      5        5 (100 %)           5 (3 = 60 %)     Wilson 95 %: 23.07–88.24 %
Xia    200      180 (90 %)          200 (190 = 95 %)   Wilson 95 %: 91.04–97.26 %
Wes    200      180 (90 %)          200 (180 = 90 %)   Wilson 95 %: 85.06–93.43 %

Wilson interval (z = 1.96): (p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n); e.g. 3/5:
p = 0.6, z²/n = 0.76829, centre = (0.6 + 0.38415) / 1.76829 = 0.55655, half =
1.95996 × √(0.048 + 0.036887) / 1.76829 = 0.32583 → 23.07 %–88.24 % (as Newcombe 1998
tabulates for 3/5 … and R's prop.test(3, 5, correct = FALSE) gives).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import sh, write_csv
from supportkpi.reports.compute import Options
from supportkpi.reports.summary import build_summary, poisson_interval

# agent: (tickets, one-contact tickets, surveys, satisfied, channel)
PLAN = {
    "Zed": (200, 160, 200, 140, "email"),
    "Yan": (5, 5, 5, 3, "chat"),
    "Xia": (200, 180, 200, 190, "phone"),
    "Wes": (200, 180, 200, 180, "phone"),
}
CONFIG = """\
inputs: {tickets: tickets.csv, surveys: surveys.csv}
min_sample: 5
coaching: {csat: 80}
targets:
  csat: {min: 90}
  fcr_rate: {min: 75}
  reopen_rate: {max: 5}
"""


def write_week(folder: Path, config: str = CONFIG) -> None:
    tickets, surveys = [], []
    start = dt.datetime(2026, 11, 9, 0, 0)
    tid = 0
    for agent, (count, one, asked, happy, channel) in PLAN.items():
        for k in range(count):
            tid += 1
            created = start + dt.timedelta(minutes=45 * k + tid % 7)
            tickets.append(
                [
                    tid,
                    created.isoformat(),
                    (created + dt.timedelta(minutes=10)).isoformat(),
                    (created + dt.timedelta(hours=1)).isoformat(),
                    "P3",
                    channel,
                    agent,
                    1 if k < one else 2,
                ]
            )
            if k < asked:
                score = 5 if k < happy else 2
                submitted = (created + dt.timedelta(hours=2)).isoformat()
                surveys.append([tid, tid, "csat", score, submitted])
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
        ],
        tickets,
    )
    write_csv(
        folder / "surveys.csv", ["survey_id", "ticket_id", "type", "score", "submitted_at"], surveys
    )
    (folder / "targets.yaml").write_text(config)


def options(folder: Path) -> Options:
    return Options(
        tickets=[str(folder / "tickets.csv")],
        surveys=[str(folder / "surveys.csv")],
        config=str(folder / "targets.yaml"),
    )


def test_wilson_intervals_by_hand(in_tmp: Path) -> None:
    write_week(in_tmp)
    s = build_summary(options(in_tmp), "2026-W46", "previous", None, None)
    assert s.team is not None
    zed = next(c for c in s.team.coaching if c.agent == "Zed").triggers
    csat = next(t for t in zed if t.kpi == "csat")
    assert csat.value == pytest.approx(70.0)
    assert csat.n == 200
    assert (csat.ci_low, csat.ci_high) == (
        pytest.approx(63.3209, abs=1e-3),
        pytest.approx(75.9253, abs=1e-3),
    )
    assert csat.basis == "interval" and csat.threshold == 80.0  # the config's trigger
    assert "200 responses, 95% CI 63.3–75.9%" in csat.text
    # Yan's 3 of 5: 23.07–88.24 %, which reaches 80 %: not flagged, though 60 % < 80 %
    yan = next(c for c in s.team.coaching if c.agent == "Yan").triggers
    assert [t.kpi for t in yan] == ["tickets_handled"]  # 5 resolved vs 151.25 per agent
    noise = {(n.kpi, n.reason): n.agents for n in s.team.not_judged}
    assert noise[("csat", "within_noise")] == 1


def test_small_sample_never_flagged_large_one_is(in_tmp: Path) -> None:
    """At the default min_sample (30), 5 responses at 60 % are not judged at all; 200
    at 70 % (interval wholly below 80 %) are flagged."""
    write_week(in_tmp, CONFIG.replace("min_sample: 5\n", ""))
    s = build_summary(options(in_tmp), "2026-W46", "previous", None, None)
    assert s.team is not None
    flagged = {c.agent: {t.kpi for t in c.triggers} for c in s.team.coaching}
    assert flagged["Yan"] == {"tickets_handled"}  # not CSAT
    assert flagged["Zed"] == {"csat"}  # and FCR 80 % (interval 73.9–85.0 %) is above 65 %
    too_few = [n for n in s.team.not_judged if n.reason == "too_few" and n.kpi == "csat"]
    assert [n.text for n in too_few] == ["1 agent with fewer than 30 responses not judged on CSAT"]


def test_top_performers_by_lower_bounds_never_coached(in_tmp: Path) -> None:
    write_week(in_tmp)
    s = build_summary(options(in_tmp), "2026-W46", "previous", None, None, min_tickets=5)
    assert s.team is not None
    coached = {c.agent for c in s.team.coaching}
    top = [p.agent for p in s.team.top]
    assert not coached & set(top)
    # Xia: the lower ends of CSAT 95 % (91.04) and FCR 90 % (180/200: 85.06) → 88.05;
    # Wes: 85.06 and 85.06; Yan (5 resolved) and Zed are flagged, so never ranked
    assert top == ["Xia", "Wes"]
    assert [round(p.score, 2) for p in s.team.top] == [88.05, 85.06]
    # the lower CSAT bound is reported beside n
    assert s.team.top[0].csat_low == pytest.approx(91.0422, abs=1e-3)
    assert coached == {"Zed", "Yan"}
    # without the coaching exclusion Zed (63.32 + 73.87) / 2 = 68.60 would rank third
    s2 = build_summary(options(in_tmp), "2026-W46", "previous", None, None, min_tickets=200)
    assert s2.team is not None and [p.agent for p in s2.team.top] == ["Xia", "Wes"]


def test_poisson_interval_against_exact_values() -> None:
    # exact (Garwood) 95 % limits: k = 2 → 0.2422–7.2247; k = 10 → 4.7954–18.3904
    lo, hi = poisson_interval(2)
    # (only the upper end decides a flag; Byar's lower end is rougher for tiny counts)
    assert lo == pytest.approx(0.2422, rel=0.1) and hi == pytest.approx(7.2247, rel=0.01)
    lo, hi = poisson_interval(10)
    assert lo == pytest.approx(4.7954, rel=0.01) and hi == pytest.approx(18.3904, rel=0.01)
    assert poisson_interval(0) == (0.0, pytest.approx(3.6889, abs=1e-4))


def test_console_json_and_page(in_tmp: Path) -> None:
    """As a user runs it: JSON with n and the interval beside each flag, the overview,
    actions for every missed KPI, once each, the channel breakdown."""
    write_week(in_tmp)
    r = sh("summary", "--period", "2026-W46", "-f", "json", cwd=in_tmp)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    flags = {c["agent"]: c["triggers"] for c in doc["team"]["coaching"]}
    assert set(flags) == {"Zed", "Yan"}
    assert flags["Zed"][0]["n"] == 200 and flags["Zed"][0]["ci_high"] < 80
    assert len(doc["overview"]) == 3
    # CSAT 513/605 = 84.8 % < 90 % missed; FCR 525/605 = 86.8 % ≥ 75 % met; no reopen data
    assert doc["overview"][0] == "1 of 2 KPIs judged against a target missed: CSAT (% satisfied)."
    kpis = [a["kpi"] for a in doc["actions"]]
    assert len(kpis) == len(set(kpis))
    assert all(a["items"] for a in doc["actions"])  # no empty list, no placeholder
    assert {row["channel"] for row in doc["channels"]} == {"email", "chat", "phone"}
    phone = next(row for row in doc["channels"] if row["channel"] == "phone")
    assert phone["kpis"]["tickets"]["value"] == 400
    assert phone["kpis"]["csat"]["value"] == pytest.approx(100 * 370 / 400)
    md = sh("summary", "--period", "2026-W46", "-f", "markdown", cwd=in_tmp).out
    assert "No action configured" not in md
    assert "95% CI 63.3–75.9%" in md and "## At a glance" in md
    html = sh("summary", "--period", "2026-W46", "-f", "html", cwd=in_tmp).out
    assert "95% CI 63.3–75.9%" in html and "By channel" in html


def test_terminal_fits_100_columns(in_tmp: Path) -> None:
    """On a terminal 100 columns wide no line is wider and no label wraps: every KPI
    label and agent name is whole on one line."""
    from rich.cells import cell_len

    write_week(in_tmp)
    r = sh("summary", "--period", "2026-W46", cwd=in_tmp, terminal=100, env={"NO_COLOR": "1"})
    assert r.code == 0, r.err
    out = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", r.out)
    lines = out.split("\n")
    assert max(cell_len(x) for x in lines) <= 100
    s = build_summary(options(in_tmp), "2026-W46", "previous", None, None)
    labels = [ln.label for ln in s.headline] + list(PLAN)
    for label in labels:
        assert any(line.lstrip().startswith(label) for line in lines), label
