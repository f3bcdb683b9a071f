"""Arrow columns -> typed numpy columns, vectorised, with a mask of unreadable values.

Text is interpreted once per *distinct* value (through a dictionary), never per row.
Each function returns the converted array and a boolean mask `bad` of values that were
present but could not be read; missing values are not bad, they are just missing.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from supportkpi.io.arrownp import bools, from_np, literal, mask, pc, strings, to_np, valid
from supportkpi.io.arrownp import flat as _flat
from supportkpi.schema.frame import Dim
from supportkpi.schema.inputs import UNKNOWN
from supportkpi.schema.vocab import parse_bool

_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


def is_texty(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t)


# one decimal comma between digits, nothing else: "120,5" (never "1,234.5" or "1.234,5")
_DECIMAL_COMMA = r"^([+-]?\d+),(\d+)$"


def decimal_commas(arr: pa.ChunkedArray, rows: np.ndarray) -> bool:
    """Whether the first of these rows (values that are not numbers) look like
    numbers with a decimal comma, such as 120,5."""
    if not is_texty(arr.type):
        return False
    first = np.flatnonzero(rows)[:20]
    text = pc.utf8_trim_whitespace(
        pc.cast(_flat(arr).take(from_np(first, pa.int64())), pa.string())
    )
    return bool(pc.any(pc.match_substring_regex(text, _DECIMAL_COMMA)).as_py())


def to_float(arr: pa.ChunkedArray, decimal_comma: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Numbers, NaN where empty; and which present values are not numbers. With
    `decimal_comma`, "120,5" is 120.5 (the files of a spreadsheet in a decimal-comma
    locale: semicolon-separated, since the comma is taken)."""
    t = arr.type
    n = len(arr)
    if pa.types.is_null(t):
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    if pa.types.is_integer(t):  # numpy converts while copying out of Arrow: one copy
        return to_np(arr, np.float64, np.nan), np.zeros(n, dtype=bool)
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        out = to_np(arr if t == pa.float64() else pc.cast(arr, pa.float64()), np.float64, np.nan)
        infinite = np.isinf(out)
        if infinite.any():
            return np.where(infinite, np.nan, out), infinite
        return out, np.zeros(n, dtype=bool)
    if pa.types.is_boolean(t):
        return to_np(arr, np.float64, np.nan), np.zeros(n, dtype=bool)
    if is_texty(t):
        text = pc.utf8_trim_whitespace(pc.cast(_flat(arr), pa.string()))
        text = pc.if_else(pc.equal(text, literal("")), literal(None, text.type), text)
        if decimal_comma:
            text = pc.replace_substring_regex(text, pattern=_DECIMAL_COMMA, replacement=r"\1.\2")
        ok = pc.match_substring_regex(text, _NUMBER)
        good = pc.if_else(ok, text, literal(None, text.type))
        out = to_np(pc.cast(good, pa.float64()), np.float64, np.nan)
        bad = mask(pc.invert(ok))
        infinite = np.isinf(out)  # 1e309 reads as infinity: not a number anyone meant
        if infinite.any():
            out = np.where(infinite, np.nan, out)
            bad = bad | infinite
        return out, bad
    # timestamps or other types where a number was expected
    return np.full(n, np.nan), valid(arr)


