"""`supportkpi staffing`: the agents each hour of the week needs, by channel (Erlang C).

Arrivals: the tickets created (in the config's time zone) in each hour of the week,
averaged over the last `weeks` full weeks (Monday 00:00 to Monday 00:00) before the
as-of time — fewer when the tickets begin later, said in a note. Channel
`self_service` needs no agent and is left out.

Handle time per channel: `--handle-time` when given; else the mean handle time of the
channel's tickets in those weeks (talk + hold + after-call work, or handle_seconds, as
the `handle_time` KPI); else the config's `staffing:` value; else exit 2 naming it.

Goals per channel (the first set wins): the option (`--service-level 80%`, or
`email=90%` for one channel), the config's `staffing.channels.<channel>`, the config's
`staffing:` value for every channel, then the built-in default: 80 % within 20 s for
live channels, and for email (and web, form, social: answered, not picked up) the SLA's
first-response target of normal priority (P3; 4 h by default) at its compliance goal
(90 %).

Agents scheduled: the agents input holds one row per agent and day (no hours, no
channel). A weekday's scheduled agent-hours (scheduled_seconds, else logged_seconds,
averaged over the same weeks) are spread over that day's hours and channels in
proportion to the agents rostered for them — the best shape that day's hours could
take — so a negative `gap` is a shortage that no reshuffling of the day's hours could
cover; the per-day totals are in `days`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from supportkpi import __version__
from supportkpi.config.settings import Config, QueueGoal
from supportkpi.errors import UsageError, printable
from supportkpi.io import progress
from supportkpi.io.durations import format_duration, parse_duration
from supportkpi.io.periods import iso_us, local_date, local_midnight_us
from supportkpi.kpis import erlang
from supportkpi.reports.compute import (
    Loaded,
    Options,
    default_as_of,
    load_all,
    parse_as_of,
    resolve_config,
    summaries,
)
from supportkpi.reports.report import InputSummary

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS = 24
SLOTS = len(DAYS) * HOURS
# answered (a first response), not picked up: a first-response target by default
ASYNC_CHANNELS = ("email", "web", "form", "social")
NO_AGENT_CHANNELS = ("self_service",)
DEFAULT_LEVEL = 80.0
DEFAULT_WITHIN = 20.0
DEFAULT_OCCUPANCY = 85.0
DEFAULT_SHRINKAGE = 30.0
DEFAULT_WEEKS = 4
ALL = "(all)"  # the one queue of tickets without a channel column
_WEEK_US = 7 * 86_400_000_000


@dataclass
class Settings:
    """What `staffing` is asked, as the options give it (None: from the config, else the
    default). Per-channel values are keyed by channel; key None: every channel."""

    weeks: int | None = None
    service_level: dict[str | None, float] = field(default_factory=dict)  # percent
    answer_within: dict[str | None, float] = field(default_factory=dict)  # seconds
    handle_time: dict[str | None, float] = field(default_factory=dict)  # seconds
    max_occupancy: float | None = None  # percent
    shrinkage: float | None = None  # percent
    channels: list[str] = field(default_factory=list)  # only these (default: all)


def parse_percent(text: str, option: str, zero_ok: bool = False, hundred_ok: bool = False) -> float:
    """`80%` or `80`, a percentage strictly between 0 and 100 (`zero_ok`, `hundred_ok`:
    and that bound); a fraction like 0.8 is refused (it would read as 0.8 %)."""
    raw = str(text).strip()
    try:
        value = float(raw.removesuffix("%").strip())
    except ValueError:
        raise UsageError(f"{option} {raw}: expected a percentage like 80%") from None
    if not raw.endswith("%") and 0 < value < 1:
        raise UsageError(
            f"{option} {raw}: percentages are 0–100", hint=f"did you mean {value * 100:g}%?"
        )
    low_ok = value > 0 or (zero_ok and value == 0)
    high_ok = value < 100 or (hundred_ok and value == 100)
    if not (low_ok and high_ok):
        low = "from 0" if zero_ok else "above 0"
        high = "to 100" if hundred_ok else "below 100"
        raise UsageError(f"{option} {raw}: expected a percentage {low} {high}")
    return value


def parse_per_channel(values: list[str] | None, option: str, parse: Any) -> dict[str | None, float]:
    """`80%` (every channel) or `email=90%` (one channel), repeatable."""
    from supportkpi.schema.inputs import normalise_name

    out: dict[str | None, float] = {}
    for raw in values or []:
        for item in (p.strip() for p in raw.split(",")):
            if not item:
                continue
            channel, sep, value = item.rpartition("=")
            key = normalise_name(channel) if sep else None
            if sep and not key:
                raise UsageError(f"{option} {item}: expected CHANNEL=VALUE or VALUE")
            out[key] = parse(value.strip())
    return out


def parse_duration_option(text: str, option: str, positive: bool = False) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError:
        raise UsageError(f"{option} {text}: expected a duration like 20s, 4h or 6m30s") from None
    if positive and seconds <= 0:
        raise UsageError(f"{option} {text}: expected a duration above 0")
    return seconds


@dataclass
class Queue:
    """One channel's goals and handle time, and where each came from."""

    channel: str
    service_level: float  # percent
    answer_within: float  # seconds
    handle_seconds: float
    handle_source: str  # tickets | option | config
    goal_source: str  # option | config | default | sla
    tickets: int  # arrivals in the weeks counted


