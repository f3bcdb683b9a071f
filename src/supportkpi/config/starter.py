"""The starter configs written by `supportkpi init` (each must load with `load_config`).

Two profiles, because the seed documents disagree:
* `general` (default) — the general support KPI sheet (seed 002) with the SLA table,
  completed by the cost-support dashboard (seed 000) and the analytics report (seed 001)
  where seed 002 is silent;
* `cost-support` — the cost-support dashboard (seed 000) as written: stricter FCR (85 %),
  looser escalation (20 %), NPS above 70, CSAT as a 4.5/5 score, CES on a 1–5 scale.
"""

from __future__ import annotations

_HEAD = """\
# supportkpi configuration — targets, SLA policies, column mappings ({profile} profile).
# Every section is optional. Durations: 90s, 15m, 2h, 3d. Percentages: 90 means 90 %.
{about}
timezone: UTC            # IANA name (Europe/Paris, America/New_York); naive timestamps are read in it
clock: calendar          # calendar (24x7) or business (then set business_hours)
# business_hours:
#   mon: ["09:00-18:00"]
#   tue: ["09:00-18:00"]
#   wed: ["09:00-18:00"]
#   thu: ["09:00-18:00"]
#   fri: ["09:00-18:00"]
# holidays: [2026-12-25, 2027-01-01]     # or {{country: US}} with the holidays package
min_sample: 30           # fewer responses than this: shown, marked low_sample, not judged
# date_order: day_first  # for exports with dates like 23/11/2026 (or month_first)

{inputs}
# columns:               # map your export's column names onto supportkpi's canonical names
#   tickets: {{ticket_id: "Ticket ID", created_at: "Created at", agent: "Assignee"}}
#   surveys: {{type: kind}}

# values:                # map your vocabulary onto the canonical one
#   priority: {{Blocker: P1, Major: P2, Minor: P3, Trivial: P4}}

scales:
  csat: {{min: 1, max: 5, satisfied: [4, 5]}}
  nps: {{min: 0, max: 10, promoters: [9, 10], detractors: [0, 6]}}
  ces: {ces_scale}

sla:                     # seed 002: response time SLAs by priority
  warn_before: 25%       # at risk when less than this share of the target is left
  # pause: {{resolution: [pending]}}   # with a status history (-e): statuses a clock stops in
  policies:
    P1: {{first_response: 15m, resolution: 4h, compliance: 99}}
    P2: {{first_response: 1h, resolution: 8h, compliance: 95}}
    P3: {{first_response: 4h, resolution: 24h, compliance: 90}}
    P4: {{first_response: 8h, resolution: 72h, compliance: 85}}

authorization_limits:    # seed 000: every credit above $200 needs an approver with authority
  none: 200              # credits without an approver
  agent: 200
  lead: 1000
  manager: 5000

costs: {{agent_hourly: 35, currency: USD, daily_credit_budget: 5000}}   # seed 000: credits today < $5K

"""

_INPUTS_COMMENTED = """\
# inputs:                # default paths (relative to this file), so `supportkpi compute` just works
#   tickets: exports/tickets.csv
#   surveys: exports/surveys.csv
#   credits: exports/credits.csv
#   customers: exports/customers.csv
#   agents: exports/agents.csv
#   events: exports/events.csv   # status history: time in status, SLA pauses
#   comments: exports/comments.csv   # conversations: next reply time, replies per ticket
"""

INPUTS_EXAMPLES = """\
inputs:                  # default paths (relative to this file), so `supportkpi compute` just works
  tickets: examples/tickets.csv
  surveys: examples/surveys.csv
  credits: examples/credits.csv
  customers: examples/customers.csv
  agents: examples/agents.csv
  events: examples/events.csv
  comments: examples/comments.csv
"""

