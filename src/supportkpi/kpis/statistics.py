"""The kinds of statistic a KPI is, each a class that owns everything about itself:

* the columns its value reads (`reads`), beyond its KPI's anchor and `needs`;
* its running state per fine group (`state_key`: KPIs whose statistics share a key share
  the state) and how a part of rows updates it (`add`); the states merge across chunks,
  groups and threads in `partials.FactPartial`, so a statistic is computed in parts
  when `mergeable` says it can be;
* how the state finishes into value, n and interval for the groups of a breakdown
  (`finish`), or, for a state at the period end and a formula over other KPIs, how the
  engine evaluates it (`evaluate`);
* which rows it explains (`explain_columns`, `explain_refusal`);
* how it is described (`describe`, `missing_values`: docs/definitions.md, `kpis --explain`);
* how targets and changes read it (`accumulates`, `zero_when_empty`, `sampled`,
  `events`, `state`, `proportion`).

The engine loops over statistics and never asks which kind one is. A KPI of an existing
kind is one entry in the catalogue (catalogue.py); a new kind is one class here.

numpy and pyarrow are imported inside the methods that compute: the catalogue imports
this module, and `supportkpi kpis` or `--help` should not load them (0.1 s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from supportkpi.schema.vocab import STATUSES

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    import numpy as np
    import pyarrow as pa

    from supportkpi.config.settings import Config
    from supportkpi.engine.aggregate import Block, Finishing, Groups, Part
    from supportkpi.engine.core import Engine
    from supportkpi.kpis.catalogue import Kpi
    from supportkpi.kpis.measures import Measures
    from supportkpi.schema.frame import Dim, Frame

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95 % interval
MeanKind = Literal["mean", "proportion", "nps"]
FactKey = tuple[str, str | None]  # (input, anchor column or a marker): KPIs computed together

T, S, C, U, A = "tickets", "surveys", "credits", "customers", "agents"
FRT_COLS = ("first_response_at", "first_response_minutes")
RES_COLS = ("resolved_at", "resolution_minutes")

# ------------------------------------------------------------------ what a measure reads
# The columns each per-row measure (measures.py) reads, by input, beyond its KPI's anchor
# and `needs`. With the statistics' own columns, this is the one answer to "which columns
# does a KPI's value depend on": what to read of an export, and what a bad value leaves out.
_SCORE = ("type", "score")
_AMOUNT = ("amount", "kind", "currency")
MEASURE_READS: dict[str, dict[str, tuple[str, ...]]] = {
    "frt": {T: ("created_at", *FRT_COLS)},
    "res": {T: ("created_at", *RES_COLS)},
    "res_first": {T: ("created_at", "first_resolved_at")},
    "resolved": {T: RES_COLS},
    "resolved_by_as_of": {T: RES_COLS},
    "single_contact": {T: (*RES_COLS, "contacts")},
    "one_touch": {T: (*RES_COLS, "agent_replies")},
    "no_customer_reply": {T: (*RES_COLS, "customer_replies")},
    "reopened": {T: (*RES_COLS, "reopens")},
    "escalated": {T: ("escalated",)},
    "handle": {T: ("talk_seconds", "hold_seconds", "after_call_work_seconds", "handle_seconds")},
    "retained": {T: ("cancel_intent", "retained")},
    "upsell_won": {T: ("upsell_offered", "upsell_won")},
    "bot_contained": {T: ("bot_handled", "handed_off")},
    "qa": {T: ("qa_score",)},
    "script_adherent": {T: ("script_adherence",)},
    "revenue_retained": {T: ("revenue_retained",)},
    "upsell_amount": {T: ("upsell_amount",)},
    "self_service_resolved": {T: (*RES_COLS, "resolved_by")},
    "has_credit": {T: ("ticket_id",), C: ("ticket_id", *_AMOUNT)},
    "customer_id": {T: ("customer_id",)},
    "agent_day": {T: (*RES_COLS, "agent")},
    "credit_amount": {C: _AMOUNT},
    "refund_amount": {C: _AMOUNT},
    "recovered": {C: ("recovered_amount", "currency")},
    # an approver named by person has the role the agents input gives them
    "authorized": {C: ("amount", "currency", "approved_by"), A: ("agent", "role")},
    "logged": {A: ("logged_seconds",)},
    "scheduled": {A: ("scheduled_seconds",)},
    "adherent": {A: ("adherent_seconds",)},
    "csat_score": {S: (*_SCORE, "csat")},
    "csat_satisfied": {S: (*_SCORE, "csat")},
    "csat_net": {S: (*_SCORE, "csat")},
    "nps_value": {S: (*_SCORE, "nps")},
    "ces_score": {S: (*_SCORE, "ces")},
    "ces_easy": {S: (*_SCORE, "ces")},
    # times in statuses: the history (events, or an event-log export) to the last solve
    **{
        m: {T: ("created_at", *RES_COLS), "events": ("ticket_id", "changed_at", "status")}
        for m in (
            "requester_wait",
            "agent_work",
            "on_hold",
            "pending",
            *(f"time_in_{status}" for status in STATUSES),
        )
    },
    # the conversations (comments) and the assignees in the history
    "next_reply": {"comments": ("ticket_id", "created_at", "author", "public")},
    "replies": {T: RES_COLS, "comments": ("ticket_id", "created_at", "author", "public")},
    "reassignments": {T: RES_COLS, "events": ("ticket_id", "changed_at", "agent")},
    "group_reassignments": {T: RES_COLS, "events": ("ticket_id", "changed_at", "group")},
}
# the event each SLA target times, from creation
# a resolution ends an unanswered ticket's first-response clock (SPEC §4)
SLA_READS: dict[str, tuple[str, ...]] = {
    "first_response": (*FRT_COLS, *RES_COLS),
    "resolution": RES_COLS,
    "requester_wait": RES_COLS,
    "agent_work": RES_COLS,
}

_MISSING_VALUE = (
    "rows with an empty or unreadable value are left out of numerator and denominator"
    " (unreadable ones are counted by `supportkpi validate`); never counted as 0"
)
_MISSING_ANCHOR = "rows without the anchor timestamp cannot be placed and are rejected (counted)"


@dataclass(frozen=True)
class Comparable:
    """How `compare` tests a difference of a statistic between two groups (reports/
    significance.py): `test` is proportion (in_denominator/in_numerator rows), mean,
    scores (+1/0/−1), quantile (at `q`), total, count (the values), or "" with `reason`."""

    test: str
    reason: str = ""
    scale: float = 1.0  # the per-row values × scale are the KPI's unit (a mean's)
    q: float = 0.5  # a quantile's


@dataclass
class ExplainRows:
    """What `explain` hands a statistic: the rows in scope and where to read them."""

    frame_dims: dict[str, Dim]  # the input's dimensions
    measures: Measures  # the input's
    rows: np.ndarray
    end: int  # the instant a state is measured at (the period end, or the as-of time)


class Statistic:
    """What every kind of statistic answers; the defaults are those of a statistic
    computed from a per-row measure over the rows in the period."""

    mergeable = True  # can be computed in parts (chunks, --low-memory) and merged
    accumulates = False  # adds up over the period: a period not over has only part of it
    zero_when_empty = False  # a group without rows has 0 (a count, an amount), not "no value"
    sampled = True  # judged against its target only from min_sample rows
    events = False  # a count of events in the period (its change takes a Poisson test)
    state = False  # a state at the period end, not events in it
    proportion = False  # a share of rows (0-100) with a Wilson interval
    hourly_cost = False  # needs costs.agent_hourly

    @property
    def components(self) -> tuple[str, ...]:
        """The other KPIs it is a formula over (computed first, in the same groups)."""
        return ()

    @property
    def split(self) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """(key, ((value, KPI), …)) for a KPI reported once per value of a key that is no
        column (time in each status): each value's figure is that hidden KPI's, reported
        under this KPI's name with `key: value` added to the group. None for the rest."""
        return None

    @property
    def measure(self) -> str | None:
        """The per-row measure it aggregates (KPIs of one measure are added and finished
        together, then the measure's arrays are let go)."""
        return None

    def can_merge(self, defs: dict[str, Kpi]) -> bool:
        return self.mergeable

    def unavailable(self, frame: Frame, config: Config) -> str | None:
        """Why these inputs and this config cannot give it, beyond missing columns."""
        return None

    # ---------------------------------------------------------------- what it reads
    def reads(self, sla_keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """input -> columns the value reads beyond its KPI's anchor and `needs`."""
        return MEASURE_READS.get(str(self.measure), {})

    # ---------------------------------------------------------------- computing
    def fact(self, source: str, anchor: str | None) -> FactKey | None:
        """The fact it is computed in (KPIs of one fact share one pass over the rows),
        or None: computed from other KPIs once every fact is done."""
        return (source, anchor)

    def evaluate(
        self,
        engine: Engine,
        fact: FactKey,
        kpis: list[Kpi],
        pool: Executor | None,
        pending: list[Future[None]],
    ) -> None:
        """Compute the fact's KPIs (this statistic's and its fact-mates')."""
        engine.rows_fact(fact[0], fact[1], kpis, pool, pending)

    @property
    def state_key(self) -> tuple:
        """Its running state's key: statistics with the same key share one state."""
        raise NotImplementedError

    def add(self, part: Part) -> None:
        """Add a part of rows to the running state."""
        raise NotImplementedError

    def finish(self, done: Finishing, bi: int, groups: Groups) -> Block:
        """The value, n and interval of each group of breakdown `bi`."""
        raise NotImplementedError

    # ---------------------------------------------------------------- explaining
    def explain_refusal(self, name: str) -> str | None:
        """Why `explain` cannot list rows for this KPI (None: it can)."""
        return None

    def explain_columns(self, at: ExplainRows) -> dict[str, pa.Array]:
        """The columns that show how each row counts."""
        import numpy as np
        import pyarrow as pa

        from supportkpi.io.arrownp import from_np

        if self.measure is None:  # nothing per row to show beyond the columns read
            return {}
        v = np.asarray(at.measures.get(self.measure)[at.rows], dtype=np.float64)
        return {"value": from_np(v, pa.float64(), np.isnan(v))}

    # ---------------------------------------------------------------- comparing
    def comparable(self) -> Comparable:
        """How `compare` tests its difference between two groups (from the rows
        `explain_columns` gives), or why it does not."""
        if self.proportion:  # a share of rows, 0-100
            return Comparable("proportion", scale=100.0)
        return Comparable("", "no test fits this statistic")

    # ---------------------------------------------------------------- describing
    def describe(self, rows: str) -> dict[str, str]:
        """Labelled lines saying how the value is computed, for `rows` (e.g. "tickets")."""
        raise NotImplementedError

    def missing_values(self) -> str:
        return _MISSING_VALUE


@dataclass(frozen=True)
class Count(Statistic):
    """Rows in the period (where the measure `where` is true)."""

    where: str | None = None
    accumulates = True
    zero_when_empty = True
    sampled = False
    events = True

    @property
    def measure(self) -> str | None:
        return self.where

    @property
    def state_key(self) -> tuple:
        return ("count", self.where)

    def add(self, part: Part) -> None:
        from supportkpi.engine import grouping

        m = part.measures
        w = None if self.where is None else (part.scoped(m.get(self.where)) == 1)
        part.tally(self.state_key, grouping.grouped_sum(part.fine, w, part.k))

    def finish(self, done: Finishing, bi: int, groups: Groups) -> Block:
        from supportkpi.engine.aggregate import Block

        n = done.up(done.array(self.state_key), groups)
        return Block(n.copy(), n)

    def explain_columns(self, at: ExplainRows) -> dict[str, pa.Array]:
        import numpy as np

        from supportkpi.io.arrownp import bools

        if self.where is None:
            return {"counted": bools(np.ones(len(at.rows), bool))}
        return {"counted": bools(at.measures.get(self.where)[at.rows] == 1)}

    def comparable(self) -> Comparable:
        return Comparable("count")

    def describe(self, rows: str) -> dict[str, str]:
        return {"value": f"number of {rows}" + (f" where {self.where}" if self.where else "")}

    def missing_values(self) -> str:
        return _MISSING_ANCHOR


@dataclass(frozen=True)
class Sum(Statistic):
    """The total of a per-row amount (money, seconds)."""

    of: str
    accumulates = True
    zero_when_empty = True
    sampled = False

    @property
    def measure(self) -> str | None:
        return self.of

    @property
    def state_key(self) -> tuple:
        return ("sums", self.of, False)  # shared with a mean of the same measure

    def add(self, part: Part) -> None:
        from supportkpi.engine.aggregate import fine_sums

        values = part.scoped(part.measures.get(self.of))
        part.tally(self.state_key, fine_sums(part.fine, values, part.k, False))

    def finish(self, done: Finishing, bi: int, groups: Groups) -> Block:
        from supportkpi.engine.aggregate import Block

        cnt, total = done.arrays(self.state_key)
        return Block(done.up(total, groups), done.up(cnt, groups))

    def comparable(self) -> Comparable:
        return Comparable("total")

    def describe(self, rows: str) -> dict[str, str]:
        return {"value": f"sum over {rows} of {self.of} — n rows have one"}


@dataclass(frozen=True)
class Mean(Statistic):
    """The mean of a per-row value; rows where it is empty are out. A proportion is the
    mean of a 0/1 indicator × 100 (with a Wilson interval); NPS the mean of +1/0/−1 × 100
    (with its margin of error, from the sum of squares)."""

    of: str
    scale: float = 1.0
    kind: MeanKind = "mean"
    # keep the sum of squares too, for the per-row standard deviation (`Result.sd`): the
    # summary tests a change of the mean by it (Welch); off where nothing reads it
    spread: bool = False

    @property
    def measure(self) -> str | None:
        return self.of

    @property
    def proportion(self) -> bool:  # type: ignore[override]
        return self.kind == "proportion"

    @property
    def squares(self) -> bool:
        return self.kind == "nps" or self.spread

    @property
    def state_key(self) -> tuple:
        return ("sums", self.of, self.squares)

    def add(self, part: Part) -> None:
        from supportkpi.engine.aggregate import fine_sums

        values = part.scoped(part.measures.get(self.of))
        part.tally(self.state_key, fine_sums(part.fine, values, part.k, self.squares))

    def finish(self, done: Finishing, bi: int, groups: Groups) -> Block:
        import numpy as np

        from supportkpi.engine.aggregate import Z95, Block, wilson_arrays

        sums = [done.up(a, groups) for a in done.arrays(self.state_key)]
        n, total = sums[0], sums[1]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, total / n, np.nan)
        block = Block(mean * self.scale, n)
        if self.spread and self.kind == "mean":  # the sample variance (n − 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                var = np.maximum(sums[2] - total * np.where(n > 0, mean, 0.0), 0.0) / (n - 1)
            block.sd = np.where(n > 1, np.sqrt(var), np.nan) * self.scale
        if self.kind == "proportion":
            lo, hi = wilson_arrays(total, n)
            block.ci = (lo * self.scale, hi * self.scale)
        elif self.kind == "nps":
            squares = sums[2]
            with np.errstate(invalid="ignore", divide="ignore"):
                var = np.maximum(squares / n - mean * mean, 0.0)
                block.margin = Z95 * np.sqrt(var / n) * self.scale
            # each answer counts +1, 0 or −1, so sum(x²) − sum(x) = 2 × the bad answers;
            # the counts let a reader redo the score their own way (e.g. flooring each share)
            good, bad = (
                ("promoters", "detractors")
                if self.of == "nps_value"
                else ("satisfied", "dissatisfied")
            )
            block.extra = {good: (squares + total) / 2, bad: (squares - total) / 2}
        return block

    def explain_columns(self, at: ExplainRows) -> dict[str, pa.Array]:
        if self.kind == "mean":
            return super().explain_columns(at)
        import numpy as np
        import pyarrow as pa

        from supportkpi.io.arrownp import bools, from_np
        from supportkpi.kpis.measures import MISSING

        v = at.measures.get(self.of)[at.rows]
        den = v != MISSING if v.dtype == np.int8 else ~np.isnan(v)
        if self.kind == "nps":
            return {
                "in_denominator": bools(den),
                "value": from_np(np.where(den, v, 0).astype(np.int8), pa.int8(), ~den),
            }
        return {"in_denominator": bools(den), "in_numerator": bools(den & (v == 1))}

    def comparable(self) -> Comparable:
        test = {"proportion": "proportion", "nps": "scores"}.get(self.kind, "mean")
        return Comparable(test, scale=self.scale)

    def describe(self, rows: str) -> dict[str, str]:
        if self.kind == "proportion":
            return {
                "numerator": f"{rows} for which the condition holds ({self.of})",
                "denominator": f"{rows} in the period where the condition can be judged — n",
            }
        if self.kind == "nps":
            return {
                "numerator": f"{rows} counted +1 or −1 ({self.of})",
                "denominator": f"all {rows} of that type in the period — n",
            }
        return {"value": f"mean of the per-row value ({self.of}) — n rows have one"}