# Durations as people write them, besides numbers in the column's unit; matched on the
# text lowered and with its spaces collapsed. Clock: `1:02:03`, `02:23` (two parts are
# minutes:seconds, as a call's talk time is written), `1 day, 2:03:04` (Python) and
# `0 days 00:02:23` (pandas). ISO 8601: `PT2M23S`, `P1DT2H`, `P2W` (no years or months:
# their length varies). Units: `1h 2m`, `2m23s`, `90 s`, `1 hour, 5 mins`, `3d`.
_N = r"\d+(?:\.\d+)?"
_CLOCK = r"^(?:(?P<d>\d+) days?,? )?(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)$"
_ISO = (
    rf"^p(?:(?P<w>{_N})w)?(?:(?P<d>{_N})d)?"
    rf"(?:t(?:(?P<h>{_N})h)?(?:(?P<m>{_N})m)?(?:(?P<s>{_N})s)?)?$"
)
_UNITS = (
    rf"^(?:(?P<w>{_N}) ?(?:w|wks?|weeks?),? ?)?(?:(?P<d>{_N}) ?(?:d|days?),? ?)?"
    rf"(?:(?P<h>{_N}) ?(?:h|hrs?|hours?),? ?)?(?:(?P<m>{_N}) ?(?:m|mins?|minutes?),? ?)?"
    rf"(?:(?P<s>{_N}) ?(?:s|secs?|seconds?))?$"
)
_PART_SECONDS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
DURATION_FORMS = "1:02:03, 02:23 (mm:ss), PT2M23S or 1h 2m"


