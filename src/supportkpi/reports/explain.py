"""`supportkpi explain KPI`: the rows behind one number.

Every row of the KPI's input that the period (and `--where` filters) put in scope, with
its id, the timestamp that placed it, the canonical columns the KPI reads, and:
* for a rate or score share: `in_denominator` and `in_numerator` (so that rows in the
  denominator = n, and numerator rows × 100 / n = the value);
* for a mean, a percentile or a sum: the per-row `value` (seconds for durations);
* for an SLA compliance: the ticket's `state` too.
The same loading, anchors and filters as `compute`, so the file reconciles with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from supportkpi.engine.core import Engine, Query, computability
from supportkpi.errors import UsageError
from supportkpi.io.arrownp import dim_array, from_np, literal
from supportkpi.io.periods import Buckets
from supportkpi.io.timeparse import NAT
from supportkpi.kpis.catalogue import CATALOGUE, Kpi, resolve
from supportkpi.kpis.statistics import ExplainRows
from supportkpi.reports.compute import (
    Options,
    default_as_of,
    load_all,
    make_window,
    parse_as_of,
    resolve_config,
    resolved_window,
)
from supportkpi.schema.inputs import TIME_DIMS, closest, normalise_name

_ID = {
    "tickets": "ticket_id",
    "surveys": "survey_id",
    "credits": "credit_id",
    "customers": "customer_id",
    "agents": "agent",
    "comments": "comment_id",  # none: its row number
}


def parse_where(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip():
            raise UsageError(f"--where {item!r}: expected DIMENSION=VALUE, like channel=chat")
        out.append((dim.strip(), value.strip()))
    return out


def explain(options: Options, kpi_name: str, where: list[tuple[str, str]]) -> pa.Table:
    if kpi_name not in CATALOGUE:
        hint = closest(kpi_name, list(CATALOGUE))
        raise UsageError(
            f"unknown KPI {kpi_name!r}",
            hint=f"did you mean '{hint}'?" if hint else "`supportkpi kpis` lists them",
        )
    config = resolve_config(options)
    kpi = resolve(kpi_name, config.definitions)
    asked = kpi_name  # what the inputs are read for (a split KPI's part is no public KPI)
    split = kpi.stat.split
    if split and any(normalise_name(d) == split[0] for d, _ in where):
        # one figure of a split KPI (time in status, --where status=pending): its own KPI's
        value = next(v for d, v in where if normalise_name(d) == split[0])
        parts = dict(split[1])
        if normalise_name(value) not in parts:
            raise UsageError(
                f"--where {split[0]}={value}: {kpi_name} has no such {split[0]}",
                hint="one of " + ", ".join(parts),
            )
        kpi_name = parts[normalise_name(value)]
        kpi = resolve(kpi_name, config.definitions)
        where = [(d, v) for d, v in where if normalise_name(d) != split[0]]
    refusal = kpi.stat.explain_refusal(kpi_name)
    if refusal:
        raise UsageError(refusal)
    make_window(options, config)  # a period that cannot be read stops before the data is
    dims = tuple(d for d, _ in where)
    frames = load_all(options, config, [asked], [dims] if dims else [], dims_option="--where")
    as_of = parse_as_of(options.as_of, config) if options.as_of else default_as_of(frames)
    window = resolved_window(options, config, as_of)
    as_of = as_of or 0
    engine = Engine(
        frames,
        Query([kpi_name], [dims] if dims else [], window, None, as_of, options.cohort),
        config,
    )
    reason = computability(kpi, frames, engine.query, config)
    if reason:
        raise UsageError(f"{kpi_name} cannot be computed: {reason}")
    frame = frames[kpi.source]
    m = engine.measures[kpi.source]
    at = in_scope(engine, kpi)
    scope, anchor_col, anchor_ts, end = at.scope, at.anchor_col, at.anchor_ts, at.end
    rows_ts = anchor_ts
    columns: dict[str, pa.Array] = {}
    buckets = at.buckets
    for dim, value in where:
        if normalise_name(dim) in TIME_DIMS and not anchor_col:
            raise UsageError(f"--where {dim}: {kpi_name} is not placed in time")
        d = engine._dim(kpi.source, dim, rows_ts, buckets)
        if d is None:
            raise UsageError(f"--where {dim}: {kpi.source} cannot be filtered by it")
        wanted = [
            i
            for i, lb in enumerate(d.labels)
            if lb == value or normalise_name(lb) == normalise_name(value)
        ]
        if not wanted:  # a typo would give an empty, plausible-looking file
            seen = sorted(set(d.labels[c] for c in np.unique(d.codes[scope])))
            hint = closest(value, seen)
            raise UsageError(
                f"--where {dim}={value}: no {kpi.source} row in scope has this value",
                hint=(f"did you mean '{hint}'? " if hint else "")
                + f"values seen: {', '.join(seen[:8])}{', …' if len(seen) > 8 else ''}",
            )
        scope &= np.isin(d.codes, wanted)
    rows = np.flatnonzero(scope)

    id_col = _ID[kpi.source]
    if id_col in frame.ids:
        columns[id_col] = frame.ids[id_col].take(_ints(rows))
    elif id_col in frame.dims:
        columns[id_col] = dim_array(frame.dims[id_col], rows)
    else:
        columns["row"] = _ints(rows + 1)
    if kpi.source in ("surveys", "credits", "comments") and "ticket_id" in frame.ids:
        columns["ticket_id"] = frame.ids["ticket_id"].take(_ints(rows))
    if anchor_col:
        columns[anchor_col.lstrip("@")] = _ts(anchor_ts[rows])
    for dim, _ in where:
        d = engine._dim(kpi.source, dim, rows_ts, buckets)
        assert d is not None
        columns[dim] = dim_array(d, rows)
    if kpi.source == "surveys" and "type" in frame.dims and "type" not in columns:
        # a survey of another kind is in no denominator: its type says why
        columns["type"] = dim_array(frame.dims["type"], rows)
    for name in _read_columns(kpi):
        if name in columns:
            continue
        if name in frame.cols:
            arr = frame.cols[name]
            columns[name] = _ts(arr[rows]) if arr.dtype == np.int64 else _numbers(arr[rows])
        elif name in frame.dims:
            columns[name] = dim_array(frame.dims[name], rows)

    columns.update(kpi.stat.explain_columns(ExplainRows(frame.dims, m, rows, end)))
    m.release()
    return pa.Table.from_arrays(list(columns.values()), names=list(columns))


@dataclass
class Scope:
    """The rows of a KPI's input that the engine's period puts in scope for it."""

    scope: np.ndarray  # bool, one per row of the input
    anchor_col: str  # the column placing the rows ("" : none, every row)
    anchor_ts: np.ndarray  # its timestamps
    buckets: dict[str, Buckets]  # the time dimensions' periods, for `Engine._dim`
    end: int  # the instant a state is measured at


def in_scope(engine: Engine, kpi: Kpi) -> Scope:
    """The rows behind `kpi`'s value in `engine`'s window (and its as-of time): the
    same anchors as the engine's, so they reconcile with `compute` (explain, compare)."""
    frame = engine.frames[kpi.source]
    m = engine.measures[kpi.source]
    window, as_of = engine.query.window, engine.query.as_of
    end = min(window.end, as_of + 1) if window.end is not None else as_of + 1
    if kpi.stat.state:  # a state at the period end: the tickets created before it
        anchor_ts = m.event("created_at")
        scope = (anchor_ts != NAT) & (anchor_ts < end) & m.known("resolved_at")
        anchor_col = "created_at"
    else:
        anchor_col = engine._anchor(kpi) or ""
        anchor_ts = m.event(anchor_col) if anchor_col else np.zeros(frame.n, np.int64)
        scope = engine.window_mask(anchor_ts) if anchor_col else np.ones(frame.n, bool)
    buckets = engine._buckets_for(anchor_ts[scope & (anchor_ts != NAT)] if anchor_col else None)
    return Scope(scope, anchor_col, anchor_ts, buckets, end)


