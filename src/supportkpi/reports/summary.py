"""`supportkpi summary`: the manager's weekly (or daily, monthly…) summary, as data.

    from supportkpi.run import Options
    from supportkpi.summary import build_summary
    s = build_summary(Options(tickets=["t.csv"], surveys=["s.csv"]), "2026-W46", "previous",
                      None, None)
    s.to_dict()          # the JSON document; render/summary.py turns it into text

What it holds, in the order the renderers print it:

1. headline — each KPI this period, the comparison period (the previous one, or the same
   period a year before), the change, target status and the last 8 periods (seed 001's
   weekly executive summary);
2. sla — compliance by priority against the policy table, breached counts, the worst
   tickets (`sla_check … --list breached`);
3. team — per-KPI bars against target, top performers (seed 000: highest CSAT + FCR, among
   agents with enough tickets and surveys) and who needs coaching (seed 002's triggers);
4. actions — for every KPI that missed its target, the config's `actions:` for it, else
   seed 000's action items by KPI;
5. financial — revenue retained, credits (and % of revenue retained), recoveries, net
   impact, ROI (seed 000 dashboard 4);
6. notable — KPIs whose change is larger than its statistical noise, and only those.

How: ONE engine run with `--every <grain> --by agent` over the window of the 8 trend
periods gives this period, the previous one, the sparklines and every agent's numbers;
`--compare last-year` adds one run for the period a year before; `sla_check` with
`--list breached` gives the SLA tables and the worst tickets. Every run is judged at the
same as-of time (default: the latest timestamp of the tickets, like `compute`), so a
summary depends only on its files. Nothing here loops over rows.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from supportkpi import __version__
from supportkpi.config.settings import SLA_TARGETS, Config, no_config_note
from supportkpi.errors import SupportKpiError, UnknownDimension, UsageError, printable
from supportkpi.io.periods import (
    RELATIVE,
    Window,
    is_over,
    iso_us,
    parse_period,
    previous_period,
    relative_name,
    resolve_period,
    window_for_period,
)
from supportkpi.kpis import catalogue
from supportkpi.model import Result
from supportkpi.reports import signals
from supportkpi.reports.change import (
    COMPARE_MODES,
    Side,
    beyond_noise,
    difference,
    last_year,
    noise_test,
)
from supportkpi.reports.compute import (
    INPUT_NAMES,
    Loaded,
    Options,
    compute,
    input_paths,
    make_window,
    parse_as_of,
    resolve_config,
)
from supportkpi.reports.report import InputSummary, Report
from supportkpi.reports.targets import judge
from supportkpi.schema.inputs import UNKNOWN, closest

TREND_PERIODS = 8
MIN_TICKETS = 10  # top performers: resolved tickets behind the agent's FCR, at least
MIN_SURVEYS = 5  # top performers: CSAT responses, at least
MIN_QA_REVIEWS = 5  # coaching on QA: reviews, at least (seed 002: 5 calls monitored / month)
TOP_PERFORMERS = 3
WORST_TICKETS = 10
DEFAULT_PERIOD = "last-week"  # the last complete ISO week before the as-of time

# seed 001 (weekly executive summary: cases, CSAT, revenue retained, ROI; the executive
# dashboard's operational and financial metrics), completed by seeds 000 and 002
HEADLINE_KPIS = (
    "tickets",
    "tickets_resolved",
    "backlog",
    "first_response_time",
    "resolution_time",
    "resolution_rate",
    "fcr_rate",
    "escalation_rate",
    "reopen_rate",
    "sla_first_response",
    "sla_resolution",
    "csat",
    "csat_score",
    "nps",
    "ces_easy_rate",
    "qa_score",
    "agent_utilization",
    "credit_rate",
    "cost_per_resolution",
    "revenue_retained_total",
    "support_roi",
)
# the channel breakdown of the headline (seed 002's channel table: AHT, response, CSAT)
CHANNEL_KPIS = (
    "tickets",
    "first_response_time",
    "handle_time",
    "fcr_rate",
    "csat",
    "sla_resolution",
)
# seed 001's daily report template: key metrics
DAILY_KPIS = (
    "tickets",
    "tickets_resolved",
    "first_response_time",
    "resolution_rate",
    "csat",
    "csat_score",
    "escalation_rate",
    "sla_first_response",
    "sla_resolution",
)
# seed 000 dashboard 4 (and seed 001's monthly financial report)
FINANCIAL_KPIS = (
    "revenue_retained_total",
    "upsell_amount_total",
    "credits_total",
    "refunds_total",
    "recoveries_total",
    "net_financial_impact",
    "support_roi",
    "cost_per_resolution",
    "revenue_retention_rate",
    "upsell_rate",
)
DAILY_FINANCIAL_KPIS = ("revenue_retained_total", "credits_total", "upsell_amount_total")
# seed 000 dashboard 3: team bars against target
TEAM_BAR_KPIS = (
    "first_response_time",
    "resolution_time",
    "fcr_rate",
    "csat",
    "csat_score",
    "escalation_rate",
    "qa_score",
    "schedule_adherence",
)
# the agent table of the team view
AGENT_TABLE_KPIS = (
    "tickets_resolved",
    "fcr_rate",
    "csat",
    "qa_score",
    "schedule_adherence",
    "first_response_time",
    "handle_time",
)
# seed 000 dashboard 2: personal performance beside the team
PERSONAL_KPIS = (
    "tickets_resolved",
    "handle_time",
    "first_response_time",
    "resolution_time",
    "fcr_rate",
    "csat",
    "csat_score",
    "qa_score",
    "schedule_adherence",
    "escalation_rate",
    "credits_total",
    "revenue_retention_rate",
    "upsell_rate",
    "revenue_retained_total",
)
ALL_KPIS = tuple(
    dict.fromkeys(
        (
            *HEADLINE_KPIS,
            *DAILY_KPIS,
            *FINANCIAL_KPIS,
            *TEAM_BAR_KPIS,
            *AGENT_TABLE_KPIS,
            *PERSONAL_KPIS,
        )
    )
)

# seed 002: agent performance coaching triggers (kpi, label, threshold)
COACHING_TRIGGERS = (
    ("qa_score", "Quality score", 85.0),
    ("csat", "CSAT", 85.0),
    ("fcr_rate", "First contact resolution", 65.0),
    ("tickets_handled", "Tickets resolved", 0.8),  # of the team's average per agent
    ("schedule_adherence", "Schedule adherence", 90.0),
)

_CREDIT_ACTIONS = (
    "Review credit policies",
    "Reduce unnecessary credits",
    "Better alternative solutions",
    "Policy update needed",
)
_CSAT_ACTIONS = ("Review feedback", "Address concerns", "Improve empathy", "Better resolutions")
# seed 000: action items by KPI (used when the config's `actions:` has none for the KPI)
DEFAULT_ACTIONS: dict[str, tuple[str, ...]] = {
    "first_response_time": (
        "Review caseload",
        "Assess help needed",
        "Scale resources",
        "Train on efficiency",
    ),
    "fcr_rate": (
        "Review unresolved cases",
        "Additional training",
        "Script improvements",
        "Better tools",
    ),
    "csat": _CSAT_ACTIONS,
    "csat_score": _CSAT_ACTIONS,
    "credit_rate": _CREDIT_ACTIONS,
}
# supportkpi's defaults, in seed 000's manner, for the other KPIs a target may be set on
# (source "default"); a KPI of a family (first_response_time_p90) takes its family's
MORE_ACTIONS: dict[str, tuple[str, ...]] = {
    "resolution_time": (
        "Review the oldest open tickets",
        "Unblock tickets waiting on other teams",
        "Balance the caseload",
    ),
    "resolution_rate": (
        "Review the open backlog",
        "Close tickets waiting on the customer",
        "Scale resources",
    ),
    "escalation_rate": (
        "Review escalated cases",
        "Additional training on the escalated topics",
        "Update the knowledge base",
    ),
    "reopen_rate": (
        "Review reopened tickets",
        "Confirm the fix with the customer before resolving",
        "Script improvements",
    ),
    "handle_time": ("Review the longest contacts", "Train on efficiency", "Better tools"),
    "sla_first_response": (
        "Review the breached tickets",
        "Rebalance the queues by priority",
        "Scale resources at peak hours",
    ),
    "sla_resolution": (
        "Review the breached tickets",
        "Escalate tickets close to breach",
        "Scale resources",
    ),
    "nps": ("Review detractors' comments", "Close the loop with detractors", "Address concerns"),
    "ces_easy_rate": (
        "Review high-effort contacts",
        "Simplify the steps customers repeat",
        "Improve self-service",
    ),
    "self_service_resolution_rate": ("Update the knowledge base", "Promote self-service"),
    "bot_containment_rate": ("Review the bot's hand-offs", "Train the bot on top intents"),
    "qa_score": ("Review monitored calls", "Calibration session", "Additional training"),
    "schedule_adherence": ("Review schedules", "Address concerns", "Adjust shifts"),
    "script_adherence": ("Review cases at random", "Script improvements", "Additional training"),
    "agent_utilization": (
        "Review staffing against volume",
        "Rebalance schedules",
        "Adjust shifts",
    ),
    "cost_per_resolution": (
        "Review costly cases",
        "Reduce unnecessary credits",
        "Train on efficiency",
    ),
    "authorization_compliance": (
        "Review credits over the authorization limits",
        "Remind approvers of the limits",
    ),
    "revenue_retention_rate": (
        "Review lost customers",
        "Better alternative solutions",
        "Additional training",
    ),
    "upsell_rate": ("Review upsell opportunities", "Script improvements", "Additional training"),
    "customer_retention_rate": ("Review churned customers", "Address concerns"),
    "credits_total": _CREDIT_ACTIONS,
}
GENERIC_ACTIONS = (
    "Find the tickets behind it (supportkpi explain KPI)",
    "Name an owner and a date",
)
_TRIGGER_ACTION_KPI = {"qa_score": "qa_score", "csat": "csat", "fcr_rate": "fcr_rate"}

KIND_OF_GRAIN = {
    "day": "daily",
    "week": "weekly",
    "month": "monthly",
    "quarter": "quarterly",
    "year": "yearly",
}


# --------------------------------------------------------------------------- the data
@dataclass
class Line:
    """One KPI in the period, beside the comparison period and its trend."""

    kpi: str
    label: str
    unit: str
    direction: str  # higher | lower | band | none
    value: float | None
    n: int
    status: str
    target: dict[str, Any] | None = None
    reason: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    margin: float | None = None
    tier: str | None = None
    previous: float | None = None
    previous_n: int = 0
    previous_status: str = "no_data"
    previous_ci_low: float | None = None
    previous_ci_high: float | None = None
    previous_margin: float | None = None
    sd: float | None = None  # a mean duration's per-row standard deviation (Welch test)
    previous_sd: float | None = None
    change: float | None = None  # value − previous, in the KPI's unit
    change_pct: float | None = None  # relative change, where meaningful (not for rates)
    better: bool | None = None  # the change is an improvement (None: no direction)
    trend: list[float | None] = field(default_factory=list)  # oldest first; last = value
    # each trend point's signal (reports/signals.py: above_limit | below_limit | run | None)
    trend_signals: list[str | None] = field(default_factory=list)
    trend_range: list[float] = field(default_factory=list)  # [lowest, highest] drawn
    team: float | None = None  # personal view: the team's value
    team_average: float | None = None  # personal view: team average per agent (sums)


@dataclass
class SlaRow:
    group: str  # "all", or the policy key's value (P1…)
    first_response_target: float | None  # seconds (the policy)
    resolution_target: float | None
    compliance_target: float | None  # percent (the policy)
    first_response: float | None  # compliance, percent
    first_response_n: int
    first_response_status: str
    first_response_breached: int
    resolution: float | None
    resolution_n: int
    resolution_status: str
    resolution_breached: int
    at_risk: int = 0
    active: int = 0


@dataclass
class SlaSection:
    key: str = "priority"
    rows: list[SlaRow] = field(default_factory=list)
    breached: int = 0  # (ticket, target) pairs breached
    breached_tickets: int = 0  # distinct tickets with at least one breach
    breached_targets: list[str] = field(default_factory=list)  # the targets breached
    worst: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None  # why there is no SLA section
    unmatched: str | None = None  # tickets no policy covers: how many, which values


@dataclass
class Bar:
    kpi: str
    label: str
    unit: str
    value: float
    target: dict[str, Any]
    status: str
    fill: float  # 0..1 of the bar
    marker: float  # 0..1: where the target sits


@dataclass
class Performer:
    rank: int
    agent: str
    score: float  # the mean of the lower ends of the CSAT and FCR 95 % intervals
    csat: float
    csat_n: int
    fcr: float
    fcr_n: int
    csat_low: float | None = None  # the lower end of the CSAT's 95 % (Wilson) interval
    fcr_low: float | None = None


@dataclass
class Trigger:
    kpi: str
    label: str
    unit: str
    value: float
    threshold: float
    n: int
    text: str  # "CSAT 70.0% < 85% (200 responses, 95% CI 63.3–75.9%)"
    ci_low: float | None = None  # the 95 % interval behind the flag (None: no interval)
    ci_high: float | None = None
    basis: str = "interval"  # interval (wholly beyond the trigger) | sample (n ≥ min_sample)

    @property
    def detail(self) -> str:
        """The text without its label: "60.0% < 85% (5 responses)"."""
        return self.text.removeprefix(self.label).strip()


@dataclass
class Coaching:
    agent: str
    triggers: list[Trigger]


@dataclass
class NotJudged:
    """Agents a coaching trigger did not judge, and why (too few responses, or a value
    beyond the trigger whose interval still reaches it)."""

    kpi: str
    label: str
    agents: int
    reason: str  # too_few | within_noise
    text: str  # "7 agents with fewer than 30 CSAT responses not judged on CSAT"


@dataclass
class AgentRow:
    agent: str
    values: dict[str, float | None]
    n: dict[str, int]


@dataclass
class Team:
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)  # the bars' KPIs, as headline lines
    agents: list[AgentRow] = field(default_factory=list)
    top: list[Performer] = field(default_factory=list)
    coaching: list[Coaching] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)
    average_resolved: float | None = None
    rules: list[str] = field(default_factory=list)
    reason: str | None = None  # why there is no team view


@dataclass
class ActionItem:
    kpi: str
    label: str
    unit: str
    value: float | None
    target: dict[str, Any] | None
    items: list[str]
    source: str  # "targets.yaml" | "seed 000" | "default" | "none"
    why: str = "missed"  # missed | coaching
    also: list[str] = field(default_factory=list)  # other missed KPIs with the same items


@dataclass
class Change:
    kpi: str
    label: str
    unit: str
    value: float
    previous: float
    change: float
    z: float
    method: str
    better: bool | None
    detail: str


@dataclass
class Alert:
    kind: str  # escalations | sla | budget | missed
    text: str


@dataclass
class ChannelCell:
    value: float | None
    n: int
    status: str
    unit: str
    target: dict[str, Any] | None = None


@dataclass
class ChannelRow:
    """The headline KPIs of one channel in the period (judged against its targets)."""

    channel: str
    kpis: dict[str, ChannelCell]


@dataclass
class Summary:
    kind: str  # weekly | daily | monthly | quarterly | yearly
    title: str
    period: str
    grain: str
    period_from: str | None
    period_to: str | None
    compare: str  # previous | last-year
    compare_period: str
    as_of: str | None
    timezone: str
    currency: str
    trend_periods: list[str]
    agent: str | None = None
    partial: bool = False  # the period is not over at the as-of time
    period_asked: str | None = None  # a relative --period as written (last-week)
    overview: list[str] = field(default_factory=list)  # the three lines at the top
    headline: list[Line] = field(default_factory=list)
    channels: list[ChannelRow] = field(default_factory=list)
    sla: SlaSection = field(default_factory=SlaSection)
    team: Team | None = None
    actions: list[ActionItem] = field(default_factory=list)
    financial: list[Line] = field(default_factory=list)
    credits_pct_of_revenue: float | None = None
    notable: list[Change] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    min_tickets: int = MIN_TICKETS
    min_surveys: int = MIN_SURVEYS
    config_path: str | None = None
    # asked for (the HTML's heat map) and the agents input given: `supportkpi staffing`
    # on the same exports, or None and why it could not be computed; not in the JSON
    staffing: tuple[Any, str | None] | None = None

    def to_dict(self) -> dict[str, Any]:
        body = _clean(asdict(dataclasses.replace(self, staffing=None)))
        body.pop("staffing", None)
        if body.get("team"):  # (the bars say it; the lines are for the page's verdicts)
            body["team"].pop("lines", None)
        if body["period_asked"] is None:  # named periods: `period` is how it was asked
            del body["period_asked"]
        return {"tool": "supportkpi", "version": __version__, "command": "summary", **body}

    def input_paths(self) -> list[str]:
        return [p for i in self.inputs for p in i.get("paths", [])]


def _clean(x: Any) -> Any:
    """NaN and infinities become None (JSON has neither)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


