"""`supportkpi sla-check`: SLA compliance by priority at an instant (default: now), the
tickets behind the numbers, and the exit code cron and CI act on.

Exit code: 0 when every priority meets its compliance target (`--fail-on compliance`,
the default) or when nothing is breached at all (`--fail-on breach`); 1 otherwise.
`min_sample` never softens it: a P1 queue of three tickets with one breach is an alarm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import progress, sla
from .engine import Engine, Query, Result
from .errors import UsageError
from .frame import Frame
from .periods import Window, iso_us, parse_instant, to_us
from .report import Report
from .run import Options, load_all, make_window, parse_by, resolve_config, summaries
from .schema import UNKNOWN
from .targets import judge, target_for
from .timeparse import NAT

SLA_KPIS = ["sla_first_response", "sla_resolution"]
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


def _now_us() -> int:
    return to_us(dt.datetime.now(dt.UTC))


def sla_check(
    options: Options, fail_on: str = "compliance", listing: str | None = None
) -> SlaCheck:
    config = resolve_config(options)
    if not options.tickets and "tickets" not in config.inputs:
        raise UsageError("sla-check needs a tickets export", hint="give -t tickets.csv")
    if options.surveys or options.credits or options.customers or options.agents:
        raise UsageError("sla-check reads only tickets (-t)")
    if listing is not None and listing not in LISTS:
        raise UsageError(f"--list: unknown choice {listing!r}", hint="breached, at_risk or all")
    key = config.sla.key
    user_by = parse_by(options.by)
    breakdowns = list(dict.fromkeys([(key,), *user_by]))
    window = make_window(options, config)
    # only the kinds of target the policies set (a resolution-only SLA needs no responses)
    kinds = [
        kpi
        for kpi, field in zip(SLA_KPIS, ("first_response", "resolution"), strict=True)
        if any(getattr(p, field) is not None for p in config.sla.policies.values())
    ]
    implicit = None if any(key in b for b in user_by) else key
    frames = load_all(
        options,
        config,
        kinds,
        breakdowns,
        only=("tickets",),
        also_read=("agent",) if listing is not None else (),  # only listed tickets show it
        sla_key=implicit,
    )
    as_of = parse_instant(options.as_of, config.timezone, "--as-of") if options.as_of else _now_us()
    engine = Engine(frames, Query(kinds, breakdowns, window, None, as_of), config)
    engine.measures["tickets"].keep_sla = listing is not None
    progress.stage("computing KPIs")
    results = engine.run()
    notes: list[str] = []
    unavailable = engine.unavailable
    if len(unavailable) == len(kinds):
        kpi, reason = next(iter(unavailable.items()))
        raise UsageError(f"{kpi}: {reason}")
    for kpi, reason in unavailable.items():
        notes.append(f"{kpi} not checked: {reason}")
    results = [r for r in results if r.kpi not in unavailable]
    for r in results:  # an empty queue: nothing met, nothing breached
        if not r.extra and r.reason == "no rows":
            r.extra = dict.fromkeys(sla.STATES, 0)
    judge(results, config)
    report = Report(
        command="sla-check",
        as_of=as_of,
        timezone=config.timezone,
        clock=config.clock,
        window=window,
        every=None,
        inputs=summaries(frames),
        group_by=[list(b) for b in breakdowns],
        results=results,
        config_path=config.path,
        currency=config.currency,
        notes=notes,
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
    if listing is not None:
        report.tickets = list_tickets(engine, frames["tickets"], LISTS[listing], window, key)
    return SlaCheck(report, failing, 1 if failing else 0)


def list_tickets(
    engine: Engine, frame: Frame, states: tuple[int, ...], window: Window, key: str
) -> list[dict[str, Any]]:
    """The tickets behind the numbers: one row per ticket and target in `states`,
    the most overdue first."""
    measures = engine.measures["tickets"]
    created = measures.event("created_at")
    scope = created != NAT
    if window.start is not None:
        scope &= created >= window.start
    if window.end is not None:
        scope &= created < window.end
    ids = frame.ids["ticket_id"].to_pylist()
    key_dim = sla.key_dim(frame, engine.config)
    agent = frame.dims.get("agent")
    rows: list[dict[str, Any]] = []
    for target in sla.TARGETS:
        view = measures.sla_view(target)
        sel = np.flatnonzero(scope & np.isin(view.state, states))
        elapsed = view.elapsed(sel)
        seconds = view.target[sel]
        overdue = np.where(view.state[sel] == sla.BREACHED, elapsed - seconds, 0.0)
        due_at = view.due(sel)
        order = np.lexsort((due_at, -np.nan_to_num(overdue)))
        for j in order:  # output rows: one per listed ticket
            i = sel[j]
            due = int(due_at[j])
            rows.append(
                {
                    "ticket_id": ids[i],
                    key: key_dim.labels[key_dim.codes[i]] if key_dim is not None else UNKNOWN,
                    "agent": agent.labels[agent.codes[i]] if agent is not None else None,
                    "target": target,
                    "state": sla.STATES[view.state[i]],
                    "target_seconds": None if np.isnan(seconds[j]) else float(seconds[j]),
                    "elapsed_seconds": None if np.isnan(elapsed[j]) else float(elapsed[j]),
                    "due_at": iso_us(due) if due != NAT else None,
                    "overdue_seconds": float(overdue[j]) if view.state[i] == sla.BREACHED else 0.0,
                }
            )
    rows.sort(key=lambda r: -r["overdue_seconds"])
    return rows


def miss_lines(check: SlaCheck) -> list[str]:
    out = []
    for r in check.failing:
        what = r.kpi.replace("sla_", "").replace("_", " ")
        grp = ", ".join(f"{k} {v}" for k, v in r.group.items()) or "overall"
        if r.value is None:
            continue
        t = r.target or {}
        target = f" (target {t['min']:g}%)" if "min" in t else ""
        out.append(
            f"SLA {what} {grp}: {r.value:.1f}%{target}; "
            f"{r.extra.get('breached', 0)} breached, {r.extra.get('at_risk', 0)} at risk"
        )
    return out
