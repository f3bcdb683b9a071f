"""Human-readable definitions of the catalogue: `supportkpi kpis --explain` and
docs/definitions.md are both rendered from here, so they cannot drift apart.

Everything except the vendor notes is derived from the KPI definitions themselves
(`catalogue.py`); the notes summarise how other helpdesks define the same number (sources in
../shared/ANCHORS.md) and which config switch reproduces theirs.
"""

from __future__ import annotations

from supportkpi.kpis.catalogue import (
    CATALOGUE,
    VARIANTS,
    Kpi,
)

VENDOR_NOTES: dict[str, str] = {
    "first_response_time": (
        "Zendesk: creation to the first public agent comment, stored in calendar and business"
        " minutes (reply_time_in_minutes). Freshdesk: first agent reply, private notes excluded,"
        " business hours honoured. Intercom reports the median by default and counts from the"
        " customer's first message; Plain charts median and p90 by the date of the reply."
        " supportkpi: mean, median and p90 side by side, placed by creation;"
        " `clock: business` gives business time."
    ),
    "resolution_time": (
        "Zendesk has two: first resolution time (to the first solve) and full resolution time"
        " (to the latest solve, median by default in Explore). Chatwoot measures every resolve"
        " event from creation; Help Scout only conversations with a user reply. supportkpi:"
        " `definitions: {resolution_time: first}` uses first_resolved_at (Zendesk's first"
        " resolution) for the mean, median and p90 together; the default `full` uses"
        " resolved_at."
    ),
    "fcr_rate": (
        "No two vendors agree. Zendesk's one-touch tickets: solved/closed with fewer than 2"
        " public agent replies (`definitions: {fcr_rate: one_touch}`, needs agent_replies)."
        " Freshservice: no customer interaction after the first message (`no_customer_reply`,"
        " needs customer_replies). Intercom: closed once with one teammate; Zammad's 'first"
        " solution': closed within 15 minutes. The default `single_contact` follows the seed"
        " documents: exactly one contact."
    ),
    "csat": (
        "Two incompatible families. % satisfied (Zendesk good/(good+bad), Chatwoot and Front"
        " % of 4-5, Intercom): the default `percent_satisfied`. Net score (Help Scout's"
        " happiness = % great − % not good, FreeScout): `definitions: {csat: net}`, the"
        " dissatisfied band being scales.csat.dissatisfied, by default the mirror of the"
        " satisfied one (1-2 of 1-5). A mean score appears only in third-party tools:"
        " `mean_score` (the same number as csat_score)."
    ),
    "backlog": (
        "Zendesk: a daily snapshot of unsolved tickets; Freshdesk: unresolved regardless of"
        " creation date — both a state, the default `open_at_period_end`. Zammad's backlog"
        " report is a flow, created − closed per interval, which can be negative:"
        " `definitions: {backlog: net_flow}`."
    ),
    "nps": (
        "Everyone computes % promoters (9-10) − % detractors (0-6) over all answers;"
        " Zendesk apps exclude merged tickets. The margin of error is reported because NPS"
        " moves a lot on small samples."
    ),
    "ces": (
        "Two formulas in use: the mean of 1-7 answers (Nicereply) — ces — or the % agreeing"
        " (5-7) — ces_easy_rate. Legacy CES 1-5 asks about effort (low is good): set"
        " scales.ces accordingly."
    ),
    "reopen_rate": (
        "Zendesk counts reopens per ticket (`reopens`); dbt_zendesk derives them from solves"
        " after the first. Zammad reports state changes from closed to open. supportkpi:"
        " resolved tickets with reopens > 0."
    ),
    "escalation_rate": (
        "No vendor has this KPI as such: Zammad's 'escalated' means an SLA deadline passed,"
        " Freshdesk escalation is a notification chain, Zendesk and Intercom count group or"
        " assignee changes. supportkpi uses the export's own `escalated` flag."
    ),
    "sla_first_response": (
        "Zendesk: achieved vs breached per SLA target and priority; ServiceNow: task_sla"
        " has_breached; Chatwoot: hit/missed per conversation. supportkpi judges every ticket"
        " at the as-of time; tickets not yet due (active, at risk) are not counted either way."
    ),
    "handle_time": (
        "Intercom: time teammates spent while the conversation was open and assigned; Zendesk"
        " has no effort metric (agent work time is status time). supportkpi: talk + hold +"
        " after-call work from the export (the seeds' call-centre definition)."
    ),
    "requester_wait_time": (
        "Zendesk: total time in New + Open + On-hold (requester wait), in calendar and"
        " business minutes, each interval on the schedule in force when it began;"
        " dbt_zendesk: statuses new, open, hold. ServiceNow and Freshdesk report time by"
        " status instead. supportkpi: new + open + on_hold from creation to the last solve,"
        " on the configured clock; a ticket not solved at the as-of time has no value yet."
    ),
    "agent_work_time": (
        "Zendesk: time in New + Open (an SLA target that pauses in Pending and On-hold);"
        " dbt_zendesk: statuses new, open. supportkpi: the same statuses, creation to last"
        " solve, on the the configured clock."
    ),
    "on_hold_time": (
        "Zendesk: time in On-hold (waiting on a third party); Freshdesk 'Waiting on third"
        " party'; ServiceNow 'Awaiting Vendor/Problem/Evidence' (the servicenow preset maps"
        " them to on_hold). supportkpi: on_hold from creation to the last solve."
    ),
    "pending_time": (
        "Zendesk: agent wait time = time in Pending (waiting on the customer); dbt_zendesk:"
        " status pending; ServiceNow 'Awaiting User Info'. supportkpi: pending from creation"
        " to the last solve. With a status history an SLA's resolution clock stops here by"
        " default (sla.pause), as Zendesk's, Zammad's (pending states ignore escalation)"
        " and a ServiceNow SLA with a pause condition do."
    ),
    "next_reply_time": (
        "Zendesk: the SLA metric Next reply time, from the oldest unanswered public"
        " end-user comment to the next public agent comment (internal notes do not stop"
        " it); Chatwoot: reply_time = agent message − waiting_since, mean; Intercom:"
        " reply_times, each visible teammate reply − the contact message before it;"
        " Zammad keeps only the longest update time per ticket. supportkpi: Zendesk's"
        " cycles (system messages and private notes neither open nor close one), one value"
        " per answered cycle, on the configured clock, placed by the reply."
    ),
    "replies_per_ticket": (
        "Zendesk: Agent replies, public agent comments per ticket (one-touch tickets have"
        " fewer than 2); Help Scout: repliesToResolve, over resolved conversations."
        " supportkpi: public agent comments per ticket solved in the period, from the"
        " comments input (internal notes and system messages not counted)."
    ),
    "reassignments": (
        "Zendesk: assignee_stations, the number of assignees a ticket passed through (so"
        " reassignments = stations − 1); Intercom: Conversations reassigned (assigned more"
        " than once after a teammate reply). supportkpi: changes from one known assignee"
        " to a different one in the status history's agent column, per ticket solved in"
        " the period."
    ),
    "group_reassignments": (
        "Zendesk: group_stations, the number of groups a ticket passed through (moves ="
        " stations − 1); ServiceNow: reassignment_count counts changes of assignment group."
        " supportkpi: changes from one known group to a different one in the status"
        " history's group column, per ticket solved in the period."
    ),
}
for _k in ("requester_wait_time", "agent_work_time", "on_hold_time", "pending_time"):
    for _n in (f"{_k}_median", f"{_k}_p90"):
        VENDOR_NOTES[_n] = VENDOR_NOTES[_k]
