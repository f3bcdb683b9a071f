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
                       in each state (see `sla.py`)

The engine evaluates each measure once as a vectorised column and aggregates every
KPI for every group in one grouped pass. Nothing here imports numpy or pyarrow, so
`supportkpi kpis` and `--help` stay instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["count", "seconds", "percent", "ratio", "score", "points", "money"]
Direction = Literal["higher", "lower", "band", "none"]
MeanKind = Literal["mean", "proportion", "nps"]


@dataclass(frozen=True)
class Count:
    where: str | None = None


@dataclass(frozen=True)
class Mean:
    measure: str
    scale: float = 1.0
    kind: MeanKind = "mean"


@dataclass(frozen=True)
class Quantile:
    measure: str
    q: float


@dataclass(frozen=True)
class PerDistinct:
    key: str


@dataclass(frozen=True)
class OpenAtEnd:
    pass


@dataclass(frozen=True)
class SlaCompliance:
    target: str  # first_response | resolution


Stat = Count | Mean | Quantile | PerDistinct | OpenAtEnd | SlaCompliance


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
    aliases: tuple[str, ...] = field(default=())

    @property
    def is_proportion(self) -> bool:
        if isinstance(self.stat, SlaCompliance):
            return True
        return isinstance(self.stat, Mean) and self.stat.kind == "proportion"


T = "tickets"
S = "surveys"
FRT_COLS = ("first_response_at", "first_response_minutes")
RES_COLS = ("resolved_at", "resolution_minutes")
HANDLE_COLS = ("talk_seconds", "handle_seconds")

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
    ),
    Kpi(
        name="first_response_time",
        label="First response time (mean)",
        unit="seconds",
        direction="lower",
        source=T,
        anchor="created_at",
        stat=Mean("frt"),
        formula="mean(first_response_at − created_at) over tickets with a response",
        needs=(FRT_COLS,),
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
        stat=Mean("res"),
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
]

CATALOGUE: dict[str, Kpi] = {k.name: k for k in _CATALOGUE}


def get(name: str) -> Kpi | None:
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