_GENERAL = """\
targets:
  first_response_time:   # seed 000: < 2h; seed 002 channel targets: chat < 1 min, email < 4 hr
    max: 2h
    by: {channel: {chat: {max: 1m}, email: {max: 4h}}}
  resolution_time: {max: 24h}          # seed 000
  resolution_rate: {min: 85}           # seed 001 (seed 000 daily goal: > 50 %)
  fcr_rate: {min: 75}                  # seed 002 (seed 000: > 85 %)
  escalation_rate: {max: 10}           # seed 002 (seed 000: < 20 %)
  reopen_rate: {max: 5}                # seed 002
  handle_time:                         # seed 002: phone AHT < 8 min
    by: {channel: {phone: {max: 8m}}}
  sla_first_response: {min: 95}        # seed 002: SLA compliance 95 %+ (per priority: sla.policies)
  sla_resolution: {min: 95}
  csat:                                # seed 002: 90 %+; phone 90, email 88, chat 92
    min: 90
    by: {channel: {phone: {min: 90}, email: {min: 88}, chat: {min: 92}}}
  csat_score: {min: 4.5}               # seed 000: > 4.5 / 5
  nps: {min: 50}                       # seed 002 (seed 000: > 70)
  ces_easy_rate: {min: 85}             # seed 000: > 85 %
  self_service_resolution_rate: {min: 40}   # seed 002
  bot_containment_rate: {min: 60}      # seed 002
  qa_score: {min: 90}                  # seed 002: quality score 90 %+ (coaching below 85)
  schedule_adherence: {min: 95}        # seed 002 (coaching below 90)
  script_adherence: {min: 80}          # seed 000
  agent_utilization: {between: [70, 85]}    # seed 001
  cost_per_resolution: {max: 50}       # seeds 000 and 001
  credit_rate: {max: 30, warn: 40}     # seed 000: < 30 %, alert above 40 %
  authorization_compliance: {min: 100} # seed 000
  revenue_retention_rate: {min: 90}    # seed 000
  upsell_rate: {min: 25}               # seed 000
  customer_retention_rate: {min: 90}   # seed 000 monthly goal: retain > 90 %
"""

_COST_SUPPORT = """\
targets:
  first_response_time: {max: 2h}       # seed 000: < 2 hours
  resolution_time: {max: 24h}          # < 24 hours
  resolution_rate: {min: 50}           # daily goal: > 50 % of cases
  fcr_rate: {min: 85}                  # > 85 %
  escalation_rate: {max: 20}           # < 20 %
  csat_score: {min: 4.5}               # > 4.5 / 5
  nps: {min: 70}                       # > 70
  ces_easy_rate: {min: 85}             # > 85 % (1–5 scale)
  cost_per_resolution: {max: 50}       # < $50
  credit_rate: {max: 30, warn: 40}     # < 30 %, alert above 40 %
  revenue_retention_rate: {min: 90}    # > 90 %
  upsell_rate: {min: 25}               # > 25 %
  script_adherence: {min: 80}          # > 80 %
  authorization_compliance: {min: 100} # 100 %
  customer_retention_rate: {min: 90}   # retain > 90 %
  agent_utilization: {between: [70, 85]}    # seed 001
"""

_ACTIONS = """
actions:                 # seed 000: what to do when a KPI misses
  first_response_time: ["Review caseload", "Assess help needed", "Scale resources", "Train on efficiency"]
  fcr_rate: ["Review unresolved cases", "Additional training", "Script improvements", "Better tools"]
  csat_score: ["Review feedback", "Address concerns", "Improve empathy", "Better resolutions"]
  csat: ["Review feedback", "Address concerns", "Improve empathy", "Better resolutions"]
  credit_rate: ["Review credit policies", "Reduce unnecessary credits", "Better alternative solutions", "Policy update needed"]
"""

PROFILES = {
    "general": (
        "# Default profile: seed 002 (general support KPIs), completed by seeds 000 and 001.",
        "{min: 1, max: 7, easy: [5, 7]}",
        _GENERAL,
    ),
    "cost-support": (
        "# Profile of the cost-support dashboard (seed 000).",
        "{min: 1, max: 5, easy: [4, 5]}     # seed 000 asks CES on a 1–5 scale",
        _COST_SUPPORT,
    ),
}


def starter(profile: str = "general", inputs: str | None = None) -> str:
    about, ces_scale, targets = PROFILES[profile]
    head = _HEAD.format(
        profile=profile, about=about, inputs=inputs or _INPUTS_COMMENTED, ces_scale=ces_scale
    )
    return head + targets + _ACTIONS


STARTER = starter()
