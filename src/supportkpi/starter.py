"""The starter config written by `supportkpi init` (it must load with `load_config`)."""

STARTER = """\
# supportkpi configuration — targets, SLA policies, column mappings.
# Every section is optional. Durations: 90s, 15m, 2h, 3d. Percentages: 90 means 90 %.
# Targets come from the seed documents: the general support KPI sheet (seed 002) is the
# default; where it is silent, the cost-support dashboard (seed 000) fills in, and its
# stricter values are noted beside each target.

timezone: UTC            # IANA name (Europe/Paris, America/New_York); naive timestamps are read in it
clock: calendar          # calendar (24x7) or business (then set business_hours)
# business_hours:
#   mon: ["09:00-18:00"]
#   tue: ["09:00-18:00"]
#   wed: ["09:00-18:00"]
#   thu: ["09:00-18:00"]
#   fri: ["09:00-18:00"]
# holidays: [2026-12-25, 2027-01-01]
min_sample: 30           # fewer responses than this: shown, marked low_sample, not judged
# date_order: day_first  # for exports with dates like 23/11/2026 (or month_first)

# inputs:                # default paths (relative to this file), so `supportkpi compute` just works
#   tickets: exports/tickets.csv
#   surveys: exports/surveys.csv

# columns:               # map your export's column names onto supportkpi's canonical names
#   tickets: {ticket_id: "Ticket ID", created_at: "Created at", agent: "Assignee"}
#   surveys: {type: kind}

# values:                # map your vocabulary onto the canonical one
#   priority: {Blocker: P1, Major: P2, Minor: P3, Trivial: P4}

scales:
  csat: {min: 1, max: 5, satisfied: [4, 5]}
  nps: {min: 0, max: 10, promoters: [9, 10], detractors: [0, 6]}
  ces: {min: 1, max: 7, easy: [5, 7]}

sla:                     # seed 002: response time SLAs by priority
  warn_before: 25%       # at risk when less than this share of the target is left
  policies:
    P1: {first_response: 15m, resolution: 4h, compliance: 99}
    P2: {first_response: 1h, resolution: 8h, compliance: 95}
    P3: {first_response: 4h, resolution: 24h, compliance: 90}
    P4: {first_response: 8h, resolution: 72h, compliance: 85}

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
  csat:                                # seed 002: 90 %+; phone 90, email 88, chat 92
    min: 90
    by: {channel: {phone: {min: 90}, email: {min: 88}, chat: {min: 92}}}
  csat_score: {min: 4.5}               # seed 000: > 4.5 / 5
  nps: {min: 50}                       # seed 002 (seed 000: > 70)
  ces_easy_rate: {min: 85}             # seed 000: > 85 %

actions:                 # seed 000: what to do when a KPI misses
  first_response_time: ["Review caseload", "Assess help needed", "Scale resources", "Train on efficiency"]
  fcr_rate: ["Review unresolved cases", "Additional training", "Script improvements", "Better tools"]
  csat_score: ["Review feedback", "Address concerns", "Improve empathy", "Better resolutions"]
"""