# --------------------------------------------------------------------------- periods
def default_period(as_of_us: int, tz: str) -> str:
    """The last complete ISO week before the as-of time."""
    return resolve_period(DEFAULT_PERIOD, as_of_us, tz)


def trend_labels(label: str, count: int = TREND_PERIODS) -> list[str]:
    """The `count` periods ending with `label`, oldest first."""
    out = [parse_period(label)[2]]
    for _ in range(count - 1):  # one step per period of the sparkline
        out.append(previous_period(out[-1]))
    return out[::-1]


# --------------------------------------------------------------------------- building
Cells = dict[tuple[str, str | None], dict[str, Result]]


def build_summary(
    options: Options,
    period: str | None,
    compare: str = "previous",
    agent: str | None = None,
    as_of: str | None = None,
    *,
    min_tickets: int = MIN_TICKETS,
    min_surveys: int = MIN_SURVEYS,
    staffing: bool = False,
) -> Summary:
    """The summary of one period (default: the last complete ISO week before the as-of
    time), compared with the previous period or the same one a year before.
    `staffing`: with the agents input, the staffing of the HTML's heat map too."""
    if compare not in COMPARE_MODES:
        raise UsageError(f"--compare: unknown choice {compare!r}", hint="previous or last-year")
    if min_tickets < 1 or min_surveys < 1:
        raise UsageError("--min-tickets and --min-surveys must be at least 1")
    config = resolve_config(options)
    with _pipes_spooled(options, config) as (opts, spooled):
        builder = _Builder(opts, config, compare, agent, min_tickets, min_surveys, spooled)
        builder.with_staffing = staffing
        return builder.build(period or opts.period, as_of or opts.as_of)


