"""Comments (SPEC §4b): next reply time per reply cycle, replies per ticket, and
reassignments from the status history's agent column, worked by hand through the console
script, and reply cycles against a plain-Python reading of random conversations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run, sh, write_csv
from supportkpi.schema.conversation import AGENT, CUSTOMER, reply_cycles
from supportkpi.schema.vocab import AUTHORS

MIN = 60.0
T_HEAD = ["ticket_id", "created_at", "resolved_at", "agent"]
C_HEAD = ["ticket_id", "created_at", "author", "public"]
E_HEAD = ["ticket_id", "changed_at", "status", "agent"]
DAY = "2026-11-02T"
REPLY_KPIS = "next_reply_time,next_reply_time_median,next_reply_time_p90"


def _overall(doc: dict) -> dict[str, dict]:
    return {r["kpi"]: r for r in doc["results"] if r["group"] == {}}


def _tickets(path: Path) -> None:
    """T1 (ann) solved at 13:00, T2 (bob) solved at 12:00, T3 (ann) still open."""
    write_csv(
        path,
        T_HEAD,
        [
            ["T1", DAY + "08:50:00Z", DAY + "13:00:00Z", "ann"],
            ["T2", DAY + "08:00:00Z", DAY + "12:00:00Z", "bob"],
            ["T3", DAY + "08:00:00Z", "", "ann"],
        ],
    )


# T1's conversation, in the exports' own words for the authors
T1_COMMENTS = [
    ["T1", DAY + "09:00:00Z", "end-user", ""],  # opens a cycle (public by default)
    ["T1", DAY + "09:10:00Z", "Customer", "true"],  # the same cycle
    ["T1", DAY + "09:30:00Z", "agent", "false"],  # an internal note: closes nothing
    ["T1", DAY + "09:40:00Z", "bot", ""],  # a system message: neither
    ["T1", DAY + "10:00:00Z", "staff", "yes"],  # the reply: 1 h from 09:00
    ["T1", DAY + "10:20:00Z", "agent", ""],  # a second reply: no open cycle
    ["T1", DAY + "11:00:00Z", "requester", ""],  # opens a cycle
    ["T1", DAY + "11:30:00Z", "admin", "1"],  # the reply: 30 min
    ["T1", DAY + "12:00:00Z", "customer", ""],  # never answered: no value
]


def test_next_reply_time_by_hand(tmp_path: Path) -> None:
    """Two cycles of T1: 09:00 → 10:00 (1 h) and 11:00 → 11:30 (30 min); mean 45 min,
    median 45 min, p90 1800 + 0.9 × 1800 = 3420 s, n 2; both in ann's group (T1's agent)."""
    _tickets(tmp_path / "t.csv")
    write_csv(tmp_path / "c.csv", C_HEAD, T1_COMMENTS)
    args = ("compute", "-t", "t.csv", "--comments", "c.csv", "-k", REPLY_KPIS, "-f", "json")
    done = sh(*args, "--by", "agent", cwd=tmp_path)
    assert done.code == 0, done.err
    doc = done.json()
    got = _overall(doc)
    assert got["next_reply_time"]["value"] == 45 * MIN
    assert got["next_reply_time"]["n"] == 2
    assert got["next_reply_time_median"]["value"] == 45 * MIN
    assert got["next_reply_time_p90"]["value"] == 3420.0
    ann = [
        r
        for r in doc["results"]
        if r["kpi"] == "next_reply_time" and r["group"] == {"agent": "ann"}
    ]
    assert [(r["value"], r["n"]) for r in ann] == [(45 * MIN, 2)]
    # without a public column every comment is public: the 09:30 note is then the reply
    # (30 min), and 11:00 → 11:30 is the second cycle (30 min)
    write_csv(tmp_path / "c2.csv", C_HEAD[:3], [r[:3] for r in T1_COMMENTS])
    plain = _overall(run(*args[:4], "c2.csv", *args[5:], cwd=tmp_path).json())
    assert (plain["next_reply_time"]["value"], plain["next_reply_time"]["n"]) == (30 * MIN, 2)


def test_cycles_per_ticket_and_unlinked_comments(tmp_path: Path) -> None:
    """A cycle never spans two tickets: T2's customer comment at 09:00 is not answered by
    T1's agent at 09:30; T2's own reply at 09:20 closes it (20 min). A ticket missing from
    the tickets export still has its cycles (T9: 10 min), counted as E020."""
    _tickets(tmp_path / "t.csv")
    write_csv(
        tmp_path / "c.csv",
        C_HEAD,
        [
            ["T1", DAY + "09:00:00Z", "customer", ""],
            ["T2", DAY + "09:00:00Z", "customer", ""],
            ["T9", DAY + "09:00:00Z", "customer", ""],
            ["T9", DAY + "09:10:00Z", "agent", ""],
            ["T2", DAY + "09:20:00Z", "agent", ""],
            ["T1", DAY + "09:30:00Z", "agent", ""],
        ],
    )
    args = ("compute", "-t", "t.csv", "--comments", "c.csv", "-k", "next_reply_time")
    got = _overall(run(*args, "-f", "json", cwd=tmp_path).json())["next_reply_time"]
    assert (got["value"], got["n"]) == ((30 + 20 + 10) * MIN / 3, 3)
    checked = run("validate", "-t", "t.csv", "--comments", "c.csv", cwd=tmp_path)
    assert "E020" in checked.out


def test_comments_without_time_or_ticket_are_counted_and_dropped(tmp_path: Path) -> None:
    _tickets(tmp_path / "t.csv")
    write_csv(
        tmp_path / "c.csv",
        C_HEAD,
        [
            ["", DAY + "09:00:00Z", "customer", ""],
            ["T1", "", "agent", ""],
            ["T1", DAY + "09:00:00Z", "customer", ""],
            ["T1", DAY + "09:05:00Z", "agent", ""],
        ],
    )
    checked = run("validate", "-t", "t.csv", "--comments", "c.csv", cwd=tmp_path)
    assert "E010" in checked.out and "E011" in checked.out
    assert "4 rows read, 2 used, 2 rejected" in checked.out
    args = ("compute", "-t", "t.csv", "--comments", "c.csv", "-k", "next_reply_time", "-f", "json")
    got = _overall(run(*args, cwd=tmp_path).json())["next_reply_time"]
    assert (got["value"], got["n"]) == (5 * MIN, 1)


def test_replies_per_ticket_by_hand(tmp_path: Path) -> None:
    """Solved T1 has 3 public agent comments (10:00, 10:20, 11:30; the 09:30 note is
    private, the bot's message is not an agent's), solved T2 none, open T3 is not counted:
    (3 + 0) / 2 = 1.5, n 2."""
    _tickets(tmp_path / "t.csv")
    write_csv(
        tmp_path / "c.csv",
        C_HEAD,
        [*T1_COMMENTS, ["T3", DAY + "09:00:00Z", "agent", ""]],
    )
    args = ("compute", "-t", "t.csv", "--comments", "c.csv", "-k", "replies_per_ticket")
    got = _overall(run(*args, "-f", "json", cwd=tmp_path).json())["replies_per_ticket"]
    assert (got["value"], got["n"]) == (1.5, 2)
    # without the comments input it says why it has no value
    none = _overall(run(*args[:3], *args[5:], "-f", "json", cwd=tmp_path).json())
    assert none["replies_per_ticket"]["value"] is None
    assert "no comments input" in none["replies_per_ticket"]["reason"]


def test_reassignments_by_hand(tmp_path: Path) -> None:
    """T1: ann, (no agent), bob, bob, ann: two changes after the first assignment (the
    empty one is skipped); T2: bob throughout: 0; T3 is not solved. (2 + 0) / 2 = 1.0."""
    _tickets(tmp_path / "t.csv")
    write_csv(
        tmp_path / "e.csv",
        E_HEAD,
        [
            ["T1", DAY + "09:00:00Z", "open", "ann"],
            ["T2", DAY + "09:00:00Z", "open", "bob"],
            ["T1", DAY + "10:00:00Z", "open", ""],
            ["T1", DAY + "10:30:00Z", "open", "bob"],
            ["T3", DAY + "10:30:00Z", "open", "bob"],
            ["T3", DAY + "10:40:00Z", "open", "ann"],
            ["T1", DAY + "11:00:00Z", "pending", "bob"],
            ["T1", DAY + "11:10:00Z", "open", "ann"],
            ["T2", DAY + "12:00:00Z", "solved", "bob"],
            ["T1", DAY + "13:00:00Z", "solved", "ann"],
        ],
    )
    args = ("compute", "-t", "t.csv", "-e", "e.csv", "-k", "reassignments", "-f", "json")
    got = _overall(sh(*args, cwd=tmp_path).json())["reassignments"]
    assert (got["value"], got["n"]) == (1.0, 2)
    # a history without an agent column cannot give it, and says so
    write_csv(tmp_path / "e2.csv", E_HEAD[:3], [])
    no_agent = _overall(run(*args[:4], "e2.csv", *args[5:], cwd=tmp_path).json())
    assert no_agent["reassignments"]["value"] is None
    assert "no agent column" in no_agent["reassignments"]["reason"]


def test_group_reassignments_by_hand(tmp_path: Path) -> None:
    """T1: billing, (none), tier 2, billing: two moves after the first group (the empty one
    skipped); T2: tier 1 throughout: 0; T3 moves but is not solved. (2 + 0) / 2 = 1.0."""
    _tickets(tmp_path / "t.csv")
    write_csv(
        tmp_path / "e.csv",
        ["ticket_id", "changed_at", "status", "group"],
        [
            ["T1", DAY + "09:00:00Z", "open", "billing"],
            ["T2", DAY + "09:00:00Z", "open", "tier 1"],
            ["T1", DAY + "10:00:00Z", "open", ""],
            ["T1", DAY + "10:30:00Z", "open", "tier 2"],
            ["T3", DAY + "10:30:00Z", "open", "tier 1"],
            ["T3", DAY + "10:40:00Z", "open", "tier 2"],
            ["T1", DAY + "11:10:00Z", "open", "billing"],
            ["T2", DAY + "12:00:00Z", "solved", "tier 1"],
            ["T1", DAY + "13:00:00Z", "solved", "billing"],
        ],
    )
    kpis = "group_reassignments,reassignments"
    args = ("compute", "-t", "t.csv", "-e", "e.csv", "-k", kpis, "-f", "json")
    got = _overall(sh(*args, cwd=tmp_path).json())
    assert (got["group_reassignments"]["value"], got["group_reassignments"]["n"]) == (1.0, 2)
    assert "no agent column" in got["reassignments"]["reason"]  # and the other way round


# ------------------------------------------------------------ against a plain reading
BASE = int(dt.datetime(2026, 11, 2, tzinfo=dt.UTC).timestamp() * 1_000_000)
comment = st.tuples(
    st.integers(0, 3),  # ticket
    st.integers(0, 30),  # minute: equal times are frequent
    st.sampled_from([*range(len(AUTHORS)), -1]),  # author, -1 unknown
    st.booleans(),  # public
)


def _reference(comments: list[tuple[int, int, int, bool]]) -> list[tuple[int, int]]:
    """(file position of the reply, minutes it took), per cycle, read one comment at a
    time: each ticket's public customer and agent comments in time then file order."""
    out = []
    for t in sorted({c[0] for c in comments}):
        mine = [
            (minute, i, author)
            for i, (ticket, minute, author, public) in enumerate(comments)
            if ticket == t and public and author in (AGENT, CUSTOMER)
        ]
        waiting_since = None
        for minute, i, author in sorted(mine):
            if author == CUSTOMER:
                if waiting_since is None:
                    waiting_since = minute
            elif waiting_since is not None:
                out.append((i, minute - waiting_since))
                waiting_since = None
    return sorted(out)


