"""The KPI catalogue: the one place each KPI is defined.

A definition is declarative: name, label, unit, direction, the input whose rows it
aggregates, the column that places a row in a period (its *anchor*), the columns it
needs, and its statistic expressed over a per-row *measure* (see `measures.py`):

* `Count(where)`       rows in the period (where the measure is true)
* `Mean(measure)`      mean of a per-row value; rows where the value is empty are out.
                       A proportion is the mean of a 0/1 indicator × 100; NPS is the
                       mean of +1/0/−1 × 100.
* `Quantile(measure)`  a percentile of the same values (linear interpolation, type 7)
* `PerDistinct(key)`   rows / distinct values of `key`
* `OpenAtEnd()`        rows open at the end of the period (backlog)
* `SlaCompliance(t)`   met / (met + breached) of SLA target t, with the count of tickets
                       in each state (see `sla/policy.py`)
* `Sum(measure)`       total of a per-row amount (money, seconds)
* `Retention(kind)`    customers kept (or lost) over the period, from the customers input
* `Derived(parts, f)`  a formula over other KPIs of the same group, each computed with its
                       own anchor (cost per resolution = (credits + agent time) / resolved)

Each kind of statistic is a class in `statistics.py` that owns what it reads, how it is
computed, merged, explained and described. The engine evaluates each measure once as a
vectorised column and aggregates every KPI for every group in one grouped pass. Nothing
here imports numpy or pyarrow, so `supportkpi kpis` and `--help` stay instant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from supportkpi.kpis.statistics import (
    FRT_COLS,
    RES_COLS,
    A,
    C,
    Count,
    Derived,
    Mean,
    OpenAtEnd,
    PerDistinct,
    Quantile,
    ReplySlaCompliance,
    Retention,
    S,
    SlaCompliance,
    Split,
    Statistic,
    Sum,
    T,
    U,
)
from supportkpi.schema.vocab import STATUSES

Unit = Literal["count", "seconds", "percent", "ratio", "score", "points", "money"]
Direction = Literal["higher", "lower", "band", "none"]

Stat = Statistic  # (the name the catalogue's readers know)


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    unit: Unit
    direction: Direction
    source: str
    anchor: str | None  # None: measured at the end of the period
    stat: Stat
    formula: str
    needs: tuple[tuple[str, ...], ...] = ()  # every group needed; any column of a group
    section: str = "operational"
    notes: str = ""
    # benchmark bands (seed 003), best first: (tier, threshold) met when the value is at
    # least (higher is better) or at most (lower is better) the threshold
    tiers: tuple[tuple[str, float], ...] = ()
    hidden: bool = False  # a component of other KPIs, not reported on its own
    variant: str = ""  # the named definition this is (see VARIANTS), "" for the only one

    @property
    def accumulates(self) -> bool:
        """Its value adds up over the period (a count, an amount): a period not over has
        only part of it, so its target is not judged there. Rates, means, durations and
        states (backlog) are judged whatever the period."""
        return self.stat.accumulates

    @property
    def is_proportion(self) -> bool:
        return self.stat.proportion


HANDLE_COLS = ("talk_seconds", "handle_seconds")


def _history_trio(name: str, label: str, measure: str, statuses: str, what: str) -> tuple[Kpi, ...]:
    """Mean, median and p90 of a time in statuses from the status history (SPEC §4b):
    from creation to the last solve, on the configured clock, placed by resolution."""
    base = Kpi(
        name=name,
        label=f"{label} (mean)",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Mean(measure),
        formula=f"mean time in {statuses} from creation to the last solve, over solved tickets",
        needs=(("@events",),),
        notes=what + "; on the configured clock (business hours when set)",
    )
    return (
        base,
        replace(
            base,
            name=f"{name}_median",
            label=f"{label} (median)",
            stat=Quantile(measure, 0.5),
            formula=f"median time in {statuses} from creation to the last solve",
        ),
        replace(
            base,
            name=f"{name}_p90",
            label=f"{label} (p90)",
            stat=Quantile(measure, 0.9),
            formula=f"90th percentile of the time in {statuses} from creation to the last solve",
        ),
    )


def _time_in_status() -> tuple[Kpi, ...]:
    """`time_in_status` (+ median, p90): one figure per canonical status (group
    `{status: …}`), each a hidden KPI over its own measure (SPEC §4b), so a solved
    ticket's times in its statuses add up to its full resolution time."""
    hidden: list[Kpi] = []
    public: list[Kpi] = []
    for suffix in ("", "_median", "_p90"):
        parts = []
        for status in STATUSES:
            trio = _history_trio(
                f"time_in_{status}", f"Time in {status}", f"time_in_{status}", status, ""
            )
            kpi = {"": trio[0], "_median": trio[1], "_p90": trio[2]}[suffix]
            hidden.append(replace(kpi, hidden=True))
            parts.append((status, kpi.name))
        what = {"": "mean", "_median": "median", "_p90": "90th percentile of the"}[suffix]
        public.append(
            Kpi(
                name=f"time_in_status{suffix}",
                label="Time in status"
                + {"": " (mean)", "_median": " (median)", "_p90": " (p90)"}[suffix],
                unit="seconds",
                direction="none",
                source=T,
                anchor="resolved_at",
                stat=Split("status", tuple(parts)),
                formula=(
                    f"{what} time in each status from creation to the last solve, over"
                    " solved tickets (one row per status)"
                ),
                needs=(("@events",),),
                notes=(
                    "one figure per canonical status (new, open, pending, on_hold, solved,"
                    " closed), group {status: …}; a status never entered counts 0, so a"
                    " solved ticket's times add up to its full resolution time (time in"
                    " solved between a solve and a reopen included); on the configured clock"
                ),
            )
        )
    return (*hidden, *public)


