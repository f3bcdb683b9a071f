"""`supportkpi sla-check`: SLA compliance by priority at an instant (default: now), the
tickets behind the numbers, and the exit code cron and CI act on.

Exit code: 0 when every priority meets its compliance target (`--fail-on compliance`,
the default) or when nothing is breached at all (`--fail-on breach`); 1 otherwise.
`min_sample` never softens it: a P1 queue of three tickets with one breach is an alarm.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from supportkpi.config.settings import Config, no_config_note
from supportkpi.engine import grouping
from supportkpi.engine.core import Engine, Query
from supportkpi.errors import InputError, UsageError, printable
from supportkpi.io import progress
from supportkpi.io.arrownp import from_np, to_np
from supportkpi.io.periods import Window, iso_us, to_us
from supportkpi.io.timeparse import NAT
from supportkpi.model import Result
from supportkpi.reports.compute import (
    Loaded,
    Options,
    default_as_of,
    load_all,
    name_exclusions,
    parse_as_of,
    parse_by,
    resolve_config,
    resolved_window,
    sla_uncovered,
    summaries,
)
from supportkpi.reports.report import Report, Uncovered
from supportkpi.reports.targets import judge, target_for
from supportkpi.schema.frame import Dim, Frame
from supportkpi.schema.inputs import UNKNOWN
from supportkpi.sla import policy as sla

SLA_KPIS = [f"sla_{target}" for target in sla.TARGETS]
LISTS = {
    "breached": (sla.BREACHED,),
    "at_risk": (sla.AT_RISK,),
    "all": tuple(range(len(sla.STATES))),
}


@dataclass
class SlaCheck:
    report: Report
    failing: list[Result] = field(default_factory=list)  # rows that make the exit code 1
    exit_code: int = 0
    listing: Listing | None = None  # the tickets behind the numbers, when asked

    @property
    def results(self) -> list[Result]:
        return self.report.results

    @property
    def tickets(self) -> list[dict[str, Any]] | None:
        """With a listing asked (`--list`): the tickets behind the numbers."""
        return self.report.tickets

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of `sla-check -f json`."""
        return self.report.to_dict()

    def to_arrow(self) -> pa.Table:
        return self.report.to_arrow()

    def to_pandas(self) -> Any:
        return self.report.to_pandas()


def _now_us() -> int:
    return to_us(dt.datetime.now(dt.UTC))


_DAY_US = 86_400_000_000


def _export_older_than_now(now: int, latest: int | None, config: Config) -> list[str]:
    """sla-check judges open tickets at now, compute at the export's latest time
    (SPEC §6): on an export days old the two disagree, and every ticket still open in
    it is late by now. Say so, and how to see the export's own moment."""
    if latest is None or now - latest < _DAY_US:
        return []
    days = (now - latest) // _DAY_US
    when = iso_us(latest)
    return [
        f"as of now, {days:,} day(s) after the export's latest time ({when}): tickets open"
        f" in it are judged at now, so compute (as of {when}) shows other SLA figures;"
        f" --as-of {when} judges them as the export saw them"
    ]


