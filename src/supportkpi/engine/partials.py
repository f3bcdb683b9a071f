"""Mergeable partial aggregates: what a fact (input × anchor) leaves behind for a chunk
of rows, in a form that adds up across chunks.

Everything is kept per *fine group* — one combination of the labels of every dimension
any breakdown uses — with global ids handed out by `FineSpace`, so a fine group is the
same group in every chunk (a label is placed by its text, not by a chunk's code). Sums
and counts merge by addition; quantile measures keep their values (compactly: whole
seconds as int32 when every value is one) so the final quantiles stay exact. Only after
the last chunk are fine groups rolled up into each breakdown's groups (core.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from supportkpi.engine.grouping import Sample, _bits, packed_sort, picked
from supportkpi.schema.frame import Dim
from supportkpi.threads import SLICE

_SECOND = 1_000_000


def _whole_seconds(micros: np.ndarray) -> np.ndarray | None:
    """Microseconds as int32 seconds when every value is whole seconds below 2**31, else
    None. A slice at a time: at 10M values, full-length temporaries (the quotient, its
    product) were 160 MB of fresh pages and 0.2 s; a slice's stay in the caches."""
    out = np.empty(len(micros), dtype=np.int32)
    for start in range(0, len(micros), SLICE):
        part = micros[start : start + SLICE]
        seconds = part // _SECOND  # (np.divmod is ten times slower)
        if int(seconds.max()) >= (1 << 31) or not np.array_equal(seconds * _SECOND, part):
            return None
        out[start : start + SLICE] = seconds
    return out


class FineSpace:
    """The labels of each dimension and the fine groups seen so far, across chunks."""

    def __init__(self, dims: list[str]) -> None:
        self.dims = list(dims)
        self.labels: dict[str, list[str]] = {d: [] for d in dims}
        self._codes: dict[str, dict[str, int]] = {d: {} for d in dims}
        self.table = np.zeros((0, len(dims)), dtype=np.int64)  # fine id -> label codes
        self._bits = 63 // max(len(dims), 1)
        self._keys_sorted = np.zeros(0, dtype=np.int64)
        self._ids_sorted = np.zeros(0, dtype=np.int64)
        self._by_tuple: dict[tuple[int, ...], int] | None = None  # when keys cannot pack
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.table)

    def _global_codes(self, name: str, labels: list[str]) -> np.ndarray:
        codes = self._codes[name]
        known = self.labels[name]
        out = np.empty(len(labels), dtype=np.int64)
        for i, label in enumerate(labels):  # distinct labels only
            code = codes.get(label)
            if code is None:
                code = codes[label] = len(known)
                known.append(label)
            out[i] = code
        return out

    def _pack(self, rows: np.ndarray) -> np.ndarray:
        keys = np.zeros(len(rows), dtype=np.int64)
        for j in range(len(self.dims)):
            keys <<= self._bits
            keys |= rows[:, j]
        return keys

    def register(self, local: np.ndarray, dims: list[Dim]) -> np.ndarray:
        """Global fine id of each local fine group, whose member codes (into `dims`'
        labels) are the rows of `local`. Chunks may register from two threads."""
        with self._lock:
            return self._register(local, dims)

    def _register(self, local: np.ndarray, dims: list[Dim]) -> np.ndarray:
        if not len(self.dims):
            if not len(self.table):
                self.table = np.zeros((1, 0), dtype=np.int64)
            return np.zeros(len(local), dtype=np.int64)
        rows = np.stack(
            [self._global_codes(d, dim.labels)[local[:, j]] for j, (d, dim) in
             enumerate(zip(self.dims, dims, strict=True))],
            axis=1,
        ) if len(local) else np.zeros((0, len(self.dims)), dtype=np.int64)  # fmt: skip
        if self._by_tuple is None and len(rows) and int(rows.max()) >= (1 << self._bits):
            self._by_tuple = {tuple(int(x) for x in r): i for i, r in enumerate(self.table)}
        if self._by_tuple is not None:  # more labels than a packed key holds: a dict
            ids = np.empty(len(rows), dtype=np.int64)
            fresh: list[np.ndarray] = []
            for i, r in enumerate(rows):
                key = tuple(int(x) for x in r)
                got = self._by_tuple.get(key)
                if got is None:
                    got = self._by_tuple[key] = len(self.table) + len(fresh)
                    fresh.append(r)
                ids[i] = got
            if fresh:
                self.table = np.concatenate([self.table, np.asarray(fresh, dtype=np.int64)])
            return ids
        if not len(self.table):  # the first chunk's groups are new, all of them
            self.table = rows
            return np.arange(len(rows), dtype=np.int64)
        if len(self._keys_sorted) < len(self.table):  # index them for a second chunk
            table_keys = self._pack(self.table)
            self._ids_sorted = np.argsort(table_keys, kind="stable")
            self._keys_sorted = table_keys[self._ids_sorted]
        keys = self._pack(rows)
        pos = np.searchsorted(self._keys_sorted, keys)
        pos_in = np.minimum(pos, max(len(self._keys_sorted) - 1, 0))
        found = (
            self._keys_sorted[pos_in] == keys
            if len(self._keys_sorted)
            else np.zeros(len(keys), bool)
        )
        ids = np.where(found, self._ids_sorted[pos_in] if len(self._ids_sorted) else 0, -1)
        new = np.flatnonzero(~found)
        if len(new):
            # local fine groups are distinct, so each new key is new once
            ids[new] = np.arange(len(self.table), len(self.table) + len(new))
            self.table = np.concatenate([self.table, rows[new]])
            keys_all = np.concatenate([self._keys_sorted, keys[new]])
            ids_all = np.concatenate([self._ids_sorted, ids[new]])
            order = np.argsort(keys_all, kind="stable")
            self._keys_sorted, self._ids_sorted = keys_all[order], ids_all[order]
        return ids