def _next_reply_trio() -> tuple[Kpi, ...]:
    """Mean, median and p90 of the next reply time (SPEC §4b): one value per reply cycle,
    from the oldest unanswered public customer comment to the next public agent comment,
    placed by that reply."""
    base = Kpi(
        name="next_reply_time",
        label="Next reply time (mean)",
        unit="seconds",
        direction="lower",
        source="comments",
        anchor="created_at",
        stat=Mean("next_reply"),
        formula=(
            "mean, over reply cycles answered in the period, of the time from the oldest"
            " unanswered public customer comment to the next public agent comment"
        ),
        needs=(("author",),),
        notes=(
            "a cycle opens at a public customer comment after a public comment not the"
            " customer's (or none) and closes at the next public agent comment; system"
            " messages and internal notes neither open nor close one; a cycle not answered"
            " has no value; on the configured clock (business hours when set)"
        ),
    )
    return (
        base,
        replace(
            base,
            name="next_reply_time_median",
            label="Next reply time (median)",
            stat=Quantile("next_reply", 0.5),
            formula="median time from the oldest unanswered customer comment to the reply",
        ),
        replace(
            base,
            name="next_reply_time_p90",
            label="Next reply time (p90)",
            stat=Quantile("next_reply", 0.9),
            formula="90th percentile of the time from the oldest unanswered customer comment"
            " to the reply",
        ),
    )