@settings(max_examples=200, deadline=None)
@given(st.lists(comment, max_size=25))
def test_reply_cycles_match_a_plain_reading(comments: list[tuple[int, int, int, bool]]) -> None:
    ticket = np.array([c[0] for c in comments], dtype=np.int64)
    when = np.array([BASE + c[1] * 60_000_000 for c in comments], dtype=np.int64)
    author = np.array([c[2] for c in comments], dtype=np.int8)
    public = np.array([c[3] for c in comments], dtype=bool)
    rows, opened = reply_cycles(ticket, when, author, public)
    got = sorted(
        (int(r), int((when[r] - o) // 60_000_000)) for r, o in zip(rows, opened, strict=True)
    )
    assert got == _reference(comments)


@settings(max_examples=20, deadline=None)
@given(st.lists(comment, min_size=1, max_size=15))
def test_next_reply_time_matches_a_plain_reading(
    comments: list[tuple[int, int, int, bool]],
) -> None:
    """The same through the library: mean and n of next_reply_time."""
    import pyarrow as pa

    import supportkpi

    def iso(minute: int) -> str:
        return f"{DAY}09:{minute:02d}:00Z"

    names = ["agent", "customer", "system", "someone"]  # "someone": not an author
    table = pa.table(
        {
            "ticket_id": [f"T{c[0]}" for c in comments],
            "created_at": [iso(c[1]) for c in comments],
            "author": [names[c[2]] for c in comments],
            "public": ["yes" if c[3] else "no" for c in comments],
        }
    )
    tickets = pa.table(
        {"ticket_id": [f"T{i}" for i in range(4)], "created_at": [DAY + "08:00:00Z"] * 4}
    )
    report = supportkpi.compute(tickets=tickets, comments=table, kpis=["next_reply_time"])
    got = next(r for r in report.results if r.kpi == "next_reply_time")
    expected = [m * MIN for _, m in _reference(comments)]
    assert got.n == len(expected)
    if expected:
        assert got.value == sum(expected) / len(expected)
    else:
        assert got.value is None


def test_next_reply_sla_judges_each_reply_cycle(tmp_path: Path) -> None:
    """A next_reply target of 1 h on P1, by hand. T1, the day before (solved 15:00): cycle
    A 09:00 (a second customer message 09:10 joins it) → reply 09:40: 40 m, met; B 11:00 → a private
    note 11:30 (no reply) → public reply 12:30: 1 h 30 m, breached; C 14:00, unanswered,
    ended by the solve at 15:00: 1 h, met (elapsed ≤ target); a "thanks" at 16:00 after
    the solve is no cycle. T2 (open): D 09:00 → 09:20 met; E 10:00 unanswered at the as-of
    time 10:50: 50 m used, 10 m left, less than the default quarter → at risk. T9 is not
    in the tickets export: not judged. Compliance 3 / (3 + 1) = 75 %."""
    EVE = "2026-11-01T"
    write_csv(
        tmp_path / "t.csv",
        ["ticket_id", "created_at", "first_response_at", "resolved_at", "priority"],
        [
            ["T1", EVE + "09:00:00Z", EVE + "09:40:00Z", EVE + "15:00:00Z", "P1"],
            ["T2", DAY + "09:00:00Z", DAY + "09:20:00Z", "", "P1"],
        ],
    )
    write_csv(
        tmp_path / "c.csv",
        C_HEAD,
        [
            ["T1", EVE + "09:00:00Z", "customer", "true"],
            ["T1", EVE + "09:10:00Z", "customer", "true"],
            ["T1", EVE + "09:40:00Z", "agent", "true"],
            ["T1", EVE + "11:00:00Z", "customer", "true"],
            ["T1", EVE + "11:30:00Z", "agent", "false"],
            ["T1", EVE + "12:30:00Z", "agent", "true"],
            ["T1", EVE + "14:00:00Z", "customer", "true"],
            ["T1", EVE + "16:00:00Z", "customer", "true"],
            ["T2", DAY + "09:00:00Z", "customer", "true"],
            ["T2", DAY + "09:20:00Z", "agent", "true"],
            ["T2", DAY + "10:00:00Z", "customer", "true"],
            ["T9", DAY + "09:00:00Z", "customer", "true"],
        ],
    )
    (tmp_path / "sla.yaml").write_text(
        "timezone: UTC\nmin_sample: 1\nsla:\n  policies:\n"
        "    P1: {first_response: 1h, next_reply: 1h, compliance: 80}\n"
    )
    common = ("-t", "t.csv", "--comments", "c.csv", "--config", "sla.yaml")
    as_of = ("--as-of", DAY + "10:50:00Z")
    doc = run("compute", *common, "--as-of", DAY + "23:00:00Z", "-k", "sla_next_reply",
              "-f", "json", cwd=tmp_path).json()  # fmt: skip
    # at 23:00 T2's cycle E has waited 13 h: breached too
    later = _overall(doc)["sla_next_reply"]
    assert (later["met"], later["breached"], later["value"]) == (3, 2, 60.0)
    check = run("sla-check", *common, *as_of, "--list", "all", "-f", "json", cwd=tmp_path)
    assert check.code == 1  # 75 % against a goal of 80 %
    doc = check.json()
    overall = _overall(doc)["sla_next_reply"]
    assert (overall["met"], overall["breached"], overall["at_risk"]) == (3, 1, 1)
    assert overall["value"] == 75.0 and overall["n"] == 4
    cycles = [t for t in doc["tickets"] if t["target"] == "next_reply"]
    assert len(cycles) == 5
    risky = next(t for t in cycles if t["state"] == "at_risk")
    assert risky["ticket_id"] == "T2"
    assert (risky["elapsed_seconds"], risky["remaining_seconds"]) == (50 * MIN, 10 * MIN)
    assert risky["due_at"] == risky["breach_at"] == DAY + "11:00:00Z"
    assert risky["reply_opened_at"] == DAY + "10:00:00Z"  # which cycle of T2 waits
    assert all("reply_opened_at" not in t for t in doc["tickets"] if t["target"] != "next_reply")
    late = next(t for t in cycles if t["state"] == "breached")
    assert (late["ticket_id"], late["overdue_seconds"]) == ("T1", 30 * MIN)
    assert late["due_at"] == EVE + "12:00:00Z"
    # Prometheus counts the cycles
    prom = run("sla-check", *common, *as_of, "-f", "prometheus", cwd=tmp_path).out
    assert 'supportkpi_sla_tickets{target="next_reply",state="at_risk"} 1' in prom
    # without the comments, the target cannot be checked, and says why
    alone = run("sla-check", "-t", "t.csv", "--config", "sla.yaml", *as_of, "-f", "json",
                cwd=tmp_path)  # fmt: skip
    assert any("sla_next_reply not checked" in n and "--comments" in n
               for n in alone.json()["notes"])  # fmt: skip


def test_the_next_reply_clock_cannot_pause(tmp_path: Path) -> None:
    (tmp_path / "sla.yaml").write_text(
        "sla:\n  pause: {next_reply: [pending]}\n  policies:\n    P1: {next_reply: 1h}\n"
    )
    _tickets(tmp_path / "t.csv")
    r = sh("compute", "-t", "t.csv", "--config", "sla.yaml", cwd=tmp_path)
    assert r.code == 2 and "next_reply" in r.err and "never pauses" in r.err
