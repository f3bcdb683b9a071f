"""What every command produces and every renderer reads: plain data, no numpy, no
pyarrow, so reading or rendering a report loads neither."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supportkpi.reports.change import Previous


@dataclass
class Result:
    kpi: str
    group: dict[str, str]
    value: float | None
    n: int
    reason: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    margin: float | None = None
    target: dict[str, Any] | None = None
    status: str = "no_target"
    extra: dict[str, Any] = field(default_factory=dict)
    tier: str | None = None
    unit: str = ""  # from the definition in force (a variant may change it)
    label: str = ""
    definition: str = ""  # the named variant, when the KPI has several
    # the inputs' value problems that left rows out of this KPI (see report.exclusions)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    # the share of the row's period (its --every or time-dimension period, else the
    # report's) elapsed at the as-of time: 1.0 once it is over (None: not over, no start)
    elapsed_share: float | None = 1.0
    previous: Previous | None = None  # compute --compare: the same in the earlier period
    # a mean's per-row standard deviation (n − 1), where the statistic keeps it (not in
    # the JSON: the summary's test of a change of mean duration reads it)
    sd: float | None = None

    @property
    def period_over(self) -> bool:
        return self.elapsed_share == 1.0