_CATALOGUE: list[Kpi] = [
    Kpi(
        name="tickets",
        label="Tickets created",
        unit="count",
        direction="none",
        source=T,
        anchor="created_at",
        stat=Count(),
        formula="tickets created in the period",
        needs=(("created_at",),),
    ),
    Kpi(
        name="tickets_resolved",
        label="Tickets resolved",
        unit="count",
        direction="none",
        source=T,
        anchor="resolved_at",
        stat=Count("resolved"),
        formula="tickets resolved in the period",
        needs=(("resolved_at",),),
    ),
    Kpi(
        name="backlog",
        label="Backlog",
        unit="count",
        direction="lower",
        source=T,
        anchor=None,
        stat=OpenAtEnd(),
        formula="tickets created before the period end and not resolved by then",
        needs=(("created_at",), ("resolved_at",)),
        notes="measured at the end of the period (or the as-of time, if earlier)",
    ),
    Kpi(
        name="tickets_per_customer",
        label="Tickets per customer",
        unit="ratio",
        direction="lower",
        source=T,
        anchor="created_at",
        stat=PerDistinct("customer_id"),
        formula="tickets / distinct customer_id (tickets without a customer are left out)",
        needs=(("customer_id",),),
        tiers=(("exceptional", 3.0), ("typical", 5.0)),
    ),
    Kpi(
        name="first_response_time",
        label="First response time (mean)",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="created_at",
        stat=Mean("frt", spread=True),
        formula="mean(first_response_at − created_at) over tickets with a response",
        needs=(FRT_COLS,),
        tiers=(("exceptional", 900.0), ("above average", 3600.0), ("typical", 10800.0)),
    ),
    Kpi(
        name="first_response_time_median",
        label="First response time (median)",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="created_at",
        stat=Quantile("frt", 0.5),
        formula="median(first_response_at − created_at)",
        needs=(FRT_COLS,),
    ),
    Kpi(
        name="first_response_time_p90",
        label="First response time (p90)",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="created_at",
        stat=Quantile("frt", 0.9),
        formula="90th percentile of first_response_at − created_at",
        needs=(FRT_COLS,),
    ),
    Kpi(
        name="resolution_time",
        label="Resolution time (mean)",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Mean("res", spread=True),
        formula="mean(resolved_at − created_at) over resolved tickets",
        needs=(RES_COLS,),
    ),
    Kpi(
        name="resolution_time_median",
        label="Resolution time (median)",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Quantile("res", 0.5),
        formula="median(resolved_at − created_at)",
        needs=(RES_COLS,),
    ),
    Kpi(
        name="resolution_time_p90",
        label="Resolution time (p90)",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Quantile("res", 0.9),
        formula="90th percentile of resolved_at − created_at",
        needs=(RES_COLS,),
    ),
    Kpi(
        name="resolution_rate",
        label="Resolution rate",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Mean("resolved_by_as_of", 100.0, "proportion"),
        formula="tickets created in the period and resolved by the as-of time / tickets created",
        needs=(RES_COLS,),
        tiers=(("exceptional", 90.0), ("above average", 85.0), ("typical", 70.0)),
    ),
    Kpi(
        name="fcr_rate",
        label="First contact resolution",
        unit="percent",
        direction="higher",
        source=T,
        anchor="resolved_at",
        stat=Mean("single_contact", 100.0, "proportion"),
        formula="resolved tickets with contacts == 1 / resolved tickets",
        needs=(RES_COLS, ("contacts",)),
    ),
    Kpi(
        name="escalation_rate",
        label="Escalation rate",
        unit="percent",
        direction="lower",
        source=T,
        anchor="created_at",
        stat=Mean("escalated", 100.0, "proportion"),
        formula="escalated tickets / tickets",
        needs=(("escalated",),),
    ),
    Kpi(
        name="reopen_rate",
        label="Reopen rate",
        unit="percent",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Mean("reopened", 100.0, "proportion"),
        formula="resolved tickets with reopens > 0 / resolved tickets",
        needs=(RES_COLS, ("reopens",)),
    ),
    Kpi(
        name="handle_time",
        label="Average handle time",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="created_at",
        stat=Mean("handle"),
        formula="mean(talk + hold + after-call work) over tickets that have them",
        needs=(HANDLE_COLS,),
        tiers=(("exceptional", 120.0), ("above average", 240.0), ("typical", 480.0)),
    ),
    *(
        kpi
        for name, label, measure, statuses, formula_note in (
            (
                "requester_wait_time",
                "Requester wait time",
                "requester_wait",
                "new + open + on_hold",
                "the time the customer waited on the team (Zendesk's requester wait)",
            ),
            (
                "agent_work_time",
                "Agent work time",
                "agent_work",
                "new + open",
                "the time the ticket waited on an agent (Zendesk's agent work time)",
            ),
            (
                "on_hold_time",
                "On-hold time",
                "on_hold",
                "on_hold",
                "the time waiting on a third party (vendor, another team)",
            ),
            (
                "pending_time",
                "Pending time",
                "pending",
                "pending",
                "the time waiting on the customer (Zendesk's agent wait time)",
            ),
        )
        for kpi in _history_trio(name, label, measure, statuses, formula_note)
    ),
    *_time_in_status(),
    *_next_reply_trio(),
    Kpi(
        name="replies_per_ticket",
        label="Replies per ticket",
        unit="ratio",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Mean("replies"),
        formula="public agent comments / tickets solved in the period",
        needs=(("resolved_at",), ("@comments",)),
        notes=(
            "every public agent comment on the ticket (the comments input, linked by"
            " ticket_id); internal notes and system messages do not count"
        ),
    ),
    Kpi(
        name="reassignments",
        label="Reassignments per ticket",
        unit="ratio",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Mean("reassignments"),
        formula="assignee changes after the first assignment / tickets solved in the period",
        needs=(("resolved_at",), ("@events.agent",)),
        notes=(
            "from the status history's agent column: a change from one known agent to a"
            " different one (an empty agent between two is skipped); a ticket never"
            " reassigned counts 0"
        ),
    ),
    Kpi(
        name="group_reassignments",
        label="Group reassignments per ticket",
        unit="ratio",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Mean("group_reassignments"),
        formula="group changes after the first assignment / tickets solved in the period",
        needs=(("resolved_at",), ("@events.group",)),
        notes=(
            "from the status history's group column: a change from one known group to a"
            " different one (an empty group between two is skipped); a ticket never moved"
            " counts 0"
        ),
    ),
    Kpi(
        name="sla_first_response",
        label="SLA first response",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=SlaCompliance("first_response"),
        formula="first responses within target / (met + breached)",
        needs=(FRT_COLS,),
        section="sla",
        notes="target by priority from sla.policies; at-risk and active tickets are not judged yet",
    ),
    Kpi(
        name="sla_resolution",
        label="SLA resolution",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=SlaCompliance("resolution"),
        formula="resolutions within target / (met + breached)",
        needs=(RES_COLS,),
        section="sla",
        notes="target by priority from sla.policies; at-risk and active tickets are not judged yet",
    ),
    Kpi(
        name="sla_requester_wait",
        label="SLA requester wait",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=SlaCompliance("requester_wait"),
        formula="tickets whose time in new + open + on_hold stayed within target"
        " / (met + breached)",
        needs=(RES_COLS, ("@events",)),
        section="sla",
        notes="target by priority from sla.policies (requester_wait); the clock stops in pending",
    ),
    Kpi(
        name="sla_agent_work",
        label="SLA agent work",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=SlaCompliance("agent_work"),
        formula="tickets whose time in new + open stayed within target / (met + breached)",
        needs=(RES_COLS, ("@events",)),
        section="sla",
        notes="target by priority from sla.policies (agent_work); the clock stops in pending and"
        " on_hold",
    ),
    Kpi(
        name="sla_next_reply",
        label="SLA next reply",
        unit="percent",
        direction="higher",
        source="comments",
        anchor="@reply_opened",
        stat=ReplySlaCompliance(),
        formula="reply cycles answered within target / (met + breached)",
        needs=(("@tickets",),),
        section="sla",
        notes=(
            "one judgement per reply cycle (the comments input), from the customer's message"
            " to the next public agent reply, against the next_reply target of its ticket's"
            " policy, on its ticket's clock; never paused; placed by the customer's message"
        ),
    ),
    Kpi(
        name="csat",
        label="CSAT (% satisfied)",
        unit="percent",
        direction="higher",
        source=S,
        anchor="submitted_at",
        stat=Mean("csat_satisfied", 100.0, "proportion"),
        formula="satisfied csat responses / csat responses × 100",
        needs=(("score",),),
        section="satisfaction",
        tiers=(("exceptional", 95.0), ("above average", 90.0), ("typical", 85.0)),
    ),
    Kpi(
        name="csat_score",
        label="CSAT (mean score)",
        unit="score",
        direction="higher",
        source=S,
        anchor="submitted_at",
        stat=Mean("csat_score"),
        formula="mean csat score",
        needs=(("score",),),
        section="satisfaction",
    ),
    Kpi(
        name="nps",
        label="Net Promoter Score",
        unit="points",
        direction="higher",
        source=S,
        anchor="submitted_at",
        stat=Mean("nps_value", 100.0, "nps"),
        formula="% promoters − % detractors",
        needs=(("score",),),
        section="satisfaction",
        tiers=(("exceptional", 70.0), ("above average", 50.0), ("typical", 30.0)),
    ),
    Kpi(
        name="ces",
        label="Customer effort (mean)",
        unit="score",
        direction="higher",
        source=S,
        anchor="submitted_at",
        stat=Mean("ces_score"),
        formula="mean ces score",
        needs=(("score",),),
        section="satisfaction",
    ),
    Kpi(
        name="ces_easy_rate",
        label="Customer effort (% easy)",
        unit="percent",
        direction="higher",
        source=S,
        anchor="submitted_at",
        stat=Mean("ces_easy", 100.0, "proportion"),
        formula="easy ces responses / ces responses × 100",
        needs=(("score",),),
        section="satisfaction",
    ),
    # ---------------------------------------------------------------- financial
    Kpi(
        name="credits_total",
        label="Credits applied",
        unit="money",
        direction="lower",
        source=C,
        anchor="created_at",
        stat=Sum("credit_amount"),
        formula="sum of amount of every kind but refund (credit, discount, goodwill)",
        needs=(("amount",),),
        section="financial",
        notes="placed by the credit's created_at; costs.daily_credit_budget is its daily target",
    ),
    Kpi(
        name="refunds_total",
        label="Refunds",
        unit="money",
        direction="lower",
        source=C,
        anchor="created_at",
        stat=Sum("refund_amount"),
        formula="sum of amount of refunds",
        needs=(("amount",), ("kind",)),
        section="financial",
    ),
    Kpi(
        name="credit_rate",
        label="Credit application rate",
        unit="percent",
        direction="lower",
        source=T,
        anchor="created_at",
        stat=Mean("has_credit", 100.0, "proportion"),
        formula="tickets with at least one credit (any kind but refund) / tickets",
        needs=(("ticket_id",), ("@credits",)),
        section="financial",
    ),
    Kpi(
        name="cost_per_resolution",
        label="Cost per resolution",
        unit="money",
        direction="lower",
        source=T,
        anchor="resolved_at",
        stat=Derived(
            ("credits_total", "handle_total", "tickets_resolved"),
            "tickets_resolved",
            lambda v, rate: (
                (v["credits_total"] + v["handle_total"] / 3600 * rate) / v["tickets_resolved"]
                if v["tickets_resolved"]
                else None
            ),
            hourly_cost=True,
        ),
        formula="(credits_total + handle hours × costs.agent_hourly) / tickets resolved",
        needs=(RES_COLS, HANDLE_COLS, ("@credits",)),
        section="financial",
    ),
    Kpi(
        name="authorization_compliance",
        label="Authorization compliance",
        unit="percent",
        direction="higher",
        source=C,
        anchor="created_at",
        stat=Mean("authorized", 100.0, "proportion"),
        formula="credits within their approver's limit (authorization_limits) / credits",
        needs=(("amount",),),
        section="financial",
        notes="approved_by is a role, or a person whose role the agents input gives; "
        "an empty approver has the limit 'none' (default 0)",
    ),
    Kpi(
        name="recoveries_total",
        label="Recoveries",
        unit="money",
        direction="higher",
        source=C,
        anchor="created_at",
        stat=Sum("recovered"),
        formula="sum of recovered_amount (credits later recovered)",
        needs=(("recovered_amount",),),
        section="financial",
    ),
    Kpi(
        name="net_financial_impact",
        label="Net financial impact",
        unit="money",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Derived(
            (
                "revenue_retained_total",
                "upsell_amount_total",
                "recoveries_total",
                "credits_total",
                "refunds_total",
            ),
            "revenue_retained_total",
            lambda v, _rate: (
                v["revenue_retained_total"]
                + v["upsell_amount_total"]
                + v["recoveries_total"]
                - v["credits_total"]
                - v["refunds_total"]
            ),
            accumulates=True,
        ),
        formula="revenue_retained + upsell_amount + recoveries − credits − refunds",
        needs=(("revenue_retained",), ("upsell_amount",), ("@credits",)),
        section="financial",
    ),
    Kpi(
        name="support_roi",
        label="Support ROI",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Derived(
            ("net_financial_impact", "handle_total"),
            "handle_total",
            lambda v, rate: (
                100 * v["net_financial_impact"] / (v["handle_total"] / 3600 * rate)
                if v["handle_total"] and rate
                else None
            ),
            hourly_cost=True,
        ),
        formula="net_financial_impact / (handle hours × costs.agent_hourly) × 100",
        needs=(("revenue_retained",), ("upsell_amount",), HANDLE_COLS, ("@credits",)),
        section="financial",
    ),
    # ---------------------------------------------------------------- retention
    Kpi(
        name="revenue_retention_rate",
        label="Revenue retention rate",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Mean("retained", 100.0, "proportion"),
        formula="tickets with retained / tickets with cancel_intent",
        needs=(("cancel_intent",), ("retained",)),
        section="retention",
    ),
    Kpi(
        name="upsell_rate",
        label="Upsell success rate",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Mean("upsell_won", 100.0, "proportion"),
        formula="tickets with upsell_won / tickets with upsell_offered",
        needs=(("upsell_offered",), ("upsell_won",)),
        section="retention",
    ),
    Kpi(
        name="customer_retention_rate",
        label="Customer retention rate",
        unit="percent",
        direction="higher",
        source=U,
        anchor=None,
        stat=Retention("retention"),
        formula="(E − N) / S × 100: S customers at the period start, E at its end, N new in it",
        needs=(("customer_id",), ("started_at",)),
        section="retention",
        notes="without --period: from the first ticket to the as-of time (the overall row,"
        " --every or not; each --every row covers its calendar period)",
        tiers=(("exceptional", 90.0), ("above average", 85.0), ("typical", 80.0)),
    ),
    Kpi(
        name="churn_rate",
        label="Churn rate",
        unit="percent",
        direction="lower",
        source=U,
        anchor=None,
        stat=Retention("churn"),
        formula="customers whose ended_at falls in the period / S × 100 (= 100 − retention)",
        needs=(("customer_id",), ("started_at",), ("ended_at",)),
        section="retention",
    ),
    # ---------------------------------------------------------------- quality
    Kpi(
        name="qa_score",
        label="Quality score",
        unit="score",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Mean("qa"),
        formula="mean qa_score (0–100) over reviewed tickets",
        needs=(("qa_score",),),
        section="quality",
    ),
    Kpi(
        name="script_adherence",
        label="Script adherence",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Mean("script_adherent", 100.0, "proportion"),
        formula="reviewed tickets adherent to the script / reviewed tickets",
        needs=(("script_adherence",),),
        section="quality",
    ),
    Kpi(
        name="agent_utilization",
        label="Agent utilisation",
        unit="percent",
        direction="band",
        source=T,
        anchor="created_at",
        stat=Derived(
            ("handle_total", "logged_total"),
            "logged_total",
            lambda v, _rate: (
                100 * v["handle_total"] / v["logged_total"] if v["logged_total"] else None
            ),
        ),
        formula="sum(handle time) / sum(logged_seconds) × 100",
        needs=(HANDLE_COLS, ("@agents",)),
        section="quality",
        notes="handle time of tickets created in the period / time logged on those days",
    ),
    Kpi(
        name="schedule_adherence",
        label="Schedule adherence",
        unit="percent",
        direction="higher",
        source=A,
        anchor="date",
        stat=Derived(
            ("adherent_total", "scheduled_total"),
            "scheduled_total",
            lambda v, _rate: (
                100 * v["adherent_total"] / v["scheduled_total"] if v["scheduled_total"] else None
            ),
        ),
        formula="sum(adherent_seconds) / sum(scheduled_seconds) × 100",
        needs=(("adherent_seconds",), ("scheduled_seconds",)),
        section="quality",
    ),
    # ---------------------------------------------------------------- channel / self-service
    Kpi(
        name="self_service_resolution_rate",
        label="Self-service resolution rate",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Mean("self_service_resolved", 100.0, "proportion"),
        formula="tickets resolved without an agent (resolved_by self_service or bot) / tickets",
        needs=(("resolved_by",),),
        section="channel",
    ),
    Kpi(
        name="bot_containment_rate",
        label="Bot containment rate",
        unit="percent",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Mean("bot_contained", 100.0, "proportion"),
        formula="bot-handled tickets not handed off to an agent / bot-handled tickets",
        needs=(("bot_handled",), ("handed_off",)),
        section="channel",
    ),
    Kpi(
        name="tickets_per_agent_day",
        label="Resolutions per agent-day",
        unit="ratio",
        direction="higher",
        source=T,
        anchor="resolved_at",
        stat=PerDistinct("agent_day"),
        formula="tickets resolved / distinct (agent, day) with a resolution",
        needs=(RES_COLS, ("agent",)),
        section="channel",
    ),
    # ---------------------------------------------------------------- components (hidden)
    Kpi(
        name="handle_total",
        label="Handle time (total)",
        unit="seconds",
        direction="none",
        source=T,
        anchor="created_at",
        stat=Sum("handle"),
        formula="sum(talk + hold + after-call work)",
        needs=(HANDLE_COLS,),
        hidden=True,
    ),
    Kpi(
        name="logged_total",
        label="Time logged (total)",
        unit="seconds",
        direction="none",
        source=A,
        anchor="date",
        stat=Sum("logged"),
        formula="sum(logged_seconds)",
        needs=(("logged_seconds",),),
        hidden=True,
    ),
    Kpi(
        name="scheduled_total",
        label="Time scheduled (total)",
        unit="seconds",
        direction="none",
        source=A,
        anchor="date",
        stat=Sum("scheduled"),
        formula="sum(scheduled_seconds)",
        needs=(("scheduled_seconds",),),
        hidden=True,
    ),
    Kpi(
        name="adherent_total",
        label="Time adherent (total)",
        unit="seconds",
        direction="none",
        source=A,
        anchor="date",
        stat=Sum("adherent"),
        formula="sum(adherent_seconds)",
        needs=(("adherent_seconds",),),
        hidden=True,
    ),
    Kpi(
        name="revenue_retained_total",
        label="Revenue retained",
        unit="money",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Sum("revenue_retained"),
        formula="sum(revenue_retained)",
        needs=(("revenue_retained",),),
        section="financial",
    ),
    Kpi(
        name="upsell_amount_total",
        label="Upsell revenue",
        unit="money",
        direction="higher",
        source=T,
        anchor="created_at",
        stat=Sum("upsell_amount"),
        formula="sum(upsell_amount)",
        needs=(("upsell_amount",),),
        section="financial",
    ),
]