def _read_columns(kpi: Kpi) -> list[str]:
    return [c for group in kpi.needs for c in group if not c.startswith("@")]


# Arrow arrays from numpy buffers: pa.array(ndarray) would import pandas (~0.15 s)
def _ts(us: np.ndarray) -> pa.Array:
    return from_np(us, pa.timestamp("us", tz="UTC"), us == NAT)


def _ints(values: np.ndarray) -> pa.Array:
    return from_np(values.astype(np.int64), pa.int64())


def _numbers(values: np.ndarray) -> pa.Array:
    return from_np(values, pa.from_numpy_dtype(values.dtype))


# Arrow writes an instant as "2026-11-02 09:00:00.000000Z": the same in ISO 8601 as the
# JSON has it, microseconds only when there are some
_ARROW_UTC = r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.0{6}|(\.\d{6}))Z$"


def write(table: pa.Table, output: str | None) -> str | bytes:
    """CSV text (formula-injection safe) or Parquet bytes, by the output's extension."""
    if output and output.lower().endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        return sink.getvalue().to_pybytes()
    import pyarrow.csv as pacsv

    safe = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            col = pc.cast(col, pa.string())
        elif pa.types.is_timestamp(col.type):  # as everywhere else: 2026-11-02T09:00:00Z
            col = pc.replace_substring_regex(
                pc.cast(col, pa.string()), pattern=_ARROW_UTC, replacement=r"\1T\2\3Z"
            )
        if pa.types.is_string(col.type):
            risky = pc.match_substring_regex(col, r"^[=+\-@\t\r]")
            col = pc.if_else(
                risky, pc.binary_join_element_wise(literal("'"), col, literal("")), col
            )
        safe[name] = col
    sink = pa.BufferOutputStream()
    pacsv.write_csv(pa.Table.from_arrays(list(safe.values()), names=list(safe)), sink)
    return sink.getvalue().to_pybytes().decode("utf-8")
