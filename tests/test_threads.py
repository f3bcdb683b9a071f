"""Work done two at a time on large inputs — a fact's measures, an export's columns —
gives the very same output as one at a time: each piece's arithmetic is the same, only
the order the pieces finish in changes, and the output order does not depend on it."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from supportkpi import threads
from supportkpi.config.settings import load_config
from supportkpi.engine import core as engine
from supportkpi.render import renderer
from supportkpi.reports.compute import Options, compute
from supportkpi.schema import load
from supportkpi.schema.load import Request, load_input


def _render(monkeypatch: pytest.MonkeyPatch, threads_from: int, **kw: object) -> str:
    monkeypatch.setattr(engine, "THREADS_FOR_ROWS", (threads_from, 10**12))
    return renderer("json")(compute(Options(**kw)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "extra",
    [
        {"by": [["channel"], ["agent"], ["week"], ["priority", "channel"]]},
        {"by": [["channel"], ["agent"]], "every": "month", "cohort": True},
        {"by": [["agent"]], "period": "2026-10"},
    ],
)
def test_threads_give_the_same_output(monkeypatch: pytest.MonkeyPatch, extra: dict) -> None:
    config = str(ROOT / "targets.yaml")  # every shipped input, so every kind of KPI
    calls: list[bool] = []
    original = threads.pool

    def counted() -> object:
        made = original()
        calls.append(made is not None)
        return made

    monkeypatch.setattr(threads, "pool", counted)
    one_at_a_time = _render(monkeypatch, 10**12, config=config, **extra)
    assert calls == []
    two_at_a_time = _render(monkeypatch, 0, config=config, **extra)
    assert calls == [True]
    assert '"value"' in one_at_a_time
    assert two_at_a_time == one_at_a_time


def test_same_rank_labels_keep_one_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two agents whose names differ only in case rank equal; they are listed by label,
    whichever measure's thread reported them first."""
    tickets = tmp_path / "t.csv"
    tickets.write_text(
        "ticket_id,created_at,agent,first_response_at\n"
        "1,2026-11-02T09:00:00Z,bob,2026-11-02T09:10:00Z\n"
        "2,2026-11-02T09:00:00Z,Bob,2026-11-02T09:20:00Z\n"
    )
    kw = {"tickets": [str(tickets)], "kpis": ["tickets"], "by": [["agent"]]}
    import json

    for threads_from in (0, 10**12):
        doc = json.loads(_render(monkeypatch, threads_from, **kw))
        agents = [r["group"].get("agent") for r in doc["results"]]
        assert agents == [None, "Bob", "bob"]


def test_columns_typed_two_at_a_time_give_the_same_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problems in several columns (two of one code in one column) come out in the same
    order, and the columns in the same order, as typing one column at a time."""
    tickets = tmp_path / "t.csv"
    tickets.write_text(
        "ticket_id,created_at,first_response_at,contacts,reopens,talk_seconds,channel\n"
        "1,2026-11-02T09:00:00Z,2026-11-02T09:10:00Z,1.5,0,60,email\n"
        "2,not a date,2026-11-02T09:20:00Z,two,1,-5,chat\n"
        "3,2026-11-02T09:00:00Z,soon,-1,x,30,phone\n"
        "4,2026-11-02T09:00:00Z,2026-11-02T09:40:00Z,2,0,abc,email\n"
    )
    config = load_config(None)
    used: list[int] = []
    original = load._in_two_threads
    monkeypatch.setattr(
        load,
        "_in_two_threads",
        lambda *a: used.append(1) or original(*a),  # type: ignore[func-returns-value]
    )
    frames = []
    for threads_from in (0, 10**12):
        monkeypatch.setattr(load, "PARALLEL_TYPING_ROWS", threads_from)
        frames.append(load_input("tickets", [str(tickets)], config, Request()))
    two, one = frames
    assert used == [1]
    problems = [(p.code, p.column, p.rows, p.message) for p in one.problems]
    assert [(p.code, p.column, p.rows, p.message) for p in two.problems] == problems
    assert ("E021", "contacts") in [(c, col) for c, col, _, _ in problems]
    assert len({(c, col) for c, col, _, _ in problems}) < len(problems)  # a repeated key
    for name in ("cols", "bad", "dims", "ids"):
        assert list(getattr(two, name)) == list(getattr(one, name)), name
    for col, values in one.cols.items():
        np.testing.assert_array_equal(two.cols[col], values, err_msg=col)


def test_work_inside_a_pool_thread_does_not_split_again() -> None:
    """A pool's threads are busy: what they call runs its pieces inline, in order (two
    levels of two threads on two cores only contend)."""
    outer_threads: set[str] = set()

    def inner(i: int) -> tuple[int, str]:
        return i, threading.current_thread().name

    def outer(i: int) -> list[tuple[int, str]]:
        outer_threads.add(threading.current_thread().name)
        assert threads.busy()
        return threads.map2(inner, range(3 * i, 3 * i + 3))

    assert not threads.busy()
    done = threads.map2(outer, range(4))
    assert [i for part in done for i, _ in part] == list(range(12))
    for part in done:  # each outer item's inner items ran on that item's own thread
        assert len({name for _, name in part}) == 1
        assert part[0][1] in outer_threads
    assert threading.current_thread().name not in outer_threads


def test_sla_state_counts_by_slices_equal_one_bincount() -> None:
    """Few groups and many rows: counted a slice at a time, two at a time, the same as
    one bincount of every row's (group, state)."""
    from supportkpi import threads
    from supportkpi.engine.aggregate import state_counts as _state_counts
    from supportkpi.sla import policy as sla

    rng = np.random.default_rng(7)
    s = len(sla.STATES)
    for n, k in ((5 * threads.SLICE + 123, 5), (3 * threads.SLICE, 5), (5 * threads.SLICE, 40_000)):
        fine = rng.integers(0, k, n).astype(np.int64)
        states = rng.integers(0, s, n).astype(np.int8)
        expected = np.bincount(fine * s + states, minlength=k * s).reshape(k, s)
        got = _state_counts(fine, states, k)
        assert got.shape == (k, s) and np.array_equal(got, expected)
        assert got.sum() == n