for _n in ("next_reply_time_median", "next_reply_time_p90"):
    VENDOR_NOTES[_n] = VENDOR_NOTES["next_reply_time"]
VENDOR_NOTES["time_in_status"] = (
    "Zendesk: requester wait, agent wait (pending), on-hold and agent work times are sums"
    " of statuses, and full resolution time is new + open + pending + on-hold; Freshdesk:"
    " 'time spent by business hours grouped by status'; ServiceNow: a metric definition"
    " (field value duration) on the state field times each state; dbt_zendesk's"
    " zendesk__ticket_metrics has requester wait, agent wait and on-hold minutes. supportkpi:"
    " one figure per canonical status until the ticket's last solve (time in solved between"
    " a solve and a reopen counted), so the statuses add up to the full resolution time; on"
    " the configured clock."
)
for _n in ("time_in_status_median", "time_in_status_p90"):
    VENDOR_NOTES[_n] = VENDOR_NOTES["time_in_status"]
VENDOR_NOTES["sla_resolution"] = VENDOR_NOTES["sla_first_response"]
VENDOR_NOTES["sla_next_reply"] = (
    "Zendesk: the SLA metric Next reply time, per cycle from the oldest unanswered public"
    " end-user comment to the next public agent comment, by the target of the ticket's"
    " policy; Freshdesk: the 'every response' target (Estate+); Chatwoot:"
    " next_response_time_threshold, a miss recorded per incoming message. supportkpi:"
    " each cycle judged on its own (met, breached, at risk, active), on its ticket's clock,"
    " never paused; a solve ends an unanswered cycle, as it ends the first-response clock"
    " (SPEC §4), and a message after the solve opens none."
)
for _n in ("resolution_time_median", "resolution_time_p90"):
    VENDOR_NOTES[_n] = VENDOR_NOTES["resolution_time"]