@dataclass(frozen=True)
class Quantile(Statistic):
    """A percentile of a per-row value (linear interpolation, type 7). The values are
    kept (compactly) until the end, so the quantiles of merged parts stay exact."""

    of: str
    q: float

    @property
    def measure(self) -> str | None:
        return self.of

    @property
    def state_key(self) -> tuple:
        return ("values", self.of)

    def add(self, part: Part) -> None:
        from supportkpi.engine import grouping
        from supportkpi.engine.partials import Values

        m = part.measures
        us = m.micros(self.of)
        sample = grouping.Sample.of(
            part.fine, part.scoped(us if us is not None else m.get(self.of)), us is not None
        )
        part.partial.values.setdefault(self.of, Values()).add(
            part.global_fine(sample.fine), sample.values, us is not None, part.compact
        )

    def finish(self, done: Finishing, bi: int, groups: Groups) -> Block:
        from supportkpi.engine.aggregate import Block, all_quantiles

        found = done.cache.get((self.of, bi))
        if found is None:  # every quantile of the measure, every breakdown: one sort each
            mates = [k.stat for k in done.kpis if isinstance(k.stat, Quantile)]
            qs = sorted({q.q for q in mates if q.of == self.of})
            held = done.partial.values.pop(self.of)
            for b, (vals, counts) in all_quantiles(held, done.groupings, qs).items():
                done.cache[(self.of, b)] = (vals, counts, qs)
            del held
            found = done.cache[(self.of, bi)]
        vals, counts, qs = found
        return Block(vals[:, qs.index(self.q)], counts)

    def comparable(self) -> Comparable:
        return Comparable("quantile", q=self.q)

    def describe(self, rows: str) -> dict[str, str]:
        return {
            "value": f"{int(self.q * 100)}th percentile of the per-row value ({self.of}), linear"
            " interpolation (type 7) — n rows have one"
        }


