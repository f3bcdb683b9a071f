"""SLA policies -> per-ticket state for each target, at the as-of time, vectorised.

For every ticket and target (first response, resolution):
* the target comes from the policy of the ticket's key value (priority by default),
  with per-dimension overrides (`sla.overrides: {channel: {chat: {P1: {…}}}}`) on top;
* elapsed time runs on the configured clock (calendar or business hours) from creation
  to the event, or to the as-of time while the event has not happened;
* state: `met` (done, elapsed ≤ target), `breached` (done late, or not done and already
  past target), `at_risk` (not done, less than the warning window left), `active`
  (not done, more time left), `n/a` (no policy covers the ticket: counted as
  `unmatched`, never dropped silently), `invalid` (a value the target needs is
  unusable, e.g. a response before creation: the row problem says which), `paused`
  (not done, its clock stopped at the as-of time in a status the target pauses in, and
  not yet past its target: a ticket breached before a pause stays breached);
* with a status history, the time in the statuses a target pauses in (`sla.pause`:
  resolution in pending by default; first response never) is not on its clock.

Compliance = met / (met + breached). A ticket resolved without any first response: the
resolution ends its first-response clock (as Zendesk and dbt_zendesk do) — met when it
came within the first-response target, else breached, elapsed = resolution − creation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from supportkpi import branchless, threads
from supportkpi.config.settings import SLA_TARGETS, Config, Policy
from supportkpi.io.arrownp import gather
from supportkpi.io.timeparse import NAT
from supportkpi.schema.frame import Dim, Frame
from supportkpi.schema.inputs import normalise_name
from supportkpi.sla.clock import BusinessClock, CalendarClock, Span

STATES = ("met", "breached", "at_risk", "active", "n/a", "invalid", "paused")
MET, BREACHED, AT_RISK, ACTIVE, NA, INVALID, PAUSED = range(7)
TARGETS = SLA_TARGETS
# the event that stops each target's clock (the resolution ends the status-time ones)
EVENT = {
    "first_response": "first_response_at",
    "resolution": "resolved_at",
    "requester_wait": "resolved_at",
    "agent_work": "resolved_at",
}  # (next_reply's is each reply cycle's own reply: measures' reply_cycle_times)


# (ticket rows, goal clock seconds, clock ends, clock) -> due instants
DueOf = Callable[[np.ndarray, np.ndarray, np.ndarray, "CalendarClock | BusinessClock"], np.ndarray]


@dataclass
class TargetView:
    target: TargetSeconds
    state: np.ndarray  # int8 codes into STATES
    created: np.ndarray
    end: np.ndarray  # the event, or the as-of time while it has not happened
    clock: CalendarClock | BusinessClock
    paused: np.ndarray | None = None  # seconds on the clock in a pausing status (history)
    done: np.ndarray | None = None  # the event (or what also stops the clock) happened
    # several clocks (`clocks:`): each ticket's, as an index into `clocks`
    clocks: list[CalendarClock | BusinessClock] | None = None
    clock_of: np.ndarray | None = None
    # (rows, goal seconds, clock end, clock) -> due instants, the pauses walked in order
    due_of: DueOf | None = None

    def _per_clock(
        self,
        rows: np.ndarray,
        fn: Callable[[CalendarClock | BusinessClock, np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """`fn(clock, at)` for the positions `at` of `rows` on each clock, assembled."""
        if self.clocks is None or self.clock_of is None:
            return fn(self.clock, np.arange(len(rows)))
        out: np.ndarray | None = None
        which = self.clock_of[rows]
        for c, clock in enumerate(self.clocks):
            at = np.flatnonzero(which == c)
            if len(at):
                part = fn(clock, at)
                if out is None:
                    out = np.empty(len(rows), dtype=part.dtype)
                out[at] = part
        return out if out is not None else fn(self.clock, np.arange(len(rows)))

    def elapsed(self, rows: np.ndarray) -> np.ndarray:
        """Seconds on the clock from creation to the event (or the as-of time), the
        paused time excluded."""
        created, end = self.created[rows], self.end[rows]
        out = self._per_clock(rows, lambda c, at: c.elapsed(created[at], end[at]))
        if self.paused is not None:
            out = out - self.paused[rows]
        return out

    def due(self, rows: np.ndarray) -> np.ndarray:
        """Due instants (int64 µs, NAT where no policy) of some rows — only listings
        need them, so they are not computed for every ticket: where the time on the
        clock, less the pauses before it, reaches the target. A pause after the clock
        ran out does not move a breach; an open ticket's pauses so far (to the as-of
        time) move its due time."""
        target, created = self.target[rows], self.created[rows]
        if self.due_of is not None:
            due_of, end = self.due_of, self.end[rows]
            return self._per_clock(rows, lambda c, at: due_of(rows[at], target[at], end[at], c))
        goal = target if self.paused is None else target + self.paused[rows]
        return self._per_clock(rows, lambda c, at: c.add(created[at], goal[at]))


def _stops(
    created: np.ndarray, event: np.ndarray, ends_too: np.ndarray | None, as_of: int
) -> np.ndarray:
    """Where each ticket's clock stops: its event (or `ends_too`), else the as-of time;
    never before its creation."""
    stop = event.copy()
    if ends_too is not None:
        np.copyto(stop, ends_too, where=stop == NAT)
    stop[stop == NAT] = as_of
    return np.maximum(stop, created)


def key_dim(frame: Frame, config: Config) -> Dim | None:
    return frame.find_dim(normalise_name(config.sla.key))


def _policy_of(label: str, config: Config) -> Policy | None:
    return _named(config.sla.policies, label)


def _named(policies: dict[str, Policy], label: str) -> Policy | None:
    """The policy named `label`, matched as `values:` are (ignoring case and separators)."""
    if label in policies:
        return policies[label]
    folded = normalise_name(label)
    return next((p for k, p in policies.items() if normalise_name(k) == folded), None)


def rule_of(frame: Frame, config: Config) -> np.ndarray:
    """Each ticket's policy of the list: the first whose every `when` condition holds
    (the column has one of the values, ignoring case); the list's length when none does.
    A condition on a column the tickets lack holds for no ticket."""
    rules = config.sla.rules
    out = np.full(frame.n, len(rules), dtype=np.int64)
    free = np.ones(frame.n, dtype=bool)
    for r, rule in enumerate(rules):
        match = free.copy()
        for column, values in rule.when.items():
            dim = frame.find_dim(column)
            if dim is None:
                match[:] = False
                break
            wanted = {normalise_name(v) for v in values}
            codes = [i for i, label in enumerate(dim.labels) if normalise_name(label) in wanted]
            match &= np.isin(dim.codes, codes)
        out[match] = r
        free &= ~match
    return out


def _policy_lookup(dim: Dim, config: Config, field: str) -> np.ndarray:
    """Target seconds per label of the key dimension (NaN: no policy)."""
    out = np.full(dim.size, np.nan)
    for i, label in enumerate(dim.labels):  # distinct values only
        policy = _policy_of(label, config)
        value = getattr(policy, field) if policy is not None else None
        if value is not None:
            out[i] = value
    return out


def uncovered(frame: Frame, config: Config, scope: np.ndarray) -> dict[str, int]:
    """Tickets of `scope` (a row mask) whose key value no policy names, by that value,
    the most frequent first: what `values:` (or more policies) should map."""
    key = key_dim(frame, config)
    if key is None or not frame.n:
        return {}
    missing = [i for i, label in enumerate(key.labels) if _policy_of(label, config) is None]
    if not missing:
        return {}
    counts = np.bincount(key.codes[scope], minlength=key.size)
    found = {key.labels[i]: int(counts[i]) for i in missing if counts[i]}
    return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


class TargetSeconds:
    """Each ticket's target in seconds (NaN: no policy applies), computed for the rows
    asked for (`targets[rows]`): evaluation goes slice by slice, and a listing needs a
    few rows — a column for every ticket would be 80 MB of fresh memory at 10M tickets
    (0.18 s on the project machine, most of it the kernel's)."""

    def __init__(
        self, frame: Frame, config: Config, field: str, rule: np.ndarray | None = None
    ) -> None:
        """`rule`: each ticket's policy of a list (`rule_of`), when the policies are one."""
        self.n = frame.n
        self.key = key_dim(frame, config)
        self.lookup = (
            np.full(1, np.nan) if self.key is None else _policy_lookup(self.key, config, field)
        )
        # policies as a list: each ticket's policy (-1: none matches), and each policy's
        # target per key value (its lookup's last entry, NaN, for a ticket with none)
        self.rule: np.ndarray | None = None
        if rule is not None and self.key is not None:
            self.rule = rule
            self.lookup = np.full((len(config.sla.rules) + 1, self.key.size), np.nan)
            for r, listed in enumerate(config.sla.rules):
                for i, label in enumerate(self.key.labels):
                    policy = _named(listed.targets, label)
                    value = getattr(policy, field) if policy is not None else None
                    if value is not None:
                        self.lookup[r, i] = value
        # per-dimension overrides as (dimension, its codes, policy key codes, seconds)
        self.overrides: list[tuple[Dim, list[int], list[int], float]] = []
        if self.key is None:
            return
        for dim_name, by_value in config.sla.overrides.items():
            other = frame.dims.get(dim_name)
            if other is None:
                continue
            for value, per_key in by_value.items():
                vcodes = _codes_of(other, value)
                for pkey, fields in per_key.items():
                    if field in fields:
                        self.overrides.append(
                            (other, vcodes, _codes_of(self.key, pkey), fields[field])
                        )

    def __getitem__(self, rows: slice | np.ndarray) -> np.ndarray:
        if self.key is None:
            return np.full(
                len(range(self.n)[rows]) if isinstance(rows, slice) else len(rows), np.nan
            )
        codes = self.key.codes[rows]
        if self.rule is not None:  # the ticket's policy's target for its key value
            target = self.lookup[self.rule[rows], codes]
        else:
            target = gather(self.lookup, codes)
        for other, vcodes, kcodes, seconds in self.overrides:
            mask = np.isin(other.codes[rows], vcodes) & np.isin(codes, kcodes)
            target[mask] = seconds
        return target


def _codes_of(dim: Dim, value: str) -> list[int]:
    return [i for i, lbl in enumerate(dim.labels) if normalise_name(lbl) == normalise_name(value)]


def clocks_of(
    frame: Frame,
    config: Config,
    default: CalendarClock | BusinessClock,
    rule: np.ndarray | None = None,
) -> tuple[list[CalendarClock | BusinessClock], np.ndarray | None]:
    """The clocks in use and each ticket's (an index; None: the default for all). A
    policy's `clock:` wins over `sla.clock_by` (a column naming one), which wins over the
    config's clock; a clock_by value naming no clock keeps the config's. `rule`: each
    ticket's policy of a list (`rule_of`), when the policies are one."""
    from supportkpi.sla.clock import schedule_clock

    names = list(config.clocks)
    rules_with_clock = any(r.clock for r in config.sla.rules)
    if not names or (config.sla.clock_by is None and not rules_with_clock):
        return [default], None
    index = np.zeros(frame.n, dtype=np.int64)
    if config.sla.clock_by is not None:
        dim = frame.find_dim(config.sla.clock_by)
        if dim is not None:
            folded = {normalise_name(n): k + 1 for k, n in enumerate(names)}
            per_label = np.array([folded.get(normalise_name(lb), 0) for lb in dim.labels] + [0])
            index = per_label[dim.codes]
    if rules_with_clock and rule is not None:
        for r, policy in enumerate(config.sla.rules):
            if policy.clock is not None:
                index[rule == r] = names.index(policy.clock) + 1
    used = np.unique(index)
    clocks = [
        default if k == 0 else schedule_clock(config.clocks[names[k - 1]], config)
        for k in range(len(names) + 1)
    ]
    if len(used) == 1:  # every ticket on one clock
        return [clocks[int(used[0])]], None
    return clocks, index


def rows_of(target: TargetSeconds, rows: np.ndarray) -> TargetSeconds:
    """The targets of the tickets at `rows` (e.g. each reply cycle's ticket), indexed as
    `TargetSeconds` is."""
    return _RowsOf(target, rows)  # type: ignore[return-value]


class _RowsOf:
    """The targets of some tickets, indexed as `TargetSeconds` is (for one clock's)."""

    def __init__(self, target: TargetSeconds | _RowsOf, rows: np.ndarray) -> None:
        self.target, self.rows = target, rows

    def __getitem__(self, at: slice | np.ndarray) -> np.ndarray:
        return self.target[self.rows[at]]


def evaluate_on_clocks(
    frame: Frame,
    event: np.ndarray,
    bad: np.ndarray | None,
    target: TargetSeconds,
    clocks: list[CalendarClock | BusinessClock],
    clock_of: np.ndarray | None,
    as_of: int,
    config: Config,
    ends_too: np.ndarray | None = None,
    pauses: Callable[[np.ndarray, CalendarClock | BusinessClock], np.ndarray] | None = None,
    waiting: np.ndarray | None = None,
    due_of: DueOf | None = None,
) -> TargetView:
    """`evaluate` on each ticket's clock: the tickets of each clock judged on it, then
    put together. `pauses(stop, clock)`: as evaluate's, on that clock; `due_of`: the
    listings' due instants with the pauses walked in order (TargetView.due)."""
    if clock_of is None:
        clock = clocks[0]
        paused_on = None if pauses is None else (lambda stop: pauses(stop, clock))
        view = evaluate(
            frame, event, bad, target, clock, as_of, config, ends_too, paused_on, waiting
        )
        view.due_of = due_of
        return view
    n = frame.n
    created = frame.cols["created_at"]
    state = np.empty(n, dtype=np.int8)
    end = np.empty(n, dtype=np.int64)
    done = np.empty(n, dtype=bool)
    paused = np.zeros(n) if pauses is not None else None
    for c, clock in enumerate(clocks):
        rows = np.flatnonzero(clock_of == c)
        if not len(rows):
            continue
        part = Frame(frame.name, len(rows))
        part.cols["created_at"] = created[rows]

        def paused_on(
            stop: np.ndarray, rows: np.ndarray = rows, clock: CalendarClock | BusinessClock = clock
        ) -> np.ndarray:
            assert pauses is not None
            full = np.full(n, NAT, dtype=np.int64)
            full[rows] = stop
            return pauses(full, clock)[rows]

        view = evaluate(
            part,
            event[rows],
            None if bad is None else bad[rows],
            _RowsOf(target, rows),  # type: ignore[arg-type]
            clock,
            as_of,
            config,
            None if ends_too is None else ends_too[rows],
            paused_on if pauses is not None else None,
            None if waiting is None else waiting[rows],
        )
        state[rows], end[rows] = view.state, view.end
        assert view.done is not None
        done[rows] = view.done
        if paused is not None and view.paused is not None:
            paused[rows] = view.paused

    return TargetView(
        target,
        state,
        created,
        end,
        clocks[0],
        paused,
        done,
        clocks,
        clock_of,
        due_of,
    )


def evaluate(
    frame: Frame,
    event: np.ndarray,
    bad: np.ndarray | None,
    target: TargetSeconds,
    clock: CalendarClock | BusinessClock,
    as_of: int,
    config: Config,
    ends_too: np.ndarray | None = None,
    pauses: Callable[[np.ndarray], np.ndarray] | None = None,
    waiting: np.ndarray | None = None,
) -> TargetView:
    """`ends_too`: a later event that also stops the clock when `event` has not happened
    (the resolution, for the first-response target). `pauses(stop)`: each ticket's clock
    seconds in a pausing status from creation to `stop` (a status history); `waiting`:
    the tickets in such a status at the as-of time."""
    created = frame.cols["created_at"]
    n = frame.n
    state = np.empty(n, dtype=np.int8)
    end = np.empty(n, dtype=np.int64)
    finished = np.empty(n, dtype=bool)
    kind, amount = config.sla.warn_before
    if config.sla.escalation_levels:  # at risk once past the lowest level of the target used
        kind, amount = "fraction", 1.0 - min(config.sla.escalation_levels)
    span: Span | None = None
    if clock.kind == "business" and n:  # the open-hours table, built once for every slice
        assert isinstance(clock, BusinessClock)
        ok = created != NAT
        lo = int(np.min(created, where=ok, initial=np.iinfo(np.int64).max))
        hi = max(int(np.max(created, where=ok, initial=lo)), int(np.max(event)), as_of)
        if ends_too is not None:
            hi = max(hi, int(np.max(ends_too)))
        span = clock.span(lo, hi)

    paused: np.ndarray | None = None
    if pauses is not None:  # the time paused until each ticket's stop instant
        paused = pauses(_stops(created, event, ends_too, as_of))
        paused[np.isnan(paused)] = 0.0

    def one(rows: slice) -> None:
        start = created[rows]
        stop = end[rows]
        np.copyto(stop, event[rows])
        if ends_too is not None:
            np.copyto(stop, ends_too[rows], where=stop == NAT)
        done = stop != NAT
        finished[rows] = done
        # open tickets run to the as-of time; one created after it has used no time yet
        stop[~done] = as_of
        np.maximum(stop, start, out=stop)
        goal = target[rows]
        if clock.kind == "calendar":  # microseconds: exact for whole-second targets
            remaining = goal * 1e6
            remaining -= stop - start
            warn = goal * (amount * 1e6) if kind == "fraction" else amount * 1e6
        else:  # stop is an instant in the span (an event, or the as-of time)
            assert span is not None
            # per slice, B(created) too: a full-length copy would be fresh memory
            remaining = span.before(stop)
            np.subtract(goal, remaining, out=remaining)
            remaining += span.before(start)  # NaN where the ticket has no creation time
            warn = goal * amount if kind == "fraction" else amount
        if paused is not None:  # paused time is not on the clock
            remaining += paused[rows] * (1e6 if clock.kind == "calendar" else 1.0)
        st = state[rows]
        st[:] = ACTIVE
        with np.errstate(invalid="ignore"):  # (random masks: no branch per ticket)
            branchless.put(st, remaining < warn, AT_RISK)
            branchless.put(st, done, MET)
            branchless.put(st, remaining < 0, BREACHED)  # done late, or open past its target
            if waiting is not None:  # its clock stopped now, its target not passed
                branchless.put(st, waiting[rows] & ~done & (remaining >= 0), PAUSED)
        branchless.put(st, np.isnan(goal), NA)
        if bad is not None:
            branchless.put(st, bad[rows], INVALID)

    threads.by_slices(one, n)  # numpy lets go of the GIL: two slices at a time

    return TargetView(
        target,
        state,
        created,
        end,
        clock,
        paused,
        finished,
    )
