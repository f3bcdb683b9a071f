"""A fact's measures computed two at a time (large inputs) give the very same output as
one at a time: each measure's arithmetic is the same, only the order the results arrive
in changes, and the output order does not depend on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from supportkpi import engine
from supportkpi.render import renderer
from supportkpi.run import Options, compute


def _render(monkeypatch: pytest.MonkeyPatch, threads_from: int, **kw: object) -> str:
    monkeypatch.setattr(engine, "THREADS_FROM_ROWS", threads_from)
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
    calls: list[int] = []
    original = engine.ThreadPoolExecutor

    def counted(workers: int) -> object:
        calls.append(workers)
        return original(workers)

    monkeypatch.setattr(engine, "ThreadPoolExecutor", counted)
    one_at_a_time = _render(monkeypatch, 10**12, config=config, **extra)
    assert calls == []
    two_at_a_time = _render(monkeypatch, 0, config=config, **extra)
    assert calls == [2]
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