ALL: dict[str, Kpi] = {k.name: k for k in _CATALOGUE}
CATALOGUE: dict[str, Kpi] = {k.name: k for k in _CATALOGUE if not k.hidden}


# ------------------------------------------------------------------ named definitions
@dataclass(frozen=True)
class Variant:
    """A named way to define a KPI, as a helpdesk does (config: definitions: {kpi: name})."""

    name: str
    who: str  # whose definition it is
    summary: str
    kpi: Kpi


def _variant(base: str, name: str, who: str, summary: str, **changes: object) -> Variant:
    return Variant(name, who, summary, replace(ALL[base], variant=name, **changes))  # type: ignore[arg-type]


VARIANTS: dict[str, dict[str, Variant]] = {
    "fcr_rate": {
        v.name: v
        for v in (
            _variant(
                "fcr_rate",
                "single_contact",
                "supportkpi (seeds 000, 002)",
                "resolved tickets that needed exactly one contact",
            ),
            _variant(
                "fcr_rate",
                "one_touch",
                "Zendesk (one-touch tickets)",
                "solved or closed with fewer than 2 public agent replies",
                stat=Mean("one_touch", 100.0, "proportion"),
                formula="resolved tickets with agent_replies < 2 / resolved tickets",
                needs=(RES_COLS, ("agent_replies",)),
            ),
            _variant(
                "fcr_rate",
                "no_customer_reply",
                "Freshservice",
                "resolved with no customer interaction after the first message",
                stat=Mean("no_customer_reply", 100.0, "proportion"),
                formula="resolved tickets with customer_replies == 0 / resolved tickets",
                needs=(RES_COLS, ("customer_replies",)),
            ),
        )
    },
    "csat": {
        v.name: v
        for v in (
            _variant(
                "csat",
                "percent_satisfied",
                "Zendesk, Chatwoot, Front, Intercom",
                "share of responses in the satisfied band (4–5 of 1–5)",
            ),
            _variant(
                "csat",
                "mean_score",
                "third-party tools (e.g. Cx MOMENTS)",
                "mean score of the responses",
                unit="score",
                label="CSAT (mean score)",
                stat=Mean("csat_score"),
                formula="mean csat score",
                tiers=(),
            ),
            _variant(
                "csat",
                "net",
                "Help Scout (happiness score), FreeScout",
                "% satisfied − % dissatisfied, −100..100; dissatisfied is"
                " scales.csat.dissatisfied, by default the mirror of the satisfied band (1–2"
                " of 1–5)",
                unit="points",
                label="CSAT (net)",
                stat=Mean("csat_net", 100.0, "nps"),
                formula="% satisfied − % dissatisfied csat responses",
                tiers=(),
            ),
        )
    },
    "backlog": {
        v.name: v
        for v in (
            _variant(
                "backlog",
                "open_at_period_end",
                "supportkpi, Zendesk, Freshdesk",
                "tickets open at the end of the period (a state)",
            ),
            _variant(
                "backlog",
                "net_flow",
                "Zammad (backlog report)",
                "tickets created − tickets closed in the period (a flow, may be negative)",
                stat=Derived(
                    ("tickets", "tickets_resolved"),
                    "tickets",
                    lambda v, _rate: v["tickets"] - v["tickets_resolved"],
                    accumulates=True,
                ),
                formula="tickets created in the period − tickets resolved in it",
                direction="lower",
                anchor="created_at",
            ),
        )
    },
}
for _name in ("resolution_time", "resolution_time_median", "resolution_time_p90"):
    _q = ALL[_name].stat
    VARIANTS[_name] = {
        "full": _variant(
            _name,
            "full",
            "Zendesk (full resolution time), supportkpi",
            "creation to the last resolution (resolved_at)",
        ),
        "first": _variant(
            _name,
            "first",
            "Zendesk (first resolution time)",
            "creation to the first resolution (first_resolved_at)",
            anchor="first_resolved_at",
            # the same statistic (mean, median, p90) of the first resolution
            stat=replace(_q, of="res_first"),  # type: ignore[type-var]
            formula=ALL[_name].formula.replace("resolved_at", "first_resolved_at"),
            needs=(("first_resolved_at",),),
        ),
    }
