"""Per-row measures: the vectorised columns every KPI's statistic is computed from.

A measure is an array over the rows of one input: a value (seconds, a score) as
float64, NaN where the row does not take part (no response yet, a bad value, a survey
of another type); or an indicator (0/1, or −1/0/+1 for NPS) as int8, `MISSING` where
the row does not take part — a tenth of the memory, and one counting pass to aggregate.
`catalogue.py` says which statistic is taken of which measure; this module says what each
measure is. Each is computed once per fact and shared (the first response time feeds the
mean, the median, the p90 and the SLA), then let go.

The as-of time is the instant tickets are judged at: a ticket event stamped later (a
creation, a response, a resolution) has not happened yet, so a resolution after the
as-of time counts as unresolved. Other inputs (surveys, credits) are not cut at the
as-of time: a survey answered after the tickets export was taken still counts.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

import numpy as np

from supportkpi import branchless
from supportkpi.config.settings import Config
from supportkpi.io.timeparse import NAT
from supportkpi.schema.conversation import AGENT, author_codes, cycle_times, reply_cycles
from supportkpi.schema.frame import Frame
from supportkpi.schema.history import (
    CLOSED,
    NEW,
    ON_HOLD,
    OPEN,
    PENDING,
    SOLVED,
    History,
    Spent,
    among,
    available,
    due_after_pauses,
    history_of,
    spent,
    time_in,
)
from supportkpi.schema.inputs import UNKNOWN
from supportkpi.schema.vocab import STATUSES
from supportkpi.sla import policy as sla
from supportkpi.sla.clock import BusinessClock, CalendarClock, clock_for

MISSING = np.int8(-128)  # an int8 indicator's "does not take part"
# each ticket's policy of a list, the clocks in use and each ticket's clock (sla.clocks_of)
SlaSetting = tuple[np.ndarray | None, list[CalendarClock | BusinessClock], np.ndarray | None]

# name -> how it is computed: every per-row measure (`m_frt` is "frt"), and every
# composite key distinct values are counted of (`key_agent_day` is "agent_day")
MEASURES: dict[str, Callable[[Measures], np.ndarray]] = {}
KEYS: dict[str, Callable[[Measures], tuple[np.ndarray, int]]] = {}


def _measure(fn: Callable[[Measures], np.ndarray]) -> Callable[[Measures], np.ndarray]:
    MEASURES[fn.__name__.removeprefix("m_")] = fn
    return fn


def _key(
    fn: Callable[[Measures], tuple[np.ndarray, int]],
) -> Callable[[Measures], tuple[np.ndarray, int]]:
    KEYS[fn.__name__.removeprefix("key_")] = fn
    return fn


class Measures:
    def __init__(
        self, frame: Frame, as_of: int, config: Config, frames: dict[str, Frame] | None = None
    ) -> None:
        self.frame = frame
        self.as_of = as_of
        self.config = config
        self.frames = frames or {frame.name: frame}  # other inputs, for cross-input measures
        self._cache: dict[str, np.ndarray] = {}
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._clock: CalendarClock | BusinessClock | None = None
        self._sla: dict[str, sla.TargetView] = {}
        self._history: History | None = None
        self._spent: Spent | None = None  # the history's intervals on the clock
        self._tickets_measures: Measures | None = None  # (comments: their tickets' SLA)
        # comments: the reply cycles (positions) and their judged view (sla-check lists)
        self.reply_cycles_judged: tuple[np.ndarray, sla.TargetView] | None = None
        # each ticket's policy of a list and its clock, shared by every SLA target
        self._sla_setting: SlaSetting | None = None
        self.keep_sla = False  # sla-check lists tickets from the views after the run

    @property
    def clock(self) -> CalendarClock | BusinessClock:
        if self._clock is None:
            with self._guard:
                if self._clock is None:
                    self._clock = clock_for(self.config)
        return self._clock

    def get(self, name: str) -> np.ndarray:
        compute = MEASURES[name]
        return self._once(name, lambda: compute(self))

    def _once(self, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """The cached array, computed by one thread only (a fact's measures may be
        computed in two threads, sharing the event times)."""
        found = self._cache.get(key)
        if found is not None:
            return found
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = compute()
            return self._cache[key]

    def key(self, name: str) -> tuple[np.ndarray, int]:
        """Each row's code of a composite key (e.g. agent × day) and the number of codes."""
        return KEYS[name](self)

    def has(self, name: str) -> bool:
        return name in MEASURES

    def forget(self, name: str) -> None:
        """Let a measure's arrays go (at ten million rows each is 10-80 MB, and memory
        costs time); it is recomputed if asked for again."""
        self._cache.pop(name, None)
        self._cache.pop("micros:" + name, None)
        if name.startswith("sla_") and not self.keep_sla:
            self._sla.pop(name.removeprefix("sla_"), None)

    def release(self) -> None:
        """Forget every measure (not the event timestamps other facts share)."""
        self._cache = {k: v for k, v in self._cache.items() if k.startswith("event:")}
        if not self.keep_sla:
            self._sla = {}

    # ----------------------------------------------------------------- helpers
    def event(self, col: str) -> np.ndarray:
        """Timestamps of an event that had happened by the as-of time and is usable;
        NAT otherwise."""
        return self._once("event:" + col, lambda: self._event(col))

    def _event(self, col: str) -> np.ndarray:
        if col == "@reply_opened":  # the comment that opened a reply cycle (else NAT)
            opened = self.reply_cycle_times()[0].copy()
            opened[opened > self.as_of] = NAT  # not yet written at the as-of time
            return opened
        if col == "@ticket_created":  # the creation time of the row's ticket
            tickets = Measures(self.frames["tickets"], self.as_of, self.config, self.frames)
            created = tickets.event("created_at")
            # a row without a ticket (-1) takes the NAT appended last
            return np.append(created, NAT).take(self.frame.cols["ticket_row"])
        ts = self.frame.cols.get(col)
        if ts is None:
            return np.full(self.frame.n, NAT, dtype=np.int64)
        later = ts > self.as_of if self.frame.name == "tickets" else None
        bad = self.frame.bad.get(col)
        out = ts  # shared, read-only, unless something must be masked
        if (later is not None and later.any()) or bad is not None:
            out = ts.copy()
            if later is not None:
                out[later] = NAT
            if bad is not None:
                out[bad] = NAT
        return out

    def known(self, col: str) -> np.ndarray:
        """Rows where a column's value can be trusted (present or legitimately empty)."""
        bad = self.frame.bad.get(col)
        return np.ones(self.frame.n, dtype=bool) if bad is None else ~bad

    # durations an export reports itself (Zendesk's business minutes), used instead of
    # the timestamps' difference when the config says `durations: reported`
    REPORTED: ClassVar[dict[str, str]] = {
        "first_response_at": "first_response_minutes",
        "resolved_at": "resolution_minutes",
    }

    def _reported(self, col: str) -> np.ndarray | None:
        """Seconds the export reports for an event (NaN where it has none), if used."""
        if self.config.durations != "reported" or self.clock.kind != "calendar":
            return None
        minutes = self.frame.cols.get(self.REPORTED.get(col, ""))
        if minutes is None:
            return None
        return np.where(self.event(col) != NAT, minutes * 60.0, np.nan)

    def _elapsed(self, col: str) -> np.ndarray:
        """Seconds from creation to an event, on the configured clock."""
        reported = self._reported(col)
        if reported is not None:
            return reported
        return self.clock.elapsed(self.frame.cols["created_at"], self.event(col))

    MICROS: ClassVar[dict[str, str]] = {
        "frt": "first_response_at",
        "res": "resolved_at",
        "res_first": "first_resolved_at",
    }

    def micros(self, name: str) -> np.ndarray | None:
        """A duration measure as whole int64 microseconds (-1 when empty), for exact
        and fast quantiles; None when the measure is not a plain calendar duration."""
        col = self.MICROS.get(name)
        if col is None or self.clock.kind != "calendar":
            return None
        return self._once("micros:" + name, lambda: self._micros(col))

    def _micros(self, col: str) -> np.ndarray:
        reported = self._reported(col)
        if reported is not None:
            ok = ~np.isnan(reported)
            return np.where(ok, np.rint(np.where(ok, reported, 0) * 1e6), -1).astype(np.int64)
        end = self.event(col)
        return np.where(end != NAT, end - self.frame.cols["created_at"], -1)

    def _indicator(self, truth: np.ndarray, valid: np.ndarray) -> np.ndarray:
        out = truth.astype(np.int8)
        branchless.put(out, ~valid, MISSING)
        return out

    def _bool(self, col: str) -> np.ndarray:
        v = self.frame.cols[col]  # int8 1/0/-1
        out = v.copy()
        branchless.put(out, v < 0, MISSING)
        bad = self.frame.bad.get(col)
        if bad is not None:
            branchless.put(out, bad, MISSING)
        return out

    # ----------------------------------------------------------------- status history
    def history(self) -> History:
        """The tickets' status history at the as-of time (SPEC §4b), from the events
        input or from an event-log export."""
        if self._history is None:
            with self._guard:
                if self._history is None:
                    self._history = history_of(self.frames, self.config).as_of(self.as_of)
        return self._history

    def _time_in(self, statuses: tuple[int, ...]) -> np.ndarray:
        """Clock seconds each ticket spent in `statuses` from creation to its last solve
        (NaN: not solved at the as-of time)."""
        return self.spent().total(statuses)

    def spent(self) -> Spent:
        """Each status interval's clock seconds from the ticket's creation to its last
        solve, worked out once for every time-in-status measure (each passed over the
        history on its own: 1.2 s of 2.0 at 10M changes)."""
        h = self.history()
        with self._guard:
            cached = self._spent
        if cached is None:
            cached = spent(h, self.event("created_at"), h.last_solve(), self.clock.elapsed)
            with self._guard:
                self._spent = cached
        return cached

    def time_by_status(self) -> np.ndarray:
        """Clock seconds each ticket spent in each canonical status from creation to its
        last solve, one column per STATUSES entry (NaN rows: not solved at the as-of
        time)."""
        return self._once("time_by_status", lambda: self.spent().by_status())

    @_measure
    def m_time_in_new(self) -> np.ndarray:
        return self.time_by_status()[:, NEW]

    @_measure
    def m_time_in_open(self) -> np.ndarray:
        return self.time_by_status()[:, OPEN]

    @_measure
    def m_time_in_pending(self) -> np.ndarray:
        return self.time_by_status()[:, PENDING]

    @_measure
    def m_time_in_on_hold(self) -> np.ndarray:
        return self.time_by_status()[:, ON_HOLD]

    @_measure
    def m_time_in_solved(self) -> np.ndarray:
        return self.time_by_status()[:, SOLVED]

    @_measure
    def m_time_in_closed(self) -> np.ndarray:
        return self.time_by_status()[:, CLOSED]

    @_measure
    def m_requester_wait(self) -> np.ndarray:
        return self._time_in((NEW, OPEN, ON_HOLD))

    @_measure
    def m_agent_work(self) -> np.ndarray:
        return self._time_in((NEW, OPEN))

    @_measure
    def m_on_hold(self) -> np.ndarray:
        return self._time_in((ON_HOLD,))

    @_measure
    def m_pending(self) -> np.ndarray:
        return self._time_in((PENDING,))

    @_measure
    def m_reassignments(self) -> np.ndarray:
        return self._changes_of("agent")

    @_measure
    def m_group_reassignments(self) -> np.ndarray:
        return self._changes_of("group")

    def _changes_of(self, column: str) -> np.ndarray:
        """Per solved ticket, the changes of its assignee (`agent`) or group after the
        first assignment (the events' column: a known value to a different known one; an
        empty value between two is skipped); NaN for a ticket not solved. Changes after
        the as-of time had not happened."""
        n = self.frame.n
        out: np.ndarray = np.zeros(n)
        events = self.frames.get("events")
        if events is not None and column in events.dims and "ticket_row" in events.cols:
            agent = events.dims[column]
            rows, when = events.cols["ticket_row"], events.cols["changed_at"]
            known = agent.codes != _label(agent.labels, UNKNOWN)
            pos = np.flatnonzero((rows >= 0) & (when != NAT) & (when <= self.as_of) & known)
            pos = pos[np.lexsort((pos, when[pos], rows[pos]))]  # ticket, time, file order
            t, a = rows[pos], agent.codes[pos]
            change = (t[1:] == t[:-1]) & (a[1:] != a[:-1])
            out = np.bincount(t[1:][change], minlength=n).astype(np.float64)
        out[self.event("resolved_at") == NAT] = np.nan
        return out

    # ----------------------------------------------------------------- comments
    def _tickets(self) -> Measures:
        """The tickets' measures, for another input's rows (their SLA policy and clock)."""
        if self._tickets_measures is None:
            with self._guard:
                if self._tickets_measures is None:
                    self._tickets_measures = Measures(
                        self.frames["tickets"], self.as_of, self.config, self.frames
                    )
        return self._tickets_measures

    def reply_cycle_times(self) -> tuple[np.ndarray, np.ndarray]:
        """On the comments: per comment, when it opened a reply cycle (NAT on others), and
        when that cycle closed (NAT while unanswered at the as-of time). Left out: cycles
        of tickets not in the tickets export (no SLA target to judge them by), and cycles
        opened once their ticket was solved (a "thanks" on a solved ticket asks for no
        reply; a reopened ticket's resolution is after it)."""

        def compute() -> np.ndarray:
            rows = self.frame.cols["ticket_row"]
            codes = np.where(rows >= 0, self._ticket_codes(), -1)
            opened, closed = cycle_times(
                codes, self.frame.cols["created_at"], self._authors(), self._public()
            )
            closed[closed > self.as_of] = NAT
            resolved = np.append(self._tickets().event("resolved_at"), NAT)[rows]
            after = (opened != NAT) & (resolved != NAT) & (opened >= resolved)
            opened[after] = NAT
            closed[after] = NAT
            return np.stack([opened, closed])

        both = self._once("reply_cycle_times", compute)
        return both[0], both[1]

    def _public_of(self, author: int) -> np.ndarray:
        """The comments (rows of this comments frame) that are public and by `author`."""
        return self._public() & (self._authors() == author)

    def _authors(self) -> np.ndarray:
        """Each comment's AUTHORS index (-1: unknown or no author column)."""
        dim = self.frame.dims.get("author")
        if dim is None:
            return np.full(self.frame.n, -1, dtype=np.int8)
        return author_codes(dim.labels)[dim.codes]

    def _public(self) -> np.ndarray:
        """Public comments: an empty value, or no public column at all, means public; an
        unreadable one (counted, E021) neither."""
        flag = self.frame.cols.get("public")
        if flag is None:
            return np.ones(self.frame.n, dtype=bool)
        return (flag != 0) & self.known("public")

    def _ticket_codes(self) -> np.ndarray:
        """A code per comment for its ticket_id (-1: none), whether or not the ticket is
        in the tickets export: a conversation is one ticket's, linked or not."""
        import pyarrow.compute as pc

        from supportkpi.io.arrownp import to_np

        ids = self.frame.ids.get("ticket_id")
        if ids is None:
            return np.full(self.frame.n, -1, dtype=np.int64)
        encoded = pc.dictionary_encode(ids)
        if hasattr(encoded, "combine_chunks"):
            encoded = encoded.combine_chunks()
        return to_np(encoded.indices, np.int64, -1)

    @_measure
    def m_next_reply(self) -> np.ndarray:
        """On the comments input: each agent comment that closes a reply cycle carries
        the cycle's clock seconds, from its oldest unanswered public customer comment
        (schema/conversation.py); NaN on every other comment. As surveys, comments are
        not cut at the as-of time."""
        out = np.full(self.frame.n, np.nan)
        rows, opened = reply_cycles(
            self._ticket_codes(), self.event("created_at"), self._authors(), self._public()
        )
        if len(rows):
            out[rows] = self.clock.elapsed(opened, self.frame.cols["created_at"][rows])
        return out

    @_measure
    def m_replies(self) -> np.ndarray:
        """Per solved ticket, its public agent comments (NaN for a ticket not solved)."""
        n = self.frame.n
        out: np.ndarray = np.zeros(n)
        comments = self.frames.get("comments")
        if comments is not None and "ticket_row" in comments.cols:
            c = Measures(comments, self.as_of, self.config, self.frames)
            rows = comments.cols["ticket_row"]
            use = (rows >= 0) & c._public_of(AGENT) & (c.event("created_at") != NAT)
            out = np.bincount(rows[use], minlength=n).astype(np.float64)
        out[self.event("resolved_at") == NAT] = np.nan
        return out

    # ----------------------------------------------------------------- tickets
    @_measure
    def m_frt(self) -> np.ndarray:
        return self._elapsed("first_response_at")

    @_measure
    def m_res(self) -> np.ndarray:
        return self._elapsed("resolved_at")

    @_measure
    def m_res_first(self) -> np.ndarray:
        return self._elapsed("first_resolved_at")

    @_measure
    def m_one_touch(self) -> np.ndarray:
        """Zendesk: solved or closed with fewer than two public agent replies."""
        r = self.frame.cols["agent_replies"]
        return self._indicator(r < 2, ~np.isnan(r) & self._resolved_rows())

    @_measure
    def m_no_customer_reply(self) -> np.ndarray:
        """Freshservice: no customer interaction after the first message."""
        r = self.frame.cols["customer_replies"]
        return self._indicator(r == 0, ~np.isnan(r) & self._resolved_rows())

    @_measure
    def m_resolved(self) -> np.ndarray:
        return self._indicator(self.event("resolved_at") != NAT, self.known("resolved_at"))

    @_measure
    def m_resolved_by_as_of(self) -> np.ndarray:
        return self.m_resolved()

    def _resolved_rows(self) -> np.ndarray:
        return self.event("resolved_at") != NAT

    @_measure
    def m_single_contact(self) -> np.ndarray:
        c = self.frame.cols["contacts"]
        return self._indicator(c == 1, ~np.isnan(c) & self._resolved_rows())

    @_measure
    def m_escalated(self) -> np.ndarray:
        return self._bool("escalated")

    @_measure
    def m_reopened(self) -> np.ndarray:
        r = self.frame.cols["reopens"]
        return self._indicator(r > 0, ~np.isnan(r) & self._resolved_rows())

    @_measure
    def m_handle(self) -> np.ndarray:
        cols = self.frame.cols
        if "talk_seconds" in cols:
            total = cols["talk_seconds"].copy()
            for part in ("hold_seconds", "after_call_work_seconds"):
                if part in cols:
                    p = cols[part]
                    empty = np.isnan(p)
                    if (empty & ~np.isnan(total)).any():  # an empty part adds 0
                        np.add(total, p, out=total, where=~empty)
                    else:  # empty only where the total is: a plain add (5x faster)
                        np.add(total, p, out=total)
                    bad = self.frame.bad.get(part)
                    if bad is not None:
                        total[bad] = np.nan
            if "handle_seconds" in cols:  # rows with only a total still count
                total = np.where(np.isnan(total), cols["handle_seconds"], total)
            return total
        return cols["handle_seconds"].copy()

    def sla_view(self, target: str) -> sla.TargetView:
        if target == "next_reply":
            return self._reply_sla_view()
        if target not in self._sla:
            event_col = sla.EVENT[target]
            rule, clocks, clock_of = self._tickets_sla_setting()
            self._sla[target] = sla.evaluate_on_clocks(
                self.frame,
                self.event(event_col),
                self.frame.bad.get(event_col),
                sla.TargetSeconds(self.frame, self.config, target, rule),
                clocks,
                clock_of,
                self.as_of,
                self.config,
                # a resolution ends an unanswered ticket's first-response clock
                self.event("resolved_at") if target == "first_response" else None,
                *self._pauses(target),
            )
        return self._sla[target]

    def _reply_sla_view(self) -> sla.TargetView:
        """On the comments: each reply cycle judged against its ticket's next_reply
        target, on its ticket's clock, from the opening comment to the reply — or to the
        ticket's solve, which ends an unanswered cycle as it ends an unanswered ticket's
        first-response clock (SPEC §4) — or the as-of time; state n/a on comments that
        open no cycle (out of scope: the KPI is placed by `@reply_opened`). Never paused."""
        if "next_reply" not in self._sla:
            tickets = self._tickets()
            rule, clocks, clock_of = tickets._tickets_sla_setting()
            _, closed = self.reply_cycle_times()
            opened = self.event("@reply_opened")
            cycles = np.flatnonzero(opened != NAT)
            ticket = self.frame.cols["ticket_row"][cycles]
            part = Frame(self.frame.name, len(cycles))
            part.cols["created_at"] = opened[cycles]
            targets = sla.TargetSeconds(tickets.frame, self.config, "next_reply", rule)
            view = sla.evaluate_on_clocks(
                part,
                closed[cycles],
                None,
                sla.rows_of(targets, ticket),
                clocks,
                None if clock_of is None else clock_of[ticket],
                self.as_of,
                self.config,
                tickets.event("resolved_at")[ticket],  # a solve ends an unanswered cycle
            )
            state = np.full(self.frame.n, sla.NA, dtype=np.int8)
            state[cycles] = view.state
            self._sla["next_reply"] = replace(view, state=state)
            self.reply_cycles_judged = (cycles, view)
        return self._sla["next_reply"]

    def _tickets_sla_setting(self) -> SlaSetting:
        """Each ticket's policy of a list (None: the policies are a map by key) and its
        clock, worked out once for every SLA target (targets may run in two threads)."""
        if self._sla_setting is None:
            default = self.clock  # (takes the guard itself)
            with self._guard:
                if self._sla_setting is None:
                    rule = sla.rule_of(self.frame, self.config) if self.config.sla.rules else None
                    clocks, clock_of = sla.clocks_of(self.frame, self.config, default, rule)
                    self._sla_setting = (rule, clocks, clock_of)
        return self._sla_setting

    def _pauses(
        self, target: str
    ) -> tuple[
        Callable[[np.ndarray, CalendarClock | BusinessClock], np.ndarray] | None,
        np.ndarray | None,
        sla.DueOf | None,
    ]:
        """With a status history, the time each ticket's `target` clock stood still
        until an instant, the tickets waiting in a pausing status now, and the due
        instants of some tickets with their pauses walked in order."""
        statuses = tuple(STATUSES.index(s) for s in self.config.sla.pause.get(target, ()))
        if not statuses or self.frame.name != "tickets" or not available(self.frames):
            return None, None, None
        h = self.history()
        created = self.event("created_at")

        def pauses(stop: np.ndarray, clock: CalendarClock | BusinessClock) -> np.ndarray:
            return time_in(h, statuses, created, stop, clock.elapsed)

        def due_of(
            rows: np.ndarray,
            goal: np.ndarray,
            end: np.ndarray,
            clock: CalendarClock | BusinessClock,
        ) -> np.ndarray:
            return due_after_pauses(h, statuses, rows, created[rows], goal, end, clock)

        return pauses, among(h.current(), statuses), due_of

    @_measure
    def m_sla_first_response(self) -> np.ndarray:
        return self.sla_view("first_response").state

    @_measure
    def m_sla_resolution(self) -> np.ndarray:
        return self.sla_view("resolution").state

    @_measure
    def m_sla_requester_wait(self) -> np.ndarray:
        return self.sla_view("requester_wait").state

    @_measure
    def m_sla_next_reply(self) -> np.ndarray:
        return self.sla_view("next_reply").state

    @_measure
    def m_sla_agent_work(self) -> np.ndarray:
        return self.sla_view("agent_work").state

    def _cond(self, col: str, when: str) -> np.ndarray:
        """Indicator of bool `col` over the rows where bool `when` is true (else NaN)."""
        value = self._bool(col)
        value[self.frame.cols[when] != 1] = MISSING
        return value

    @_measure
    def m_retained(self) -> np.ndarray:
        return self._cond("retained", "cancel_intent")

    @_measure
    def m_upsell_won(self) -> np.ndarray:
        return self._cond("upsell_won", "upsell_offered")

    @_measure
    def m_bot_contained(self) -> np.ndarray:
        handed = self._bool("handed_off")
        contained = np.where(handed == MISSING, MISSING, 1 - handed).astype(np.int8)
        contained[self.frame.cols["bot_handled"] != 1] = MISSING
        return contained

    @_measure
    def m_qa(self) -> np.ndarray:
        return self.frame.cols["qa_score"].copy()

    @_measure
    def m_script_adherent(self) -> np.ndarray:
        return self._bool("script_adherence")

    @_measure
    def m_revenue_retained(self) -> np.ndarray:
        return self.frame.cols["revenue_retained"].copy()

    @_measure
    def m_upsell_amount(self) -> np.ndarray:
        return self.frame.cols["upsell_amount"].copy()

    @_measure
    def m_self_service_resolved(self) -> np.ndarray:
        by = self.frame.dims["resolved_by"]
        codes = [i for i, lbl in enumerate(by.labels) if lbl in ("bot", "self_service")]
        without_agent = np.isin(by.codes, codes)
        if "resolved_at" in self.frame.cols:
            resolved = self.event("resolved_at") != NAT
        else:
            resolved = by.codes != _label(by.labels, "(unknown)")
        known = by.codes != _label(by.labels, "(unknown)")
        out = (resolved & without_agent).astype(np.int8)
        out[resolved & ~known] = MISSING  # resolved, but by whom is not said
        out[~self.known("resolved_at")] = MISSING  # whether it is resolved is not known
        return out

    @_measure
    def m_has_credit(self) -> np.ndarray:
        credits = self.frames.get("credits")
        counts: np.ndarray = np.zeros(self.frame.n)
        if credits is not None and "ticket_row" in credits.cols:
            amount = Measures(credits, self.as_of, self.config, self.frames).get("credit_amount")
            rows = credits.cols["ticket_row"]
            use = (rows >= 0) & ~np.isnan(amount)
            counts = np.bincount(rows[use], minlength=self.frame.n)
        return (counts > 0).astype(np.int8)

    @_key
    def key_agent_day(self) -> tuple[np.ndarray, int]:
        """(code per row, number of codes) of (agent, local day of resolution); -1 when
        the agent is unknown or the ticket unresolved."""
        from supportkpi.io.periods import make_buckets

        agent = self.frame.dims["agent"]
        resolved = self.event("resolved_at")
        ok = (resolved != NAT) & (agent.codes != _label(agent.labels, "(unknown)"))
        out = np.full(self.frame.n, -1, dtype=np.int64)
        if not ok.any():
            return out, 1
        first, last = int(resolved[ok].min()), int(resolved[ok].max())
        # days, not a series shown: no limits.periods (the valid years bound them)
        b = make_buckets("day", first, last, self.config.timezone, limit=sys.maxsize)
        day = np.searchsorted(np.asarray(b.starts, dtype=np.int64), resolved[ok], "right") - 1
        out[ok] = agent.codes[ok].astype(np.int64) * len(b) + day
        return out, agent.size * len(b)

    # ----------------------------------------------------------------- credits
    def _kind_mask(self, refund: bool) -> np.ndarray:
        kind = self.frame.dims.get("kind")
        if kind is None:  # no kind column: every row is a credit
            return np.full(self.frame.n, not refund)
        want = [
            i
            for i, lbl in enumerate(kind.labels)
            if (lbl == "refund") == refund and lbl != "(unknown)"
        ]
        return np.isin(kind.codes, want)

    @_measure
    def m_credit_amount(self) -> np.ndarray:
        out = self.frame.cols["amount"].copy()
        out[~self._kind_mask(refund=False)] = np.nan
        return out

    @_measure
    def m_refund_amount(self) -> np.ndarray:
        out = self.frame.cols["amount"].copy()
        out[~self._kind_mask(refund=True)] = np.nan
        return out

    @_measure
    def m_recovered(self) -> np.ndarray:
        return self.frame.cols["recovered_amount"].copy()

    @_measure
    def m_authorized(self) -> np.ndarray:
        """1 when the credit's amount is within its approver's limit."""
        amount = self.frame.cols["amount"]
        limits = self.config.authorization_limits
        folded = {k.lower(): v for k, v in limits.items()}
        roles = _agent_roles(self.frames.get("agents"))
        approver = self.frame.dims.get("approved_by")
        none_limit = folded.get("none", 0.0)
        if approver is None:
            limit = np.full(self.frame.n, none_limit)
        else:
            per_label = np.array(
                [
                    folded.get(lbl.lower(), folded.get(roles.get(lbl, "").lower(), none_limit))
                    if lbl != "(unknown)"
                    else none_limit
                    for lbl in approver.labels
                ]
            )
            limit = per_label[approver.codes]
        out = (amount <= limit).astype(np.int8)
        out[np.isnan(amount)] = MISSING
        return out

    # ----------------------------------------------------------------- agents
    @_measure
    def m_logged(self) -> np.ndarray:
        return self.frame.cols["logged_seconds"].copy()

    @_measure
    def m_scheduled(self) -> np.ndarray:
        return self.frame.cols["scheduled_seconds"].copy()

    @_measure
    def m_adherent(self) -> np.ndarray:
        return self.frame.cols["adherent_seconds"].copy()

    # ----------------------------------------------------------------- surveys
    def _type_mask(self, survey_type: str) -> np.ndarray:
        dim = self.frame.dims["type"]
        try:
            code = dim.labels.index(survey_type)
        except ValueError:
            return np.zeros(self.frame.n, dtype=bool)
        return dim.codes == code

    def _score(self, survey_type: str) -> np.ndarray:
        out = self.frame.cols["score"].copy()
        out[~self._type_mask(survey_type)] = np.nan
        return out

    def _in_band(self, score: np.ndarray, band: tuple[float, float] | None) -> np.ndarray:
        if band is None:
            return np.zeros(len(score), dtype=bool)
        with np.errstate(invalid="ignore"):
            return (score >= band[0]) & (score <= band[1])

    @_measure
    def m_csat_score(self) -> np.ndarray:
        return self._score("csat")

    @_measure
    def m_csat_satisfied(self) -> np.ndarray:
        s = self._score("csat")
        return self._indicator(self._in_band(s, self.config.scales["csat"].good), ~np.isnan(s))

    @_measure
    def m_nps_value(self) -> np.ndarray:
        s = self._score("nps")
        scale = self.config.scales["nps"]
        out = self._in_band(s, scale.good).astype(np.int8) - self._in_band(s, scale.bad)
        out = out.astype(np.int8)
        branchless.put(out, np.isnan(s), MISSING)
        return out

    @_measure
    def m_csat_net(self) -> np.ndarray:
        """+1 satisfied, −1 dissatisfied, 0 in between (Help Scout's happiness score)."""
        s = self._score("csat")
        scale = self.config.scales["csat"]
        out = self._in_band(s, scale.good).astype(np.int8) - self._in_band(s, scale.bad)
        out = out.astype(np.int8)
        branchless.put(out, np.isnan(s), MISSING)
        return out

    @_measure
    def m_ces_score(self) -> np.ndarray:
        return self._score("ces")

    @_measure
    def m_ces_easy(self) -> np.ndarray:
        s = self._score("ces")
        return self._indicator(self._in_band(s, self.config.scales["ces"].good), ~np.isnan(s))


def _label(labels: list[str], label: str) -> int:
    try:
        return labels.index(label)
    except ValueError:
        return -1


def _agent_roles(agents: Frame | None) -> dict[str, str]:
    """agent name -> role, from the agents input (the last row of an agent wins)."""
    if agents is None or "role" not in agents.dims or "agent" not in agents.dims:
        return {}
    a, r = agents.dims["agent"], agents.dims["role"]
    last = np.full(a.size, -1, dtype=np.int64)
    last[a.codes] = np.arange(agents.n)  # later rows overwrite earlier ones
    return {a.labels[i]: r.labels[r.codes[row]] for i, row in enumerate(last) if row >= 0}
