"""Status history (SPEC §4b): times in statuses and SLA pauses, by hand through the console
script, and against a plain-Python reading of random histories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run, write_csv
from supportkpi.io.timeparse import NAT
from supportkpi.schema.history import from_changes, time_by_status, time_in
from supportkpi.schema.vocab import STATUSES
from supportkpi.sla.clock import CalendarClock

H = 3600.0
T_HEAD = ["ticket_id", "created_at", "first_response_at", "resolved_at", "priority"]
E_HEAD = ["ticket_id", "changed_at", "status"]
POLICY = "sla:\n  policies:\n    P1: {first_response: 1h, resolution: 4h, compliance: 90}\n"


def _results(doc: dict) -> dict[str, dict]:
    return {r["kpi"]: r for r in doc["results"] if r["group"] == {}}


def test_the_worked_example(tmp_path: Path) -> None:
    """Created 09:00; agent reply and pending at 10:00; the customer answers, open at
    12:00; solved 14:00 (24×7): requester wait 3 h, pending 2 h, resolution 5 h, agent
    work 3 h; a 4 h resolution target pausing in pending is met (3 h on the clock),
    breached without the pause."""
    write_csv(
        tmp_path / "t.csv",
        T_HEAD,
        [["T1", "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "2026-11-02T14:00:00Z", "P1"]],
    )
    write_csv(
        tmp_path / "e.csv",
        E_HEAD,
        [
            ["T1", "2026-11-02T10:00:00Z", "pending"],
            ["T1", "2026-11-02T12:00:00Z", "open"],
            ["T1", "2026-11-02T14:00:00Z", "solved"],
        ],
    )
    (tmp_path / "pause.yaml").write_text(POLICY)
    (tmp_path / "no-pause.yaml").write_text(POLICY + "  pause: {resolution: []}\n")
    kpis = "requester_wait_time,pending_time,agent_work_time,on_hold_time,resolution_time"
    args = ("compute", "-t", "t.csv", "-e", "e.csv", "-f", "json", "-k", kpis + ",sla_resolution")
    paused = _results(run(*args, "--config", "pause.yaml", cwd=tmp_path).json())
    assert paused["requester_wait_time"]["value"] == 3 * H
    assert paused["pending_time"]["value"] == 2 * H
    assert paused["agent_work_time"]["value"] == 3 * H
    assert paused["on_hold_time"]["value"] == 0.0
    assert paused["resolution_time"]["value"] == 5 * H
    assert (paused["sla_resolution"]["met"], paused["sla_resolution"]["breached"]) == (1, 0)
    unpaused = _results(run(*args, "--config", "no-pause.yaml", cwd=tmp_path).json())
    assert (unpaused["sla_resolution"]["met"], unpaused["sla_resolution"]["breached"]) == (0, 1)
    # the status-time targets: requester wait 3 h of a 3 h target (met: elapsed ≤ target),
    # agent work 3 h against 2 h 30 m (breached)
    (tmp_path / "status.yaml").write_text(
        "sla:\n  policies:\n    P1: {requester_wait: 3h, agent_work: 150m}\n"
    )
    status = _results(
        run(
            "compute", "-t", "t.csv", "-e", "e.csv", "-f", "json", "--config", "status.yaml",
            "-k", "sla_requester_wait,sla_agent_work", cwd=tmp_path,
        ).json()
    )  # fmt: skip
    assert (status["sla_requester_wait"]["met"], status["sla_requester_wait"]["breached"]) == (1, 0)
    assert (status["sla_agent_work"]["met"], status["sla_agent_work"]["breached"]) == (0, 1)
    # without a history the same ticket is breached, and the history KPIs say why not
    plain = _results(
        run("compute", "-t", "t.csv", "-f", "json", "--config", "pause.yaml", cwd=tmp_path).json()
    )
    assert plain["sla_resolution"]["breached"] == 1
    assert "no status history" in plain["requester_wait_time"]["reason"]


def test_time_in_status_is_one_row_per_status_adding_up_to_the_resolution_time(
    tmp_path: Path,
) -> None:
    """The worked example's ticket, and a second one reopened: created 08:00, open 08:30,
    solved 09:00, reopened (open) 10:00, on hold 10:30, closed 11:00. By hand: T1 new 1 h,
    pending 2 h, open 2 h (5 h); T2 new 30 m, open 30 m + 30 m, solved 1 h (between the
    solve and the reopen), on hold 30 m (3 h). Means over the two solved tickets."""
    write_csv(
        tmp_path / "t.csv",
        T_HEAD,
        [
            ["T1", "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "2026-11-02T14:00:00Z", "P1"],
            ["T2", "2026-11-02T08:00:00Z", "2026-11-02T08:30:00Z", "2026-11-02T11:00:00Z", "P1"],
            ["T3", "2026-11-02T08:00:00Z", "", "", "P1"],  # never solved: in no figure
        ],
    )
    write_csv(
        tmp_path / "e.csv",
        E_HEAD,
        [
            ["T1", "2026-11-02T10:00:00Z", "pending"],
            ["T1", "2026-11-02T12:00:00Z", "open"],
            ["T1", "2026-11-02T14:00:00Z", "solved"],
            ["T2", "2026-11-02T08:30:00Z", "open"],
            ["T2", "2026-11-02T09:00:00Z", "solved"],
            ["T2", "2026-11-02T10:00:00Z", "open"],
            ["T2", "2026-11-02T10:30:00Z", "on_hold"],
            ["T2", "2026-11-02T11:00:00Z", "closed"],
            ["T3", "2026-11-02T09:00:00Z", "open"],
        ],
    )
    (tmp_path / "c.yaml").write_text("timezone: UTC\n")
    doc = run(
        "compute", "-t", "t.csv", "-e", "e.csv", "--config", "c.yaml", "-f", "json",
        "-k", "time_in_status,time_in_status_median,resolution_time", cwd=tmp_path,
    ).json()  # fmt: skip
    means = {
        r["group"]["status"]: (r["value"], r["n"])
        for r in doc["results"]
        if r["kpi"] == "time_in_status"
    }
    assert means == {
        "new": ((1 * H + 0.5 * H) / 2, 2),
        "open": ((2 * H + 1 * H) / 2, 2),
        "pending": (2 * H / 2, 2),
        "on_hold": (0.5 * H / 2, 2),
        "solved": (1 * H / 2, 2),
        "closed": (0.0, 2),
    }
    resolution = next(r for r in doc["results"] if r["kpi"] == "resolution_time")
    assert sum(v for v, _ in means.values()) == resolution["value"] == 4 * H
    medians = [r for r in doc["results"] if r["kpi"] == "time_in_status_median"]
    assert [r["group"] for r in medians] == [{"status": s} for s in STATUSES]
    # the table: one column per status
    table = run(
        "compute", "-t", "t.csv", "-e", "e.csv", "--config", "c.yaml", "-k", "time_in_status",
        cwd=tmp_path,
    ).out  # fmt: skip
    assert "new" in table and "on_hold" in table and "1h 30m" in table  # open: 1 h 30 m
    # explain: the tickets behind one status's figure
    rows = run(
        "explain", "time_in_status", "--where", "status=open", "-t", "t.csv", "-e", "e.csv",
        "--config", "c.yaml", cwd=tmp_path,
    ).out.splitlines()  # fmt: skip
    assert rows[1:] == ['"T1","2026-11-02T14:00:00Z",7200', '"T2","2026-11-02T11:00:00Z",3600']
    refused = run("explain", "time_in_status", "-t", "t.csv", "-e", "e.csv", cwd=tmp_path)
    assert refused.code == 2 and "--where status=" in refused.err


def test_a_ticket_waiting_on_the_customer_is_paused_not_at_risk(tmp_path: Path) -> None:
    """At 15:00: T2 pending since 10:00 (1 h on its 4 h clock): paused; T3 open all along
    (6 h): breached; T4 went pending at 14:00 after 5 h open: breached before the pause,
    so it stays breached. `--list` says how long each clock ran and when T2 is due."""
    rows = [[t, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "", "P1"] for t in ("T2", "T3")]
    rows.append(["T4", "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "", "P1"])
    write_csv(tmp_path / "t.csv", T_HEAD, rows)
    write_csv(
        tmp_path / "e.csv",
        E_HEAD,
        [
            ["T2", "2026-11-02T10:00:00Z", "pending"],
            ["T3", "2026-11-02T10:00:00Z", "open"],
            ["T4", "2026-11-02T10:00:00Z", "open"],
            ["T4", "2026-11-02T14:00:00Z", "pending"],
        ],
    )
    (tmp_path / "p.yaml").write_text(POLICY)
    r = run(
        "sla-check", "-t", "t.csv", "-e", "e.csv", "--config", "p.yaml",
        "--as-of", "2026-11-02T15:00:00Z", "--list", "all", "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert r.code == 1, r.err
    doc = r.json()
    overall = next(x for x in doc["results"] if x["kpi"] == "sla_resolution" and x["group"] == {})
    assert (overall["paused"], overall["breached"], overall["at_risk"]) == (1, 2, 0)
    listed = {t["ticket_id"]: t for t in doc["tickets"] if t["target"] == "resolution"}
    assert listed["T2"]["state"] == "paused"
    assert listed["T2"]["elapsed_seconds"] == 1 * H  # 09:00-10:00; pending since
    assert listed["T2"]["due_at"] == "2026-11-02T18:00:00Z"  # 4 h on the clock + 5 h paused
    assert listed["T4"]["state"] == "breached"  # 5 h open > 4 h before it went pending
    # its clock ran out at 13:00; the pause from 14:00 moves no breach (it said 14:00:
    # every pause so far was added to the target)
    assert listed["T4"]["due_at"] == "2026-11-02T13:00:00Z"
    assert listed["T4"]["breach_at"] == "2026-11-02T13:00:00Z"
    assert listed["T4"]["overdue_seconds"] == 1 * H  # 5 h on the clock - 4 h
    assert listed["T3"]["elapsed_seconds"] == 6 * H
    prom = run(
        "sla-check", "-t", "t.csv", "-e", "e.csv", "--config", "p.yaml",
        "--as-of", "2026-11-02T15:00:00Z", "-f", "prometheus", cwd=tmp_path,
    )  # fmt: skip
    assert 'target="resolution",state="paused"} 1' in prom.out


def test_a_change_before_creation_counts_from_the_creation(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "t.csv",
        T_HEAD,
        [["T1", "2026-11-02T09:00:00Z", "", "2026-11-02T11:00:00Z", "P1"]],
    )
    write_csv(
        tmp_path / "e.csv",
        E_HEAD,
        [["T1", "2026-11-02T07:00:00Z", "open"], ["T1", "2026-11-02T11:00:00Z", "solved"]],
    )
    doc = run(
        "compute", "-t", "t.csv", "-e", "e.csv", "-k", "agent_work_time", "-f", "json",
        cwd=tmp_path,
    ).json()  # fmt: skip
    assert _results(doc)["agent_work_time"]["value"] == 2 * H  # 09:00-11:00, not 07:00
    events = next(i for i in doc["inputs"] if i["input"] == "events")
    assert [p["code"] for p in events["problems"]] == ["E031"]


# ------------------------------------------------------------------ a second reading
BASE = int(dt.datetime(2026, 11, 2, tzinfo=dt.UTC).timestamp()) * 1_000_000
MINUTE = 60_000_000

ticket_changes = st.lists(
    st.tuples(st.integers(-30, 3000), st.sampled_from(range(len(STATUSES)))), max_size=8
)


def _reference(created: int, changes: list[tuple[int, int]]) -> tuple[dict[int, float], float]:
    """Plain Python: the ticket's seconds in each status up to its last solve, and the
    last solve (NaN when not solved at the end)."""
    timeline = sorted(((max(t, created), k, s) for k, (t, s) in enumerate(changes)))
    intervals: list[tuple[int, int]] = []  # (start, status)
    if not timeline or timeline[0][0] > created:
        intervals.append((created, STATUSES.index("new")))
    intervals += [(t, s) for t, _, s in timeline]
    resolved = {STATUSES.index("solved"), STATUSES.index("closed")}
    solve = None
    for i, (t, s) in enumerate(intervals):
        if s in resolved and (i == 0 or intervals[i - 1][1] not in resolved):
            solve = t
    if intervals[-1][1] not in resolved:
        solve = None
    spent: dict[int, float] = {}
    if solve is not None:
        for i, (t, s) in enumerate(intervals):
            end = intervals[i + 1][0] if i + 1 < len(intervals) else solve
            lo, hi = t, min(end, solve)
            if hi > lo:
                spent[s] = spent.get(s, 0.0) + (hi - lo) / 1e6
    return spent, (float(solve) if solve is not None else float("nan"))


@settings(max_examples=150, deadline=None)
@given(st.lists(ticket_changes, min_size=1, max_size=6))
def test_times_in_statuses_match_a_plain_reading(histories: list[list[tuple[int, int]]]) -> None:
    created = np.array([BASE + 100 * MINUTE * i for i in range(len(histories))], dtype=np.int64)
    tickets, when, status = [], [], []
    for i, changes in enumerate(histories):
        for minute, s in changes:
            tickets.append(i)
            when.append(int(created[i]) + minute * MINUTE)
            status.append(s)
    history = from_changes(
        np.array(tickets, dtype=np.int64),
        np.array(when, dtype=np.int64),
        np.array(status, dtype=np.int8),
        created,
    )
    solve = history.last_solve()
    clock = CalendarClock()
    by_status = time_by_status(history, created, solve, clock.elapsed)
    for i, changes in enumerate(histories):
        spent, solved = _reference(
            int(created[i]), [(int(created[i]) + m * MINUTE, s) for m, s in changes]
        )
        assert (solve[i] == NAT) == np.isnan(solved)
        if np.isnan(solved):
            continue
        assert solve[i] == solved
        total = 0.0
        for s in range(len(STATUSES)):
            got = time_in(history, (s,), created, solve, clock.elapsed)[i]
            assert got == spent.get(s, 0.0)
            assert by_status[i, s] == got
            total += got
        # the statuses add up to the full resolution time
        assert total == (solve[i] - created[i]) / 1e6
        # a pause (here: the time pending) is never more than the calendar time
        assert time_in(history, (2,), created, solve, clock.elapsed)[i] <= total


@settings(max_examples=25, deadline=None)
@given(st.lists(ticket_changes, min_size=1, max_size=5), st.integers(30, 600))
def test_a_pause_never_turns_a_met_ticket_breached(
    histories: list[list[tuple[int, int]]], target_minutes: int
) -> None:
    """The same tickets judged with the resolution clock pausing in pending and with no
    pause: every ticket met without the pause is met with it, and its clock ran no
    longer."""
    import pyarrow as pa

    import supportkpi

    def iso(us: int) -> str:
        return dt.datetime.fromtimestamp(us / 1e6, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    created = [BASE + 100 * MINUTE * i for i in range(len(histories))]
    rows = []
    for i, changes in enumerate(histories):
        for minute, s in changes:
            rows.append((f"T{i}", iso(created[i] + minute * MINUTE), STATUSES[s]))
    events = pa.table(
        {
            "ticket_id": [r[0] for r in rows] or pa.array([], pa.string()),
            "changed_at": [r[1] for r in rows] or pa.array([], pa.string()),
            "status": [r[2] for r in rows] or pa.array([], pa.string()),
        }
    )
    # resolved at the last solve the history shows (a solved ticket), else open
    solves = [
        _reference(c, [(c + m * MINUTE, s) for m, s in h])[1]
        for c, h in zip(created, histories, strict=True)
    ]
    tickets = pa.table(
        {
            "ticket_id": [f"T{i}" for i in range(len(histories))],
            "created_at": [iso(c) for c in created],
            "resolved_at": [None if np.isnan(s) else iso(int(s)) for s in solves],
            "priority": ["P1"] * len(histories),
        }
    )
    policy = {"P1": {"resolution": f"{target_minutes}m"}}
    as_of = iso(created[-1] + 4000 * MINUTE)
    states = {}
    for pause in ([], ["pending"]):
        check = supportkpi.sla_check(
            tickets=tickets,
            events=events,
            config={"sla": {"policies": policy, "pause": {"resolution": pause}}},
            as_of=as_of,
            list="all",
        )
        states[bool(pause)] = {
            t["ticket_id"]: t for t in check.tickets if t["target"] == "resolution"
        }
    for ticket, unpaused in states[False].items():
        paused = states[True][ticket]
        assert paused["elapsed_seconds"] <= unpaused["elapsed_seconds"]
        if unpaused["state"] == "met":
            assert paused["state"] == "met"


def test_the_sla_table_with_paused_tickets_fits_80_columns() -> None:
    """The examples have a status history: a paused column joins the table, and on an
    80-column terminal the goal gives way (said below the table) rather than the status
    being cut."""
    import re

    from conftest import ROOT, sh

    args = ("sla-check", "--as-of", "2026-11-24T23:30:23Z")
    narrow = sh(*args, cwd=ROOT, terminal=80)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", narrow.out)
    lines = [line for line in shown.splitlines() if line.strip()]
    assert any(" paused " in line for line in lines)
    assert all(len(line.rstrip()) <= 80 for line in lines if "━" not in line)
    assert "missed" in shown and "…" not in shown
    assert "Not shown at 80 columns: goal" in shown
    wide = re.sub(r"\x1b\[[0-9;]*m", "", sh(*args, cwd=ROOT, terminal=120).out)
    assert " goal " in wide and "Not shown" not in wide


def test_due_times_on_business_hours(tmp_path: Path) -> None:
    """Mon–Fri 09:00–17:00: Fri 16:30 + 1 h → Mon 09:30; Wed 10:00 + 2 h → Wed 12:00;
    created Wed 07:00 with 2 h → Wed 11:00. Judged before any response: each is due then,
    with its whole target remaining."""
    write_csv(
        tmp_path / "t.csv",
        T_HEAD,
        [
            ["A", "2026-11-06T16:30:00Z", "", "", "P1"],  # a Friday
            ["B", "2026-11-04T10:00:00Z", "", "", "P2"],  # a Wednesday
            ["C", "2026-11-04T07:00:00Z", "", "", "P2"],
        ],
    )
    (tmp_path / "b.yaml").write_text(
        "timezone: UTC\nclock: business\n"
        "business_hours: {mon: '09:00-17:00', tue: '09:00-17:00', wed: '09:00-17:00',"
        " thu: '09:00-17:00', fri: '09:00-17:00'}\n"
        "sla:\n  policies:\n    P1: {first_response: 1h}\n    P2: {first_response: 2h}\n"
    )
    r = run(
        "sla-check", "-t", "t.csv", "--config", "b.yaml", "--as-of", "2026-11-04T07:30:00Z",
        "--list", "all", "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert r.code in (0, 1), r.err
    due = {t["ticket_id"]: t for t in r.json()["tickets"] if t["target"] == "first_response"}
    assert due["C"]["due_at"] == "2026-11-04T11:00:00Z"
    assert due["C"]["remaining_seconds"] == 2 * H and due["C"]["breach_at"] == due["C"]["due_at"]
    later = run(
        "sla-check", "-t", "t.csv", "--config", "b.yaml", "--as-of", "2026-11-06T16:45:00Z",
        "--list", "all", "-f", "json", cwd=tmp_path,
    ).json()  # fmt: skip
    due = {t["ticket_id"]: t for t in later["tickets"] if t["target"] == "first_response"}
    assert due["A"]["due_at"] == "2026-11-09T09:30:00Z"
    assert due["A"]["elapsed_seconds"] == 15 * 60  # 16:30-16:45 on the clock
    assert due["B"]["due_at"] == "2026-11-04T12:00:00Z"


def test_escalation_levels_say_which_level_an_at_risk_ticket_passed(tmp_path: Path) -> None:
    """Levels 50/75/90 % of the target used: at 15:00, a ticket open since 09:00 on an
    8 h target has used 75 % (at risk, level 75); one pending since 10:00 is paused."""
    rows = [[t, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "", "P1"] for t in ("T2", "T3")]
    write_csv(tmp_path / "t.csv", T_HEAD, rows)
    write_csv(
        tmp_path / "e.csv",
        E_HEAD,
        [["T2", "2026-11-02T10:00:00Z", "pending"], ["T3", "2026-11-02T10:00:00Z", "open"]],
    )
    (tmp_path / "l.yaml").write_text(
        "sla:\n  escalation_levels: [50%, 75%, 90%]\n"
        "  policies:\n    P1: {first_response: 1h, resolution: 8h}\n"
    )
    doc = run(
        "sla-check", "-t", "t.csv", "-e", "e.csv", "--config", "l.yaml",
        "--as-of", "2026-11-02T15:00:00Z", "--list", "all", "-f", "json", cwd=tmp_path,
    ).json()  # fmt: skip
    res = {t["ticket_id"]: t for t in doc["tickets"] if t["target"] == "resolution"}
    assert res["T3"]["state"] == "at_risk" and res["T3"]["escalation_level"] == 75
    assert res["T3"]["percent_elapsed"] == 75.0 and res["T3"]["remaining_seconds"] == 2 * H
    assert res["T2"]["state"] == "paused" and res["T2"]["paused_seconds"] == 5 * H
    assert res["T2"]["breach_at"] is None and "escalation_level" not in res["T2"]


def test_policies_as_a_list_first_match_wins_without_fall_through(tmp_path: Path) -> None:
    """A chat policy (5 m for P1) before a default one (1 h for P1, 8 h for P4): a chat
    P1 ticket answered in 10 m is breached, an email P1 one met; a chat P4 ticket matches
    the chat policy, which has no P4 target: not judged (unmatched), not the default's."""
    head = [*T_HEAD, "channel"]
    write_csv(
        tmp_path / "t.csv",
        head,
        [
            ["T1", "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "", "P1", "Chat"],
            ["T2", "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "", "P1", "email"],
            ["T3", "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "", "P4", "chat"],
            ["T4", "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "", "P4", "email"],
        ],
    )
    (tmp_path / "p.yaml").write_text(
        "sla:\n  policies:\n"
        "    - name: chat\n      when: {channel: [chat, messaging]}\n"
        "      targets: {P1: {first_response: 5m, compliance: 99}}\n"
        "    - name: default\n"
        "      targets: {P1: {first_response: 1h}, P4: {first_response: 8h, compliance: 80}}\n"
    )
    r = run(
        "sla-check", "-t", "t.csv", "--config", "p.yaml", "--as-of", "2026-11-02T12:00:00Z",
        "--list", "all", "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    doc = r.json()
    states = {t["ticket_id"]: t["state"] for t in doc["tickets"] if t["target"] == "first_response"}
    assert states == {"T1": "breached", "T2": "met", "T3": "n/a", "T4": "met"}
    overall = next(
        x for x in doc["results"] if x["kpi"] == "sla_first_response" and x["group"] == {}
    )
    assert (overall["met"], overall["breached"], overall["unmatched"]) == (2, 1, 1)
    # each priority's compliance goal is the first policy's that names it
    goal = {
        x["group"]["priority"]: x["target"]
        for x in doc["results"]
        if x["kpi"] == "sla_first_response" and x["group"]
    }
    assert goal["P1"] == {"min": 99.0} and goal["P4"] == {"min": 80.0}


def test_a_policy_may_match_any_customer_column(tmp_path: Path) -> None:
    """`when: {plan: enterprise}`, a column of the customers export only: T1 (customer
    C1, enterprise) answered in 10 m is breached against 5 m; T2 (C2, basic) is met
    against the default's 1 h. Without the customers the policy could match no ticket:
    exit 2, saying so, rather than every ticket silently on the default."""
    write_csv(
        tmp_path / "t.csv",
        [*T_HEAD, "customer_id"],
        [
            ["T1", "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "", "P1", "C1"],
            ["T2", "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "", "P1", "C2"],
        ],
    )
    write_csv(
        tmp_path / "c.csv",
        ["customer_id", "started_at", "Plan", "Segment"],
        [["C1", "2025-01-01", "Enterprise", "vip"], ["C2", "2025-01-01", "basic", "smb"]],
    )
    (tmp_path / "p.yaml").write_text(
        "sla:\n  policies:\n"
        "    - name: enterprise\n      when: {plan: enterprise}\n"
        "      targets: {P1: {first_response: 5m}}\n"
        "    - name: default\n      targets: {P1: {first_response: 1h}}\n"
    )
    common = ("-t", "t.csv", "--config", "p.yaml", "--as-of", "2026-11-02T12:00:00Z")
    doc = run("sla-check", *common, "--customers", "c.csv", "--list", "all", "-f", "json",
              cwd=tmp_path).json()  # fmt: skip
    assert {t["ticket_id"]: t["state"] for t in doc["tickets"]} == {"T1": "breached", "T2": "met"}
    # a column the customers input knows (segment) is read for the policy as well
    (tmp_path / "s.yaml").write_text(
        (tmp_path / "p.yaml").read_text().replace("{plan: enterprise}", "{segment: vip}")
    )
    doc = run("sla-check", *common[:2], "--config", "s.yaml", *common[4:], "--customers",
              "c.csv", "--list", "all", "-f", "json", cwd=tmp_path).json()  # fmt: skip
    assert {t["ticket_id"]: t["state"] for t in doc["tickets"]} == {"T1": "breached", "T2": "met"}
    by_plan = run("compute", *common, "--customers", "c.csv", "-k", "sla_first_response",
                  "--by", "plan", "-f", "json", cwd=tmp_path).json()  # fmt: skip
    values = {r["group"].get("plan"): r["value"] for r in by_plan["results"]}
    assert values == {None: 50.0, "Enterprise": 0.0, "basic": 100.0}
    for command in ("sla-check", "compute"):
        alone = run(command, *common, cwd=tmp_path)
        assert alone.code == 2
        assert "'enterprise' matches on plan" in alone.err and "--customers" in alone.err
    checked = run("validate", "-t", "t.csv", "--config", "p.yaml", cwd=tmp_path)
    assert checked.code == 2 and "'enterprise' matches on plan" in checked.out
    assert run("validate", *common[:4], "--customers", "c.csv", cwd=tmp_path).code == 0


def test_each_ticket_on_its_clock(tmp_path: Path) -> None:
    """clocks: emea on business hours (Mon–Fri 09–17), us on the calendar; clock_by:
    region; a chat policy on emea's clock whatever the region. Friday 16:30 + 1 h: on
    emea's clock Monday 09:30, on the calendar Friday 17:30; a region naming no clock
    (apac) keeps the config's (the calendar)."""
    head = [*T_HEAD, "region", "channel"]
    created = "2026-11-06T16:30:00Z"  # a Friday
    write_csv(
        tmp_path / "t.csv",
        head,
        [
            ["A", created, "", "", "P1", "emea", "email"],
            ["B", created, "", "", "P1", "us", "email"],
            ["C", created, "", "", "P1", "apac", "email"],
            ["D", created, "", "", "P1", "us", "chat"],
        ],
    )
    (tmp_path / "c.yaml").write_text(
        "clocks:\n"
        "  emea: {timezone: UTC, business_hours: {mon: '09:00-17:00', tue: '09:00-17:00',"
        " wed: '09:00-17:00', thu: '09:00-17:00', fri: '09:00-17:00'}}\n"
        "  us: {}\n"
        "sla:\n  clock_by: region\n  policies:\n"
        "    - {name: chat, when: {channel: chat}, clock: emea,"
        " targets: {P1: {first_response: 1h}}}\n"
        "    - {name: default, targets: {P1: {first_response: 1h}}}\n"
    )
    doc = run(
        "sla-check", "-t", "t.csv", "--config", "c.yaml", "--as-of", "2026-11-06T16:45:00Z",
        "--list", "all", "-f", "json", cwd=tmp_path,
    ).json()  # fmt: skip
    due = {t["ticket_id"]: t for t in doc["tickets"] if t["target"] == "first_response"}
    assert due["A"]["due_at"] == "2026-11-09T09:30:00Z"
    assert due["D"]["due_at"] == "2026-11-09T09:30:00Z"
    assert due["B"]["due_at"] == "2026-11-06T17:30:00Z"
    assert due["C"]["due_at"] == "2026-11-06T17:30:00Z"
    assert due["A"]["elapsed_seconds"] == due["B"]["elapsed_seconds"] == 15 * 60
    (tmp_path / "bad.yaml").write_text(
        "sla:\n  policies:\n    - {clock: nope, targets: {P1: {first_response: 1h}}}\n"
    )
    bad = run("sla-check", "-t", "t.csv", "--config", "bad.yaml", cwd=tmp_path)
    assert bad.code == 2 and "sla.policies.0.clock: unknown clock 'nope'" in bad.err


def test_an_unknown_status_is_said_beside_the_figures(tmp_path: Path) -> None:
    """'Awaiting Vendor' is no status supportkpi knows: the hour T1 spent in it is in no
    status (pending 0, time in status short of the resolution time), and compute says so
    in a note naming the status and how to map it; mapped, the hour is on hold."""
    write_csv(
        tmp_path / "t.csv",
        T_HEAD,
        [["T1", "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "2026-11-02T14:00:00Z", "P1"]],
    )
    write_csv(
        tmp_path / "e.csv",
        E_HEAD,
        [
            ["T1", "2026-11-02T10:00:00Z", "Awaiting Vendor"],
            ["T1", "2026-11-02T11:00:00Z", "open"],
            ["T1", "2026-11-02T14:00:00Z", "solved"],
        ],
    )
    (tmp_path / "c.yaml").write_text("timezone: UTC\n")
    args = ("compute", "-t", "t.csv", "-e", "e.csv", "-k", "on_hold_time", "-f", "json")
    doc = run(*args, "--config", "c.yaml", cwd=tmp_path).json()
    assert _results(doc)["on_hold_time"]["value"] == 0.0
    (note,) = [n for n in doc["notes"] if "Awaiting Vendor" in n]
    assert "in 1 status change(s)" in note and "{Awaiting Vendor: on_hold}" in note
    (tmp_path / "m.yaml").write_text(
        "timezone: UTC\nvalues: {status: {Awaiting Vendor: on_hold}}\n"
    )
    mapped = run(*args, "--config", "m.yaml", cwd=tmp_path).json()
    assert _results(mapped)["on_hold_time"]["value"] == H
    assert not [n for n in mapped.get("notes", []) if "Awaiting Vendor" in n]


def test_an_unknown_status_of_an_event_log_export_is_said_too(tmp_path: Path) -> None:
    """The same for an export that is itself an event log (`events:` in the config, as
    the hint of validate suggests): the note names the status, and validate's E024 says
    what the time in it misses and how to map it."""
    write_csv(
        tmp_path / "log.csv",
        ["Ticket", "Timestamp", "Status Name"],
        [
            ["T1", "2026-11-02 09:00", "Logged"],
            ["T1", "2026-11-02 10:00", "Pending"],
            ["T1", "2026-11-02 12:00", "Closed"],
            ["T2", "2026-11-02 11:00", "Logged"],  # T2: still Logged at the as-of time
        ],
    )
    (tmp_path / "targets.yaml").write_text(
        "events: {tickets: {id: Ticket, time: Timestamp, status: Status Name,"
        " resolved: [Closed]}}\n"
    )
    doc = run("compute", "-t", "log.csv", "-k", "requester_wait_time,pending_time", "-f", "json",
              cwd=tmp_path).json()  # fmt: skip
    # Logged (09:00-10:00) is in no status: the requester waited 0 s of the hour
    assert _results(doc)["requester_wait_time"]["value"] == 0.0
    assert _results(doc)["pending_time"]["value"] == 2 * H
    (note,) = [n for n in doc["notes"] if "Logged" in n]
    assert note.startswith("tickets: unknown status 'Logged' in 2 status change(s)")
    checked = run("validate", "-t", "log.csv", cwd=tmp_path)
    assert "map it with values: {status: {'Logged': open}}" in checked.out
    assert "counts in no status of the history KPIs" in checked.out


def test_time_in_status_by_a_dimension_is_one_row_per_group() -> None:
    """--by channel: the time in status table has a row per KPI and channel and a column
    per status (not one row per channel, status and KPI)."""
    root = Path(__file__).resolve().parents[1] / "examples"
    out = run(
        "compute", "-t", str(root / "tickets.csv"), "-e", str(root / "events.csv"),
        "-k", "time_in_status", "--by", "channel", cwd=root,
    ).out  # fmt: skip
    table = out[out.index("By channel × status") :].splitlines()
    assert table[1].split() == ["KPI", "channel", *STATUSES]
    rows = [line for line in table if line.startswith("Time in status (mean)")]
    assert [r.split()[4] for r in rows] == ["chat", "email", "phone", "self_service", "social"]


def test_time_in_status_in_csv_keeps_the_kpi_status_column_apart(tmp_path: Path) -> None:
    """The status a time in status is of is a group column `group.status`, beside the
    KPI's own `status` (met, missed…): two columns called status made pandas read
    `status.1` and a spreadsheet filter the wrong one."""
    import csv
    import io

    root = Path(__file__).resolve().parents[1] / "examples"
    out = run(
        "compute", "-t", str(root / "tickets.csv"), "-e", str(root / "events.csv"),
        "-k", "tickets,time_in_status", "--by", "channel", "-f", "csv", cwd=tmp_path,
    ).out  # fmt: skip
    header = next(csv.reader(io.StringIO(out)))
    assert len(header) == len(set(header))
    rows = list(csv.DictReader(io.StringIO(out)))
    pending = [r for r in rows if r["group.status"] == "pending" and r["channel"] == "email"]
    assert len(pending) == 1 and pending[0]["kpi"] == "time_in_status"
    assert {r["status"] for r in rows} <= {"no_target", "met", "missed", "low_sample", "n/a"}