@contextlib.contextmanager
def _pipes_spooled(options: Options, config: Config) -> Iterator[tuple[Options, dict[str, str]]]:
    """Several runs read the inputs: stdin ('-') and pipes, which can be read once, are
    read once each (checked and bounded as any run reads them) into a temporary file.
    Also yields the name each temporary file stands for."""
    from supportkpi.io.sources import is_pipe, open_source

    names = [n for n in INPUT_NAMES if any(is_pipe(p) for p in getattr(options, n))]
    if not names:
        yield options, {}
        return
    if sum(p == "-" for n in names for p in getattr(options, n)) > 1:
        raise UsageError("only one input can be read from stdin ('-')")
    folder = tempfile.mkdtemp(prefix="supportkpi-summary-")
    try:
        spooled: dict[str, str] = {}
        changes: dict[str, Any] = {}
        for name in names:
            specs = []
            for spec in getattr(options, name):
                if is_pipe(spec):
                    data = open_source(spec, config.limits, config.sheet_of(name)).data
                    path = os.path.join(folder, f"input{len(spooled)}")
                    with open(path, "wb") as fh:
                        fh.write(data or b"")
                    spooled[path] = spec
                    spec = path
                specs.append(spec)
            changes[name] = specs
        try:
            yield dataclasses.replace(options, **changes), spooled
        except SupportKpiError as exc:  # name the input, not its temporary copy
            if exc.path in spooled:
                exc.path = "<stdin>" if spooled[exc.path] == "-" else spooled[exc.path]
            raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _Builder:
    def __init__(
        self,
        options: Options,
        config: Config,
        compare: str,
        agent: str | None,
        min_tickets: int,
        min_surveys: int,
        spooled: dict[str, str] | None = None,
    ) -> None:
        self.options = options
        self.spooled = spooled or {}  # temporary file -> the pipe or '-' it holds
        self.config = config
        self.compare = compare
        self.agent_query = agent
        self.min_tickets = min_tickets
        self.min_surveys = min_surveys
        self.defs = catalogue.definition_set(config.definitions)
        # a KPI given a target in the config is in the report, curated or not: a target
        # missed must show at a glance and get its action item
        self.targeted = [
            k
            for k in config.targets
            if k in self.defs and not self.defs[k].hidden and k not in ALL_KPIS
        ]
        self.kpis = [*ALL_KPIS, *self.targeted]
        self.active: set[str] = set()
        self.as_of: int | None = None  # the data's as-of time, once read
        # the series, its comparison period and the SLA check read the same exports once
        self.loaded = Loaded()
        self.with_staffing = False  # the staffing of the HTML's heat map (build_summary)

    # -- engine runs
    def _run(
        self,
        kpis: list[str],
        *,
        every: str | None,
        from_: str | None = None,
        to: str | None = None,
        period: str | None = None,
        as_of: str | None,
        by_agent: bool,
        window_at: Callable[[int | None], Window] | None = None,
        by_channel: bool = False,
    ) -> tuple[Report, bool]:
        """compute(), by agent when the data has an agent column (else without)."""
        base = dataclasses.replace(
            self.options,
            kpis=kpis,
            by=[],
            every=every,
            from_=from_,
            to=to,
            period=period,
            as_of=as_of,
            cohort=False,
        )
        extra = [["channel"]] if by_channel else []
        for attempt in range(2):
            if by_agent:
                try:
                    by_agent_options = dataclasses.replace(base, by=[["agent"], *extra])
                    return compute(by_agent_options, self.config, window_at, self.loaded), True
                except UnknownDimension as exc:  # no agent column: the summary without
                    if exc.dimension == "channel" and extra and not attempt:
                        extra = []  # no channel column: no channel breakdown
                        continue
                    if exc.dimension != "agent":
                        raise
            try:
                return compute(
                    dataclasses.replace(base, by=extra), self.config, window_at, self.loaded
                ), False
            except UnknownDimension as exc:
                if exc.dimension != "channel" or not extra:
                    raise
                extra = []
        return compute(base, self.config, window_at, self.loaded), False

    def _trend_of(self, asked: str) -> Callable[[int | None], Window]:
        """The trend periods of a relative period (last-week, the default), once the
        data's as-of time is known: only those are shown, and a year of weeks by agent
        is 200k rows."""

        def window(as_of: int | None) -> Window:
            if as_of is None:  # no timestamps: build() says so
                return Window(None, None, None)
            start, end = _window_of(resolve_period(asked, as_of, self.config.timezone))
            return make_window(
                dataclasses.replace(self.options, from_=start, to=end, period=None), self.config
            )

        return window

    def _series(
        self,
        kpis: list[str],
        label: str | None,
        as_of: str | None,
        *,
        by_agent: bool,
        asked: str = DEFAULT_PERIOD,
    ) -> _Series:
        """The KPIs for each of the trend periods ending with `label` (None: the period
        `asked` names at the data's as-of time), in one `compute --every`; rows keyed by
        {"period": …}."""
        grain = parse_period(label)[3] if label else RELATIVE[asked][0]
        window = _window_of(label) if label else (None, None)
        report, has_agent = self._run(
            kpis,
            every=grain,
            from_=window[0],
            to=window[1],
            as_of=as_of,
            by_agent=by_agent,
            window_at=None if label else self._trend_of(asked),
            by_channel=True,
        )
        results = [r for r in report.results if "period" in r.group and "channel" not in r.group]
        channels = [r for r in report.results if "channel" in r.group and "period" in r.group]
        seen = {r.kpi for r in results}
        # a KPI the inputs cannot give has only its overall row, with the reason
        unavailable = {
            r.kpi: r.reason or "not computable"
            for r in report.results
            if not r.group and r.value is None and r.kpi not in seen and r.reason != "no rows"
        }
        return _Series(results, report.as_of, report.inputs, has_agent, unavailable, channels)

    def build(self, period: str | None, as_of: str | None) -> Summary:
        tz = self.config.timezone
        as_of_us = parse_as_of(as_of, self.config) if as_of else None
        asked = relative_name(period) if period is not None else DEFAULT_PERIOD
        label = None
        if asked is None or as_of_us is not None:
            label = resolve_period(period or DEFAULT_PERIOD, as_of_us, tz)
        series = self._series(
            list(self.kpis), label, as_of, by_agent=True, asked=asked or DEFAULT_PERIOD
        )
        if series.as_of is None and label is None:
            raise UsageError("the inputs hold no timestamps", hint="give --period 2026-W46")
        if label is None:  # a relative period depends on the data's as-of time
            label = resolve_period(asked or DEFAULT_PERIOD, series.as_of, tz)
        start, end, label, grain = parse_period(label)
        labels = trend_labels(label)
        as_of_us = self.as_of = series.as_of
        as_of_text = iso_us(as_of_us) if as_of_us is not None else None
        has_agent = series.has_agent
        unavailable = dict(series.unavailable)
        cells = _cells(series.results)
        # periods in which some input has rows (the others have no data, not zeros);
        # backlog and retention are states, not rows of the period
        state = {k for k in self.kpis if self.defs[k].stat.state}
        self.active = {r.group["period"] for r in series.results if r.n and r.kpi not in state}
        if self.compare == "previous":
            compare_label = labels[-2]
        else:
            compare_label = last_year(label)
            prior, _ = self._run(
                list(self.kpis),
                every=None,
                period=compare_label,
                as_of=as_of_text,
                by_agent=has_agent,
            )
            for r in prior.results:
                if r.value is None and not r.group and r.kpi in unavailable:
                    continue
                cells.setdefault((compare_label, r.group.get("agent")), {})[r.kpi] = r
                if r.n > 0:
                    self.active.add(compare_label)

        kind = KIND_OF_GRAIN[grain]
        agents = sorted({a for (_p, a) in cells if a is not None and a != UNKNOWN}, key=str.lower)
        agent = self._match_agent(agents) if self.agent_query is not None else None
        window_from = iso_us(_midnight(start, tz))
        window_to = iso_us(_midnight(end, tz))
        s = Summary(
            kind=kind,
            title=_title(kind, label, agent),
            period=label,
            grain=grain,
            period_from=window_from,
            period_to=window_to,
            compare=self.compare,
            compare_period=compare_label,
            as_of=as_of_text,
            timezone=tz,
            currency=self.config.currency,
            trend_periods=labels,
            agent=agent,
            unavailable={k: v for k, v in unavailable.items() if k in catalogue.CATALOGUE},
            inputs=[i.to_dict() for i in series.inputs],
            min_tickets=self.min_tickets,
            min_surveys=self.min_surveys,
            config_path=printable(self.config.path) if self.config.path else None,
        )
        s.partial = not is_over(_midnight(end, tz), as_of_us)
        s.period_asked = relative_name(period) if period is not None else None
        self._restore_piped_paths(s)
        line = self._line_maker(cells, labels, compare_label, unavailable)

        if agent is not None:
            team_lines = {k: line(k, None) for k in PERSONAL_KPIS if k not in unavailable}
            roster = self._roster(cells, label, agents)
            for kpi, team_line in team_lines.items():
                mine = line(kpi, agent)
                mine.team = team_line.value
                if self.defs[kpi].unit in ("count", "money") and roster:
                    total = sum(_value(cells, label, a, kpi) or 0.0 for a in roster)
                    mine.team_average = total / len(roster)
                s.headline.append(mine)
        else:
            keys = [*(DAILY_KPIS if kind == "daily" else HEADLINE_KPIS), *self.targeted]
            s.headline = [line(k, None) for k in keys if k not in unavailable]
            fin = DAILY_FINANCIAL_KPIS if kind == "daily" else FINANCIAL_KPIS
            s.financial = [line(k, None) for k in fin if k not in unavailable]
            revenue = _find(s.financial, "revenue_retained_total")
            credits = _find(s.financial, "credits_total")
            if revenue and credits and revenue.value and credits.value is not None:
                s.credits_pct_of_revenue = 100.0 * credits.value / revenue.value
            if not any(x.kpi != "cost_per_resolution" for x in s.financial):
                s.financial = []

        s.sla = self._sla(label, as_of_text, agent)
        if has_agent:
            s.team = self._team(cells, label, agents, line, agent)
        else:
            s.team = Team(reason="the exports have no agent column")
        if agent is not None and s.team is not None:  # a personal view names nobody else
            s.team.coaching = [c for c in s.team.coaching if c.agent == agent]
            s.team.top = [p for p in s.team.top if p.agent == agent]
            s.team.agents = [a for a in s.team.agents if a.agent == agent]
        s.actions = self._actions(s)
        s.notable = notable_changes(
            [*s.headline, *(f for f in s.financial if f.kpi not in {h.kpi for h in s.headline})],
            self.config.min_sample,
            self.config.definitions,
            period_over=not s.partial,
        )
        s.alerts = self._alerts(s, cells, label)
        if agent is None:
            s.channels = self._channels(series.channels, label)
        s.overview = overview(s, compared=s.compare_period in self.active)
        s.notes = self._notes(s)
        wanted = self.with_staffing and agent is None
        if wanted and "agents" in input_paths(self.options, self.config):
            s.staffing = self._staffing(as_of_text)
        return s

    def _staffing(self, as_of: str | None) -> tuple[Any, str | None]:
        """The staffing of the HTML's heat map (the agents input is given), or why not."""
        from supportkpi.reports import staffing

        # its inputs are the tickets and the agents (the others are named or not alike)
        opts = dataclasses.replace(
            self.options, surveys=[], credits=[], customers=[], events=[], comments=[], as_of=as_of
        )
        try:
            return staffing.staffing(opts, staffing.Settings(), self.config, self.loaded), None
        except SupportKpiError as exc:
            if exc.hint and "--handle-time" in exc.hint:  # (an option summary has not)
                return (
                    None,
                    f"{exc.message} (set staffing.channels.<channel>.handle_time in the config)",
                )
            return None, str(exc)

    def _channels(self, results: list[Result], label: str) -> list[ChannelRow]:
        rows: dict[str, dict[str, ChannelCell]] = {}
        for r in results:
            if r.group.get("period") != label or r.kpi not in CHANNEL_KPIS:
                continue
            channel = str(r.group["channel"])
            rows.setdefault(channel, {})[r.kpi] = ChannelCell(
                r.value, r.n, r.status, r.unit or self.defs[r.kpi].unit, r.target
            )
        order = sorted(rows, key=lambda c: (c == UNKNOWN, -(rows[c].get("tickets") or _NONE).n, c))
        return [ChannelRow(c, rows[c]) for c in order]

    def _restore_piped_paths(self, s: Summary) -> None:
        for item in s.inputs:
            item["paths"] = [self.spooled.get(p, p) for p in item.get("paths", [])]

    def _match_agent(self, agents: list[str]) -> str:
        q = self.agent_query or ""
        if q in agents:
            return q
        folded = [a for a in agents if a.casefold() == q.strip().casefold()]
        if len(folded) == 1:
            return folded[0]
        hint = closest(q, agents)
        raise UsageError(
            f"--agent: no agent named {q!r} in the data",
            hint=f"did you mean '{hint}'?" if hint else f"{len(agents)} agents in the data",
        )

    # -- lines
    def _line_maker(
        self, cells: Cells, labels: list[str], compare_label: str, unavailable: dict[str, str]
    ) -> Any:
        def make(kpi: str, agent: str | None) -> Line:
            cur = self._result(cells, labels[-1], agent, kpi, unavailable)
            prev = self._result(cells, compare_label, agent, kpi, unavailable)
            spec = self.defs[kpi]
            out = Line(
                kpi=kpi,
                label=cur.label or spec.label,
                unit=cur.unit or spec.unit,
                direction=spec.direction,
                value=cur.value,
                n=cur.n,
                status=cur.status,
                target=cur.target,
                reason=cur.reason,
                ci_low=cur.ci_low,
                ci_high=cur.ci_high,
                margin=cur.margin,
                tier=cur.tier,
                previous=prev.value,
                previous_n=prev.n,
                previous_status=prev.status,
                previous_ci_low=prev.ci_low,
                previous_ci_high=prev.ci_high,
                previous_margin=prev.margin,
                sd=cur.sd,
                previous_sd=prev.sd,
            )
            out.change, out.change_pct, out.better = difference(
                cur.value, prev.value, out.unit, spec.direction
            )
            points = [self._result(cells, lb, agent, kpi, unavailable) for lb in labels]
            out.trend = [r.value for r in points]
            out.trend_signals = signals.series_signals(
                out.trend,
                [r.n for r in points],
                spec.stat.proportion,
                [r.period_over for r in points],
            )
            out.trend_range = list(self._trend_range(kpi, out.unit, out.trend, out.target))
            return out

        return make

    def _trend_range(
        self, kpi: str, unit: str, trend: list[float | None], target: dict[str, Any] | None
    ) -> tuple[float, float]:
        """The range a trend is drawn in (signals.natural_range): a rating on its
        config scale (CSAT score 1–5, CES 1–7), the quality score on 0–100 (as its bar)."""
        t = target or {}
        goal = t.get("min", t.get("max"))
        rated = {"csat_score": "csat", "ces": "ces"}.get(kpi)
        scale = self.config.scales.get(rated) if rated else None
        bounds = (float(scale.min), float(scale.max)) if scale is not None else None
        if kpi == "qa_score":
            bounds = (0.0, 100.0)
        return signals.natural_range(unit, trend, goal, bounds)

    def _result(
        self, cells: Cells, label: str, agent: str | None, kpi: str, unavailable: dict[str, str]
    ) -> Result:
        r = cells.get((label, agent), {}).get(kpi)
        if r is not None:
            if label not in self.active:  # rows of a period without any data: no data
                return self._nothing(r, label)
            return r
        spec = self.defs[kpi]
        group = {"period": label} if agent is None else {"period": label, "agent": agent}
        if label not in self.active:
            return self._nothing(Result(kpi, group, None, 0), label)
        # nothing of this KPI in a period that has data (or for that agent): as compute
        zero = spec.stat.zero_when_empty and kpi not in unavailable
        r = Result(kpi, group, 0.0 if zero else None, 0, None if zero else "no rows")
        r.unit, r.label = spec.unit, spec.label
        judge([r], self.config, window_for_period(label, self.config.timezone), self.as_of)
        return r

    def _nothing(self, r: Result, label: str) -> Result:
        """A period in which no input has a single row: no data (not zero tickets)."""
        spec = self.defs[r.kpi]
        out = Result(r.kpi, r.group, None, 0, f"no data in {label}")
        out.unit, out.label, out.status = spec.unit, spec.label, "no_data"
        return out

    # -- SLA
    def _sla(self, label: str, as_of: str | None, agent: str | None) -> SlaSection:
        from supportkpi.reports.sla_check import sla_check

        o = self.options
        if not o.tickets and "tickets" not in self.config.inputs:
            return SlaSection(reason="no tickets input")
        key = self.config.sla.key
        by = [[f"{key},agent"], ["agent"]] if agent is not None else []
        opts = dataclasses.replace(
            o,
            surveys=[],
            credits=[],
            customers=[],
            agents=[],
            kpis=[],
            by=by,
            period=label,
            from_=None,
            to=None,
            every=None,
            as_of=as_of,
            cohort=False,
        )
        try:
            check = sla_check(
                opts,
                "compliance",
                "breached",
                list_rows=False,
                config=self.config,
                loaded=self.loaded,
            )
        except SupportKpiError as exc:  # e.g. no priority column: no SLA section, said why
            reason = str(exc)
            return SlaSection(key=key, reason=reason)
        results = check.report.results
        if agent is not None:
            results = [r for r in results if r.group.get("agent") == agent]
            for r in results:
                r.group = {k: v for k, v in r.group.items() if k != "agent"}
        uncovered = check.report.uncovered if agent is None else None  # (the team's count)
        section = SlaSection(key=key, unmatched=uncovered.line() if uncovered else None)
        rows: dict[str, dict[str, Result]] = {}
        for r in results:
            if set(r.group) - {key}:
                continue
            rows.setdefault(r.group.get(key, "all"), {})[r.kpi] = r
        policies = self.config.sla.policies
        none = Result("", {}, None, 0, status="no_data")
        for group, pair in rows.items():
            # a policy table may set only one kind of target (e.g. resolution only)
            fr = pair.get("sla_first_response", none)
            res = pair.get("sla_resolution", none)
            policy = policies.get(group)
            compliance = policy.compliance if policy else None
            if group == "all":
                t = fr.target or res.target or {}
                compliance = t.get("min")
            section.rows.append(
                SlaRow(
                    group=group,
                    first_response_target=policy.first_response if policy else None,
                    resolution_target=policy.resolution if policy else None,
                    compliance_target=compliance,
                    first_response=fr.value,
                    first_response_n=fr.n,
                    first_response_status=fr.status,
                    first_response_breached=int(fr.extra.get("breached", 0)),
                    resolution=res.value,
                    resolution_n=res.n,
                    resolution_status=res.status,
                    resolution_breached=int(res.extra.get("breached", 0)),
                    at_risk=int(fr.extra.get("at_risk", 0)) + int(res.extra.get("at_risk", 0)),
                    active=int(fr.extra.get("active", 0)) + int(res.extra.get("active", 0)),
                )
            )
        section.rows.sort(key=lambda row: row.group != "all")  # overall first
        listing = check.listing
        assert listing is not None
        if agent is not None:
            listing = listing.of_agent(agent)
        section.breached = len(listing)
        section.breached_tickets = listing.tickets()
        section.breached_targets = [SLA_TARGETS[i] for i in sorted(set(listing.target.tolist()))]
        worst = listing.rows(WORST_TICKETS)
        section.worst = [{**t, "ticket_id": str(t["ticket_id"])} for t in worst]
        return section

    # -- team
    def _roster(self, cells: Cells, label: str, agents: list[str]) -> list[str]:
        """Agents active in the period: tickets created or resolved, or scheduled time."""
        out = []
        for a in agents:
            row = cells.get((label, a), {})
            created = row.get("tickets")
            resolved = row.get("tickets_resolved")
            adherence = row.get("schedule_adherence")
            if (
                (created is not None and (created.value or 0) > 0)
                or (resolved is not None and (resolved.value or 0) > 0)
                or (adherence is not None and adherence.value is not None)
            ):
                out.append(a)
        return out

    def _team(
        self, cells: Cells, label: str, agents: list[str], line: Any, agent: str | None
    ) -> Team:
        team = Team()
        roster = self._roster(cells, label, agents)
        triggers = coaching_triggers(self.config)
        t = {k: v for k, _w, v in triggers}
        ms = self.config.min_sample
        team.rules = [
            "Top performers (seed 000's CSAT + FCR, made fair to small samples): score = the "
            "mean of the lower ends of the 95% (Wilson) intervals of CSAT and FCR — the level "
            "each is at least, with 95% confidence; among agents with at least "
            f"{self.min_tickets} resolved tickets and {self.min_surveys} CSAT responses, "
            "and never an agent flagged for coaching.",
            f"Coaching triggers (seed 002; coaching: in targets.yaml): quality score < "
            f"{t['qa_score']:g}, CSAT < {t['csat']:g}%, FCR < {t['fcr_rate']:g}%, schedule "
            f"adherence < {t['schedule_adherence']:g}%, each only from at least "
            f"{max(ms, self.min_surveys)} responses ({max(ms, self.min_tickets)} resolved "
            f"tickets, {max(ms, MIN_QA_REVIEWS)} reviews, {max(ms, 1)} scheduled days; "
            "min_sample) and flagged only when the 95% interval lies wholly below the "
            "trigger (a mean without an interval: its value); tickets resolved < "
            f"{t['tickets_handled']:.0%} of the team's average per agent, when the upper "
            "end of the count's 95% Poisson interval is below it.",
        ]
        if agent is None:
            for kpi in TEAM_BAR_KPIS:
                if kpi not in self.defs:
                    continue
                ln: Line = line(kpi, None)
                team.lines.append(ln)
                bar = _bar(ln, self.config)
                if bar is not None:
                    team.bars.append(bar)
        if not roster:
            team.reason = "no agent handled tickets in this period"
            return team
        resolved = {a: _value(cells, label, a, "tickets_resolved") or 0.0 for a in roster}
        team.average_resolved = sum(resolved.values()) / len(roster)
        for a in roster:
            row = cells.get((label, a), {})
            team.agents.append(
                AgentRow(
                    agent=a,
                    values={k: (row[k].value if k in row else None) for k in AGENT_TABLE_KPIS},
                    n={k: (row[k].n if k in row else 0) for k in AGENT_TABLE_KPIS},
                )
            )
        team.coaching, team.not_judged = coaching(
            cells,
            label,
            roster,
            team.average_resolved,
            self.min_tickets,
            self.min_surveys,
            self.config.min_sample,
            triggers,
            {k: self.defs[k].direction for k, _w, _t in triggers if k in self.defs},
        )
        team.top = top_performers(
            cells,
            label,
            roster,
            self.min_tickets,
            self.min_surveys,
            {c.agent for c in team.coaching},
        )
        if len(roster) < 2:
            team.rules.append(
                "One agent in the period: the tickets-handled trigger (vs the team's "
                "average) does not apply."
            )
        return team

    # -- actions, alerts, notes
    def _actions(self, s: Summary) -> list[ActionItem]:
        """Every missed KPI once, with its actions (the config's, else seed 000's, else
        supportkpi's defaults); KPIs with the same list (CSAT % and mean) share one item."""
        out: list[ActionItem] = []
        seen: set[str] = set()
        by_items: dict[tuple[str, ...], ActionItem] = {}
        for ln in judged_lines(s):
            if ln.status != "missed" or ln.kpi in seen:
                continue
            seen.add(ln.kpi)
            items, source = self._action_items(ln.kpi)
            key = tuple(items)
            if items and key in by_items and source != "default":
                by_items[key].also.append(ln.kpi)
                continue
            item = ActionItem(ln.kpi, ln.label, ln.unit, ln.value, ln.target, items, source)
            by_items.setdefault(key, item)
            out.append(item)
        if s.agent is not None and s.team is not None:  # personal view: own coaching
            for c in s.team.coaching:
                for t in c.triggers:
                    kpi = _TRIGGER_ACTION_KPI.get(t.kpi)
                    if kpi is None or kpi in seen:
                        continue
                    seen.add(kpi)
                    items, source = self._action_items(kpi)
                    out.append(
                        ActionItem(kpi, t.label, t.unit, t.value, None, items, source, "coaching")
                    )
        return out

    def _action_items(self, kpi: str) -> tuple[list[str], str]:
        if self.config.actions.get(kpi):
            return list(self.config.actions[kpi]), "targets.yaml"
        if kpi in DEFAULT_ACTIONS:
            return list(DEFAULT_ACTIONS[kpi]), "seed 000"
        family = kpi.removesuffix("_median").removesuffix("_p90")
        if family != kpi:
            return self._action_items(family)
        if kpi in MORE_ACTIONS:
            return list(MORE_ACTIONS[kpi]), "default"
        return [GENERIC_ACTIONS[0].replace("KPI", kpi), GENERIC_ACTIONS[1]], "default"

    def _alerts(self, s: Summary, cells: Cells, label: str) -> list[Alert]:
        out: list[Alert] = []
        agent = s.agent
        esc = cells.get((label, agent), {}).get("escalation_rate")
        if esc is not None and esc.value is not None and esc.value > 0:
            count = round(esc.value * esc.n / 100.0)
            out.append(
                Alert("escalations", f"{count} escalated ticket(s) of {esc.n} ({esc.value:.1f}%)")
            )
        if s.sla.breached_tickets:
            worst = s.sla.worst[0] if s.sla.worst else None
            text = f"{s.sla.breached_tickets} ticket(s) breached an SLA target"
            if worst is not None:
                text += f"; worst: #{worst['ticket_id']} ({worst['target'].replace('_', ' ')})"
            out.append(Alert("sla", text))
        credits = cells.get((label, agent), {}).get("credits_total")
        if credits is not None and credits.status == "missed" and credits.target:
            limit = credits.target.get("max")
            out.append(
                Alert(
                    "budget",
                    f"credits {credits.value:,.2f} {s.currency} over the budget of "
                    f"{limit:,.2f} {s.currency}"
                    if limit is not None
                    else "credits over budget",
                )
            )
        missed = [ln.label for ln in s.headline if ln.status == "missed"]
        if missed:
            out.append(Alert("missed", "missed target: " + ", ".join(missed)))
        return out

    def _notes(self, s: Summary) -> list[str]:
        notes = []
        none = no_config_note(self.config)
        if none:
            notes.append(none[0].upper() + none[1:] + ".")
        if s.compare_period not in self.active:
            notes.append(f"No data in {s.compare_period}: nothing to compare with.")
        if s.period not in self.active:
            notes.append(f"No data in {s.period}.")
        elif s.partial:
            notes.append(
                f"{s.period} is not over at the as-of time ({s.as_of}): its figures cover "
                f"only part of it, so the changes against {s.compare_period} are not like "
                "for like; its counts and amounts are not judged against targets (to date) "
                "nor tested for notable changes, nor are the rates of its tickets by creation "
                "(resolution, escalation, SLA compliance), whose latest tickets are not all "
                "resolved, answered or breached yet."
            )
        if s.unavailable:
            notes.append(
                "Not computable from these exports: "
                + "; ".join(f"{k} ({v})" for k, v in s.unavailable.items())
                + "."
            )
        notes.append(
            "Notable changes: rates by a two-proportion z-test (95 %), NPS by its margins "
            "of error, ticket counts by a Poisson test, mean first response and resolution "
            "times by Welch's test (normal approximation); other means, medians, "
            "percentiles and amounts are not tested; samples under min_sample "
            f"({self.config.min_sample}) are not tested."
        )
        if any(ln.status == "low_sample" for ln in s.headline):
            notes.append(
                f"~ low sample: fewer than {self.config.min_sample} responses (min_sample), "
                "shown but not judged."
            )
        return notes


