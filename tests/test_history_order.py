"""The status history's intervals from changes in any file order (SPEC §4b): an export in
time order interleaves the tickets, and changes at the same instant keep the file's order.
Against a plain-Python reading, interval by interval."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from supportkpi.io.timeparse import NAT
from supportkpi.schema.history import by_ticket_then_time, from_changes

MINUTE = 60_000_000
BASE = 1_780_000_000_000_000
NEW = 0

# per ticket: created (minutes, or None: unknown) and its changes (minute, status); the
# minutes are few so that equal instants are common, some before the creation
ticket = st.tuples(
    st.one_of(st.none(), st.integers(0, 4)),
    st.lists(st.tuples(st.integers(-2, 6), st.integers(-1, 5)), max_size=5),
)


def _reference(
    created: list[int], rows: list[tuple[int, int, int]]
) -> list[tuple[int, int, int, int]]:
    """(ticket, status, start, end) of every interval, by ticket then time: a ticket's
    changes sorted by (time clipped to its creation, file position); `new` from creation
    when the first change is later (or there is none); the last interval open (NAT)."""
    out = []
    for k, c in enumerate(created):
        mine = [
            (max(w, c) if c != NAT else w, pos, s) for pos, (t, w, s) in enumerate(rows) if t == k
        ]
        mine.sort()
        starts = [(w, s) for w, _, s in mine]
        if c != NAT and (not starts or starts[0][0] > c):
            starts.insert(0, (c, NEW))
        for i, (w, s) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else NAT
            out.append((k, s, w, end))
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(ticket, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_intervals_from_changes_in_any_file_order(tickets: list, rnd: object) -> None:
    created = [BASE + c * MINUTE if c is not None else NAT for c, _ in tickets]
    rows = [(k, BASE + m * MINUTE, s) for k, (_, changes) in enumerate(tickets) for m, s in changes]
    rnd.shuffle(rows)  # type: ignore[attr-defined]
    t = np.array([r[0] for r in rows], dtype=np.int64)
    w = np.array([r[1] for r in rows], dtype=np.int64)
    s = np.array([r[2] for r in rows], dtype=np.int8)
    history = from_changes(t, w, s, np.array(created, dtype=np.int64))
    got = list(
        zip(
            history.ticket.tolist(),
            history.status.tolist(),
            history.start.tolist(),
            history.end.tolist(),
            strict=True,
        )
    )
    assert got == _reference(created, rows)


def test_equal_instants_keep_the_file_order() -> None:
    """Ticket 0 created at 0; at minute 1 the file says pending then open (in that
    order), ticket 1's change between them: ticket 0 is new 0–1, pending 1–1, open from 1."""
    t = np.array([0, 1, 0], dtype=np.int64)
    w = np.array([BASE + MINUTE, BASE + MINUTE, BASE + MINUTE], dtype=np.int64)
    s = np.array([2, 1, 1], dtype=np.int8)
    created = np.array([BASE, BASE + MINUTE], dtype=np.int64)
    h = from_changes(t, w, s, created)
    assert h.ticket.tolist() == [0, 0, 0, 1]
    assert h.status.tolist() == [NEW, 2, 1, 1]
    assert h.start.tolist() == [BASE, BASE + MINUTE, BASE + MINUTE, BASE + MINUTE]
    assert h.end.tolist() == [BASE + MINUTE, BASE + MINUTE, NAT, NAT]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), max_size=40),
    st.sampled_from(["file", "time", "ticket"]),
    st.sampled_from([0, 65_530, 1 << 20]),  # ticket rows across the 16-bit halves
)
def test_the_order_by_ticket_then_time_is_lexsorts(
    rows: list[tuple[int, int]], arranged: str, offset: int
) -> None:
    """Whatever the export's arrangement (as written, in time order as an audit export,
    grouped by ticket), the order is a stable (ticket, time) sort's: plain sorted()."""
    if arranged == "time":
        rows = sorted(rows, key=lambda r: r[1])
    elif arranged == "ticket":
        rows = sorted(rows)
    ticket = np.array([offset + 7 * t for t, _ in rows], dtype=np.int64)
    when = np.array([w for _, w in rows], dtype=np.int64)
    expected = sorted(range(len(rows)), key=lambda i: (ticket[i], when[i], i))
    assert by_ticket_then_time(ticket, when).tolist() == expected