@dataclass
class StaffingReport:
    as_of: int
    timezone: str
    start: int  # first instant of the weeks counted
    end: int  # end (exclusive): the start of the as-of time's week
    weeks: int  # weeks counted
    weeks_asked: int
    max_occupancy: float  # percent
    shrinkage: float  # percent
    queues: list[Queue]
    results: list[dict[str, Any]]
    days: list[dict[str, Any]]  # per weekday: scheduled vs rostered agent-hours
    inputs: list[InputSummary]
    config_path: str | None
    notes: list[str] = field(default_factory=list)
    with_agents: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of `staffing -f json` (SPEC §6b)."""
        out: dict[str, Any] = {
            "tool": "supportkpi",
            "version": __version__,
            "command": "staffing",
            "as_of": iso_us(self.as_of),
            "timezone": self.timezone,
            "weeks": {
                "from": iso_us(self.start, self.timezone),
                "to": iso_us(self.end, self.timezone),
                "count": self.weeks,
                "asked": self.weeks_asked,
            },
            "config": printable(self.config_path) if self.config_path else None,
            "inputs": [i.to_dict() for i in self.inputs],
            "max_occupancy": self.max_occupancy,
            "shrinkage": self.shrinkage,
            "channels": [
                {
                    "channel": q.channel,
                    "tickets": q.tickets,
                    "service_level": q.service_level,
                    "answer_within_seconds": q.answer_within,
                    "goal_from": q.goal_source,
                    "handle_seconds": q.handle_seconds,
                    "handle_from": q.handle_source,
                }
                for q in self.queues
            ],
            "results": self.results,
        }
        if self.with_agents:
            out["days"] = self.days
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    def input_paths(self) -> list[str]:
        return [p for i in self.inputs for p in i.paths]


def _goal(channel: str, settings: Settings, config: Config) -> tuple[float, float, str]:
    """(service level %, answer within s, where from) for one channel."""
    st = config.staffing
    per: QueueGoal = st.channels.get(channel, QueueGoal())
    level_opt = settings.service_level.get(channel, settings.service_level.get(None))
    within_opt = settings.answer_within.get(channel, settings.answer_within.get(None))
    sources = []
    level: float | None = None
    within: float | None = None
    for src, lv, wi in (
        ("option", level_opt, within_opt),
        ("config", per.service_level, per.answer_within),
        ("config", st.default.service_level, st.default.answer_within),
    ):
        if level is None and lv is not None:
            level = lv
            sources.append(src)
        if within is None and wi is not None:
            within = wi
            sources.append(src)
    if level is None or within is None:
        if channel in ASYNC_CHANNELS:
            policy = config.sla.policies.get("P3")
            frt = policy.first_response if policy is not None else None
            if frt is None:
                defined = [
                    p.first_response
                    for p in config.sla.policies.values()
                    if p.first_response is not None
                ]
                frt = max(defined) if defined else 4 * 3600.0
            goal = policy.compliance if policy is not None else None
            if within is None:
                within = float(frt)
                sources.append("sla")
            if level is None:
                level = float(goal) if goal is not None and 0 < goal < 100 else DEFAULT_LEVEL
                sources.append("sla")
        else:
            if within is None:
                within = DEFAULT_WITHIN
                sources.append("default")
            if level is None:
                level = DEFAULT_LEVEL
                sources.append("default")
    return level, within, "+".join(dict.fromkeys(sources))


def _week_start(us: int, tz: str) -> dt.date:
    day = local_date(us, tz)
    return day - dt.timedelta(days=day.weekday())


def _local_slot(us: np.ndarray, tz: str) -> np.ndarray:
    """Hour of the week (Monday 00:00 = 0 … Sunday 23:00 = 167) of UTC instants, in `tz`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from supportkpi.io.arrownp import from_np, to_np

    stamps = from_np(us, pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz=tz))
    dow = to_np(pc.day_of_week(stamps), np.int64, 0)  # Monday = 0
    hour = to_np(pc.hour(stamps), np.int64, 0)
    return dow * HOURS + hour