@dataclass
class Values:
    """The non-empty values of one measure with their global fine group. Whole
    microseconds (`micros`) are kept as int32 seconds when every one is a whole second
    that fits, which halves what a larger-than-memory run holds."""

    fine: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    micros: bool = False
    _sample: Sample | None = None  # the chunks joined, once a quantile needed it
    _bits_needed: int | None = None

    def add(self, fine: np.ndarray, values: np.ndarray, micros: bool, compact: bool) -> None:
        self.micros = micros
        if compact and not len(values):
            return  # (an empty chunk would only spoil the others' int32 seconds)
        fine = fine.astype(np.int32) if compact else fine
        if micros and len(values):  # whole seconds: an int32 key sorts in half the time
            seconds = _whole_seconds(values)
            if seconds is not None:
                values = seconds
        self.fine.append(fine)
        self.values.append(values)

    def __len__(self) -> int:
        if self._sample is not None:
            return len(self._sample.values)
        return sum(len(v) for v in self.values)

    def _value_bits(self) -> int:
        """Bits of the largest value, in the unit the key will hold (seconds when every
        chunk is int32 seconds, else microseconds)."""
        if self._bits_needed is None:
            seconds = self._in_seconds()
            top = 0
            for v in self.values:
                if len(v):
                    most = int(v.max())
                    top = max(top, most * _SECOND if v.dtype == np.int32 and not seconds else most)
            self._bits_needed = max(top, 1).bit_length()
        return self._bits_needed

    def _in_seconds(self) -> bool:
        return bool(self.values) and all(v.dtype == np.int32 for v in self.values)

    def _packable(self, k: int) -> bool:
        """Whether group code and value pack into one int64 key, built straight from the
        chunks (durations only; other values take `Sample`'s sort)."""
        if self._sample is not None or not self.micros:
            return False
        return _bits(k) + self._value_bits() <= 63

    def ready(self, ks: list[int]) -> None:
        """Join the chunks now (once) unless every breakdown's key is built straight
        from them; after this, `quantiles` may run from several threads."""
        if self._sample is None and any(not self._packable(k) for k in ks):
            self._sample = self.sample()
        elif self._sample is None:
            self._value_bits()

    def quantiles(self, roll: np.ndarray, k: int, qs: list[float]) -> tuple[np.ndarray, np.ndarray]:
        """`Sample.quantiles` over every chunk. Durations are packed with their group
        code into the sort key straight from the chunks (an int32 key when both fit):
        no joined copy of the values and no separate group array is ever made."""
        if self._packable(k):
            return self._packed_from_chunks(roll, k, qs)
        if self._sample is None:
            self._sample = self.sample()
        return self._sample.quantiles(roll, k, qs)

    def _packed_from_chunks(
        self, roll: np.ndarray, k: int, qs: list[float]
    ) -> tuple[np.ndarray, np.ndarray]:
        seconds = self._in_seconds()
        n = sum(len(v) for v in self.values)

        def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for fine, values in zip(self.fine, self.values, strict=True):
                if values.dtype == np.int32 and not seconds:  # a chunk kept in seconds
                    values = values.astype(np.int64) * _SECOND
                yield fine, values

        keys, counts = packed_sort(chunks(), n, roll, k, self._value_bits(), qs)
        return picked(keys, counts, qs, 1.0 if seconds else 1e-6), counts

    def sample(self) -> Sample:
        """All chunks' values as one `Sample` (whole seconds stay int32 seconds when
        every chunk's are). Each chunk is let go as soon as it is copied, so joining
        them holds little more than the result."""
        fine_parts, value_parts = self.fine, self.values
        self.fine, self.values = [], []
        fine = _join(fine_parts, fine_parts[0].dtype if fine_parts else np.dtype(np.int64))
        if self.micros and value_parts and all(v.dtype == np.int32 for v in value_parts):
            return Sample(fine, _join(value_parts, np.dtype(np.int32)), micros=True, unit=1.0)
        if self.micros:  # whole microseconds (a chunk in seconds is scaled up)
            return Sample(fine, _join(value_parts, np.dtype(np.int64), _SECOND), micros=True)
        return Sample(fine, _join(value_parts, np.dtype(np.float64)), micros=False)