def sla_check(
    options: Options,
    fail_on: str = "compliance",
    listing: str | None = None,
    list_rows: bool = True,
    config: Config | None = None,
    loaded: Loaded | None = None,
) -> SlaCheck:
    """`list_rows=False`: the listing stays arrays (`SlaCheck.listing`), not rows of
    the report. `loaded`: tickets an earlier run of the process read (see `Loaded`)."""
    config = config if config is not None else resolve_config(options)
    if not options.tickets and "tickets" not in config.inputs:
        raise UsageError("sla-check needs a tickets export", hint="give -t tickets.csv")
    if options.surveys or options.credits or options.agents:
        raise UsageError(
            "sla-check reads tickets (-t), and with them status changes (-e), comments"
            " (--comments) and customers (--customers) only"
        )
    if listing is not None and listing not in LISTS:
        raise UsageError(f"--list: unknown choice {listing!r}", hint="breached, at_risk or all")
    key = config.sla.key
    user_by = parse_by(options.by)
    breakdowns = list(dict.fromkeys([(key,), *user_by]))
    as_of = parse_as_of(options.as_of, config) if options.as_of else _now_us()
    window = resolved_window(options, config, as_of)  # last-week: the week before now's
    # only the kinds of target the policies set (a resolution-only SLA needs no responses)
    kinds = [
        kpi for kpi, target in zip(SLA_KPIS, sla.TARGETS, strict=True) if config.sla.sets(target)
    ]
    implicit = None if any(key in b for b in user_by) else key
    frames = load_all(
        options,
        config,
        kinds,
        breakdowns,
        # the history pauses clocks; replies have next_reply; a policy may match customers
        only=("tickets", "events", "comments", *(("customers",) if config.sla.rules else ())),
        also_read=("agent",) if listing is not None else (),  # only listed tickets show it
        sla_key=implicit,
        loaded=loaded,
    )
    engine = Engine(frames, Query(kinds, breakdowns, window, None, as_of), config)
    for m in engine.measures.values():  # (the comments': the reply cycles judged)
        m.keep_sla = listing is not None
    progress.stage("computing KPIs")
    results = engine.run()
    notes: list[str] = []
    none = no_config_note(config)
    if none:
        notes.append(none)
    goals = [p.compliance for p in config.sla.policies.values() if p.compliance is not None]
    if not goals and not any(k in config.targets for k in SLA_KPIS) and fail_on != "breach":
        notes.append(
            "no compliance goal is set (sla.policies: {P1: {…, compliance: 99}}): nothing can"
            " miss one, so the exit code is 0; --fail-on breach exits 1 on any breach"
        )
    unavailable = engine.unavailable
    if len(unavailable) == len(kinds):
        kpi, reason = next(iter(unavailable.items()))
        raise UsageError(f"{kpi}: {reason}")
    for kpi, reason in unavailable.items():
        notes.append(f"{kpi} not checked: {reason}")
    if not options.as_of:
        notes += _export_older_than_now(as_of, default_as_of(frames), config)
    results = [r for r in results if r.kpi not in unavailable]
    for r in results:  # an empty queue: nothing met, nothing breached
        if not r.extra and r.reason == "no rows":
            r.extra = {**dict.fromkeys(sla.STATES, 0), "unmatched": 0}
    uncovered = sla_uncovered(frames, config, window, kinds, results)
    _some_judged(results, uncovered, frames["tickets"], config)
    judge(results, config, window, as_of)
    inputs = summaries(frames)
    name_exclusions(results, inputs, unavailable)
    report = Report(
        command="sla-check",
        as_of=as_of,
        timezone=config.timezone,
        clock=config.clock,
        window=window,
        every=None,
        inputs=inputs,
        group_by=[list(b) for b in breakdowns],
        results=results,
        config_path=config.path,
        currency=config.currency,
        notes=notes,
        uncovered=uncovered,
    )
    failing: list[Result] = []
    for r in results:
        if fail_on == "breach":
            if not r.group and r.extra.get("breached", 0) > 0:
                failing.append(r)
            continue
        keyed = list(r.group) == [key] or not r.group
        t = target_for(r.kpi, r.group, config)
        if (
            keyed
            and r.value is not None
            and t is not None
            and t.min is not None
            and r.value < t.min
        ):
            failing.append(r)
    listed = None
    if listing is not None:
        checked = [k.removeprefix("sla_") for k in kinds if k not in unavailable]
        listed = listing_of(engine, frames["tickets"], LISTS[listing], window, key, checked)
        if list_rows:
            report.tickets = listed.rows()
    return SlaCheck(report, failing, 1 if failing else 0, listed)


