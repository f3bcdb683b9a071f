"""Timestamps to int64 microseconds since the epoch (UTC), vectorised.

Fast path: columns Arrow already typed as timestamp/date (Parquet, or CSV values in
ISO 8601) are converted with Arrow kernels. Slow path, for text columns (day-first or
month-first dates, mixed offsets, stray bad values): one regular expression extracts the
fields of every value at once, then calendar arithmetic runs on numpy arrays. No Python
loop over values anywhere.

Missing values become NAT; values that are present but cannot be read are reported
back as a boolean mask so the caller can count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from supportkpi.io.arrownp import from_np, literal, mask, pc, to_np, valid

NAT = np.iinfo(np.int64).min
US = 1_000_000

DateOrder = Literal["auto", "day_first", "month_first"]

_TIME = (
    r"(?:[T ]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
)
_TZ = r"\s*(?P<tz>[Zz]|UTC|GMT|(?P<sg>[+-])(?P<th>\d{2}):?(?P<tm>\d{2})?)?\s*$"
_ISO = r"^\s*(?P<y>\d{4})[-/.](?P<a>\d{1,2})[-/.](?P<b>\d{1,2})" + _TIME + _TZ
_DMY = r"^\s*(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME + _TZ


@dataclass
class Parsed:
    us: np.ndarray  # int64 µs UTC, NAT where missing or bad
    bad: np.ndarray  # bool: present but unreadable
    mixed_naive: np.ndarray | None = None  # naive values, when others carried an offset
    outside: np.ndarray | None = None  # read, but outside the span asked for (now NAT)


class AmbiguousDates(ValueError):
    pass


def localize(naive_us: pa.Array | pa.ChunkedArray, tz: str) -> pa.Array | pa.ChunkedArray:
    """Wall-clock times in `tz` -> UTC instants. In a DST fold the earlier instant is
    taken; a time inside a DST gap (which no clock showed) becomes the first instant
    after the gap."""
    if tz == "UTC":
        return pc.cast(naive_us, pa.timestamp("us", tz="UTC"))
    return pc.assume_timezone(naive_us, timezone=tz, ambiguous="earliest", nonexistent="latest")


def _to_numpy_us(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return to_np(arr, np.int64, NAT)


_TO_US = {"s": 1_000_000, "ms": 1_000, "us": 1}


def _timestamp_us(arr: pa.ChunkedArray | pa.Array, unit: str) -> np.ndarray:
    """A timestamp column's values (UTC when the column is aware) in µs, NAT where
    missing. Nanoseconds round down to their microsecond (pandas writes nanoseconds;
    Arrow's own cast refuses to drop them). A value no int64 of µs can hold becomes
    one past the last nameable instant, so it is counted as out of range."""
    raw = to_np(arr, np.int64, NAT)
    if unit == "us":
        return raw
    present = raw != NAT
    if unit == "ns":
        return np.where(present, raw // 1_000, NAT)
    per = _TO_US[unit]
    limit = np.iinfo(np.int64).max // per
    out = np.where(present, raw * per, NAT)  # wraps where |raw| > limit: replaced next
    too_far = present & ((raw > limit) | (raw < -limit))
    if too_far.any():
        out[too_far] = MAX_US + 1
    return out


# instants a calendar can name (datetime's years 1–9999, in UTC): an offset can push a
# written 9999-12-31 past them, and periods, labels and outputs could not show it
MIN_US = -62135596800 * 1_000_000
MAX_US = 253402300800 * 1_000_000 - 1


def from_arrow(
    arr: pa.ChunkedArray,
    tz: str,
    order: DateOrder = "auto",
    span: tuple[int, int] = (MIN_US, MAX_US),
) -> Parsed:
    """Any Arrow column meant to hold timestamps -> Parsed. Instants outside `span`
    (first and last µs, within what a calendar can name) become NAT, in `outside`."""
    parsed = _from_arrow(arr, tz, order)
    us = parsed.us
    lo, hi = max(span[0], MIN_US), min(span[1], MAX_US)
    if not len(us) or (us.max() <= hi and _least_present(us) >= lo):
        return parsed  # the usual case: two reductions, no mask
    outside = (us != NAT) & ((us < lo) | (us > hi))
    if outside.any():
        parsed.us = np.where(outside, NAT, us)
        parsed.outside = outside
    return parsed


_ORDER_SHIFT = np.uint64(2**63 - 1)


def _least_present(us: np.ndarray) -> int:
    """The least instant that is not NAT (NAT, the least int64, where all are)."""
    least = int(us.min())
    if least != NAT:
        return least
    # as uint64 plus 2**63 - 1, int64 order is kept and NAT alone wraps to the top: the
    # minimum skips it, in slices that stay in the caches (`where=` is 5x slower)
    as_uint = us.view(np.uint64)
    buffer = np.empty(min(len(us), 1 << 16), dtype=np.uint64)
    best = np.iinfo(np.uint64).max
    for start in range(0, len(us), len(buffer)):
        part = buffer[: len(as_uint[start : start + len(buffer)])]
        np.add(as_uint[start : start + len(part)], _ORDER_SHIFT, out=part)
        best = min(best, int(part.min()))
    return best - int(_ORDER_SHIFT) if best != np.iinfo(np.uint64).max else NAT


def _from_arrow(arr: pa.ChunkedArray, tz: str, order: DateOrder) -> Parsed:
    t = arr.type
    n = len(arr)
    if pa.types.is_timestamp(t):
        us = _timestamp_us(arr, t.unit)
        if t.tz is None:  # wall-clock times in the configured zone
            naive = from_np(us, pa.timestamp("us"), us == NAT)
            us = _to_numpy_us(localize(naive, tz))
        return Parsed(us, np.zeros(n, dtype=bool))
    if pa.types.is_date(t):
        arr = localize(pc.cast(pc.cast(arr, pa.date32()), pa.timestamp("us")), tz)
        return Parsed(_to_numpy_us(arr), np.zeros(n, dtype=bool))
    if pa.types.is_null(t):
        return Parsed(np.full(n, NAT, dtype=np.int64), np.zeros(n, dtype=bool))
    if pa.types.is_dictionary(t):
        arr = pc.cast(arr, pa.string())
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t):
        return parse_strings(arr, tz, order)
    # numbers or anything else: present values are not timestamps
    return Parsed(np.full(n, NAT, dtype=np.int64), valid(arr))


def _field(struct: pa.Array, name: str, default: int = 0) -> np.ndarray:
    col = struct.field(name)
    empty = pc.equal(col, literal(""))
    col = pc.if_else(empty, literal(None, col.type), col)
    return to_np(pc.cast(col, pa.int64()), np.int64, default)


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    # Howard Hinnant's algorithm, vectorised: days since 1970-01-01.
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _valid_date(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    ok = (m >= 1) & (m <= 12) & (d >= 1)
    mdays = _MONTH_DAYS[np.clip(m, 0, 12)]
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    mdays = np.where((m == 2) & ~leap, 28, mdays)
    return ok & (d <= mdays)


def parse_strings(arr: pa.ChunkedArray | pa.Array, tz: str, order: DateOrder) -> Parsed:
    """Text timestamps: ISO 8601 (`2026-11-23T10:00:00Z`, `2026-11-23 10:00`), or
    `dd/mm/yyyy HH:MM` / `mm/dd/yyyy HH:MM` when `order` says which (or the data
    proves it: a first field above 12 can only be a day)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    arr = pc.cast(arr, pa.string())
    n = len(arr)
    trimmed = pc.utf8_trim_whitespace(arr)
    present = mask(pc.not_equal(trimmed, literal("")))
    iso = pc.extract_regex(trimmed, _ISO)
    iso_ok = valid(iso)
    us = np.full(n, NAT, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    has_tz = np.zeros(n, dtype=bool)
    offset_min = np.zeros(n, dtype=np.int64)

    def assemble(
        struct: pa.Array,
        matched: np.ndarray,
        year: np.ndarray,
        month: np.ndarray,
        day: np.ndarray,
    ) -> None:
        h, mi, s = _field(struct, "h"), _field(struct, "mi"), _field(struct, "s")
        frac = struct.field("f")
        frac = pc.utf8_slice_codeunits(pc.utf8_rpad(pc.fill_null(frac, literal("")), 6, "0"), 0, 6)
        f = to_np(pc.cast(frac, pa.int64()), np.int64, 0)
        ampm = struct.field("ampm")
        pm = mask(pc.starts_with(pc.utf8_lower(ampm), "p"))
        has_ampm = mask(pc.not_equal(ampm, literal("")))
        hour_ok = np.where(has_ampm, (h >= 1) & (h <= 12), h <= 23)
        h = np.where(has_ampm, (h % 12) + np.where(pm, 12, 0), h)
        tzs = struct.field("tz")
        tz_present = mask(pc.not_equal(tzs, literal("")))
        sign = np.where(
            mask(pc.equal(struct.field("sg"), literal("-"))),
            -1,
            1,
        )
        tz_h, tz_m = _field(struct, "th"), _field(struct, "tm")
        good = _valid_date(year, month, day) & hour_ok & (mi <= 59) & (s <= 59) & (tz_m <= 59)
        good &= tz_h <= 14
        days = _days_from_civil(year, month, day)
        local = ((days * 86400 + h * 3600 + mi * 60 + s) * US) + f
        sel = good & matched
        us[sel] = local[sel]
        ok[sel] = True
        has_tz[sel] = tz_present[sel]
        offset_min[sel] = (sign * (tz_h * 60 + tz_m))[sel]

    if iso_ok.any():
        assemble(iso, iso_ok, _field(iso, "y"), _field(iso, "a"), _field(iso, "b"))
    rest = present & ~iso_ok
    if rest.any():
        dmy = pc.extract_regex(trimmed, _DMY)
        matched = valid(dmy)
        if matched.any():
            a, b, y = _field(dmy, "a"), _field(dmy, "b"), _field(dmy, "y")
            y = np.where(y < 100, y + 2000, y)
            use = _resolve_order(order, a[matched], b[matched])
            day, month = (a, b) if use == "day_first" else (b, a)
            assemble(dmy, matched, y, month, day)
    bad = present & ~ok
    naive = ok & ~has_tz
    aware = ok & has_tz
    if naive.any():
        if tz == "UTC":
            pass
        else:
            naive_arr = from_np(us[naive], pa.timestamp("us"))
            us[naive] = _to_numpy_us(localize(naive_arr, tz))
    if aware.any():
        us[aware] -= offset_min[aware] * 60 * US
    return Parsed(us, bad, naive if naive.any() and aware.any() else None)


def _resolve_order(order: DateOrder, a: np.ndarray, b: np.ndarray) -> str:
    if order in ("day_first", "month_first"):
        return order
    day_first_possible = not (b > 12).any()
    month_first_possible = not (a > 12).any()
    if day_first_possible and not month_first_possible:
        return "day_first"
    if month_first_possible and not day_first_possible:
        return "month_first"
    raise AmbiguousDates(
        "dates like 03/04/2026 could be day-first or month-first"
        if day_first_possible
        else "dates have values above 12 in both the first and second field"
    )