for _n in ("first_response_time_median", "first_response_time_p90"):
    VENDOR_NOTES[_n] = VENDOR_NOTES["first_response_time"]

_UNIT_WORDS = {
    "count": "a count",
    "seconds": "seconds (shown as a duration)",
    "percent": "percent, 0–100",
    "ratio": "a ratio",
    "score": "a score on the survey's scale",
    "points": "points, −100..100",
    "money": "money, in the config's currency",
}


def parts(kpi: Kpi) -> dict[str, str]:
    """The explanation of one KPI as labelled lines (rendered as text or Markdown)."""
    stat = kpi.stat
    out: dict[str, str] = {"formula": kpi.formula, "unit": _UNIT_WORDS[kpi.unit]}
    better = {
        "higher": "higher",
        "lower": "lower",
        "band": "inside the target band",
        "none": "neither (context)",
    }[kpi.direction]
    out["better"] = better
    rows = {
        "tickets": "tickets",
        "surveys": "survey responses",
        "credits": "credits",
        "customers": "customers",
        "agents": "agent-days",
        "comments": "reply cycles",
    }[kpi.source]
    out.update(stat.describe(rows))
    if kpi.anchor == "@reply_opened":
        out["placed by"] = (
            "the customer comment that opened the reply cycle: a cycle counts in the period"
            " it opened in (--cohort places everything by the ticket's created_at)"
        )
    elif kpi.anchor:
        out["placed by"] = (
            f"{kpi.source}.{kpi.anchor}: a row counts in the period its {kpi.anchor} falls in"
            " (--cohort places everything by the ticket's created_at)"
        )
    elif stat.state:
        out["placed by"] = "the period's end (a state), or each --every period's end"
    needs = ", ".join(" or ".join(g).replace("@", "the ") for g in kpi.needs)
    out["needs"] = needs or "—"
    out["missing values"] = stat.missing_values()
    if kpi.notes:
        out["notes"] = kpi.notes
    if kpi.name in VARIANTS:
        default = next(iter(VARIANTS[kpi.name]))
        out["definitions"] = "; ".join(
            f"{v.name}{' (default)' if v.name == default else ''}: {v.summary} [{v.who}]"
            for v in VARIANTS[kpi.name].values()
        )
    if kpi.name in VENDOR_NOTES:
        out["other helpdesks"] = VENDOR_NOTES[kpi.name]
    if kpi.tiers:
        sign = "≤" if kpi.direction == "lower" else "≥"
        out["benchmark tiers"] = ", ".join(f"{n} {sign} {t:g}" for n, t in kpi.tiers)
    return out


def explain_text(name: str) -> str:
    kpi = CATALOGUE[name]
    lines = [f"{kpi.name} — {kpi.label}"]
    for key, text in parts(kpi).items():
        lines.append(f"  {key}: {text}")
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """docs/definitions.md."""
    out = [
        "# KPI definitions",
        "",
        "Generated from the catalogue (`src/supportkpi/kpis/catalogue.py`) by"
        " `supportkpi kpis --docs > docs/definitions.md`; a test fails when this file is stale.",
        "",
        "Conventions: durations in seconds; percentages 0–100; every value comes with n (its"
        " denominator or sample size); rates carry a 95 % Wilson interval and NPS its margin;"
        " below `min_sample` responses a value is shown but not judged; a count or amount of a"
        " period not over at the as-of time is marked `to_date`, not judged.",
        "",
        "Rows left out for a bad value are counted by code (`E022`, …):"
        " [errors.md](errors.md) says what each code means and excludes.",
    ]
    sections: dict[str, list[Kpi]] = {}
    for kpi in CATALOGUE.values():
        sections.setdefault(kpi.section, []).append(kpi)
    for section, kpis in sections.items():
        out += ["", f"## {section.capitalize()}", ""]
        for kpi in kpis:
            out += [f"### `{kpi.name}` — {kpi.label}", ""]
            for key, text in parts(kpi).items():
                out.append(f"- **{key}**: {text}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"