def _join(parts: list[np.ndarray], dtype: np.dtype, seconds: int = 1) -> np.ndarray:
    """Concatenate into `dtype`, letting each part go once it is copied (the list is
    emptied); int32 parts are multiplied by `seconds`."""
    if len(parts) == 1 and parts[0].dtype == dtype:
        return parts.pop()
    out: np.ndarray = np.empty(sum(len(p) for p in parts), dtype=dtype)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[at : at + len(part)] = part
        if seconds != 1 and part.dtype == np.int32:
            out[at : at + len(part)] *= seconds
        at += len(part)
        del part
    return out


@dataclass
class FactPartial:
    """A fact's per-fine-group aggregates (arrays indexed by global fine id)."""

    space: FineSpace
    # each statistic's per-fine-group arrays, under its state key (statistics.py): rows
    # (where a flag holds), (count, sum[, sum of squares]) of a measure, fine × SLA state
    tallies: dict[tuple, np.ndarray | tuple[np.ndarray, ...]] = field(default_factory=dict)
    values: dict[str, Values] = field(default_factory=dict)  # a measure's values (quantiles)
    # in-memory runs only: each row's fine group and the rows in the period, for the
    # statistics that need rows (distinct counts)
    row_fine: np.ndarray | None = None
    rows: np.ndarray | slice | None = None
    rollups: tuple[int, list] | None = None  # (fine groups then, breakdowns' groups)

    def add(self, key: tuple, ids: np.ndarray, local: np.ndarray | tuple) -> None:
        """Add a chunk's per-local-fine-group array(s) at the global `ids`."""
        into = self.tallies
        k = len(self.space)
        parts = local if isinstance(local, tuple) else (local,)
        have = into.get(key)
        if have is None and len(ids) == k and bool((ids == np.arange(k)).all()):
            into[key] = local  # the first chunk's arrays, as they are
            return
        have_parts = have if isinstance(have, tuple) else ((have,) if have is not None else None)
        merged = []
        if have_parts is not None and all(
            len(h) == k and (h.dtype.kind == "f" or p.dtype.kind != "f")
            for h, p in zip(have_parts, parts, strict=True)
        ):  # no new groups: add in place
            for h, p in zip(have_parts, parts, strict=True):
                h[ids] += p
            return
        for j, part in enumerate(parts):
            shape = (k, *part.shape[1:])
            before = have_parts[j] if have_parts is not None else None
            # (an empty part's weighted bincount is int64: the sum stays float all the same)
            real = part.dtype.kind == "f" or (before is not None and before.dtype.kind == "f")
            acc = np.zeros(shape, dtype=np.float64 if real else np.int64)
            if before is not None:
                acc[: len(before)] = before
            acc[ids] += part  # ids are distinct within a chunk
            merged.append(acc)
        into[key] = tuple(merged) if isinstance(local, tuple) else merged[0]

    def merge(self, other: FactPartial) -> None:
        """Add another partial of the same fact (same `space`) to this one."""
        assert other.space is self.space
        for key, value in other.tallies.items():
            parts = value if isinstance(value, tuple) else (value,)
            self.add(key, np.arange(len(parts[0])), value)
        for measure, values in other.values.items():
            have = self.values.setdefault(measure, Values(micros=values.micros))
            have.fine.extend(values.fine)
            have.values.extend(values.values)
