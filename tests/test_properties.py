"""Every KPI against a plain-Python reference over random exports (hypothesis).

The reference below is deliberately naive — loops and `statistics` — and shares no code
with the engine. Properties checked on the side: row order never matters, per-group
counts add up to the overall, rates stay within 0–100 and NPS within −100..100.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportkpi.config.settings import Config
from supportkpi.reports.compute import Options, compute

T0 = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)  # a Monday
CHANNELS = ["chat", "email", "phone"]

ticket = st.fixed_dictionaries(
    {
        "created": st.integers(0, 28 * 24 * 60),  # minutes after T0, 4 weeks
        "frt": st.one_of(st.none(), st.integers(0, 3 * 24 * 60)),
        "res": st.one_of(st.none(), st.integers(0, 10 * 24 * 60)),
        "channel": st.sampled_from(CHANNELS),
        "contacts": st.one_of(st.none(), st.integers(0, 4)),
        "reopens": st.one_of(st.none(), st.integers(0, 2)),
        "escalated": st.sampled_from(["yes", "no", ""]),
        "talk": st.one_of(st.none(), st.integers(0, 3600)),
        "hold": st.one_of(st.none(), st.integers(0, 600)),
        "customer": st.sampled_from(["A", "B", "C", "D", ""]),
    }
)
survey = st.fixed_dictionaries(
    {
        "ticket": st.integers(0, 40),
        "type": st.sampled_from(["csat", "nps", "ces"]),
        "raw": st.integers(0, 10),
        "submitted": st.integers(0, 30 * 24 * 60),
    }
)


def iso(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def q7(values: list[float], q: float) -> float:
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def clamp_score(kind: str, raw: int) -> int:
    return {"csat": 1 + raw % 5, "nps": raw, "ces": 1 + raw % 7}[kind]


def reference(tickets: list[dict], surveys: list[dict]) -> dict[tuple, dict[str, float | None]]:
    """KPI values per channel and overall ('*'), by loops."""
    as_of = max(
        [t["created"] for t in tickets]
        + [t["created"] + t["frt"] for t in tickets if t["frt"] is not None]
        + [t["created"] + t["res"] for t in tickets if t["res"] is not None]
    )
    out: dict[tuple, dict[str, float | None]] = {}
    for ch in [*CHANNELS, "*"]:
        ts = [t for t in tickets if ch in ("*", t["channel"])]
        resolved = [t for t in ts if t["res"] is not None]
        frts = [t["frt"] * 60.0 for t in ts if t["frt"] is not None]
        with_contacts = [t for t in resolved if t["contacts"] is not None]
        with_reopens = [t for t in resolved if t["reopens"] is not None]
        esc = [t for t in ts if t["escalated"]]
        talk = [t for t in ts if t["talk"] is not None]
        cust = [t for t in ts if t["customer"]]
        backlog = sum(1 for t in ts if t["res"] is None or t["created"] + t["res"] > as_of)
        row: dict[str, float | None] = {
            "tickets": len(ts),
            "tickets_resolved": len(resolved),
            "backlog": backlog,
            "first_response_time": sum(frts) / len(frts) if frts else None,
            "first_response_time_median": q7(frts, 0.5) if frts else None,
            "first_response_time_p90": q7(frts, 0.9) if frts else None,
            "resolution_time": (
                sum(t["res"] * 60.0 for t in resolved) / len(resolved) if resolved else None
            ),
            "resolution_time_median": q7([t["res"] * 60.0 for t in resolved], 0.5)
            if resolved
            else None,
            "resolution_rate": 100.0 * len(resolved) / len(ts) if ts else None,
            "fcr_rate": (
                100.0 * sum(t["contacts"] == 1 for t in with_contacts) / len(with_contacts)
                if with_contacts
                else None
            ),
            "reopen_rate": (
                100.0 * sum(t["reopens"] > 0 for t in with_reopens) / len(with_reopens)
                if with_reopens
                else None
            ),
            "escalation_rate": (
                100.0 * sum(t["escalated"] == "yes" for t in esc) / len(esc) if esc else None
            ),
            "handle_time": (
                sum(t["talk"] + (t["hold"] or 0) for t in talk) / len(talk) if talk else None
            ),
            "tickets_per_customer": (
                len(cust) / len({t["customer"] for t in cust}) if cust else None
            ),
        }
        ids = {i for i, t in enumerate(tickets) if ch in ("*", t["channel"])}
        ss = [s for s in surveys if (s["ticket"] in ids) or (ch == "*")]
        for kind, kpis in (
            ("csat", ("csat", "csat_score")),
            ("nps", ("nps",)),
            ("ces", ("ces", "ces_easy_rate")),
        ):
            scores = [clamp_score(kind, s["raw"]) for s in ss if s["type"] == kind]
            if kind == "csat":
                row["csat"] = 100.0 * sum(x >= 4 for x in scores) / len(scores) if scores else None
                row["csat_score"] = sum(scores) / len(scores) if scores else None
            elif kind == "nps":
                row["nps"] = (
                    100.0
                    * (sum(x >= 9 for x in scores) - sum(x <= 6 for x in scores))
                    / len(scores)
                    if scores
                    else None
                )
            else:
                row["ces"] = sum(scores) / len(scores) if scores else None
                row["ces_easy_rate"] = (
                    100.0 * sum(x >= 5 for x in scores) / len(scores) if scores else None
                )
            del kpis
        out[(ch,)] = row
    return out


def write(folder: Path, tickets: list[dict], surveys: list[dict], order: list[int]) -> None:
    with open(folder / "t.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "ticket_id",
                "created_at",
                "first_response_at",
                "resolved_at",
                "channel",
                "contacts",
                "reopens",
                "escalated",
                "talk_seconds",
                "hold_seconds",
                "customer_id",
            ]
        )
        for i in order:
            t = tickets[i]
            w.writerow(
                [
                    i,
                    iso(t["created"]),
                    iso(t["created"] + t["frt"]) if t["frt"] is not None else "",
                    iso(t["created"] + t["res"]) if t["res"] is not None else "",
                    t["channel"],
                    "" if t["contacts"] is None else t["contacts"],
                    "" if t["reopens"] is None else t["reopens"],
                    t["escalated"],
                    "" if t["talk"] is None else t["talk"],
                    "" if t["hold"] is None else t["hold"],
                    t["customer"],
                ]
            )
    with open(folder / "s.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["survey_id", "ticket_id", "type", "score", "submitted_at"])
        for j, s in enumerate(surveys):
            w.writerow(
                [j, s["ticket"], s["type"], clamp_score(s["type"], s["raw"]), iso(s["submitted"])]
            )


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ticket, min_size=1, max_size=40), st.lists(survey, max_size=30), st.randoms())
def test_engine_matches_plain_python(
    tickets: list[dict], surveys: list[dict], rnd: random.Random
) -> None:
    surveys = [s for s in surveys if s["ticket"] < len(tickets)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        order = list(range(len(tickets)))
        write(folder, tickets, surveys, order)
        opts = Options(
            tickets=[str(folder / "t.csv")], surveys=[str(folder / "s.csv")], by=[["channel"]]
        )
        report = compute(opts, Config())
        rnd.shuffle(order)
        write(folder, tickets, surveys, order)
        shuffled = compute(opts, Config())
    got: dict[tuple, dict[str, float | None]] = {}
    for r in report.results:
        key = (r.group.get("channel", "*"),)
        got.setdefault(key, {})[r.kpi] = r.value
        if r.value is not None and (r.kpi.endswith("_rate") or r.kpi == "csat"):
            assert -1e-9 <= r.value <= 100 + 1e-9
        if r.kpi == "nps" and r.value is not None:
            assert -100 - 1e-9 <= r.value <= 100 + 1e-9
    ref = reference(tickets, surveys)
    for key, row in ref.items():
        if key not in got:  # a channel nobody used: no group, and no tickets in the reference
            assert row["tickets"] == 0
            continue
        for kpi, expected in row.items():
            assert close(got[key].get(kpi), expected), (key, kpi, got[key].get(kpi), expected)
    # row order never changes a result
    assert [(r.kpi, r.group, r.value, r.n) for r in shuffled.results] == [
        (r.kpi, r.group, r.value, r.n) for r in report.results
    ]
    # per-group counts add up to the overall
    for kpi in ("tickets", "tickets_resolved", "backlog", "first_response_time", "csat", "nps"):
        overall = next(r for r in report.results if r.kpi == kpi and not r.group)
        parts = [r for r in report.results if r.kpi == kpi and "channel" in r.group]
        assert sum(r.n for r in parts) == overall.n