def to_duration(
    arr: pa.ChunkedArray, unit_seconds: float, scale: float = 1.0, decimal_comma: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A duration column in its unit (`unit_seconds`: 1 for seconds, 60 for minutes), NaN
    where empty; and which present values are no duration. Numbers are in that unit times
    `scale` (a config's `unit: hours`); written durations (`00:02:23`, `PT2M23S`, `1h 2m`)
    and Arrow durations or times of day (a spreadsheet's `0:02:23` cell) carry their own.
    Text is parsed once per distinct value."""
    t = arr.type
    if pa.types.is_duration(t) or pa.types.is_time(t):
        per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[t.unit]
        flat = _flat(arr)
        ticks = to_np(
            flat.view(pa.int32() if t.bit_width == 32 else pa.int64()), np.float64, np.nan
        )
        return ticks / (per_second * unit_seconds), np.zeros(len(arr), dtype=bool)
    if not is_texty(t):
        vals, bad = to_float(arr, decimal_comma)
        return (vals * scale if scale != 1.0 else vals), bad
    flat = _flat(arr)
    if not pa.types.is_dictionary(flat.type):
        flat = pc.dictionary_encode(pc.cast(flat, pa.string()))
    distinct = pc.cast(flat.dictionary, pa.string())
    numbers, not_number = to_float(pa.chunked_array([distinct]), decimal_comma)
    seconds, written = _written_durations(distinct)
    values = np.where(written, seconds / unit_seconds, numbers * scale)
    bad = not_number & ~written
    codes = to_np(flat.indices, np.int64, -1)
    present = codes >= 0
    codes = np.where(present, codes, 0)
    if not len(values):
        return np.full(len(codes), np.nan), np.zeros(len(codes), dtype=bool)
    return np.where(present, values[codes], np.nan), present & bad[codes]


def _written_durations(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Seconds in each text written as a clock, ISO 8601 or with units; and which are."""
    n = len(text)
    text = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    text = pc.replace_substring_regex(text, pattern=r"\s+", replacement=" ")
    negative = mask(pc.starts_with(text, "-"))
    text = pc.if_else(bools(negative), pc.utf8_slice_codeunits(text, 1), text)
    seconds = np.zeros(n)
    written = np.zeros(n, dtype=bool)
    for pattern in (_CLOCK, _ISO, _UNITS):
        parts = pc.extract_regex(text, pattern)
        matched = valid(parts) & ~written
        if not matched.any():
            continue
        total = np.zeros(n)
        given = np.zeros(n, dtype=bool)
        numbers = {}
        for i in range(parts.type.num_fields):  # the pattern's few named parts
            name = parts.type.field(i).name
            field = pc.struct_field(parts, [i])
            field = pc.if_else(pc.equal(field, literal("")), literal(None, pa.string()), field)
            numbers[name] = to_np(pc.cast(field, pa.float64()), np.float64, np.nan)
            given |= ~np.isnan(numbers[name])
            total += np.nan_to_num(numbers[name]) * _PART_SECONDS[name]
        with np.errstate(invalid="ignore"):
            # a clock's minutes and seconds below 60 (and its hours below 24 after days);
            # minutes alone may run on (`125:30`)
            if pattern == _CLOCK:
                given &= ~(numbers["s"] >= 60)
                given &= ~((numbers["m"] >= 60) & ~np.isnan(numbers["h"]))
                given &= ~((numbers["h"] >= 24) & ~np.isnan(numbers["d"]))
        ok = matched & given
        seconds = np.where(ok, total, seconds)
        written |= ok
    return np.where(negative, -seconds, seconds), written


def to_bool(arr: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """int8 1/0, -1 when missing."""
    t = arr.type
    n = len(arr)
    if pa.types.is_boolean(t):
        return to_np(arr, np.int8, -1), np.zeros(n, dtype=bool)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        f, _ = to_float(arr)
        out = np.full(n, -1, dtype=np.int8)
        out[f == 1] = 1
        out[f == 0] = 0
        bad = ~np.isnan(f) & (f != 0) & (f != 1)
        return out, bad
    if pa.types.is_null(t):
        return np.full(n, -1, dtype=np.int8), np.zeros(n, dtype=bool)
    if is_texty(t):
        d = encode(arr)
        lookup = np.full(d.size, -1, dtype=np.int8)
        bad_label = np.zeros(d.size, dtype=bool)
        for i, label in enumerate(d.labels):  # distinct values only
            if label == UNKNOWN:
                continue
            b = parse_bool(label)
            if b is None:
                bad_label[i] = True
            else:
                lookup[i] = 1 if b else 0
        return lookup[d.codes], bad_label[d.codes]
    return np.full(n, -1, dtype=np.int8), valid(arr)


def encode(arr: pa.ChunkedArray) -> Dim:
    """Any column -> Dim with trimmed text labels; empty/missing -> `(unknown)`.

    Labels that differ only by surrounding spaces share one code."""
    flat = _flat(arr)
    # a duration (a workbook's time cell) is labelled as written, `9:12:58`, not in ticks
    timed = pa.types.is_duration(flat.type)
    if not pa.types.is_dictionary(flat.type):
        if not is_texty(flat.type) and not timed:
            flat = pc.cast(flat, pa.string())
        flat = pc.dictionary_encode(flat)
    dictionary = flat.dictionary
    if not is_texty(dictionary.type) and not timed:
        dictionary = pc.cast(dictionary, pa.string())
    raw_labels = [("" if v is None else str(v)).strip() for v in dictionary.to_pylist()]
    indices = flat.indices
    codes = to_np(indices, np.int32, len(raw_labels))
    return relabel(codes, [*raw_labels, ""])


def relabel(codes: np.ndarray, labels: list[str]) -> Dim:
    """Merge equal labels (and map empty labels to `(unknown)`), compacting the codes.

    A label no row uses may stay when nothing had to be merged: groups only ever come
    from the codes rows have, so it is harmless, and skipping the pass over the rows
    keeps loading fast."""
    cleaned = [lbl if lbl else UNKNOWN for lbl in labels]
    unique: dict[str, int] = {}
    remap = np.empty(len(cleaned), dtype=np.int32)
    for i, lbl in enumerate(cleaned):  # distinct values only
        remap[i] = unique.setdefault(lbl, len(unique))
    if len(unique) == len(cleaned):
        return Dim(codes.astype(np.int32, copy=False), cleaned)
    new_labels = list(unique)
    new_codes = remap[codes] if len(codes) else codes.astype(np.int32)
    # drop labels no row uses (e.g. the placeholder for missing values)
    used = np.bincount(new_codes, minlength=len(new_labels)) > 0
    if not used.all():
        keep = np.flatnonzero(used)
        squeeze = np.full(len(new_labels), -1, dtype=np.int32)
        squeeze[keep] = np.arange(len(keep), dtype=np.int32)
        new_codes = squeeze[new_codes]
        new_labels = [new_labels[i] for i in keep]
    return Dim(new_codes.astype(np.int32, copy=False), new_labels)


def concat_dims(parts: list[Dim]) -> Dim:
    """One Dim from several files' Dims (labels unified)."""
    if len(parts) == 1:
        return parts[0]
    labels: list[str] = []
    offsets = []
    for p in parts:
        offsets.append(len(labels))
        labels.extend(p.labels)
    codes = np.concatenate([p.codes + off for p, off in zip(parts, offsets, strict=True)])
    return relabel(codes, labels)


def ids(arr: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """An id column as a flat Arrow array: integers stay integers, all else trimmed text;
    and which present values are no id (a number with a fraction, an infinity: null)."""
    flat = _flat(arr)
    n = len(flat)
    if pa.types.is_unsigned_integer(flat.type) and n and pc.max(flat).as_py() > _INT64_MAX:
        # ids above 2**63 (uint64 keys): the exact digits, as text
        return pc.cast(flat, pa.string()), np.zeros(n, dtype=bool)
    if pa.types.is_integer(flat.type):
        ints = flat if flat.type == pa.int64() else pc.cast(flat, pa.int64())
        return ints, np.zeros(n, dtype=bool)
    if pa.types.is_dictionary(flat.type):
        flat = pc.cast(flat, pa.string())
    if pa.types.is_floating(flat.type):
        return _float_ids(flat)
    text = pc.utf8_trim_whitespace(pc.cast(flat, pa.string()))
    text = pc.if_else(pc.equal(text, literal("")), literal(None, text.type), text)
    return text, np.zeros(n, dtype=bool)


def rounded_ids(arr: pa.ChunkedArray) -> bool:
    """Whether a float id column holds a number too large to be exact in a float (an id
    written 9223372036854775813 reads as 9.223372036854776e18)."""
    if not pa.types.is_floating(arr.type) or not len(arr):
        return False
    largest = pc.max(pc.abs(arr)).as_py()
    return largest is not None and _EXACT < largest < float("inf")


_EXACT = float(2**53)  # every whole number up to this one is exact in a float64
_INT64_MAX = 2**63 - 1


def _float_ids(flat: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A float id column. 123.0 -> 123: ids exported through spreadsheets pick up a
    decimal point. NaN is a missing id (pandas writes an integer column with a gap as
    floats and NaN). A number with a fraction (12.5) or an infinity is no id: null, and
    marked. A whole number no integer holds exactly (1e20) is an identifier, not a number
    to round: then the whole column is text, its whole numbers written without '.0' so
    they still match the same ids in other exports."""
    f = to_np(flat, np.float64, np.nan)
    missing = np.isnan(f)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(f) & (np.floor(f) == f)
        exact = whole & (np.abs(f) <= _EXACT)
    unusable = ~missing & ~whole
    as_int = from_np(np.where(exact, f, 0).astype(np.int64), pa.int64(), ~exact)
    if not (whole & ~exact).any():
        return as_int, unusable
    text = pc.if_else(bools(exact), pc.cast(as_int, pa.string()), pc.cast(flat, pa.string()))
    return pc.if_else(bools(whole), text, literal(None, pa.string())), unusable


def replace_text(arr: pa.ChunkedArray, mapping: dict[str, str]) -> pa.Array:
    """Text values replaced through `mapping` (others kept), vectorised; matched
    ignoring case and surrounding spaces (`Good`, `good `, `GOOD`), the first key of
    the mapping winning among keys alike."""
    text = pc.cast(_flat(arr), pa.string())
    folded: dict[str, str] = {}
    for key, value in mapping.items():
        folded.setdefault(key.strip().lower(), value)
    keys = strings(list(folded))
    values = strings(list(folded.values()))
    idx = pc.index_in(pc.utf8_lower(pc.utf8_trim_whitespace(text)), value_set=keys)
    mapped = pc.take(values, idx)
    return pc.if_else(
        pc.is_valid(idx),
        pc.if_else(pc.equal(mapped, literal("")), literal(None, mapped.type), mapped),
        text,
    )
