"""In-memory form of one loaded input: typed numpy columns and integer-coded dimensions.

Conventions (shared by every module downstream of loading):
* timestamps: int64 microseconds since the epoch, UTC; `NAT` when missing
* numbers, durations, counts, money: float64; NaN when missing
* booleans: int8, 1 / 0, and -1 when missing
* dimensions: `Dim` — int32 codes into a label list; a missing value has its own label
  `(unknown)`, so no row ever drops out of a breakdown
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from supportkpi.errors import Problem
from supportkpi.io.timeparse import NAT
from supportkpi.schema.inputs import UNKNOWN, normalise_name

if TYPE_CHECKING:
    import pyarrow as pa

    from supportkpi.io.rowlines import RowLines


@dataclass
class Dim:
    codes: np.ndarray  # int32, 0 <= code < len(labels)
    labels: list[str]

    @property
    def size(self) -> int:
        return len(self.labels)

    def take(self, rows: np.ndarray) -> Dim:
        return Dim(self.codes[rows], self.labels)

    @staticmethod
    def constant(n: int, label: str = UNKNOWN) -> Dim:
        return Dim(np.zeros(n, dtype=np.int32), [label])


@dataclass
class Frame:
    name: str
    n: int
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    dims: dict[str, Dim] = field(default_factory=dict)
    ids: dict[str, pa.Array] = field(default_factory=dict)  # id columns kept in Arrow form
    mapping: dict[str, str] = field(default_factory=dict)  # canonical/dim name -> export column
    paths: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # every column of the export
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    # column -> rows whose value is present but unusable (excluded from the KPIs reading it)
    bad: dict[str, np.ndarray] = field(default_factory=dict)
    keep_rows: bool = False  # keep every problem row (validate --rejects)
    events_read: int | None = None  # rows of an event log, before collapsing to tickets
    # survey rows without a rating (an empty score, `Unoffered`): neither used nor rejected
    no_rating: int = 0
    # what the export looks like when it does not read as given (an event log without
    # `events:`), and the config line that reads it
    hints: list[str] = field(default_factory=list)
    intervals: Any = None  # eventlog.Intervals: each ticket's status history
    malformed_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, text)
    # 1-based source row of each kept row, per file: (file index, row) — for messages
    origin_file: np.ndarray | None = None
    origin_row: np.ndarray | None = None
    # per file of `paths`: where its data rows are (a CSV's lines), for messages
    row_lines: list[RowLines | None] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.cols or name in self.dims or name in self.ids

    def left_unread(self, names: list[str]) -> list[str]:
        """Those of these canonical columns the export has under their own name but the
        config or preset maps to no column (ServiceNow's resolved_by names a person)."""
        present = {normalise_name(h) for h in self.header}
        return [name for name in names if name in present and name not in self.mapping]

    def ts(self, name: str) -> np.ndarray:
        return self.cols[name]

    def valid_ts(self, name: str) -> np.ndarray:
        return self.cols[name] != NAT

    def is_bad(self, name: str) -> np.ndarray | None:
        return self.bad.get(name)

    def find_dim(self, key: str) -> Dim | None:
        """The dimension `key` (normalised) names: a canonical one, or the canonical
        column mapped from an export column of that name."""
        if key in self.dims:
            return self.dims[key]
        for canonical, export in self.mapping.items():
            if normalise_name(export) == key and canonical in self.dims:
                return self.dims[canonical]
        return None

    def take(self, rows: np.ndarray) -> None:
        """Keep only `rows` (in place)."""
        self.cols = {k: v[rows] for k, v in self.cols.items()}
        self.dims = {k: d.take(rows) for k, d in self.dims.items()}
        import pyarrow as pa

        from supportkpi.io.arrownp import from_np  # pa.array(ndarray) would import pandas

        idx = from_np(np.asarray(rows, dtype=np.int64), pa.int64())
        self.ids = {k: v.take(idx) for k, v in self.ids.items()}
        self.bad = {k: v[rows] for k, v in self.bad.items()}
        if self.intervals is not None:  # an event log's history follows its tickets
            self.intervals = self.intervals.take_tickets(rows, self.n)
        if self.origin_file is not None and self.origin_row is not None:
            self.origin_file = self.origin_file[rows]
            self.origin_row = self.origin_row[rows]
        self.n = len(rows)

    def latest(self) -> int | None:
        """The latest instant in any timestamp column (None: no timestamp at all)."""
        found = [int(c.max()) for c in self.cols.values() if c.dtype == np.int64 and len(c)]
        found = [v for v in found if v != NAT]
        return max(found) if found else None

    def rows_used(self) -> int:
        return self.n