@dataclass
class _Series:
    results: list[Result]  # groups {"period": label[, "agent": name]}
    as_of: int | None
    inputs: list[InputSummary]
    has_agent: bool
    unavailable: dict[str, str]  # KPI -> why these inputs cannot give it
    channels: list[Result] = field(default_factory=list)  # groups {"period", "channel"}


_NONE = ChannelCell(None, 0, "no_data", "count")


# --------------------------------------------------------------------------- helpers
def judged_lines(s: Summary) -> list[Line]:
    """Every KPI of the report once, as the period's line: the headline, the financial
    lines, then the team bars' KPIs the headline has not (schedule adherence): a target
    missed anywhere on the page is counted at a glance and gets its action item."""
    out: dict[str, Line] = {}
    for ln in [*s.headline, *s.financial, *(s.team.lines if s.team else [])]:
        out.setdefault(ln.kpi, ln)
    return list(out.values())


def overview(s: Summary, compared: bool = True) -> list[str]:
    """Three lines for the top of the page: the targets missed, the changes beyond noise,
    the SLA state."""
    lines = judged_lines(s)
    judged = [ln for ln in lines if ln.status in ("met", "warn", "missed")]
    missed = [ln.label for ln in judged if ln.status == "missed"]
    if not any(ln.target for ln in lines):
        first = "No KPI has a target to judge it by (`supportkpi init` writes a targets.yaml)."
    elif not judged:
        first = "No KPI with a target had enough data to be judged."
    elif not missed:
        first = f"All {len(judged)} KPIs judged against a target met it."
    else:
        shown = ", ".join(missed[:4]) + (f" and {len(missed) - 4} more" if len(missed) > 4 else "")
        first = f"{len(missed)} of {len(judged)} KPIs judged against a target missed: {shown}."
    if s.notable:
        top = sorted(s.notable, key=lambda c: -abs(c.z))[:3]
        parts = []
        for c in top:
            word = "" if c.better is None else " (better)" if c.better else " (worse)"
            if c.unit == "percent":
                size = f"{c.change:+.1f} pp"
            elif c.previous:
                size = f"{100 * c.change / abs(c.previous):+.1f}%"
            else:
                size = f"{c.change:+,.2f}"
            parts.append(f"{c.label} {size.replace('-', '−')}{word}")
        second = f"Beyond noise vs {s.compare_period}: " + "; ".join(parts) + "."
    elif not compared:  # (no change is not news when there is nothing to compare with)
        second = f"No data in {s.compare_period} to compare with."
    else:
        second = f"No KPI changed beyond its statistical noise vs {s.compare_period}."
    sla = s.sla
    every = next((r for r in sla.rows if r.group == "all"), None)
    if sla.reason or every is None:
        third = f"SLA: no figures ({sla.reason or 'no ticket met or breached a target yet'})."
    else:
        parts = []
        for what, v, st in (
            ("first response", every.first_response, every.first_response_status),
            ("resolution", every.resolution, every.resolution_status),
        ):
            if v is not None:
                mark = {"met": "met", "missed": "missed", "warn": "warning"}.get(st, "not judged")
                parts.append(f"{what} {v:.1f}% ({mark})")
        goal = f" against {every.compliance_target:g}%" if every.compliance_target else ""
        third = "SLA: " + (" and ".join(parts) or "no compliance figures") + goal
        worst = [
            (r.resolution, r.group)
            for r in sla.rows
            if r.group != "all" and r.resolution is not None and r.resolution_status == "missed"
        ]
        if worst:
            third += f"; worst {min(worst)[1]} (resolution {min(worst)[0]:.1f}%)"
        third += f"; {sla.breached_tickets:,} ticket(s) breached."
    return [first, second, third]


