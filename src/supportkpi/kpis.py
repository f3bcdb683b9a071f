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


Stat = Count | Mean | Quantile | PerDistinct | OpenAtEnd


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
        return isinstance(self.stat, Mean) and self.stat.kind == "proportion"


T = "tickets"
S = "surveys"
FRT_COLS = ("first_response_at", "first_response_minutes")
RES_COLS = ("resolved_at", "resolution_minutes")
HANDLE_COLS = ("talk_seconds", "handle_seconds")

_CATALOGUE: list[Kpi] = [
    Kpi(
        "tickets",
        "Tickets created",
        "count",
        "none",
        T,
        "created_at",
        Count(),
        "tickets created in the period",
        (("created_at",),),
    ),
    Kpi(
        "tickets_resolved",
        "Tickets resolved",
        "count",
        "none",
        T,
        "resolved_at",
        Count("resolved"),
        "tickets resolved in the period",
        (("resolved_at",),),
    ),
    Kpi(
        "backlog",
        "Backlog",
        "count",
        "lower",
        T,
        None,
        OpenAtEnd(),
        "tickets created before the period end and not resolved by then",
        (("created_at",), ("resolved_at",)),
        notes="measured at the end of the period (or the as-of time, if earlier)",
    ),
    Kpi(
        "tickets_per_customer",
        "Tickets per customer",
        "ratio",
        "lower",
        T,
        "created_at",
        PerDistinct("customer_id"),
        "tickets / distinct customer_id (tickets without a customer are left out)",
        (("customer_id",),),
    ),
    Kpi(
        "first_response_time",
        "First response time (mean)",
        "seconds",
        "lower",
        T,
        "created_at",
        Mean("frt"),
        "mean(first_response_at − created_at) over tickets with a response",
        (FRT_COLS,),
    ),
    Kpi(
        "first_response_time_median",
        "First response time (median)",
        "seconds",
        "lower",
        T,
        "created_at",
        Quantile("frt", 0.5),
        "median(first_response_at − created_at)",
        (FRT_COLS,),
    ),
    Kpi(
        "first_response_time_p90",
        "First response time (p90)",
        "seconds",
        "lower",
        T,
        "created_at",
        Quantile("frt", 0.9),
        "90th percentile of first_response_at − created_at",
        (FRT_COLS,),
    ),
    Kpi(
        "resolution_time",
        "Resolution time (mean)",
        "seconds",
        "lower",
        T,
        "resolved_at",
        Mean("res"),
        "mean(resolved_at − created_at) over resolved tickets",
        (RES_COLS,),
    ),
    Kpi(
        "resolution_time_median",
        "Resolution time (median)",
        "seconds",
        "lower",
        T,
        "resolved_at",
        Quantile("res", 0.5),
        "median(resolved_at − created_at)",
        (RES_COLS,),
    ),
    Kpi(
        "resolution_time_p90",
        "Resolution time (p90)",
        "seconds",
        "lower",
        T,
        "resolved_at",
        Quantile("res", 0.9),
        "90th percentile of resolved_at − created_at",
        (RES_COLS,),
    ),
    Kpi(
        "resolution_rate",
        "Resolution rate",
        "percent",
        "higher",
        T,
        "created_at",
        Mean("resolved_by_as_of", 100.0, "proportion"),
        "tickets created in the period and resolved by the as-of time / tickets created",
        (RES_COLS,),
    ),
    Kpi(
        "fcr_rate",
        "First contact resolution",
        "percent",
        "higher",
        T,
        "resolved_at",
        Mean("single_contact", 100.0, "proportion"),
        "resolved tickets with contacts == 1 / resolved tickets",
        (RES_COLS, ("contacts",)),
    ),
    Kpi(
        "escalation_rate",
        "Escalation rate",
        "percent",
        "lower",
        T,
        "created_at",
        Mean("escalated", 100.0, "proportion"),
        "escalated tickets / tickets",
        (("escalated",),),
    ),
    Kpi(
        "reopen_rate",
        "Reopen rate",
        "percent",
        "lower",
        T,
        "resolved_at",
        Mean("reopened", 100.0, "proportion"),
        "resolved tickets with reopens > 0 / resolved tickets",
        (RES_COLS, ("reopens",)),
    ),
    Kpi(
        "handle_time",
        "Average handle time",
        "seconds",
        "lower",
        T,
        "created_at",
        Mean("handle"),
        "mean(talk + hold + after-call work) over tickets that have them",
        (HANDLE_COLS,),
    ),
    Kpi(
        "csat",
        "CSAT (% satisfied)",
        "percent",
        "higher",
        S,
        "submitted_at",
        Mean("csat_satisfied", 100.0, "proportion"),
        "satisfied csat responses / csat responses × 100",
        (("score",),),
        "satisfaction",
    ),
    Kpi(
        "csat_score",
        "CSAT (mean score)",
        "score",
        "higher",
        S,
        "submitted_at",
        Mean("csat_score"),
        "mean csat score",
        (("score",),),
        "satisfaction",
    ),
    Kpi(
        "nps",
        "Net Promoter Score",
        "points",
        "higher",
        S,
        "submitted_at",
        Mean("nps_value", 100.0, "nps"),
        "% promoters − % detractors",
        (("score",),),
        "satisfaction",
    ),
    Kpi(
        "ces",
        "Customer effort (mean)",
        "score",
        "higher",
        S,
        "submitted_at",
        Mean("ces_score"),
        "mean ces score",
        (("score",),),
        "satisfaction",
    ),
    Kpi(
        "ces_easy_rate",
        "Customer effort (% easy)",
        "percent",
        "higher",
        S,
        "submitted_at",
        Mean("ces_easy", 100.0, "proportion"),
        "easy ces responses / ces responses × 100",
        (("score",),),
        "satisfaction",
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
