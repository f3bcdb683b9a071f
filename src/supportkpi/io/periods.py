"""Periods (`2026-W46`, `2026-11`, `2026-Q4`, `2026`, `2026-11-23`), instants, and the
calendar buckets behind `--every` and the time dimensions (day/week/month/quarter/year).

Buckets are built once per run as sorted arrays of UTC instants (local midnights in the
config's time zone, DST-correct), so placing millions of timestamps in buckets is one
`np.searchsorted` — no per-row time-zone conversion.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from supportkpi.errors import UsageError

GRAINS = ("day", "week", "month", "quarter", "year")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Window:
    """[start, end) in µs UTC; either side may be open (None)."""

    start: int | None
    end: int | None
    label: str | None = None
    asked: str | None = None  # the --period as written: 2026-W47, or last-week

    def to_dict(self) -> dict[str, str | None]:
        return {
            "label": self.label,
            "asked": self.asked,
            "from": iso_us(self.start) if self.start is not None else None,
            "to": iso_us(self.end) if self.end is not None else None,
        }

    @property
    def relative(self) -> bool:
        """Asked as last-week, this-month…: its label is the period that names at the
        as-of time."""
        return self.asked is not None and self.asked in RELATIVE


def to_us(moment: dt.datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def iso_us(us: int, tz: str = "UTC") -> str:
    moment = _EPOCH + dt.timedelta(microseconds=int(us))
    if tz != "UTC":
        moment = moment.astimezone(zoneinfo.ZoneInfo(tz))
        return moment.isoformat()
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S")
        + (f".{moment.microsecond:06d}" if moment.microsecond else "")
        + "Z"
    )


def local_midnight_us(day: dt.date, tz: str) -> int:
    naive = dt.datetime(day.year, day.month, day.day)
    if tz == "UTC":
        return to_us(naive.replace(tzinfo=dt.UTC))
    zone = zoneinfo.ZoneInfo(tz)
    aware = naive.replace(tzinfo=zone)
    # a midnight inside a DST gap does not exist: the day starts at the first valid instant
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        aware = naive.replace(tzinfo=zone, fold=1)
    return to_us(aware.astimezone(dt.UTC))


def local_text(iso: str | None, tz: str) -> str:
    """An ISO 8601 instant (as the JSON writes it) as a reader of `tz` sees it, with the
    offset, to the minute: '2026-11-10 13:10 +01:00' (the JSON keeps the exact instant)."""
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(zoneinfo.ZoneInfo(tz))
    offset = moment.strftime("%z")
    return moment.strftime("%Y-%m-%d %H:%M ") + offset[:3] + ":" + offset[3:]


def local_date(us: int, tz: str) -> dt.date:
    moment = _EPOCH + dt.timedelta(microseconds=int(us))
    if tz != "UTC":
        moment = moment.astimezone(zoneinfo.ZoneInfo(tz))
    return moment.date()


_PERIOD = [
    (re.compile(r"^(\d{4})-W(\d{1,2})$", re.I), "week"),
    (re.compile(r"^(\d{4})-Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "day"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
]


def parse_period(text: str) -> tuple[dt.date, dt.date, str, str]:
    """(first day, day after the last, label, grain) of a period written by a user."""
    t = text.strip()
    for rx, grain in _PERIOD:
        m = rx.match(t)
        if not m:
            continue
        try:
            g = [int(x) for x in m.groups()]
            if grain == "week":
                start = dt.date.fromisocalendar(g[0], g[1], 1)
                return start, start + dt.timedelta(days=7), label_of(start, grain), grain
            if grain == "quarter":
                start = dt.date(g[0], 3 * (g[1] - 1) + 1, 1)
                return start, _add_months(start, 3), label_of(start, grain), grain
            if grain == "day":
                start = dt.date(g[0], g[1], g[2])
                return start, start + dt.timedelta(days=1), label_of(start, grain), grain
            if grain == "month":
                start = dt.date(g[0], g[1], 1)
                return start, _add_months(start, 1), label_of(start, grain), grain
            start = dt.date(g[0], 1, 1)
            return start, dt.date(g[0] + 1, 1, 1), label_of(start, grain), grain
        except ValueError:
            break
    from supportkpi.schema.inputs import closest

    near = closest(t, list(RELATIVE)) if not t[:1].isdigit() else None
    raise UsageError(
        f"--period: cannot read {text!r}",
        hint=f"did you mean '{near}'?" if near else PERIOD_HINT,
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def floor_date(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def next_date(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day + dt.timedelta(days=1)
    if grain == "week":
        return day + dt.timedelta(days=7)
    if grain == "month":
        return _add_months(day, 1)
    if grain == "quarter":
        return _add_months(day, 3)
    return dt.date(day.year + 1, 1, 1)


def _buckets_between(first: dt.date, last: dt.date, grain: str) -> int:
    """Buckets of `grain` from the one starting at `first` to the one holding `last`."""
    if grain in ("day", "week"):
        return (last - first).days // (1 if grain == "day" else 7) + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    return {"month": months, "quarter": months // 3, "year": last.year - first.year}[grain] + 1


def label_of(start: dt.date, grain: str) -> str:
    if grain == "day":
        return start.isoformat()
    if grain == "week":
        y, w, _ = start.isocalendar()
        return f"{y}-W{w:02d}"
    if grain == "month":
        return f"{start.year}-{start.month:02d}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


# a period named from the as-of time: (grain, periods back from the one holding it)
RELATIVE = {
    "today": ("day", 0),
    "yesterday": ("day", 1),
    "this-week": ("week", 0),
    "last-week": ("week", 1),
    "this-month": ("month", 0),
    "last-month": ("month", 1),
    "this-quarter": ("quarter", 0),
    "last-quarter": ("quarter", 1),
    "this-year": ("year", 0),
    "last-year": ("year", 1),
}
PERIOD_HINT = "use 2026-W46, 2026-11, 2026-Q4, 2026, 2026-11-23, or " + ", ".join(RELATIVE)


def relative_name(text: str) -> str | None:
    """`last-week` (or `Last_Week`, `last week`) as its name in RELATIVE, else None."""
    name = re.sub(r"[\s_]+", "-", text.strip().lower())
    return name if name in RELATIVE else None


def resolve_period(text: str, as_of: int | None, tz: str) -> str:
    """The label of a period as a user wrote it: `2026-W47` as is; `last-week` the week
    before the one holding the as-of instant, in the time zone `tz`."""
    name = relative_name(text)
    if name is None:
        return parse_period(text)[2]
    if as_of is None:
        raise UsageError(
            f"--period {name}: the exports hold no timestamp to count it from",
            hint="give --as-of, or a period such as 2026-W46",
        )
    grain, back = RELATIVE[name]
    start = floor_date(local_date(as_of, tz), grain)
    for _ in range(back):  # at most one step
        start = floor_date(start - dt.timedelta(days=1), grain)
    return label_of(start, grain)


def previous_period(label: str) -> str:
    start, _end, _lbl, grain = parse_period(label)
    before = start - dt.timedelta(days=1)
    return label_of(floor_date(before, grain), grain)


def window_for_period(text: str, tz: str, as_of: int | None = None) -> Window:
    """The window of a period as written; a relative one is resolved at `as_of`."""
    start, end, label, _ = parse_period(resolve_period(text, as_of, tz))
    name = relative_name(text)
    asked = name if name is not None else text.strip()
    return Window(local_midnight_us(start, tz), local_midnight_us(end, tz), label, asked)


def is_over(end: int | None, as_of: int | None) -> bool:
    """Whether a period ending at `end` (exclusive) is over at the as-of time: its every
    instant is at or before the as-of instant, whose events count. A period without an
    end runs to the as-of time; without an as-of time (no data) nothing is running."""
    return end is None or as_of is None or end <= as_of + 1


def elapsed_share(start: int | None, end: int | None, as_of: int | None) -> float | None:
    """The share (0–1) of [start, end) elapsed at the as-of time: 1.0 once it is over;
    None for a period not over whose start is open (its length is unknown)."""
    if is_over(end, as_of):
        return 1.0
    assert end is not None and as_of is not None
    if start is None:
        return None
    return min(1.0, max(0.0, (as_of + 1 - start) / (end - start)))


def parse_instant(text: str, tz: str, option: str) -> int:
    """An ISO date or instant; naive values are in `tz`; a date is its local midnight."""
    t = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
            return local_midnight_us(dt.date.fromisoformat(t), tz)
        moment = dt.datetime.fromisoformat(t.replace("z", "Z"))
    except ValueError:
        raise UsageError(
            f"{option}: cannot read {text!r}",
            hint="use an ISO date or instant like 2026-11-23 or 2026-11-23T17:00:00Z",
        ) from None
    if moment.tzinfo is None:
        if tz == "UTC":
            moment = moment.replace(tzinfo=dt.UTC)
        else:
            moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    return to_us(moment.astimezone(dt.UTC))


@dataclass
class Buckets:
    """Consecutive calendar buckets: bucket i is [starts[i], starts[i+1])."""

    grain: str
    starts: list[int]  # len = buckets + 1 (the last is the end of the last bucket)
    labels: list[str]

    def __len__(self) -> int:
        return len(self.labels)


def make_buckets(grain: str, lo_us: int, hi_us: int, tz: str, limit: int) -> Buckets:
    """Buckets of `grain` covering [lo_us, hi_us] (both inclusive); more than `limit` of
    them is refused (a series grows with its span: a year 0026 among 2026's tickets made
    a weekly series by agent of 2.7M rows)."""
    if grain not in GRAINS:
        raise UsageError(
            f"unknown period grain {grain!r}", hint="use day, week, month, quarter or year"
        )
    day = floor_date(local_date(lo_us, tz), grain)
    last = local_date(hi_us, tz)
    count = _buckets_between(day, last, grain)
    if count > limit:
        raise UsageError(
            f"a series of {count:,} {grain}s ({label_of(day, grain)} to"
            f" {label_of(floor_date(last, grain), grain)}) is longer than limits.periods"
            f" allows ({limit:,})",
            hint="narrow it with --period or --from/--to, or use a longer grain (--every"
            " month); or raise limits.periods in targets.yaml",
        )
    starts, labels = [], []
    # one step per bucket (calendar metadata, not data): at most `limit`
    while True:
        starts.append(local_midnight_us(day, tz))
        labels.append(label_of(day, grain))
        try:
            day = next_date(day, grain)
        except (OverflowError, ValueError):  # the period runs to the end of year 9999
            starts.append(local_midnight_us(dt.date.max, tz) + 86_400_000_000)
            break
        if day > last:
            starts.append(local_midnight_us(day, tz))
            break
    return Buckets(grain, starts, labels)
