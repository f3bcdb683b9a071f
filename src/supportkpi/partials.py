"""Mergeable partial aggregates: what a fact (input × anchor) leaves behind for a chunk
of rows, in a form that adds up across chunks.

Everything is kept per *fine group* — one combination of the labels of every dimension
any breakdown uses — with global ids handed out by `FineSpace`, so a fine group is the
same group in every chunk (a label is placed by its text, not by a chunk's code). Sums
and counts merge by addition; quantile measures keep their values (compactly: whole
seconds as int32 when every value is one) so the final quantiles stay exact. Only after
the last chunk are fine groups rolled up into each breakdown's groups (engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .frame import Dim
from .grouping import Sample

_SECOND = 1_000_000


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

    def __len__(self) -> int:
        return len(self.table)

    def dim(self, name: str) -> Dim:
        return Dim(np.zeros(0, dtype=np.int32), self.labels[name])

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

    def register(self, local: np.ndarray, dims: list[Dim]) -> np.ndarray:
        """Global fine id of each local fine group, whose member codes (into `dims`'
        labels) are the rows of `local`."""
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
        keys = np.zeros(len(rows), dtype=np.int64)
        for j in range(len(self.dims)):
            keys <<= self._bits
            keys |= rows[:, j]
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

    def add(self, fine: np.ndarray, values: np.ndarray, micros: bool, compact: bool) -> None:
        self.micros = micros
        if compact and not len(values):
            return  # (an empty chunk would only spoil the others' int32 seconds)
        fine = fine.astype(np.int32) if compact else fine
        if compact and micros and len(values):
            seconds, rest = np.divmod(values, _SECOND)
            if not rest.any() and int(seconds.max()) < (1 << 31):
                values = seconds.astype(np.int32)
        self.fine.append(fine)
        self.values.append(values)

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
    counts: dict[str, np.ndarray] = field(default_factory=dict)  # rows (where a flag holds)
    sums: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict)
    states: dict[str, np.ndarray] = field(default_factory=dict)  # fine × SLA state
    values: dict[str, Values] = field(default_factory=dict)
    # in-memory runs only: each row's fine group and the rows in the period, for the
    # statistics that need rows (distinct counts)
    row_fine: np.ndarray | None = None
    rows: np.ndarray | slice | None = None

    def add(self, into: dict, key: str, ids: np.ndarray, local: np.ndarray | tuple) -> None:
        """Add a chunk's per-local-fine-group array(s) at the global `ids`."""
        k = len(self.space)
        parts = local if isinstance(local, tuple) else (local,)
        have = into.get(key)
        have_parts = have if isinstance(have, tuple) else ((have,) if have is not None else None)
        merged = []
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