def _some_judged(
    results: list[Result], uncovered: Uncovered | None, frame: Frame, config: Config
) -> None:
    """Stop when tickets were there but no policy covers any of them: exit 0 with
    nothing judged would keep a cron monitor green for ever."""
    overall = [r for r in results if not r.group and r.extra]
    in_policy = sum(r.extra.get(s, 0) for r in overall for s in sla.STATES[: sla.NA])
    if uncovered is None or not overall or in_policy:
        return
    seen = ", ".join(f"{v} ({n:,})" for v, n in list(uncovered.values.items())[:8])
    more = len(uncovered.values) - 8
    seen += f" and {more} more" if more > 0 else ""
    raise InputError(
        f"no ticket is covered by an SLA policy: {uncovered.key} values seen: {seen};"
        f" policies exist for {', '.join(config.sla.policies) or 'none'}",
        path=", ".join(frame.paths),
        code="E017",
        hint=uncovered.hint(),
    )


@dataclass
class Listing:
    """The tickets behind the numbers as arrays, one entry per ticket and target, in
    output order: the most overdue first (then first response before resolution, then
    the earliest due). Entries become dicts only as far as asked (`rows`): a summary
    shows ten of the tens of thousands a large export breaches."""

    frame: Frame
    key: str
    key_dim: Dim | None
    ticket: np.ndarray  # the entry's ticket row
    target: np.ndarray  # index into sla.TARGETS
    state: np.ndarray
    seconds: np.ndarray
    elapsed: np.ndarray
    due: np.ndarray
    overdue: np.ndarray
    paused: np.ndarray  # seconds the clock stood still (a status history), else 0
    done: np.ndarray  # the event happened: nothing remains, no breach ahead
    opened: np.ndarray  # a reply cycle's customer message (NAT for a ticket's target)
    levels: tuple[float, ...] = ()  # sla.escalation_levels: shares of the target used

    def __len__(self) -> int:
        return len(self.ticket)

    def of_agent(self, agent: str) -> Listing:
        """The entries of one agent's tickets."""
        dim = self.frame.dims.get("agent")
        keep = np.zeros(len(self), dtype=bool)
        if dim is not None and agent in dim.labels:
            keep = dim.codes[self.ticket] == dim.labels.index(agent)
        return dataclasses.replace(self, **{f: getattr(self, f)[keep] for f in _ENTRY_FIELDS})

    def tickets(self) -> int:
        """Distinct tickets listed (a ticket may breach both targets)."""
        return len(grouping.distinct(self.ticket))

    def rows(self, limit: int | None = None) -> list[dict[str, Any]]:
        shown = len(self) if limit is None else min(limit, len(self))
        ids = _ids_at(self.frame.ids["ticket_id"], self.ticket[:shown])
        agent = self.frame.dims.get("agent")
        kd = self.key_dim
        out = []
        for j in range(shown):  # output rows: one per listed ticket and target
            i = int(self.ticket[j])
            breached = self.state[j] == sla.BREACHED
            due = int(self.due[j])
            seconds, elapsed = self.seconds[j], self.elapsed[j]
            used = 100 * elapsed / seconds if seconds > 0 else math.nan
            done, state = bool(self.done[j]), int(self.state[j])
            out.append(
                {
                    "ticket_id": ids[j],
                    self.key: kd.labels[kd.codes[i]] if kd is not None else UNKNOWN,
                    "agent": agent.labels[agent.codes[i]] if agent is not None else None,
                    "target": sla.TARGETS[self.target[j]],
                    "state": sla.STATES[self.state[j]],
                    "target_seconds": _number(self.seconds[j]),
                    "elapsed_seconds": _number(self.elapsed[j]),
                    "due_at": iso_us(due) if due != NAT else None,
                    "overdue_seconds": float(self.overdue[j]) if breached else 0.0,
                    "paused_seconds": float(self.paused[j]),
                    "remaining_seconds": None if done else _number(seconds - elapsed),
                    "percent_elapsed": _number(used),
                    # the instant it breaches if its clock runs on (none when done or paused)
                    "breach_at": (
                        iso_us(due) if not done and state != sla.PAUSED and due != NAT else None
                    ),
                }
            )
            if self.opened[j] != NAT:  # which of the ticket's reply cycles this is
                out[-1]["reply_opened_at"] = iso_us(int(self.opened[j]))
            if self.levels and state == sla.AT_RISK:  # the highest level it passed
                passed = [lv for lv in self.levels if used >= 100 * lv]
                out[-1]["escalation_level"] = round(100 * passed[-1], 6) if passed else None
        return out


