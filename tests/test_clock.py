"""Business-hours arithmetic, worked out by hand, and its properties."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportkpi.io.periods import to_us
from supportkpi.sla.clock import BusinessClock, CalendarClock

WEEKDAYS_9_18 = {d: ((9 * 60, 18 * 60),) for d in ("mon", "tue", "wed", "thu", "fri")}
H = 3600.0


def us(text: str, tz: str = "UTC") -> int:
    """An instant written in local time of `tz` (ISO, no offset)."""
    import zoneinfo

    naive = dt.datetime.fromisoformat(text)
    zone = dt.UTC if tz == "UTC" else zoneinfo.ZoneInfo(tz)
    return to_us(naive.replace(tzinfo=zone))


def elapsed(clock: BusinessClock | CalendarClock, a: int, b: int) -> float:
    return float(clock.elapsed(np.array([a]), np.array([b]))[0])


def due(clock: BusinessClock | CalendarClock, a: int, seconds: float) -> int:
    return int(clock.add(np.array([a]), np.array([seconds]))[0])


def test_a_ticket_spanning_a_weekend() -> None:
    clock = BusinessClock(WEEKDAYS_9_18, "UTC")
    # Fri 2026-11-06 17:00 -> Mon 2026-11-09 10:00: 1 h on Friday + 1 h on Monday
    a, b = us("2026-11-06T17:00"), us("2026-11-09T10:00")
    assert elapsed(clock, a, b) == 2 * H
    assert elapsed(CalendarClock(), a, b) == 65 * H
    assert due(clock, a, 2 * H) == b


def test_a_ticket_spanning_a_holiday() -> None:
    clock = BusinessClock(WEEKDAYS_9_18, "UTC", (dt.date(2026, 12, 25),))
    # Thu 24 Dec 17:00 -> Mon 28 Dec 10:00; Fri 25 Dec is a holiday: 1 h + 1 h
    a, b = us("2026-12-24T17:00"), us("2026-12-28T10:00")
    assert elapsed(clock, a, b) == 2 * H
    assert due(clock, a, 2 * H) == b
    # the same span a week earlier has a working Friday: 1 + 9 + 1 h
    assert elapsed(clock, us("2026-12-17T17:00"), us("2026-12-21T10:00")) == 11 * H


def test_a_ticket_created_outside_hours() -> None:
    clock = BusinessClock(WEEKDAYS_9_18, "UTC")
    # Saturday 10:00 -> Monday 09:30: the clock starts on Monday at 09:00
    assert elapsed(clock, us("2026-11-07T10:00"), us("2026-11-09T09:30")) == 0.5 * H
    # due dates of a 4 h target created on Saturday: Monday 13:00
    assert due(clock, us("2026-11-07T10:00"), 4 * H) == us("2026-11-09T13:00")
    # created at 20:00 on a Tuesday, answered at 08:00 the next day: no business time
    assert elapsed(clock, us("2026-11-10T20:00"), us("2026-11-11T08:00")) == 0.0


@pytest.mark.parametrize(
    ("start", "end", "calendar_hours"),
    [
        # spring forward (8 Mar 2026, 02:00 -> 03:00): Fri 16:00 EST -> Mon 10:00 EDT
        ("2026-03-06T16:00", "2026-03-09T10:00", 65),
        # fall back (1 Nov 2026, 02:00 -> 01:00): Fri 16:00 EDT -> Mon 10:00 EST
        ("2026-10-30T16:00", "2026-11-02T10:00", 67),
    ],
)
def test_dst_changes_in_new_york(start: str, end: str, calendar_hours: int) -> None:
    tz = "America/New_York"
    clock = BusinessClock(
        {d: ((9 * 60, 17 * 60),) for d in ("mon", "tue", "wed", "thu", "fri")}, tz
    )
    a, b = us(start, tz), us(end, tz)
    assert elapsed(clock, a, b) == 2 * H  # 16:00-17:00 Friday, 09:00-10:00 Monday, local
    assert elapsed(CalendarClock(), a, b) == calendar_hours * H
    assert due(clock, a, 2 * H) == b


@pytest.mark.parametrize(("day", "hours"), [("2026-03-08", 23), ("2026-11-01", 25)])
def test_a_schedule_spanning_the_dst_change_counts_real_time(day: str, hours: int) -> None:
    tz = "America/New_York"
    clock = BusinessClock({"sun": ((0, 24 * 60),)}, tz)
    next_day = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    assert elapsed(clock, us(day + "T00:00", tz), us(next_day + "T00:00", tz)) == hours * H


def test_a_schedule_with_a_lunch_break() -> None:
    clock = BusinessClock({"tue": ((8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30))}, "UTC")
    # Tue 2026-11-10 11:30 -> 13:30: 30 min before lunch + 30 min after
    assert elapsed(clock, us("2026-11-10T11:30"), us("2026-11-10T13:30")) == 1 * H
    assert due(clock, us("2026-11-10T11:30"), 1 * H) == us("2026-11-10T13:30")
    # a whole Tuesday is 8.5 h; the next Tuesday follows
    assert elapsed(clock, us("2026-11-10T00:00"), us("2026-11-17T00:00")) == 8.5 * H
    assert due(clock, us("2026-11-10T17:00"), 1 * H) == us("2026-11-17T08:30")


def test_a_24x7_calendar_is_plain_time() -> None:
    clock = CalendarClock()
    a, b = us("2026-11-06T17:00"), us("2026-11-09T10:00")
    assert elapsed(clock, a, b) == 65 * H
    assert due(clock, a, 65 * H) == b
    every_day = BusinessClock(
        {d: ((0, 1440),) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, "UTC"
    )
    assert elapsed(every_day, a, b) == 65 * H


def test_missing_instants_stay_missing() -> None:
    from supportkpi.io.timeparse import NAT

    clock = BusinessClock(WEEKDAYS_9_18, "UTC")
    out = clock.elapsed(
        np.array([NAT, us("2026-11-09T09:00")]), np.array([us("2026-11-09T10:00"), NAT])
    )
    assert np.isnan(out).all()
    assert (clock.add(np.array([NAT]), np.array([3600.0])) == NAT).all()


instants = st.integers(0, 90 * 24 * 60).map(lambda m: us("2026-10-01T00:00") + m * 60 * 1_000_000)
schedules = st.sampled_from(
    [
        (WEEKDAYS_9_18, "UTC"),
        (
            {"mon": ((8 * 60, 12 * 60), (13 * 60, 17 * 60)), "sat": ((10 * 60, 14 * 60),)},
            "Europe/Paris",
        ),
        (
            {d: ((0, 1440),) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
            "America/New_York",
        ),
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    schedules,
    st.lists(st.tuples(instants, instants), min_size=1, max_size=20),
    st.lists(st.integers(0, 200 * 3600), min_size=1, max_size=20),
)
def test_properties(schedule, pairs, durations) -> None:  # type: ignore[no-untyped-def]
    hours, tz = schedule
    clock = BusinessClock(hours, tz, (dt.date(2026, 10, 12), dt.date(2026, 12, 25)))
    a = np.array([min(p) for p in pairs])
    b = np.array([max(p) for p in pairs])
    business = clock.elapsed(a, b)
    calendar = CalendarClock().elapsed(a, b)
    assert (business >= 0).all()
    assert (business <= calendar + 1e-6).all()  # business time never exceeds calendar time
    # adding business time, then measuring it, round-trips
    starts = np.resize(a, len(durations))
    d = np.array(durations, dtype=np.float64)
    ends = clock.add(starts, d)
    assert np.allclose(clock.elapsed(starts, ends), d, atol=1e-6)
    assert (ends >= starts).all()


@pytest.mark.parametrize("tz", ["Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"])
def test_the_minute_grid_agrees_with_the_interval_search(tz: str) -> None:
    """Large inputs take B(t) from a per-minute grid; it must equal the searchsorted form,
    across DST changes, holidays, a lunch break, and zones 45 and 30 minutes off the hour."""
    hours = {
        "mon": ((9 * 60, 12 * 60 + 30), (13 * 60 + 15, 17 * 60 + 45)),
        "wed": ((0, 24 * 60),),
        "sat": ((10 * 60, 11 * 60),),
    }
    clock = BusinessClock(hours, tz, (dt.date(2026, 3, 30), dt.date(2026, 10, 26)))
    rng = np.random.default_rng(7)
    lo, hi = (
        to_us(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        to_us(dt.datetime(2027, 6, 1, tzinfo=dt.UTC)),
    )
    start = rng.integers(lo, hi, 50_000)
    end = start + rng.integers(0, 30 * 86_400 * 1_000_000, 50_000)
    start[:3] = [to_us(dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)), lo, hi]  # DST night, edges
    fast = clock.elapsed(start, end)  # > 10,000 instants: the grid
    table = clock._cover(int(start.min()), int(end.max()))
    slow = clock._search(table, end) - clock._search(table, start)
    assert table.grid is not None  # the fast path was taken
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-6)
