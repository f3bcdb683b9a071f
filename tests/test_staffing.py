"""`supportkpi staffing` (issue #20 part 4, SPEC §6b): Erlang C checked against the
published example and against the textbook formula computed independently here."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, run, sh
from supportkpi.kpis import erlang

EXAMPLES = ROOT / "examples"
SPEC_FIELDS = [
    "day",
    "hour",
    "channel",
    "arrivals_per_hour",
    "handle_seconds",
    "traffic_erlangs",
    "agents_needed",
    "agents_rostered",
    "service_level",
    "p_wait",
    "asa_seconds",
    "occupancy",
    "agents_scheduled",
    "gap",
]


def _erlang_c_direct(a: float, n: int) -> float:
    """The textbook Erlang C, A^N/N! · N/(N−A) over Σ_{k<N} A^k/k! + that, with each
    term in log space (lgamma) and a log-sum-exp: an independent second method."""
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(n)]
    top = n * math.log(a) - math.lgamma(n + 1) + math.log(n / (n - a))
    peak = max([*logs, top])
    total = sum(math.exp(x - peak) for x in logs) + math.exp(top - peak)
    return math.exp(top - peak) / total


def test_published_example() -> None:
    # 100 contacts per 30 minutes = 200 an hour, 3-minute handle time: 10 Erlangs;
    # 80 % within 20 s, occupancy ≤ 85 %, shrinkage 30 % (Call Centre Helper's example)
    traffic = np.array([200 * 180 / 3600])
    got = erlang.agents_needed(traffic, 180.0, 20.0, 0.80, 0.85)
    assert got.traffic[0] == pytest.approx(10.0)
    assert got.agents[0] == 14
    assert round(float(got.p_wait[0]), 4) == 0.1741
    assert round(float(got.service_level[0]), 4) == 0.8884
    assert round(float(got.asa[0]), 2) == 7.84
    assert round(float(got.occupancy[0]), 3) == 0.714
    assert erlang.rostered(got.agents, 0.30)[0] == 20  # 14 / 0.7 = 20, not 21
    # 13 agents fall short (the published table: 78.8 %), which is why 14 are needed
    c13 = _erlang_c_direct(10.0, 13)
    assert 1 - c13 * math.exp(-3 * 20 / 180) < 0.80


def test_erlang_c_by_hand_a2_n3() -> None:
    # A = 2, N = 3: A^3/3! · 3/(3−2) = 4/3 · 3 = 4; Σ_{k<3} 2^k/k! = 1 + 2 + 2 = 5;
    # C = 4 / (5 + 4) = 4/9
    assert float(erlang.erlang_c(2.0, 3)) == pytest.approx(4 / 9, abs=1e-12)
    # Erlang B for A = 2, N = 3: (8/6) / (1 + 2 + 2 + 8/6) = 4/19
    assert float(erlang.erlang_b(2.0, 3)) == pytest.approx(4 / 19, abs=1e-12)


@pytest.mark.parametrize(("a", "n"), [(10.0, 14), (50.0, 58), (500.0, 540), (1000.0, 1060)])
def test_recursion_matches_the_direct_sum_without_overflow(a: float, n: int) -> None:
    got = float(erlang.erlang_c(a, n))
    assert math.isfinite(got)
    assert got == pytest.approx(_erlang_c_direct(a, n), rel=1e-9)


def test_agents_needed_is_the_smallest_meeting_both_goals() -> None:
    traffic = np.array([0.0, 0.2, 3.0, 40.0, 500.0])
    got = erlang.agents_needed(traffic, 300.0, 30.0, 0.9, 0.85)
    assert got.agents[0] == 0 and got.service_level[0] == 1.0  # no contacts, no agent
    for a, n in zip(traffic[1:], got.agents[1:], strict=True):

        def meets(k: int, a: float = a) -> bool:
            if k <= a:
                return False
            c = _erlang_c_direct(a, k)
            return 1 - c * math.exp(-(k - a) * 30 / 300) >= 0.9 and a / k <= 0.85

        assert meets(int(n))
        assert not meets(int(n) - 1)


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_hand_arrivals_through_the_console_script(tmp_path: Path) -> None:
    # 8 chat tickets on Monday 10:xx New York time over two weeks: 4 an hour
    (tmp_path / "targets.yaml").write_text("timezone: America/New_York\n")
    rows = [
        f"{i},2026-11-{day:02d} 10:{10 + i:02d},chat,180"
        for i, day in enumerate([2, 2, 2, 2, 9, 9, 9, 9], start=1)
    ]
    rows.append("99,2026-11-16 09:00,chat,180")  # the as-of week: not counted
    _write(tmp_path / "t.csv", "ticket_id,created_at,channel,talk_seconds", rows)
    # one agent scheduled 8 h on each of the two Mondays
    _write(
        tmp_path / "a.csv",
        "agent,date,scheduled_seconds",
        ["Ana,2026-11-02,28800", "Ana,2026-11-09,28800"],
    )
    r = sh(
        "staffing", "-t", "t.csv", "--agents", "a.csv", "--weeks", "2", "-f", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["weeks"]["count"] == 2
    rows_out = doc["results"]
    assert len(rows_out) == 7 * 24
    assert all(list(row) == SPEC_FIELDS for row in rows_out)
    slot = next(x for x in rows_out if x["day"] == "mon" and x["hour"] == 10)
    assert slot["arrivals_per_hour"] == 4.0
    a = 4 * 180 / 3600  # 0.2 Erlang; with one agent C = A (Erlang C of N = 1)
    assert slot["traffic_erlangs"] == pytest.approx(a)
    assert slot["agents_needed"] == 1
    assert slot["p_wait"] == pytest.approx(a)
    assert slot["service_level"] == pytest.approx(100 * (1 - a * math.exp(-(1 - a) * 20 / 180)))
    assert slot["asa_seconds"] == pytest.approx(a * 180 / (1 - a))
    assert slot["agents_rostered"] == 2  # ceil(1 / 0.7)
    # the day's 8 scheduled hours, all on the only hour that needs anyone
    assert slot["agents_scheduled"] == pytest.approx(8.0)
    assert slot["gap"] == pytest.approx(6.0)
    quiet = [x for x in rows_out if (x["day"], x["hour"]) != ("mon", 10)]
    assert all(x["arrivals_per_hour"] == 0 and x["agents_needed"] == 0 for x in quiet)
    mon = next(d for d in doc["days"] if d["day"] == "mon")
    assert mon == {"day": "mon", "scheduled_hours": 8.0, "rostered_hours": 2.0, "gap_hours": 6.0}


def test_runs_on_the_examples() -> None:
    r = sh(
        "staffing", "-t", "tickets.csv", "--agents", "agents.csv",
        "--handle-time", "email=8m", "--handle-time", "social=10m", "-f", "json",
        cwd=EXAMPLES,
    )  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    channels = {c["channel"] for c in doc["channels"]}
    assert channels == {"email", "chat", "phone", "social"}  # self_service needs no agent
    assert len(doc["results"]) == 7 * 24 * len(channels)
    email = next(c for c in doc["channels"] if c["channel"] == "email")
    assert email["answer_within_seconds"] == 4 * 3600  # the SLA's P3 first response
    table = sh("staffing", "-t", "tickets.csv", "--channel", "chat", cwd=EXAMPLES)
    assert table.code == 0, table.err
    assert "chat: agents to roster" in table.out
    assert max(len(line) for line in table.out.splitlines()) <= 100
    md = run("staffing", "-t", "tickets.csv", "--channel", "phone", "-f", "markdown", cwd=EXAMPLES)
    assert md.code == 0 and "| hour | mon |" in md.out
    csv_ = run("staffing", "-t", "tickets.csv", "--channel", "phone", "-f", "csv", cwd=EXAMPLES)
    assert csv_.code == 0 and csv_.out.splitlines()[0] == ",".join(SPEC_FIELDS)
    assert len(csv_.out.splitlines()) == 1 + 7 * 24


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--service-level", "0.8"], "percentages are 0–100"),
        (["--service-level", "100%"], "below 100"),
        (["--shrinkage", "100%"], "below 100"),
        (["--max-occupancy", "0"], "above 0"),
        (["--answer-within", "20"], "expected a duration"),
        (["--handle-time", "chat=0s"], "above 0"),
        (["--channel", "fax"], "--channel fax"),
        (["--channel", "fax"], "channels: email, chat, phone, social)"),  # not self_service
        (["--channel", "self_service"], "self_service: answered without an agent"),
        ([], "no handle time for email"),
    ],
)
def test_bad_options_exit_2(args: list[str], says: str) -> None:
    r = sh("staffing", "-t", "tickets.csv", *args, cwd=EXAMPLES)
    assert r.code == 2, r.out
    assert says in r.err
    assert "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_bad_config_value_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text("staffing:\n  channels:\n    chat: {shrinkage: 30}\n")
    r = sh("staffing", "-t", str(EXAMPLES / "tickets.csv"), cwd=tmp_path)
    assert r.code == 2
    assert "staffing.channels.chat.shrinkage" in r.err
    (tmp_path / "targets.yaml").write_text("staffing:\n  service_level: 100\n")
    r = sh("staffing", "-t", str(EXAMPLES / "tickets.csv"), cwd=tmp_path)
    assert r.code == 2 and "staffing.service_level" in r.err


def test_config_goals_and_handle_time_apply(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text(
        "staffing:\n  shrinkage: 20%\n  weeks: 2\n"
        "  channels:\n    email: {answer_within: 1h, service_level: 95%, handle_time: 5m}\n"
    )
    r = sh(
        "staffing", "-t", str(EXAMPLES / "tickets.csv"), "--channel", "email", "-f", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    (email,) = doc["channels"]
    assert email["answer_within_seconds"] == 3600 and email["service_level"] == 95
    assert email["handle_seconds"] == 300 and email["handle_from"] == "config"
    assert doc["shrinkage"] == 20 and doc["weeks"]["count"] == 2
    for row in doc["results"]:
        assert row["agents_rostered"] == math.ceil(row["agents_needed"] / 0.8 - 1e-9)


def test_python_api() -> None:
    import supportkpi

    r = supportkpi.staffing(
        tickets=str(EXAMPLES / "tickets.csv"), channels="chat", service_level="90%", shrinkage="25%"
    )
    assert [q.channel for q in r.queues] == ["chat"] and r.queues[0].service_level == 90
    for row in r.results:
        assert row["agents_rostered"] == math.ceil(row["agents_needed"] / 0.75 - 1e-9)
    with pytest.raises(supportkpi.UsageError, match="did you mean 30%"):
        supportkpi.staffing(tickets=str(EXAMPLES / "tickets.csv"), shrinkage="0.3")


def test_summary_html_has_a_staffing_heat_map_with_the_agents_input() -> None:
    r = sh("summary", "-t", "tickets.csv", "--agents", "agents.csv", "-f", "html", cwd=EXAMPLES)
    assert r.code == 0, r.err
    section = r.out.split('<section id="staffing">', 1)
    assert len(section) == 2  # without a handle time for email: the reason, not the map
    reason = section[1].split("</section>")[0]
    assert "Not computed: no handle time for email" in reason
    # what to do, in the summary's terms: it has no --handle-time option
    assert (
        "staffing.channels.&lt;channel&gt;.handle_time" in reason and "--handle-time" not in reason
    )
    without = sh("summary", "-t", "tickets.csv", "-f", "html", cwd=EXAMPLES)
    assert without.code == 0 and 'id="staffing"' not in without.out


def test_summary_heat_map_cells(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text(
        "staffing:\n  channels:\n    email: {handle_time: 8m}\n    social: {handle_time: 10m}\n"
    )
    r = sh(
        "summary", "-t", str(EXAMPLES / "tickets.csv"), "--agents", str(EXAMPLES / "agents.csv"),
        "-f", "html", cwd=tmp_path,
    )  # fmt: skip
    assert r.code == 0, r.err
    html = r.out.split('<section id="staffing">', 1)[1].split("</section>")[0]
    for channel in ("email", "chat", "phone", "social"):
        assert f"<h3>{channel}: agents to roster" in html
    # the examples schedule a few hours a day: under-staffed hours are marked missed
    assert '<td class="num missed">2 (-2)</td>' in html or 'class="num missed"' in html
    js = sh(
        "summary", "-t", str(EXAMPLES / "tickets.csv"), "--agents", str(EXAMPLES / "agents.csv"),
        "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert js.code == 0 and "staffing" not in js.json()  # the JSON stays as it was


def test_summary_heat_map_from_stdin(tmp_path: Path) -> None:
    # the summary spools stdin to a temporary file: the staffing is read while it exists
    (tmp_path / "targets.yaml").write_text(
        "staffing:\n  channels:\n    email: {handle_time: 8m}\n    social: {handle_time: 10m}\n"
    )
    r = sh(
        "summary", "-t", "-", "--agents", str(EXAMPLES / "agents.csv"), "-f", "html",
        cwd=tmp_path, stdin=(EXAMPLES / "tickets.csv").read_bytes(),
    )  # fmt: skip
    assert r.code == 0, r.err
    html = r.out.split('<section id="staffing">', 1)[1].split("</section>")[0]
    assert "Not computed" not in html and "<h3>chat: agents to roster" in html