_ENTRY_FIELDS = (
    "ticket", "target", "state", "seconds", "elapsed", "due", "overdue", "paused", "done",
    "opened",
)  # fmt: skip


def _ids_at(ids: pa.Array, rows: np.ndarray) -> list[Any]:
    """The ids of some rows as Python values, converted once."""
    if pa.types.is_integer(ids.type) and ids.null_count == 0:
        return to_np(ids, np.int64, 0)[rows].tolist()  # (Arrow's take loads its kernels)
    return ids.take(from_np(rows, pa.int64())).to_pylist()


def _number(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def listing_of(
    engine: Engine,
    frame: Frame,
    states: tuple[int, ...],
    window: Window,
    key: str,
    targets: list[str],
) -> Listing:
    """The tickets in `states` among those created in the window, with their targets
    (only those checked: a target the export cannot give lists nothing)."""
    measures = engine.measures["tickets"]
    created = measures.event("created_at")
    scope = created != NAT
    if window.start is not None:
        scope &= created >= window.start
    if window.end is not None:
        scope &= created < window.end
    parts: dict[str, list[np.ndarray]] = {f: [] for f in _ENTRY_FIELDS}
    for t, target in enumerate(sla.TARGETS):
        if target not in targets:
            continue
        rows: np.ndarray | None = None  # each entry's ticket row, when entries are not tickets
        if target == "next_reply":  # entries are reply cycles, placed by their opening
            comments = engine.measures["comments"]
            comments.sla_view(target)
            assert comments.reply_cycles_judged is not None
            cycles, view = comments.reply_cycles_judged
            opened = view.created
            in_window = opened != NAT
            if window.start is not None:
                in_window &= opened >= window.start
            if window.end is not None:
                in_window &= opened < window.end
            sel = np.flatnonzero(in_window & np.isin(view.state, states))
            rows = comments.frame.cols["ticket_row"][cycles[sel]]
        else:
            view = measures.sla_view(target)
            sel = np.flatnonzero(scope & np.isin(view.state, states))
        state = view.state[sel]
        elapsed = view.elapsed(sel)
        seconds = view.target[sel]
        parts["ticket"].append(sel if rows is None else rows)
        parts["target"].append(np.full(len(sel), t, dtype=np.int8))
        parts["state"].append(state)
        parts["seconds"].append(seconds)
        parts["elapsed"].append(elapsed)
        parts["due"].append(view.due(sel))
        parts["overdue"].append(np.where(state == sla.BREACHED, elapsed - seconds, 0.0))
        paused = view.paused[sel] if view.paused is not None else np.zeros(len(sel))
        parts["paused"].append(paused)
        assert view.done is not None
        parts["done"].append(view.done[sel])
        opened_at = view.created[sel] if rows is not None else np.full(len(sel), NAT)
        parts["opened"].append(opened_at)
    cols = {f: np.concatenate(v) for f, v in parts.items()}
    # the most overdue first; ties: first response first, then the earliest due, then
    # the export's order
    order = np.lexsort(
        (cols["ticket"], cols["due"], cols["target"], -np.nan_to_num(cols["overdue"]))
    )
    return Listing(
        frame,
        key,
        sla.key_dim(frame, engine.config),
        **{f: c[order] for f, c in cols.items()},
        levels=engine.config.sla.escalation_levels,
    )


def miss_lines(check: SlaCheck) -> list[str]:
    out = []
    for r in check.failing:
        what = r.kpi.replace("sla_", "").replace("_", " ")
        grp = printable(", ".join(f"{k} {v}" for k, v in r.group.items())) or "overall"
        if r.value is None:
            continue
        t = r.target or {}
        target = f" (target {t['min']:g}%)" if "min" in t else ""
        out.append(
            f"SLA {what} {grp}: {r.value:.1f}%{target}; "
            f"{r.extra.get('breached', 0)} breached, {r.extra.get('at_risk', 0)} at risk"
        )
    return out