def _cells(results: list[Result]) -> Cells:
    """Results by (period, agent)."""
    cells: Cells = {}
    for r in results:
        p = r.group.get("period")
        if p is not None:
            cells.setdefault((p, r.group.get("agent")), {})[r.kpi] = r
    return cells


def _window_of(label: str) -> tuple[str, str]:
    """[first day of the oldest trend period, day after the period) as ISO dates."""
    labels = trend_labels(label)
    return parse_period(labels[0])[0].isoformat(), parse_period(label)[1].isoformat()


def _value(cells: Cells, label: str, agent: str | None, kpi: str) -> float | None:
    r = cells.get((label, agent), {}).get(kpi)
    return r.value if r is not None else None


def _find(lines: list[Line], kpi: str) -> Line | None:
    return next((ln for ln in lines if ln.kpi == kpi), None)


def _midnight(day: dt.date, tz: str) -> int:
    from supportkpi.io.periods import local_midnight_us

    return local_midnight_us(day, tz)


def _title(kind: str, label: str, agent: str | None) -> str:
    if agent is not None:
        return f"Personal performance — {agent} — {label}"
    if kind == "daily":
        return f"Support daily report — {label}"
    return f"Support {kind} summary — {label}"


def _bar(ln: Line, config: Config) -> Bar | None:
    """A bar against target (seed 000 dashboard 3): the value on a scale where the target
    sits at 80 % of the width (percentages: 0–100 %)."""
    t = ln.target or {}
    goal = t.get("min", t.get("max"))
    if ln.value is None or goal is None or "between" in t:
        return None
    if ln.unit == "percent" or ln.kpi == "qa_score":
        scale = 100.0
    elif ln.kpi == "csat_score":
        scale = float(config.scales["csat"].max)
    else:
        scale = max(goal / 0.8, ln.value) if goal > 0 else max(ln.value, 1.0)
    scale = max(scale, ln.value, goal, 1e-12)
    return Bar(ln.kpi, ln.label, ln.unit, ln.value, t, ln.status, ln.value / scale, goal / scale)