DEFAULT_VARIANT = {name: next(iter(vs)) for name, vs in VARIANTS.items()}
# the median and p90 follow the mean's definition: the three describe the same tickets
DEFINED_WITH = {
    "resolution_time_median": "resolution_time",
    "resolution_time_p90": "resolution_time",
}


def definition_key(name: str) -> str:
    """The `definitions:` key that picks the KPI's variant."""
    return DEFINED_WITH.get(name, name)


def resolve(name: str, definitions: dict[str, str] | None = None) -> Kpi:
    """The definition of a KPI in force: the configured variant, else the default."""
    if name not in VARIANTS:
        return ALL[name]
    chosen = (definitions or {}).get(definition_key(name), DEFAULT_VARIANT[name])
    return VARIANTS[name][chosen].kpi


def definition_set(definitions: dict[str, str] | None = None) -> dict[str, Kpi]:
    return {name: resolve(name, definitions) for name in ALL}


# ------------------------------------------------------------------ what a KPI reads
def reads(
    kpi: Kpi, definitions: dict[str, str] | None = None, sla_keys: tuple[str, ...] = ("priority",)
) -> dict[str, set[str]]:
    """input -> the canonical columns the KPI's value depends on (a derived KPI: its
    parts'). `sla_keys`: the columns SLA policies are looked up by (sla.key, overrides)."""
    out: dict[str, set[str]] = {}
    for part in kpi.stat.components:  # a formula over other KPIs reads what they read
        for source, cols in reads(resolve(part, definitions), definitions, sla_keys).items():
            out.setdefault(source, set()).update(cols)
    if kpi.stat.components:
        return out
    own = out.setdefault(kpi.source, set())
    own.update(c for group in kpi.needs for c in group if not c.startswith("@"))
    if kpi.anchor and not kpi.anchor.startswith("@"):  # ("@…": worked out, not read)
        own.add(kpi.anchor)
    for source, columns in kpi.stat.reads(sla_keys).items():
        out.setdefault(source, set()).update(columns)
    return out


def readers(
    source: str,
    column: str,
    definitions: dict[str, str] | None = None,
    sla_keys: tuple[str, ...] = ("priority",),
) -> tuple[str, ...]:
    """The public KPIs whose value reads `column` of the input `source`, in catalogue
    order: what a bad value in that column affects."""
    return tuple(
        name
        for name in CATALOGUE
        if column in reads(resolve(name, definitions), definitions, sla_keys).get(source, ())
    )


def get(name: str) -> Kpi | None:
    """A public KPI by name."""
    return CATALOGUE.get(name)


def names() -> list[str]:
    return list(CATALOGUE)


UNIT_LABEL: dict[str, str] = {
    "count": "count",
    "seconds": "duration",
    "percent": "%",
    "ratio": "ratio",
    "score": "score",
    "points": "points",
    "money": "money",
}
