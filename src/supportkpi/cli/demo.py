"""Seeded generator of realistic example exports (`supportkpi demo`).

Five files — tickets, surveys, credits, customers, agents — with canonical columns
under export-style headers ("Ticket ID", "Created At"…), weekday and hour seasonality,
agents of uneven speed and quality, and (unless `messy=False`) a few planted problems
of the kinds real exports have. Same arguments, same bytes. Vectorised throughout, so a
million tickets take seconds.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from supportkpi.errors import UsageError
from supportkpi.io import progress
from supportkpi.io.outputs import write_atomic

CHANNELS = np.array(["phone", "email", "chat", "self_service", "social"])
CHANNEL_P = np.array([0.26, 0.30, 0.28, 0.11, 0.05])
PRIORITIES = np.array(["P1", "P2", "P3", "P4"])
PRIORITY_P = np.array([0.05, 0.20, 0.50, 0.25])
CATEGORIES = np.array(
    [
        "billing",
        "refund",
        "login",
        "shipping",
        "bug",
        "how_to",
        "cancellation",
        "account",
        "integration",
        "other",
    ]
)
CATEGORY_P = np.array([0.16, 0.08, 0.12, 0.12, 0.10, 0.16, 0.06, 0.08, 0.06, 0.06])
TEAMS = np.array(["Tier 1", "Tier 2", "Billing"])
FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "Mara",
    "Nico",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
]
SEGMENTS = np.array(["high_value", "growth_potential", "at_risk"])
INDUSTRIES = np.array(["SaaS B2B", "E-commerce", "Enterprise", "Startups"])


def _iso(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(
        seconds.astype("datetime64[s]"),
        type=pa.timestamp("s", tz="UTC"),
        mask=None if valid is None else ~valid,
    )
    return pc.strftime(arr, format="%Y-%m-%dT%H:%M:%SZ")


def _pick(rng: np.random.Generator, values: np.ndarray, p: np.ndarray, n: int) -> np.ndarray:
    return values[rng.choice(len(values), n, p=p / p.sum())]


def generate(n: int, weeks: int, seed: int, end: str, messy: bool = True) -> dict[str, pa.Table]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, n, weeks]))
    end_day = dt.date.fromisoformat(end) + dt.timedelta(days=1)
    start_day = end_day - dt.timedelta(days=7 * weeks)
    start_s = int(
        dt.datetime(start_day.year, start_day.month, start_day.day, tzinfo=dt.UTC).timestamp()
    )
    days = 7 * weeks

    # agents: 18 people in 3 teams, uneven speed/quality
    n_agents = len(FIRST)
    agent_names = np.array([f"{FIRST[i]} {chr(65 + (i * 7) % 26)}." for i in range(n_agents)])
    agent_team = np.array([TEAMS[i % 3] for i in range(n_agents)])
    agent_speed = rng.lognormal(0.0, 0.35, n_agents)  # > 1 slower
    agent_quality = rng.normal(0.0, 0.45, n_agents)
    agent_load = rng.lognormal(0.0, 0.3, n_agents)

    # created_at with weekday/hour seasonality
    dow_w = np.array([1.25, 1.15, 1.1, 1.05, 0.95, 0.35, 0.3])
    first_dow = start_day.weekday()
    day_w = dow_w[(np.arange(days) + first_dow) % 7] * (1 + 0.1 * np.sin(np.arange(days) / 9))
    day = rng.choice(days, n, p=day_w / day_w.sum())
    hour_w = np.array(
        [
            0.2,
            0.15,
            0.1,
            0.1,
            0.15,
            0.3,
            0.6,
            1.1,
            1.8,
            2.1,
            2.1,
            2.0,
            1.7,
            1.9,
            2.0,
            1.9,
            1.6,
            1.2,
            0.9,
            0.7,
            0.55,
            0.45,
            0.35,
            0.25,
        ]
    )
    hour = rng.choice(24, n, p=hour_w / hour_w.sum())
    created = start_s + day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    created.sort()

    channel = _pick(rng, CHANNELS, CHANNEL_P, n)
    priority = _pick(rng, PRIORITIES, PRIORITY_P, n)
    category = _pick(rng, CATEGORIES, CATEGORY_P, n)
    agent_idx = rng.choice(n_agents, n, p=agent_load / agent_load.sum())
    pri_i = np.searchsorted(PRIORITIES, priority)
    ch_i = np.select([channel == c for c in CHANNELS], list(range(len(CHANNELS))))
    n_customers = max(20, n // 4)
    cust_w = rng.lognormal(0.0, 1.0, n_customers)  # a few customers write a lot
    customer = rng.choice(n_customers, n, p=cust_w / cust_w.sum()) + 1

    # first response (seconds): fast on chat/phone, slow on email/social
    frt_med = (
        np.array([3 * 60, 15 * 60, 50 * 60, 2 * 3600])[pri_i]
        * np.array([0.05, 1.3, 0.02, 1.0, 1.8])[ch_i]
        * agent_speed[agent_idx]
    )
    frt = np.maximum(5, rng.lognormal(np.log(frt_med), 0.9)).astype(np.int64)
    self_service = channel == "self_service"
    bot_handled = self_service | ((channel == "chat") & (rng.random(n) < 0.35))
    handed_off = bot_handled & ~self_service & (rng.random(n) < 0.45) | (
        self_service & (rng.random(n) < 0.4)
    )
    escalated = rng.random(n) < np.array([0.25, 0.14, 0.07, 0.04])[pri_i]
    extra_contacts = np.where(rng.random(n) < 0.22, rng.geometric(0.55, n), 0)
    contacts = 1 + extra_contacts + escalated
    resolved_by = np.where(
        bot_handled & ~handed_off, np.where(self_service, "self_service", "bot"), "agent"
    )
    contacts = np.where(resolved_by != "agent", 0, contacts)
    reopens = np.where(rng.random(n) < 0.06, rng.integers(1, 3, n), 0)
    res_med = (
        np.array([1.2, 3, 8, 20])[pri_i]
        * 3600
        * (1 + 0.5 * escalated)
        * (1 + 0.4 * extra_contacts)
        * agent_speed[agent_idx]
    )
    res = np.maximum(120, rng.lognormal(np.log(res_med), 0.8)).astype(np.int64)
    as_of = start_s + days * 86400 - 3600
    # bot and self-service tickets get the bot's answer as their first response
    frt = np.where(resolved_by == "agent", frt, rng.integers(2, 30, n))
    has_fr = (created + frt <= as_of) & (rng.random(n) > 0.01)
    resolved = created + np.where(has_fr, frt, 0) + res
    has_res = resolved <= as_of
    status = np.where(
        has_res,
        np.where(created < as_of - 4 * 86400, "closed", "solved"),
        np.where(
            has_fr,
            _pick(rng, np.array(["open", "pending", "on_hold"]), np.array([0.6, 0.3, 0.1]), n),
            "new",
        ),
    )

    voice = (channel == "phone") | (channel == "chat")
    talk = np.where(
        channel == "phone", rng.lognormal(np.log(330), 0.45, n), rng.lognormal(np.log(540), 0.5, n)
    )
    talk = np.round(talk * agent_speed[agent_idx] ** 0.5)
    hold = np.where(rng.random(n) < 0.5, 0, np.round(rng.lognormal(np.log(60), 0.7, n)))
    acw = np.round(rng.lognormal(np.log(50), 0.5, n))
    reviewed = rng.random(n) < 0.25
    qa = np.clip(np.round(rng.normal(88 + 5 * agent_quality[agent_idx], 6)), 40, 100)
    adherence = rng.random(n) < 0.82 + 0.1 * np.tanh(agent_quality[agent_idx])
    money_talk = np.isin(category, ["billing", "cancellation", "refund"])
    cancel_intent = money_talk & (rng.random(n) < 0.35)
    retained = cancel_intent & (rng.random(n) < 0.78 + 0.08 * np.tanh(agent_quality[agent_idx]))
    upsell_offered = money_talk & ~cancel_intent & (rng.random(n) < 0.4)
    upsell_won = upsell_offered & (rng.random(n) < 0.27)
    mrr_cust = np.round(rng.lognormal(np.log(400), 0.9, n_customers + 1), 2)
    revenue_retained = np.where(retained, mrr_cust[customer] * 3, np.nan)  # a quarter kept
    upsell_amount = np.where(
        upsell_won, np.round(mrr_cust[customer] * rng.uniform(1, 4, n), 2), np.nan
    )
    agent_replies = np.where(resolved_by == "agent", contacts + rng.integers(0, 2, n), 0)
    customer_replies = np.maximum(0, contacts - 1 + rng.integers(0, 2, n))

    ids = np.arange(1001, 1001 + n)
    priority_text = priority.astype(object)
    escalated_text = np.where(escalated, "yes", "no").astype(object)
    channel_text = channel.astype(object)
    created_text = _iso(created).to_numpy(zero_copy_only=False).astype(object)
    if messy:  # the kinds of values real exports carry
        alias = np.array(["Urgent", "high", "Normal", "low"])
        swap = rng.random(n) < 0.15
        priority_text[swap] = alias[pri_i[swap]]
        cap = rng.random(n) < 0.1
        channel_text[cap] = np.char.capitalize(channel[cap].astype(str))
        escalated_text[rng.random(n) < 0.1] = "TRUE"
        escalated_text = np.where((escalated_text == "TRUE") & ~escalated, "FALSE", escalated_text)
        bad_rows = rng.choice(n, min(3, n), replace=False)
        created_text[bad_rows] = "not a date"
        early = rng.choice(np.flatnonzero(has_fr), min(3, int(has_fr.sum())), replace=False)
        frt[early] = -rng.integers(60, 600, len(early))
        if n > 10:
            ids[-2:] = ids[[n // 2, n // 3]]  # the same tickets exported twice
        neg = rng.choice(np.flatnonzero(voice), min(1, int(voice.sum())), replace=False)
        talk[neg] = -talk[neg]

    tickets = pa.table(
        {
            "Ticket ID": pa.array(ids),
            "Created At": pa.array(created_text, pa.string()),
            "First Response At": _iso((created + frt), has_fr),
            "Resolved At": _iso(resolved, has_res),
            "Status": pa.array(status),
            "Priority": pa.array(priority_text, pa.string()),
            "Channel": pa.array(channel_text, pa.string()),
            "Agent": pa.array(agent_names[agent_idx], mask=resolved_by != "agent"),
            "Team": pa.array(agent_team[agent_idx]),
            "Category": pa.array(category),
            "Customer ID": pa.array(np.char.add("C", np.char.zfill(customer.astype(str), 5))),
            "Escalated": pa.array(escalated_text, pa.string()),
            "Reopens": pa.array(reopens),
            "Contacts": pa.array(contacts),
            "Talk Seconds": pa.array(talk, mask=~voice | ~has_fr),
            "Hold Seconds": pa.array(hold, mask=~voice | ~has_fr),
            "After Call Work Seconds": pa.array(acw, mask=~voice | ~has_fr),
            "QA Score": pa.array(qa, mask=~reviewed),
            "Script Adherence": pa.array(np.where(adherence, "yes", "no"), mask=~reviewed),
            "Cancel Intent": pa.array(np.where(cancel_intent, "yes", "no")),
            "Retained": pa.array(np.where(retained, "yes", "no"), mask=~cancel_intent),
            "Upsell Offered": pa.array(np.where(upsell_offered, "yes", "no")),
            "Upsell Won": pa.array(np.where(upsell_won, "yes", "no"), mask=~upsell_offered),
            "Revenue Retained": pa.array(revenue_retained, mask=np.isnan(revenue_retained)),
            "Upsell Amount": pa.array(upsell_amount, mask=np.isnan(upsell_amount)),
            "Resolved By": pa.array(resolved_by, mask=~has_res),
            "Bot Handled": pa.array(np.where(bot_handled, "yes", "no")),
            "Handed Off": pa.array(np.where(handed_off, "yes", "no"), mask=~bot_handled),
            "Agent Replies": pa.array(agent_replies),
            "Customer Replies": pa.array(customer_replies),
        }
    )

    # surveys: after resolution; quality depends on speed, contacts, agent
    q = (
        1.2
        - 0.25 * np.log1p(res / 3600)
        - 0.4 * (contacts > 1)
        - 0.5 * (reopens > 0)
        + agent_quality[agent_idx]
        + 0.3 * (channel == "chat")
        + rng.normal(0, 0.9, n)
    )
    kinds, tix, scores, subs = [], [], [], []
    for survey_kind, share in (("csat", 0.32), ("nps", 0.12), ("ces", 0.08)):
        pick = has_res & (rng.random(n) < share)
        idx = np.flatnonzero(pick)
        qi = q[idx]
        if survey_kind == "csat":
            score = 1 + np.searchsorted([-1.6, -0.9, -0.2, 0.5], qi)
        elif survey_kind == "nps":
            score = np.clip(np.rint(7.6 + 1.6 * qi), 0, 10)
        else:
            score = np.clip(np.rint(5.3 + 1.1 * qi), 1, 7)
        sub = resolved[idx] + rng.integers(600, 3 * 86400, len(idx))
        keep = sub <= as_of
        kinds.append(np.full(int(keep.sum()), survey_kind))
        tix.append(ids[idx][keep])
        scores.append(score[keep].astype(np.int64))
        subs.append(sub[keep])
    s_kind, s_tid = np.concatenate(kinds), np.concatenate(tix)
    s_score, s_sub = np.concatenate(scores), np.concatenate(subs)
    order = np.argsort(s_sub, kind="stable")
    s_kind, s_tid, s_score, s_sub = s_kind[order], s_tid[order], s_score[order], s_sub[order]
    if messy and len(s_score) > 5:
        csat_rows = np.flatnonzero(s_kind == "csat")
        s_score[csat_rows[:1]] = 6  # out of scale
        s_tid[-2:] = [999_999_001, 999_999_002]  # tickets not in the export
    surveys = pa.table(
        {
            "Survey ID": pa.array(np.arange(1, len(s_tid) + 1)),
            "Ticket ID": pa.array(s_tid),
            "Type": pa.array(s_kind),
            "Score": pa.array(s_score),
            "Submitted At": _iso(s_sub),
        }
    )

    # credits: mostly on money conversations
    gets_credit = (money_talk & (rng.random(n) < 0.35)) | (rng.random(n) < 0.03)
    cidx = np.flatnonzero(gets_credit & has_fr)
    kind = _pick(
        rng,
        np.array(["credit", "refund", "discount", "goodwill"]),
        np.array([0.45, 0.25, 0.15, 0.15]),
        len(cidx),
    )
    amount = np.round(rng.lognormal(np.log(60), 1.0, len(cidx)), 2)
    approver = np.where(amount <= 200, "agent", np.where(amount <= 1000, "lead", "manager"))
    approver = np.where(rng.random(len(cidx)) < 0.04, "agent", approver)  # a few over limit
    recovered = np.where(
        (kind == "credit") & (rng.random(len(cidx)) < 0.2),
        np.round(amount * rng.uniform(0.3, 1.0, len(cidx)), 2),
        np.nan,
    )
    c_created = created[cidx] + frt[cidx].clip(0) + rng.integers(60, 4 * 3600, len(cidx))
    credits = pa.table(
        {
            "Credit ID": pa.array(np.arange(1, len(cidx) + 1)),
            "Ticket ID": pa.array(ids[cidx]),
            "Customer ID": pa.array(np.char.add("C", np.char.zfill(customer[cidx].astype(str), 5))),
            "Agent": pa.array(agent_names[agent_idx[cidx]]),
            "Kind": pa.array(kind),
            "Amount": pa.array(amount),
            "Currency": pa.array(np.full(len(cidx), "USD")),
            "Approved By": pa.array(approver),
            "Created At": _iso(c_created),
            "Recovered Amount": pa.array(recovered, mask=np.isnan(recovered)),
        }
    )

    # customers: a base before the window, new ones during it, some churn
    cust_ids = np.arange(1, n_customers + 1)
    started = np.where(
        rng.random(n_customers) < 0.8,
        start_s - rng.integers(30, 900, n_customers) * 86400,
        start_s + rng.integers(0, days, n_customers) * 86400,
    )
    churn = rng.random(n_customers) < 0.05  # about 2 % a month leave during the window
    ended = (
        start_s + rng.integers(0, days, n_customers) * 86400 + rng.integers(0, 86400, n_customers)
    )
    ended_valid = churn & (ended > started) & (ended <= as_of)
    customers = pa.table(
        {
            "Customer ID": pa.array(np.char.add("C", np.char.zfill(cust_ids.astype(str), 5))),
            "Started At": _iso(started),
            "Ended At": _iso(ended, ended_valid),
            "MRR": pa.array(mrr_cust[1:]),
            "Segment": pa.array(_pick(rng, SEGMENTS, np.array([0.25, 0.65, 0.1]), n_customers)),
            "Industry": pa.array(
                _pick(rng, INDUSTRIES, np.array([0.4, 0.3, 0.1, 0.2]), n_customers)
            ),
        }
    )

    # agents: one row per agent and working day
    # time logged on the queue follows the handle time of the day's tickets, so
    # utilisation lands in a believable 60-95 % band at any volume
    workdays = np.flatnonzero((np.arange(days) + first_dow) % 7 < 5)
    a_idx = np.repeat(np.arange(n_agents), len(workdays))
    a_day = np.tile(workdays, n_agents)
    handled = voice & has_fr & (resolved_by == "agent")
    ticket_day = (created - start_s) // 86400
    handle_s = np.where(handled, talk.clip(0) + hold + acw, 0.0)
    per_agent_day = np.bincount(
        agent_idx * days + ticket_day, weights=handle_s, minlength=n_agents * days
    )
    worked = per_agent_day[a_idx * days + a_day]
    logged = np.round(np.maximum(worked / rng.uniform(0.6, 0.95, len(a_idx)), 1800.0))
    scheduled = np.round(logged / rng.uniform(0.88, 1.0, len(a_idx)) / 900) * 900
    adherent = np.round(np.minimum(logged, scheduled) * rng.uniform(0.85, 0.99, len(a_idx)))
    roles = np.where(np.arange(n_agents) % 6 == 0, "lead", "agent")
    agents = pa.table(
        {
            "Agent": pa.array(agent_names[a_idx]),
            "Team": pa.array(agent_team[a_idx]),
            "Role": pa.array(roles[a_idx]),
            "Date": pa.array(
                (np.datetime64(start_day.isoformat()) + a_day).astype("datetime64[D]")
            ),
            "Logged Seconds": pa.array(logged),
            "Scheduled Seconds": pa.array(scheduled),
            "Adherent Seconds": pa.array(adherent),
        }
    )
    # the times the history and the conversations follow (-1: not yet)
    responded, solved = np.where(has_fr, created + frt, -1), np.where(has_res, resolved, -1)
    history = _status_history(
        np.random.default_rng(np.random.SeedSequence([seed, n, weeks, 4])),
        ids,
        created,
        responded,
        solved,
        status,
        reopens,
        as_of,
        assigned=(
            np.random.default_rng(np.random.SeedSequence([seed, n, weeks, 5])),
            np.where(resolved_by == "agent", agent_names[agent_idx], ""),
            agent_names,
        ),
        grouped=(
            np.random.default_rng(np.random.SeedSequence([seed, n, weeks, 7])),
            np.where(resolved_by == "agent", agent_team[agent_idx], ""),
            np.array(TEAMS),
        ),
    )
    comments = _conversations(
        np.random.default_rng(np.random.SeedSequence([seed, n, weeks, 6])),
        ids,
        created,
        responded,
        solved,
        agent_replies,
        customer_replies,
        as_of,
    )
    return {
        "tickets": tickets,
        "surveys": surveys,
        "credits": credits,
        "customers": customers,
        "agents": agents,
        "events": history,
        "comments": comments,
    }


def _status_history(
    rng: np.random.Generator,
    ids: np.ndarray,
    created: np.ndarray,
    responded: np.ndarray,  # -1: no response yet
    resolved: np.ndarray,  # -1: not resolved
    status: np.ndarray,
    reopens: np.ndarray,
    as_of: int,
    assigned: tuple[np.random.Generator, np.ndarray, np.ndarray] | None = None,
    grouped: tuple[np.random.Generator, np.ndarray, np.ndarray] | None = None,
) -> pa.Table:
    """Each ticket's status changes, consistent with its times and current status: new at
    creation, open at the first response, a wait on the customer (pending) or on a third
    party (on_hold) for some, solved at the resolution (solved, reopened, solved again
    when it was reopened), closed days later. Its own random stream: the other files do
    not change."""
    n = len(ids)
    fr = responded >= 0
    done = resolved >= 0
    end = np.where(done, resolved, as_of)
    span = np.maximum(end - np.where(fr, responded, created), 0)
    # a wait for some of the tickets answered: pending (on the customer) or on hold
    waits = fr & ((rng.random(n) < 0.35) | np.isin(status, ("pending", "on_hold")))
    kind = np.where(
        np.isin(status, ("pending", "on_hold")),
        status,
        np.where(rng.random(n) < 0.8, "pending", "on_hold"),
    )
    wait_from = responded + (span * rng.uniform(0.05, 0.35, n)).astype(np.int64)
    wait_to = wait_from + (span * rng.uniform(0.1, 0.4, n)).astype(np.int64)
    waiting_now = ~done & np.isin(status, ("pending", "on_hold"))
    # a reopened ticket: solved part-way, open again, solved at its resolution
    again = done & (reopens > 0) & fr
    first_solve = np.maximum(wait_to, responded) + (
        (resolved - np.maximum(wait_to, responded)) * 0.5
    ).astype(np.int64)
    reopen_at = first_solve + ((resolved - first_solve) * 0.3).astype(np.int64)
    closed_at = np.minimum(resolved + 3 * 86400, as_of)

    def every(state: str) -> np.ndarray:
        return np.full(n, state, dtype=object)

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
        (np.ones(n, bool), created, every("new")),
        (fr, responded, every("open")),
        (waits, wait_from, kind.astype(object)),
        (waits & ~waiting_now, wait_to, every("open")),
        (again, first_solve, every("solved")),
        (again, reopen_at, every("open")),
        (done, resolved, every("solved")),
        (done & (status == "closed"), closed_at, every("closed")),
    ]
    at = [np.flatnonzero(mask) for mask, _, _ in parts]
    row = np.concatenate(at)
    when = np.concatenate([w[i] for (_, w, _), i in zip(parts, at, strict=True)])
    state = np.concatenate([st[i] for (_, _, st), i in zip(parts, at, strict=True)])
    step = np.concatenate([np.full(len(i), k) for k, i in enumerate(at)])
    sort = np.lexsort((step, when, row))
    row, when, state = row[sort], when[sort], state[sort]
    table = {
        "Ticket ID": pa.array(ids[row]),
        "Changed At": _iso(when),
        "Status": pa.array(state.astype(str)),
    }
    if assigned is not None:
        table["Agent"] = _assignees(*assigned, row)
    if grouped is not None:  # the team it is with: some went to another team first
        table["Group"] = _assignees(*grouped, row)
    return pa.table(table)


def _assignees(
    rng: np.random.Generator, final: np.ndarray, pool: np.ndarray, row: np.ndarray
) -> pa.Array:
    """Who each change leaves the ticket with (`row`: the changes' tickets, sorted): no one
    at creation, its final agent (`final`, "" for none) from the first change on; a
    quarter of the tickets went to another agent first and were reassigned at their
    second change, a few once more. Its own random stream: the statuses do not change."""
    n = len(final)
    first = rng.choice(pool, n)
    again = rng.random(n) < 0.25
    twice = again & (rng.random(n) < 0.15)
    starts = np.r_[0, np.flatnonzero(row[1:] != row[:-1]) + 1] if len(row) else np.zeros(0, int)
    k = np.arange(len(row)) - np.repeat(starts, np.diff(np.r_[starts, len(row)]))
    who = np.where(again[row] & (k == 1), first[row], final[row])
    who = np.where(twice[row] & (k == 2), first[row], who)  # back to the first, then final
    who = np.where((k == 0) | (final[row] == ""), "", who)
    return pa.array(who.astype(str), mask=who == "")


def _conversations(
    rng: np.random.Generator,
    ids: np.ndarray,
    created: np.ndarray,
    responded: np.ndarray,  # -1: no response yet
    resolved: np.ndarray,  # -1: not resolved
    agent_replies: np.ndarray,
    customer_replies: np.ndarray,
    as_of: int,
) -> pa.Table:
    """Each ticket's messages, consistent with its times: the customer's request at
    creation, the agent's first reply at the first response, then rounds of a customer
    message and the agent's answer up to the resolution (or the as-of time, where the last
    may wait unanswered), internal notes on some, a system message at the solve. Authors
    are written as Zendesk exports them (end-user, agent, system). Its own random stream:
    the other files do not change."""
    n = len(ids)
    fr = responded >= 0
    done = resolved >= 0
    end = np.where(done, resolved, as_of)
    rounds = np.where(fr, np.clip(np.maximum(agent_replies - 1, customer_replies), 0, 6), 0)
    # round j of a ticket: a customer message in its slot of the time after the first
    # reply, and the agent's answer later in the slot (not yet given for some open ones)
    tick = np.repeat(np.arange(n), rounds)
    j = np.arange(len(tick)) - np.repeat(np.cumsum(rounds) - rounds, rounds)
    span = np.maximum(end - np.maximum(responded, created), 0)[tick]
    slot = span / (rounds[tick] + 1)
    asked = np.maximum(responded, created)[tick] + (slot * (j + 0.2 + 0.5 * rng.random(len(tick))))
    answered = asked + slot * 0.3 * rng.random(len(tick))
    last = j == rounds[tick] - 1
    waiting = last & ~done[tick] & (rng.random(len(tick)) < 0.5)
    noted = fr & (rng.random(n) < 0.2)
    note_at = created + ((end - created) * rng.uniform(0.1, 0.9, n))
    parts: list[tuple[np.ndarray, np.ndarray, str, str]] = [
        (np.arange(n), created, "end-user", "true"),
        (np.flatnonzero(fr), responded[fr], "agent", "true"),
        (tick, asked.astype(np.int64), "end-user", "true"),
        (tick[~waiting], answered[~waiting].astype(np.int64), "agent", "true"),
        (np.flatnonzero(noted), note_at[noted].astype(np.int64), "agent", "false"),
        (np.flatnonzero(done), resolved[done], "system", "true"),
    ]
    row = np.concatenate([p[0] for p in parts])
    when = np.minimum(np.concatenate([p[1] for p in parts]), as_of)
    author = np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in parts])
    public = np.concatenate([np.full(len(p[0]), p[3], dtype=object) for p in parts])
    step = np.concatenate([np.full(len(p[0]), k) for k, p in enumerate(parts)])
    sort = np.lexsort((step, when, row))
    return pa.table(
        {
            "Ticket ID": pa.array(ids[row[sort]]),
            "Created At": _iso(when[sort]),
            "Author": pa.array(author[sort].astype(str)),
            "Public": pa.array(public[sort].astype(str)),
        }
    )


def write_demo(
    out: str, n: int, weeks: int, seed: int, end: str, fmt: str = "csv", messy: bool = True
) -> list[tuple[str, int]]:
    try:
        dt.date.fromisoformat(end)
    except ValueError:
        raise UsageError(f"--end {end!r}: expected a date like 2026-11-22") from None
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} is a file", hint="name a folder for the example exports")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    written = []
    progress.stage(f"generating {n:,} example tickets")
    for name, table in generate(n, weeks, seed, end, messy).items():
        path = os.path.join(out, f"{name}.{fmt}")
        sink = pa.BufferOutputStream()
        with progress.measured(f"writing {path}", table.num_rows, then=f"saving {path}") as wrote:
            if fmt == "parquet":
                pq.write_table(table, sink)
                wrote(table.num_rows)
            else:
                _write_csv(table, sink, wrote)
        write_atomic(path, sink.getvalue().to_pybytes(), [], option="")
        written.append((path, table.num_rows))
    return written


CSV_SLICE = 1 << 16  # rows written at a time, so progress can count them


def _write_csv(table: pa.Table, sink: pa.BufferOutputStream, wrote: Callable[[int], None]) -> None:
    """As `pacsv.write_csv`, a slice at a time (the same bytes: one header, then rows)."""
    options = pacsv.WriteOptions(quoting_style="needed")
    with pacsv.CSVWriter(sink, table.schema, write_options=options) as writer:
        for start in range(0, max(table.num_rows, 1), CSV_SLICE):
            part = table.slice(start, CSV_SLICE)
            writer.write_table(part)
            wrote(part.num_rows)