def top_performers(
    cells: Cells,
    label: str,
    roster: list[str],
    min_tickets: int,
    min_surveys: int,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> list[Performer]:
    """Seed 000's highest CSAT + FCR, made defensible: each agent's score is the mean of
    the lower ends of the 95 % (Wilson) intervals of their CSAT and FCR — the level each
    rate is at least, with 95 % confidence — so that 5 perfect surveys (lower end 56.6 %)
    do not beat 60 surveys at 95 % (lower end 86.3 %). Among agents with at least
    `min_tickets` resolved tickets behind their FCR and `min_surveys` CSAT responses, and
    never an agent in `exclude` (those flagged for coaching)."""
    eligible: list[tuple[float, str, Result, Result]] = []
    for a in roster:
        if a in exclude:
            continue
        row = cells.get((label, a), {})
        csat, fcr = row.get("csat"), row.get("fcr_rate")
        if csat is None or fcr is None or csat.value is None or fcr.value is None:
            continue
        if csat.n < min_surveys or fcr.n < min_tickets:
            continue
        if csat.ci_low is None or fcr.ci_low is None:
            continue
        eligible.append(((csat.ci_low + fcr.ci_low) / 2, a, csat, fcr))
    eligible.sort(key=lambda e: (-e[0], -(e[2].value or 0), -(e[3].value or 0), e[1].lower()))
    return [
        Performer(
            i + 1,
            a,
            score,
            c.value or 0.0,
            c.n,
            f.value or 0.0,
            f.n,
            c.ci_low,
            f.ci_low,
        )
        for i, (score, a, c, f) in enumerate(eligible[:TOP_PERFORMERS])
    ]


# what a trigger's n counts, per KPI
SAMPLE_WORD = {
    "qa_score": "reviews",
    "csat": "responses",
    "fcr_rate": "resolved tickets",
    "schedule_adherence": "scheduled days",
}


def poisson_interval(k: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """An approximate 95 % interval for a Poisson mean from one count `k` (Byar's
    approximation of the exact, chi-square interval: its upper end, the one that decides
    a coaching flag, within 1 % of the exact one; the lower end rougher below k = 5)."""
    if k <= 0:
        return 0.0, 3.688879454113936  # exact: −ln(0.025)
    lo = k * (1 - 1 / (9 * k) - z / (3 * math.sqrt(k))) ** 3
    k1 = k + 1
    hi = k1 * (1 - 1 / (9 * k1) + z / (3 * math.sqrt(k1))) ** 3
    return max(0.0, lo), hi


def coaching_triggers(config: Config) -> list[tuple[str, str, float]]:
    """Seed 002's triggers, as the config's `coaching:` changes them."""
    return [(k, what, config.coaching.get(k, t)) for k, what, t in COACHING_TRIGGERS]


def coaching(
    cells: Cells,
    label: str,
    roster: list[str],
    average_resolved: float | None,
    min_tickets: int,
    min_surveys: int,
    min_sample: int = 30,
    triggers: list[tuple[str, str, float]] | None = None,
    directions: dict[str, str] | None = None,
) -> tuple[list[Coaching], list[NotJudged]]:
    """Seed 002's coaching triggers, fired only where the evidence says the agent is on
    the wrong side of the trigger: a rate's 95 % interval wholly beyond it (its upper end
    below a higher-is-better trigger); a mean without an interval beyond it; and never
    on fewer than `min_sample` responses (nor `min_surveys` / `min_tickets` / 5 QA
    reviews). Tickets resolved: the upper end of the count's Poisson interval under the
    share of the team's average. Also says, per trigger, how many agents it did not
    judge (too few) or did not flag (beyond the trigger, within noise)."""
    out = []
    minimum = {
        "qa_score": max(MIN_QA_REVIEWS, min_sample),
        "csat": max(min_surveys, min_sample),
        "fcr_rate": max(min_tickets, min_sample),
        "schedule_adherence": max(1, min_sample),
    }
    directions = directions or {}
    too_few: dict[str, int] = {}
    noise: dict[str, int] = {}
    labels: dict[str, str] = {}
    for a in roster:
        row = cells.get((label, a), {})
        fired: list[Trigger] = []
        for kpi, what, threshold in triggers or list(COACHING_TRIGGERS):
            labels[kpi] = what
            if kpi == "tickets_handled":
                r = row.get("tickets_resolved")
                done = r.value if r is not None and r.value is not None else 0.0
                if len(roster) < 2 or not average_resolved:
                    continue
                limit = threshold * average_resolved
                lo, hi = poisson_interval(done)
                if hi < limit:
                    fired.append(
                        Trigger(
                            kpi,
                            what,
                            "count",
                            done,
                            limit,
                            int(done),
                            f"{what} {done:.0f} < {limit:.1f} ({threshold:.0%} of the team's "
                            f"average, {average_resolved:.1f} per agent; 95% CI "
                            f"{lo:.1f}–{hi:.1f})",
                            lo,
                            hi,
                        )
                    )
                elif done < limit:
                    noise[kpi] = noise.get(kpi, 0) + 1
                continue
            r = row.get(kpi)
            if r is None or r.value is None:
                continue
            lower = directions.get(kpi, "higher") == "lower"
            beyond = r.value > threshold if lower else r.value < threshold
            if r.n < minimum.get(kpi, min_sample):
                too_few[kpi] = too_few.get(kpi, 0) + 1
                continue
            if r.ci_low is not None and r.ci_high is not None:
                far = r.ci_low if lower else r.ci_high
                sure = far > threshold if lower else far < threshold
                basis = "interval"
            else:
                sure, basis = beyond, "sample"
            if not sure:
                if beyond:
                    noise[kpi] = noise.get(kpi, 0) + 1
                continue
            unit = "%" if r.unit == "percent" else ""
            sign = ">" if lower else "<"
            sample = f"{r.n:,} {SAMPLE_WORD.get(kpi, 'rows')}"
            if basis == "interval":
                assert r.ci_low is not None and r.ci_high is not None
                sample += f", 95% CI {r.ci_low:.1f}–{r.ci_high:.1f}{unit}"
            else:
                sample += ", no interval"
            fired.append(
                Trigger(
                    kpi,
                    what,
                    r.unit,
                    r.value,
                    threshold,
                    r.n,
                    f"{what} {r.value:.1f}{unit} {sign} {threshold:g}{unit} ({sample})",
                    r.ci_low,
                    r.ci_high,
                    basis,
                )
            )
        if fired:
            out.append(Coaching(a, fired))
    out.sort(key=lambda c: (-len(c.triggers), c.agent.lower()))
    skipped = []
    for kpi, what, _t in triggers or list(COACHING_TRIGGERS):
        k = too_few.get(kpi, 0)
        if k:
            need = minimum.get(kpi, min_sample)
            skipped.append(
                NotJudged(
                    kpi,
                    what,
                    k,
                    "too_few",
                    f"{k} {'agent' if k == 1 else 'agents'} with fewer than {need} "
                    f"{SAMPLE_WORD.get(kpi, 'rows')} not judged on {what}",
                )
            )
        k = noise.get(kpi, 0)
        if k:
            skipped.append(
                NotJudged(
                    kpi,
                    what,
                    k,
                    "within_noise",
                    f"{k} {'agent' if k == 1 else 'agents'} past the {what} trigger but "
                    "within noise (the 95% interval reaches it): not flagged",
                )
            )
    return out, skipped


def notable_changes(
    lines: list[Line],
    min_sample: int,
    definitions: dict[str, str] | None = None,
    period_over: bool = True,
) -> list[Change]:
    """KPIs whose change is larger than its statistical noise (95 %), and only those
    (`change.noise_test`: the counts and amounts of a period not over are not tested;
    mean durations by Welch's statistic; medians and percentiles are not tested)."""
    out = []
    for ln in lines:
        if ln.kpi not in catalogue.ALL:
            continue
        spec = catalogue.resolve(ln.kpi, definitions)
        test = noise_test(
            spec,
            ln.unit,
            Side(ln.value, ln.n, ln.margin, ln.sd),
            Side(ln.previous, ln.previous_n, ln.previous_margin, ln.previous_sd),
            min_sample,
            period_over,
            means=True,
        )
        if test is None or not beyond_noise(test[0]):
            continue
        assert ln.value is not None and ln.previous is not None
        z, method = test
        out.append(
            Change(
                ln.kpi,
                ln.label,
                ln.unit,
                ln.value,
                ln.previous,
                ln.value - ln.previous,
                z,
                method,
                ln.better,
                method + f", z = {z:+.2f}",
            )
        )
    return out


__all__ = [
    "Summary",
    "build_summary",
    "default_period",
    "last_year",
    "notable_changes",
    "trend_labels",
]