def staffing(
    options: Options,
    settings: Settings,
    config: Config | None = None,
    loaded: Loaded | None = None,
) -> StaffingReport:
    """`loaded`: frames an earlier run of the process read (the summary's), reused."""
    config = config if config is not None else resolve_config(options)
    st = config.staffing
    if (
        options.surveys
        or options.credits
        or options.customers
        or options.events
        or options.comments
    ):
        raise UsageError("staffing reads tickets (-t) and, optionally, agents (--agents)")
    weeks_asked = settings.weeks or st.weeks or DEFAULT_WEEKS
    occupancy = (
        settings.max_occupancy
        if settings.max_occupancy is not None
        else st.max_occupancy
        if st.max_occupancy is not None
        else DEFAULT_OCCUPANCY
    )
    shrinkage = (
        settings.shrinkage
        if settings.shrinkage is not None
        else st.shrinkage
        if st.shrinkage is not None
        else DEFAULT_SHRINKAGE
    )
    kpis = ["tickets", "handle_time", "schedule_adherence", "agent_utilization"]
    frames = load_all(options, config, kpis, [], only=("tickets", "agents"), also_read=("channel",))
    if "tickets" not in frames:
        raise UsageError("staffing needs a tickets export", hint="give -t tickets.csv")
    tickets = frames["tickets"]
    tz = config.timezone
    as_of = parse_as_of(options.as_of, config) if options.as_of else default_as_of(frames)
    if as_of is None:
        raise UsageError("no timestamp in the tickets to place the weeks", hint="give --as-of")
    notes: list[str] = []

    # the weeks: full weeks (local Monday 00:00) before the as-of time
    last_monday = _week_start(as_of, tz)
    end = local_midnight_us(last_monday, tz)
    created = tickets.cols["created_at"]
    first_day = last_monday - dt.timedelta(weeks=weeks_asked)
    start = local_midnight_us(first_day, tz)
    valid = created >= start  # NAT (the smallest int64) is never in
    earliest = int(created[valid].min()) if valid.any() else None
    weeks = weeks_asked
    if earliest is not None and earliest > start:
        # the tickets begin inside the weeks: count only the full weeks they cover
        # (a week whose Monday holds the first ticket counts: exports start on a day)
        begin = _week_start(earliest, tz)
        if local_date(earliest, tz) != begin:
            begin += dt.timedelta(weeks=1)
        weeks = max(0, (last_monday - begin).days // 7)
        if weeks < weeks_asked and weeks > 0:
            first_day = begin
            start = local_midnight_us(first_day, tz)
            notes.append(
                f"the tickets begin {local_date(earliest, tz).isoformat()}: arrivals are"
                f" averaged over the {weeks} full week(s) from {first_day.isoformat()}"
                f" ({weeks_asked} asked)"
            )
    if weeks == 0 or earliest is None:
        raise UsageError(
            f"no full week (Monday to Sunday, {tz}) of tickets before the as-of time"
            f" {iso_us(as_of, tz)}",
            hint="give --as-of a later time, or an export covering a full week",
        )
    progress.stage("counting arrivals")
    rows = np.flatnonzero((created >= start) & (created < end))
    slot = _local_slot(created[rows], tz)

    # channels
    channel_dim = tickets.dims.get("channel")
    if channel_dim is not None:
        labels = list(channel_dim.labels)
        codes = channel_dim.codes[rows].astype(np.int64)
    else:
        labels = [ALL]
        codes = np.zeros(len(rows), dtype=np.int64)
        notes.append("the tickets have no channel column: one queue for every ticket")
    per_channel = np.bincount(codes, minlength=len(labels))
    wanted = [c for c in range(len(labels)) if per_channel[c] > 0]
    if settings.channels:
        from supportkpi.schema.inputs import closest, normalise_name

        asked = [normalise_name(c) for c in settings.channels]
        staffed = [labels[c] for c in wanted if labels[c] not in NO_AGENT_CHANNELS]
        for a in asked:
            if a not in labels or per_channel[labels.index(a)] == 0:
                hint = closest(a, staffed)
                raise UsageError(
                    f"--channel {a}: no ticket of that channel in the weeks counted",
                    hint=(f"did you mean '{hint}'? " if hint else "")
                    + "channels: "
                    + ", ".join(staffed),
                )
        wanted = [c for c in wanted if labels[c] in asked]
    skipped = [labels[c] for c in wanted if labels[c] in NO_AGENT_CHANNELS]
    if skipped:
        notes.append(f"{', '.join(skipped)}: answered without an agent, not staffed")
    wanted = [c for c in wanted if labels[c] not in NO_AGENT_CHANNELS]
    if not wanted and skipped:
        raise UsageError(
            f"{', '.join(skipped)}: answered without an agent, so not staffed",
            hint="leave out --channel, or name a channel agents answer",
        )
    if not wanted:
        raise UsageError("no ticket to staff for in the weeks counted")

    # handle time per channel: the tickets' mean, where they have it
    handle_mean: dict[int, float] = {}
    if any(tickets.has(c) for c in ("talk_seconds", "handle_seconds")):
        from supportkpi.kpis.measures import Measures

        handle = Measures(tickets, as_of, config).get("handle")[rows]
        has = ~np.isnan(handle)
        sums = np.bincount(codes[has], weights=handle[has], minlength=len(labels))
        counts = np.bincount(codes[has], minlength=len(labels))
        handle_mean = {c: float(sums[c] / counts[c]) for c in wanted if counts[c] > 0}
    queues: list[Queue] = []
    missing: list[str] = []
    for c in wanted:
        name = labels[c]
        h_opt = settings.handle_time.get(name, settings.handle_time.get(None))
        per = st.channels.get(name, QueueGoal())
        if h_opt is not None:
            aht, src = h_opt, "option"
        elif c in handle_mean and handle_mean[c] > 0:
            aht, src = handle_mean[c], "tickets"
        elif per.handle_time is not None:
            aht, src = per.handle_time, "config"
        elif st.default.handle_time is not None:
            aht, src = st.default.handle_time, "config"
        else:
            missing.append(name)
            continue
        level, within, goal_src = _goal(name, settings, config)
        queues.append(Queue(name, level, within, aht, src, goal_src, int(per_channel[c])))
    if missing:
        example = missing[0]
        raise UsageError(
            f"no handle time for {', '.join(missing)}: its tickets have no talk_seconds or"
            " handle_seconds in the weeks counted",
            hint=f"give --handle-time {example}=8m (or set staffing.channels.{example}"
            ".handle_time in the config); --channel picks the channels to staff",
        )

    # arrivals per hour slot, then Erlang C over every slot of every channel at once
    code_of = {labels[c]: c for c in wanted}
    index = np.full(len(labels), -1, dtype=np.int64)
    for i, q in enumerate(queues):
        index[code_of[q.channel]] = i
    keep = index[codes] >= 0
    counts = np.bincount(
        index[codes[keep]] * SLOTS + slot[keep], minlength=len(queues) * SLOTS
    ).reshape(len(queues), SLOTS)
    arrivals = counts / weeks
    handle = np.array([q.handle_seconds for q in queues])[:, None]
    traffic = arrivals * handle / 3600.0
    progress.stage("Erlang C")
    result = erlang.agents_needed(
        traffic,
        handle,
        np.array([q.answer_within for q in queues])[:, None],
        np.array([q.service_level / 100.0 for q in queues])[:, None],
        occupancy / 100.0,
    )
    roster = erlang.rostered(result.agents, shrinkage / 100.0)

    # agents scheduled, from the agents input's daily totals
    scheduled: np.ndarray | None = None
    days: list[dict[str, Any]] = []
    agents = frames.get("agents")
    if agents is not None:
        scheduled, days = _scheduled(agents, roster, start, end, weeks, tz, notes)

    results = []
    for i, q in enumerate(queues):
        for s in range(SLOTS):
            row: dict[str, Any] = {
                "day": DAYS[s // HOURS],
                "hour": s % HOURS,
                "channel": q.channel,
                "arrivals_per_hour": float(arrivals[i, s]),
                "handle_seconds": q.handle_seconds,
                "traffic_erlangs": float(result.traffic[i, s]),
                "agents_needed": int(result.agents[i, s]),
                "agents_rostered": int(roster[i, s]),
                "service_level": float(result.service_level[i, s]) * 100.0,
                "p_wait": float(result.p_wait[i, s]),
                "asa_seconds": float(result.asa[i, s]),
                "occupancy": (
                    None
                    if math.isnan(result.occupancy[i, s])
                    else float(result.occupancy[i, s]) * 100.0
                ),
            }
            if scheduled is not None:
                row["agents_scheduled"] = float(scheduled[i, s])
                row["gap"] = float(scheduled[i, s]) - int(roster[i, s])
            else:
                row["agents_scheduled"] = None
                row["gap"] = None
            results.append(row)
    return StaffingReport(
        as_of=as_of,
        timezone=tz,
        start=start,
        end=end,
        weeks=weeks,
        weeks_asked=weeks_asked,
        max_occupancy=occupancy,
        shrinkage=shrinkage,
        queues=queues,
        results=results,
        days=days,
        inputs=summaries(frames),
        config_path=config.path,
        notes=notes,
        with_agents=agents is not None,
    )


def _scheduled(
    agents: Any,
    roster: np.ndarray,
    start: int,
    end: int,
    weeks: int,
    tz: str,
    notes: list[str],
) -> tuple[np.ndarray | None, list[dict[str, Any]]]:
    """Each slot's agents scheduled: the weekday's scheduled agent-hours spread over its
    hours and channels in proportion to the agents rostered (module docstring)."""
    column = next((c for c in ("scheduled_seconds", "logged_seconds") if agents.has(c)), None)
    if column is None or not agents.has("date"):
        notes.append(
            "agents input: no date and scheduled_seconds (or logged_seconds) columns,"
            " so no agents scheduled to set beside the need"
        )
        return None, []
    if column == "logged_seconds":
        notes.append("agents input has no scheduled_seconds: logged_seconds taken instead")
    date = agents.cols["date"]
    seconds = agents.cols[column]
    inside = (date >= start) & (date < end) & ~np.isnan(seconds)
    if not inside.any():
        notes.append(
            f"agents input: no day in the weeks counted ({iso_us(start, tz)[:10]} to"
            f" {iso_us(end - 1, tz)[:10]}), so no agents scheduled to set beside the need"
        )
        return None, []
    weekday = _local_slot(date[inside], tz) // HOURS
    hours = np.bincount(weekday, weights=seconds[inside], minlength=7) / 3600.0 / weeks
    days_seen = len(np.unique(date[inside]))
    if days_seen < 7 * weeks:
        notes.append(
            f"agents input covers {days_seen} of the {7 * weeks} days counted: a day"
            " without rows counts as nobody scheduled"
        )
    per_day = roster.reshape(roster.shape[0], 7, HOURS).astype(np.float64)
    rostered_hours = per_day.sum(axis=(0, 2))  # agent-hours per weekday
    share = np.where(
        rostered_hours[None, :, None] > 0,
        per_day / np.maximum(rostered_hours, 1e-300)[None, :, None],
        1.0 / (roster.shape[0] * HOURS),
    )
    scheduled = (share * hours[None, :, None]).reshape(roster.shape)
    days = [
        {
            "day": DAYS[d],
            "scheduled_hours": float(hours[d]),
            "rostered_hours": float(rostered_hours[d]),
            "gap_hours": float(hours[d] - rostered_hours[d]),
        }
        for d in range(7)
    ]
    return scheduled, days


def describe_goal(q: Queue) -> str:
    return f"{q.service_level:g}% within {format_duration(q.answer_within)}"