@dataclass(frozen=True)
class SlaCompliance(Statistic):
    """met / (met + breached) of SLA target `target`, with the tickets in each state
    (sla/policy.py)."""

    target: str  # first_response | resolution
    proportion = True

    @property
    def measure(self) -> str | None:
        return "sla_" + self.target

    @property
    def state_key(self) -> tuple:
        return ("states", self.target)

    def reads(self, sla_keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        return {T: ("created_at", *SLA_READS[self.target], *sla_keys)}

    def unavailable(self, frame: Frame, config: Config) -> str | None:
        from supportkpi.sla import policy as sla

        if sla.key_dim(frame, config) is None:
            return f"the SLA policies are keyed by {config.sla.key}, which the tickets export lacks"
        if not config.sla.sets(self.target):
            example = f"sla.policies: {{P1: {{{self.target}: …}}}}"
            return f"no SLA policy sets the {self.target} target ({example})"
        return None

    def add(self, part: Part) -> None:
        from supportkpi.engine.aggregate import state_counts

        states = part.scoped(part.measures.get("sla_" + self.target))
        part.tally(self.state_key, state_counts(part.fine, states, part.k))

    def finish(self, done: Finishing, bi: int, groups: Groups) -> Block:
        import numpy as np

        from supportkpi.engine.aggregate import sla_block
        from supportkpi.sla import policy as sla

        per_state = done.full(done.array(self.state_key)).astype(np.float64)
        assert groups.up is not None
        per = np.stack([groups.up(per_state[:, j]) for j in range(len(sla.STATES))], axis=1)
        return sla_block(per)

    def explain_columns(self, at: ExplainRows) -> dict[str, pa.Array]:
        import numpy as np

        from supportkpi.io.arrownp import bools, dim_array
        from supportkpi.schema.frame import Dim
        from supportkpi.sla import policy as sla

        state = at.measures.get("sla_" + self.target)[at.rows]
        return {
            "state": dim_array(Dim(state.astype(np.int32), list(sla.STATES)), slice(None)),
            "in_denominator": bools((state == sla.MET) | (state == sla.BREACHED)),
            "in_numerator": bools(state == sla.MET),
        }

    def describe(self, rows: str) -> dict[str, str]:
        return {
            "numerator": f"tickets whose {self.target.replace('_', ' ')} met its target",
            "denominator": "tickets met or breached (at risk and active are not judged) — n",
        }

    def missing_values(self) -> str:
        return (
            "tickets no policy covers are n/a, counted as `unmatched`; tickets whose"
            " timestamps are unreadable or impossible are `invalid` (counted by"
            " `supportkpi validate`); a resolution ends an unanswered ticket's"
            " first-response clock; with a status history (-e/--events, or an event-log"
            " export), the time in the statuses `sla.pause` names is off the clock"
            " (resolution: pending by default; first response: never), and a ticket"
            " waiting in one at the as-of time is `paused`, unless already breached"
        )


@dataclass(frozen=True)
class ReplySlaCompliance(SlaCompliance):
    """met / (met + breached) of the reply cycles (the comments input): each from the
    customer's message to the next public agent reply, against its ticket's next_reply
    target (SPEC §4b)."""

    target: str = "next_reply"

    def reads(self, sla_keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        return {
            "comments": ("ticket_id", "created_at", "author", "public"),
            T: ("created_at", *RES_COLS, *sla_keys),  # a solve ends an unanswered cycle
        }

    def unavailable(self, frame: Frame, config: Config) -> str | None:
        if not config.sla.sets(self.target):
            example = f"sla.policies: {{P1: {{{self.target}: …}}}}"
            return f"no SLA policy sets the {self.target} target ({example})"
        return None

    def describe(self, rows: str) -> dict[str, str]:
        return {
            "numerator": "reply cycles answered within their ticket's next_reply target",
            "denominator": (
                "reply cycles met or breached (a cycle still waiting within its target is"
                " not judged yet) — n"
            ),
        }


@dataclass(frozen=True)
class PerDistinct(Statistic):
    """Rows per distinct value of `key` (tickets per customer). Distinct values do not
    add up across parts, so it is computed with every row at once."""

    key: str
    mergeable = False

    def reads(self, sla_keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        return MEASURE_READS.get(self.key, {})

    @property
    def state_key(self) -> tuple:
        return ("rows",)

    def add(self, part: Part) -> None:
        if not part.compact:  # needs every row at once: in-memory runs only
            part.partial.row_fine, part.partial.rows = part.global_fine(part.fine), part.rows

    def finish(self, done: Finishing, bi: int, groups: Groups) -> Block:
        import numpy as np

        from supportkpi.engine import grouping
        from supportkpi.engine.aggregate import Block, label_code
        from supportkpi.schema.inputs import UNKNOWN

        partial = done.partial
        assert partial.row_fine is not None and partial.rows is not None
        frame, m = done.engine.frames[done.source], done.engine.measures[done.source]
        rows, group_of_row, g = partial.rows, groups.code[partial.row_fine], len(groups)
        if self.key in frame.dims:
            key_dim = frame.dims[self.key]
            kc = key_dim.codes[rows].astype(np.int64)
            kc[kc == label_code(key_dim, UNKNOWN)] = -1
            card = key_dim.size
        else:
            all_codes, card = m.key(self.key)
            kc = all_codes[rows]
        known = kc >= 0
        gc = group_of_row[known]
        distinct = grouping.grouped_distinct(gc, kc[known], g, card)
        n_rows = np.bincount(gc, minlength=g).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(distinct > 0, n_rows / np.maximum(distinct, 1), np.nan)
        return Block(value, n_rows)

    def explain_columns(self, at: ExplainRows) -> dict[str, pa.Array]:
        from supportkpi.io.arrownp import dim_array

        if self.key in at.frame_dims:
            return {self.key: dim_array(at.frame_dims[self.key], at.rows)}
        return {}

    def comparable(self) -> Comparable:
        return Comparable("", f"rows per distinct {self.key}: a ratio with no per-row test")

    def describe(self, rows: str) -> dict[str, str]:
        return {"value": f"{rows} / distinct {self.key} — n is the number of {rows}"}


@dataclass(frozen=True)
class OpenAtEnd(Statistic):
    """Tickets open at the end of the period (backlog): a state, measured at the period
    end (or each --every period's), never after the as-of time."""

    mergeable = False
    sampled = False
    state = True

    def reads(self, sla_keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        return {T: ("created_at", *RES_COLS)}

    def fact(self, source: str, anchor: str | None) -> FactKey | None:
        return (source, "@end")

    def evaluate(
        self,
        engine: Engine,
        fact: FactKey,
        kpis: list[Kpi],
        pool: Executor | None,
        pending: list[Future[None]],
    ) -> None:
        import numpy as np

        from supportkpi.engine.aggregate import open_counts
        from supportkpi.io.timeparse import NAT

        m = engine.measures["tickets"]
        created = m.event("created_at")
        resolved = m.event("resolved_at")
        rows = np.flatnonzero((created != NAT) & m.known("resolved_at"))
        ends, period_labels = engine.period_ends(created[rows])
        e = len(ends)
        kc = np.searchsorted(ends, created[rows], "right")
        r = resolved[rows]
        kr = np.where(r == NAT, e, np.searchsorted(ends, r, "right"))
        # ticket i is open at ends[k] for kc[i] <= k < kr[i]: difference array + cumsum
        engine.at_period_ends(
            kpis,
            "tickets",
            rows,
            ends,
            period_labels,
            lambda code, width, g: open_counts(code, kc, kr, width, g),
        )

    def explain_columns(self, at: ExplainRows) -> dict[str, pa.Array]:
        from supportkpi.io.arrownp import bools
        from supportkpi.io.timeparse import NAT

        r = at.measures.event("resolved_at")[at.rows]
        return {"open_at_end": bools((r == NAT) | (r >= at.end))}

    def comparable(self) -> Comparable:
        return Comparable("", "a state at the period end (tickets still open), not events")

    def describe(self, rows: str) -> dict[str, str]:
        return {"value": "tickets open at the end of the period: created before it, not resolved"}

    def missing_values(self) -> str:
        return _MISSING_ANCHOR


@dataclass(frozen=True)
class Retention(Statistic):
    """Customers kept (or lost) over the period, from the customers input: S at its
    start, E at its end, N new. A customer counts from started_at (inclusive) to
    ended_at (exclusive)."""

    kind: Literal["retention", "churn"]
    mergeable = False
    state = True

    def reads(self, sla_keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        return {U: ("customer_id", "started_at", "ended_at")}

    def fact(self, source: str, anchor: str | None) -> FactKey | None:
        return (source, "@retention")

    def evaluate(
        self,
        engine: Engine,
        fact: FactKey,
        kpis: list[Kpi],
        pool: Executor | None,
        pending: list[Future[None]],
    ) -> None:
        import numpy as np

        from supportkpi.engine.aggregate import AtEnd, Block
        from supportkpi.io.periods import make_buckets
        from supportkpi.io.timeparse import NAT

        frame = engine.frames["customers"]
        m = engine.measures["customers"]
        query, config = engine.query, engine.config
        started = frame.cols["started_at"]
        ended = np.full(frame.n, NAT, dtype=np.int64)
        if "ended_at" in frame.cols:
            ended = np.where(m.known("ended_at"), m.event("ended_at"), NAT)
        start = engine.period_start()
        end = int(engine.period_ends(np.array([start], dtype=np.int64))[0][-1])
        if query.every:
            b = make_buckets(
                query.every, start, max(start, end - 1), config.timezone, config.limits.periods
            )
            periods = np.minimum(np.asarray(b.starts, dtype=np.int64), end)
            labels = list(b.labels)
        else:
            periods = np.array([start, end], dtype=np.int64)
            labels = []
        # the first --every period may begin before the window does; the whole window's
        # row is counted from the window's own start, so it does not depend on --every
        bounds = np.union1d(periods, [start])
        at_period = np.searchsorted(bounds, periods)
        at_start = int(np.searchsorted(bounds, start))
        width = len(bounds) + 2
        # index j of the first boundary after the instant: counted "before" bounds[j..]
        ks = np.searchsorted(bounds, started, "right")
        ke = np.where(ended == NAT, width - 1, np.searchsorted(bounds, ended, "right"))

        def matrices(code: np.ndarray, _width: int, g: int) -> AtEnd:
            def before(k_idx: np.ndarray) -> np.ndarray:
                counts = np.bincount(code * width + k_idx, minlength=g * width)
                return np.cumsum(counts.reshape(g, width), axis=1)[:, : len(bounds)]

            started_before = before(ks).astype(np.float64)
            ended_before = before(ke).astype(np.float64)
            active = started_before - ended_before

            def at(k: int | None) -> list[Block]:
                # the whole window, or period k: from one boundary to another
                i, j = (at_start, len(bounds) - 1) if k is None else at_period[k : k + 2]
                s_k, e_k = active[:, i], active[:, j]
                new_k = started_before[:, j] - started_before[:, i]
                lost_k = ended_before[:, j] - ended_before[:, i]
                extra = {"start": s_k, "end": e_k, "new": new_k, "lost": lost_k}
                blocks = []
                for kpi in kpis:
                    of = kpi.stat
                    assert isinstance(of, Retention)
                    kept = e_k - new_k if of.kind == "retention" else lost_k
                    with np.errstate(invalid="ignore", divide="ignore"):
                        value = np.where(s_k > 0, 100 * kept / s_k, np.nan)
                    blocks.append(
                        Block(
                            value, s_k, extra=extra, empty_reason="no customers at the period start"
                        )
                    )
                return blocks

            return at

        engine.at_period_ends(kpis, "customers", np.arange(frame.n), periods[1:], labels, matrices)

    def explain_refusal(self, name: str) -> str | None:
        return f"{name} is computed from customer counts; see `compute --by`"

    def comparable(self) -> Comparable:
        return Comparable("", "customer counts at the period's ends: no per-row values to test")

    def describe(self, rows: str) -> dict[str, str]:
        return {"value": "from the customers input: S at the start, E at the end, N new, lost"}


@dataclass(frozen=True)
class Derived(Statistic):
    """A formula over other KPIs of the same group, each computed with its own anchor
    (cost per resolution = (credits + agent time) / resolved)."""

    parts: tuple[str, ...]  # other KPIs (hidden ones too), same group
    n_from: str  # the part whose n is this KPI's n
    formula: Callable[[dict[str, float], float], float | None]  # (values, hourly cost)
    hourly_cost: bool = False  # needs costs.agent_hourly
    accumulates: bool = False  # a sum or difference of totals

    @property
    def components(self) -> tuple[str, ...]:
        return self.parts

    @property
    def sampled(self) -> bool:  # type: ignore[override]
        """A sum or difference of totals is a total (judged whatever its n, as a Sum);
        a ratio of them is a rate of its rows."""
        return not self.accumulates

    def can_merge(self, defs: dict[str, Kpi]) -> bool:
        return all(defs[p].stat.can_merge(defs) for p in self.parts)

    def reads(self, sla_keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        return {}  # its parts' (kpis.reads follows them)

    def fact(self, source: str, anchor: str | None) -> FactKey | None:
        return None

    def derive(self, engine: Engine, kpi: Kpi) -> None:
        """Its value in every group its parts have, once the parts are computed."""
        from supportkpi.model import Result

        rate = float(engine.config.costs.get("agent_hourly", 0.0))
        for key, have in engine.rows.items():
            bi = key[0]
            parts = {p: have.get(p) or engine.zero(bi, p) for p in self.parts}
            if any(r is None or r.value is None for r in parts.values()):
                missing = [p for p, r in parts.items() if r is None or r.value is None]
                why = engine.skipped.get((bi, missing[0]), f"no {missing[0]} in this group")
                engine.skipped.setdefault((bi, kpi.name), why)
                continue
            values = {
                p: float(r.value) for p, r in parts.items() if r is not None and r.value is not None
            }
            value = self.formula(values, rate)
            n_part = parts[self.n_from]
            assert n_part is not None
            reason = None
            if value is None:  # e.g. nothing resolved: say which part leaves it undefined
                absent = [p for p in self.parts if p not in have]
                reason = f"no {absent[0]} in this group" if absent else "no rows"
            have[kpi.name] = Result(kpi.name, {}, value, n_part.n, reason)

    def explain_refusal(self, name: str) -> str | None:
        return f"{name} combines other KPIs ({', '.join(self.parts)}); explain those"

    def comparable(self) -> Comparable:
        return Comparable("", f"a formula over other KPIs ({', '.join(self.parts)}): compare those")

    def describe(self, rows: str) -> dict[str, str]:
        return {"value": "combines " + ", ".join(self.parts) + ", each with its own anchor"}

    def missing_values(self) -> str:
        return (
            "a count or amount of which a group has no rows is 0 there (a group without"
            " credit rows has credits 0); without an input a part needs, not computable (the"
            " reason says which)"
        )


@dataclass(frozen=True)
class Split(Statistic):
    """One figure per value of a key that no input has as a column (time in status:
    `{status: pending}`), each that value's hidden KPI (time_in_pending): computed as any
    KPI, then reported under this one's name with the key in the group."""

    key: str
    parts: tuple[tuple[str, str], ...]  # (value of the key, hidden KPI)

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(kpi for _, kpi in self.parts)

    @property
    def split(self) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        return self.key, self.parts

    def can_merge(self, defs: dict[str, Kpi]) -> bool:
        return all(defs[p].stat.can_merge(defs) for p in self.components)

    def reads(self, sla_keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        return {}  # its parts' (kpis.reads follows them)

    def fact(self, source: str, anchor: str | None) -> FactKey | None:
        return None

    def derive(self, engine: Engine, kpi: Kpi) -> None:
        """Nothing beyond its parts: the engine reports them under this KPI's name."""

    def explain_refusal(self, name: str) -> str | None:
        values = ", ".join(v for v, _ in self.parts)
        return (
            f"{name} is one figure per {self.key}: say which with --where"
            f" {self.key}={self.parts[0][0]} (one of {values})"
        )

    def describe(self, rows: str) -> dict[str, str]:
        values = ", ".join(v for v, _ in self.parts)
        return {"value": f"one figure per {self.key} ({values}), each over the same {rows}"}
