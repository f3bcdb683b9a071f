"""Arrow columns -> typed numpy columns, vectorised, with a mask of unreadable values.

Text is interpreted once per *distinct* value (through a dictionary), never per row.
Each function returns the converted array and a boolean mask `bad` of values that were
present but could not be read; missing values are not bad, they are just missing.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .arrownp import bools, from_np, literal, mask, pc, strings, to_np, valid
from .arrownp import flat as _flat
from .frame import Dim
from .schema import UNKNOWN
from .vocab import parse_bool

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
    if not pa.types.is_dictionary(flat.type):
        if not is_texty(flat.type):
            flat = pc.cast(flat, pa.string())
        flat = pc.dictionary_encode(flat)
    dictionary = flat.dictionary
    if not is_texty(dictionary.type):
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
