"""Event logs (one row per update or status change) collapsed to one row per ticket.

Rules (`events:` in the config, or a preset):
* every column of the ticket comes from its last event (current status, priority…);
* created_at = the first event, resolved_at = the first (or last) event in a resolved
  status, first_response_at = the first event in a "responded" status, reopens = the
  number of moves from a resolved status back to another one — each only when the export
  has no column of its own for it (ServiceNow's log carries opened_at and resolved_at);
  where it has one but a ticket's cell is empty (a ServiceNow incident closed without
  passing through Resolved), the event-derived time fills that cell and the fill is
  counted in the data-quality notes;
* the status intervals (ticket, status, from, to) are kept: they are what pausing an SLA
  clock while a ticket waits on the customer needs.

Vectorised: one sort of (ticket, time, order); firsts, lasts and transitions come from
group boundaries — no Python loop per event or per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from supportkpi.config.settings import EventRules
from supportkpi.io.arrownp import from_np, pc, to_np
from supportkpi.io.timeparse import NAT, DateOrder, from_arrow
from supportkpi.schema.vocab import snake


def provides(rules: EventRules) -> tuple[str, ...]:
    """The canonical columns these rules can derive from the events alone."""
    out = ["created_at"]
    if rules.resolved:
        out += ["resolved_at", "reopens"]
    if rules.first_response:
        out.append("first_response_at")
    return tuple(out)


@dataclass
class Intervals:
    """Status intervals of every ticket: ticket row, status label, [start, end)."""

    ticket: np.ndarray  # row of the ticket in the collapsed table
    status: np.ndarray  # int32 codes into labels
    labels: list[str]
    start: np.ndarray  # int64 µs
    end: np.ndarray  # int64 µs, NAT for the current (last) status

    def take_tickets(self, rows: np.ndarray, n_before: int) -> Intervals:
        """The intervals of the tickets kept (`rows` of the n_before), renumbered."""
        new = np.full(n_before, -1, dtype=np.int64)
        new[rows] = np.arange(len(rows))
        ticket = new[self.ticket]
        keep = ticket >= 0
        return Intervals(
            ticket[keep], self.status[keep], self.labels, self.start[keep], self.end[keep]
        )


@dataclass
class Collapsed:
    table: pa.Table
    events: int  # rows of the log
    bad_time: np.ndarray  # positions of the events whose time could not be read
    far_time: np.ndarray  # positions of the events timed outside the valid years
    intervals: Intervals | None
    # event-derived times of columns the export does have: they fill its empty cells
    fallback: dict[str, np.ndarray]


def _matching(labels: list[str], statuses: tuple[str, ...]) -> list[int]:
    """Codes of the labels that are one of `statuses`, matched as `values:` are: ignoring
    case and surrounding spaces (`Closed`, `closed `, `CLOSED`)."""
    wanted = {snake(s) for s in statuses}
    return [i for i, label in enumerate(labels) if label.strip() and snake(label) in wanted]


def is_event_log(table: pa.Table, rules: EventRules) -> bool:
    ids = table.column(rules.id)
    return len(ids) > 0 and pc.count_distinct(ids).as_py() < len(ids)


def collapse(
    table: pa.Table,
    rules: EventRules,
    tz: str,
    order: DateOrder,
    provide: tuple[str, ...],
    span: tuple[int, int],
) -> Collapsed:
    """One row per ticket; `provide` names the canonical columns to synthesise. Events
    timed outside `span` (the valid years) are left out, as unreadable ones are."""
    n = table.num_rows
    ids = pc.dictionary_encode(table.column(rules.id).combine_chunks())
    id_code = to_np(ids.indices, np.int64, -1)
    parsed = from_arrow(table.column(rules.time), tz, order, span)
    when = parsed.us
    sort_when = np.where(when == NAT, np.iinfo(np.int64).max, when)  # unreadable: last
    keys = [sort_when, id_code]
    if rules.order:
        seq = to_np(
            pc.cast(table.column(rules.order), pa.float64(), safe=False), np.float64, np.inf
        )
        keys = [seq, sort_when, id_code]
    rows = np.lexsort(keys)  # by ticket, then time, then the order column
    code_s = id_code[rows]
    when_s = when[rows]
    starts = np.flatnonzero(np.r_[True, code_s[1:] != code_s[:-1]])
    ends = np.r_[starts[1:], n] - 1  # last event of each ticket
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    out = table.take(from_np(rows[ends].astype(np.int64), pa.int64()))
    k = len(starts)

    def first_where(mask: np.ndarray, last: bool = False) -> np.ndarray:
        """Per ticket, the time of its first (or last) event where `mask` holds."""
        result = np.full(k, NAT, dtype=np.int64)
        hit = np.flatnonzero(mask & (when_s != NAT))
        if len(hit):
            if last:
                hit = hit[::-1]
            g, pos = np.unique(group[hit], return_index=True)
            result[g] = when_s[hit[pos]]
        return result

    status_labels: list[str] = []
    status_code = np.zeros(n, dtype=np.int32)
    resolved_s = np.zeros(n, dtype=bool)
    if rules.status:
        st = pc.dictionary_encode(pc.cast(table.column(rules.status), pa.string()).combine_chunks())
        status_labels = [("" if v is None else str(v)) for v in st.dictionary.to_pylist()]
        status_code = to_np(st.indices, np.int32, len(status_labels))[rows]
        status_labels.append("")
        res_codes = _matching(status_labels, rules.resolved)
        resolved_s = np.isin(status_code, res_codes)
    derived: dict[str, np.ndarray] = {"created_at": first_where(np.ones(n, dtype=bool))}
    if rules.resolved:
        derived["resolved_at"] = first_where(resolved_s, last=rules.resolution == "last")
    if rules.first_response:
        fr_codes = _matching(status_labels, rules.first_response)
        derived["first_response_at"] = first_where(np.isin(status_code, fr_codes))
    synthesized = {
        name: from_np(v, pa.timestamp("us", tz="UTC"), v == NAT)
        for name, v in derived.items()
        if name in provide
    }
    fallback = {name: v for name, v in derived.items() if name not in provide}
    if "reopens" in provide and rules.resolved:
        same = np.r_[False, code_s[1:] == code_s[:-1]]
        reopened = same & np.r_[False, resolved_s[:-1]] & ~resolved_s
        synthesized["reopens"] = from_np(
            np.bincount(group[reopened], minlength=k).astype(np.int64), pa.int64()
        )
    for name, arr in synthesized.items():
        out = out.append_column(name, arr)
    intervals = None
    if rules.status:
        nxt = np.r_[when_s[1:], NAT]
        nxt[ends] = NAT
        intervals = Intervals(group, status_code, status_labels, when_s, nxt)
    far = np.flatnonzero(parsed.outside) if parsed.outside is not None else np.zeros(0, int)
    return Collapsed(out, n, np.flatnonzero(parsed.bad), far, intervals, fallback)
