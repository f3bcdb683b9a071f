"""Per-row measures: the vectorised columns every KPI's statistic is computed from.

A measure is a float64 array over the rows of one input: a value (seconds, a score) or
a 0/1 indicator, NaN where the row does not take part (no response yet, a bad value, a
survey of another type). `kpis.py` says which statistic is taken of which measure; this
module says what each measure is. Each is computed once per run and shared (the first
response time feeds the mean, the median, the p90 and the SLA).

The as-of time is the instant tickets are judged at: a ticket event stamped later (a
creation, a response, a resolution) has not happened yet, so a resolution after the
as-of time counts as unresolved. Other inputs (surveys, credits) are not cut at the
as-of time: a survey answered after the tickets export was taken still counts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import sla
from .clock import BusinessClock, CalendarClock, clock_for
from .config import Config
from .frame import Frame
from .timeparse import NAT


class Measures:
    def __init__(self, frame: Frame, as_of: int, config: Config) -> None:
        self.frame = frame
        self.as_of = as_of
        self.config = config
        self._cache: dict[str, np.ndarray] = {}
        self._clock: CalendarClock | BusinessClock | None = None
        self._sla: dict[str, sla.TargetView] = {}

    @property
    def clock(self) -> CalendarClock | BusinessClock:
        if self._clock is None:
            self._clock = clock_for(self.config)
        return self._clock

    def get(self, name: str) -> np.ndarray:
        if name not in self._cache:
            fn: Callable[[], np.ndarray] = getattr(self, "m_" + name)
            self._cache[name] = fn()
        return self._cache[name]

    def has(self, name: str) -> bool:
        return hasattr(self, "m_" + name)

    # ----------------------------------------------------------------- helpers
    def event(self, col: str) -> np.ndarray:
        """Timestamps of an event that had happened by the as-of time and is usable;
        NAT otherwise."""
        key = "event:" + col
        if key not in self._cache:
            ts = self.frame.cols.get(col)
            if ts is None:
                out = np.full(self.frame.n, NAT, dtype=np.int64)
            else:
                out = ts.copy()
                if self.frame.name == "tickets":
                    out[out > self.as_of] = NAT
                bad = self.frame.bad.get(col)
                if bad is not None:
                    out[bad] = NAT
            self._cache[key] = out
        return self._cache[key]

    def known(self, col: str) -> np.ndarray:
        """Rows where a column's value can be trusted (present or legitimately empty)."""
        bad = self.frame.bad.get(col)
        return np.ones(self.frame.n, dtype=bool) if bad is None else ~bad

    def _elapsed(self, col: str) -> np.ndarray:
        """Seconds from creation to an event, on the configured clock."""
        return self.clock.elapsed(self.frame.cols["created_at"], self.event(col))

    def _indicator(self, truth: np.ndarray, valid: np.ndarray) -> np.ndarray:
        out = truth.astype(np.float64)
        out[~valid] = np.nan
        return out

    def _bool(self, col: str) -> np.ndarray:
        v = self.frame.cols[col]  # int8 1/0/-1
        return self._indicator(v == 1, (v >= 0) & self.known(col))

    # ----------------------------------------------------------------- tickets
    def m_frt(self) -> np.ndarray:
        return self._elapsed("first_response_at")

    def m_res(self) -> np.ndarray:
        return self._elapsed("resolved_at")

    def m_resolved(self) -> np.ndarray:
        return self._indicator(self.event("resolved_at") != NAT, self.known("resolved_at"))

    def m_resolved_by_as_of(self) -> np.ndarray:
        return self.m_resolved()

    def m_single_contact(self) -> np.ndarray:
        c = self.frame.cols["contacts"]
        return self._indicator(c == 1, ~np.isnan(c))

    def m_escalated(self) -> np.ndarray:
        return self._bool("escalated")

    def m_reopened(self) -> np.ndarray:
        r = self.frame.cols["reopens"]
        return self._indicator(r > 0, ~np.isnan(r))

    def m_handle(self) -> np.ndarray:
        cols = self.frame.cols
        if "talk_seconds" in cols:
            total = cols["talk_seconds"].copy()
            for part in ("hold_seconds", "after_call_work_seconds"):
                if part in cols:
                    p = cols[part]
                    total += np.where(np.isnan(p), 0.0, p)
                    bad = self.frame.bad.get(part)
                    if bad is not None:
                        total[bad] = np.nan
            if "handle_seconds" in cols:  # rows with only a total still count
                total = np.where(np.isnan(total), cols["handle_seconds"], total)
            return total
        return cols["handle_seconds"].copy()

    def sla_view(self, target: str) -> sla.TargetView:
        if target not in self._sla:
            event_col = sla.EVENT[target]
            self._sla[target] = sla.evaluate(
                self.frame,
                self.event(event_col),
                self.frame.bad.get(event_col),
                sla.targets_for(self.frame, self.config, target),
                self.clock,
                self.as_of,
                self.config,
            )
        return self._sla[target]

    def m_sla_first_response(self) -> np.ndarray:
        return self.sla_view("first_response").state

    def m_sla_resolution(self) -> np.ndarray:
        return self.sla_view("resolution").state

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

    def m_csat_score(self) -> np.ndarray:
        return self._score("csat")

    def m_csat_satisfied(self) -> np.ndarray:
        s = self._score("csat")
        return self._indicator(self._in_band(s, self.config.scales["csat"].good), ~np.isnan(s))

    def m_nps_value(self) -> np.ndarray:
        s = self._score("nps")
        scale = self.config.scales["nps"]
        out = self._in_band(s, scale.good).astype(np.float64) - self._in_band(s, scale.bad)
        out[np.isnan(s)] = np.nan
        return out

    def m_ces_score(self) -> np.ndarray:
        return self._score("ces")

    def m_ces_easy(self) -> np.ndarray:
        s = self._score("ces")
        return self._indicator(self._in_band(s, self.config.scales["ces"].good), ~np.isnan(s))
