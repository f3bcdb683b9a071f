"""Presets: config fragments that map a known helpdesk export onto the canonical model.

A preset is exactly what a user could write in targets.yaml — column mappings (with
alternative names, since each vendor's exports vary), value vocabularies, timestamp
order, event-log rules, missing-value tokens, and the vendor's own KPI definitions — so
it goes through the same validation, and a user's targets.yaml laid over it wins
(`columns:` in the file override the preset's, key by key).

Column names come from each vendor's documented export or API fields (see `SOURCES`).
"""

from __future__ import annotations

import copy
from typing import Any

from supportkpi.kpis.catalogue import definition_key

_ZENDESK_COLUMNS = {
    "ticket_id": ["Id", "Ticket ID", "ticket_id", "id"],
    "created_at": ["Created at", "created_at", "Ticket created - Timestamp"],
    "resolved_at": ["Solved at", "solved_at", "Ticket solved - Timestamp"],
    "status": ["Status", "status", "Ticket status"],
    "priority": ["Priority", "priority", "Ticket priority"],
    "channel": ["Via", "via", "via.channel", "Ticket channel"],
    "agent": ["Assignee", "assignee", "Assignee name", "assignee_id"],
    "team": ["Group", "group", "Ticket group", "group_id"],
    "customer_id": ["Requester id", "requester_id", "Organization", "Requester"],
    "category": ["Ticket type", "type"],
    "reopens": ["reopens", "Reopens"],
    "agent_replies": ["replies", "Replies", "Agent replies"],
}

PRESETS: dict[str, dict[str, Any]] = {
    "zendesk": {
        "columns": {
            "tickets": {
                **_ZENDESK_COLUMNS,
                "first_response_minutes": [
                    "reply_time_in_minutes.calendar",
                    "reply_time_in_minutes",
                    "First reply time in minutes",
                    "First reply time (min)",
                ],
                "resolution_minutes": [
                    "full_resolution_time_in_minutes.calendar",
                    "full_resolution_time_in_minutes",
                    "Full resolution time in minutes",
                    "Full resolution time (min)",
                ],
            },
            "surveys": {
                # a ticket export's ratings are its own: `Id` is the ticket's
                "ticket_id": ["Ticket ID", "ticket_id", "Id"],
                "score": ["Satisfaction score", "score", "Rating", "satisfaction_rating.score"],
                "submitted_at": ["Satisfaction rating - Timestamp", "created_at", "Created at"],
            },
        },
        "values": {
            "channel": {
                "voice": "phone",
                "web": "web_form",
                "mobile_sdk": "chat",
                "native_messaging": "chat",
                "any_channel": "other",
            },
            # offered (or not) but not answered: no rating
            "score": {
                "good": "5",
                "bad": "1",
                "offered": None,
                "unoffered": None,
                "not offered": None,
            },
        },
        "survey_type": "csat",  # satisfaction ratings are the only survey Zendesk exports
        "scales": {"csat": {"min": 1, "max": 5, "satisfied": [4, 5], "dissatisfied": [1, 3]}},
        "definitions": {"fcr_rate": "one_touch", "resolution_time": "full"},
    },
    "zendesk-business": {
        "columns": {
            "tickets": {
                **_ZENDESK_COLUMNS,
                "first_response_minutes": [
                    "reply_time_in_minutes.business",
                    "First reply time in minutes within business hours",
                ],
                "resolution_minutes": [
                    "full_resolution_time_in_minutes.business",
                    "Full resolution time in minutes within business hours",
                ],
            },
        },
        "values": {"channel": {"voice": "phone", "web": "web_form"}},
        # durations are Zendesk's business minutes; timestamps still place the tickets
        "durations": "reported",
        "definitions": {"fcr_rate": "one_touch"},
    },
    "freshdesk": {
        "columns": {
            "tickets": {
                "ticket_id": ["Ticket ID", "Ticket Id", "id"],
                "created_at": ["Created time", "Created Time", "created_at"],
                "first_response_at": ["Initial response time", "First responded at"],
                "first_response_minutes": {
                    "column": ["First response time (in hrs)", "First Response Time (in Hrs)"],
                    "unit": "hours",
                },
                "resolved_at": ["Resolved time", "Resolved Time", "resolved_at"],
                "status": ["Status", "status"],
                "priority": ["Priority", "priority"],
                "channel": ["Source", "source"],
                "agent": ["Agent", "Agent name", "responder_id"],
                "team": ["Group", "Group name", "group_id"],
                "category": ["Type", "Ticket type", "type"],
                "customer_id": ["Contact ID", "Company Name", "Company name", "requester_id"],
                "product": ["Product", "product_id"],
                "agent_replies": ["Agent interactions", "Agent Interactions"],
                "customer_replies": ["Customer interactions", "Customer Interactions"],
            },
        },
        "values": {
            "status": {"Waiting on Customer": "pending", "Waiting on Third Party": "on_hold"},
            "channel": {
                "Portal": "web_form",
                "Feedback Widget": "web_form",
                "Outbound Email": "email",
                "MobiHelp": "chat",
            },
        },
        # Freshservice counts a first-contact resolution when the customer never wrote
        # back; Freshdesk's own reports follow the same interactions counters
        "definitions": {"fcr_rate": "no_customer_reply"},
    },
    "servicenow": {
        "missing_values": ["?"],
        "date_order": "day_first",
        "columns": {
            "tickets": {
                "ticket_id": ["number", "Number"],
                "created_at": ["opened_at", "Opened", "sys_created_on"],
                "resolved_at": ["resolved_at", "Resolved"],
                "status": ["incident_state", "state", "State", "Incident state"],
                "priority": ["priority", "Priority"],
                "channel": ["contact_type", "Contact type"],
                "agent": ["assigned_to", "Assigned to"],
                "team": ["assignment_group", "Assignment group"],
                "category": ["category", "Category"],
                "customer_id": ["caller_id", "Caller"],
                "reopens": ["reopen_count", "Reopen count"],
                # ServiceNow's resolved_by names a person, not agent/bot/self-service
                "resolved_by": [],
            },
        },
        "values": {
            "priority": {
                "1 - Critical": "P1",
                "2 - High": "P2",
                "3 - Moderate": "P3",
                "4 - Low": "P4",
                "5 - Planning": "P4",
            },
            "status": {
                "Active": "open",
                "Awaiting User Info": "pending",
                "Awaiting Problem": "on_hold",
                "Awaiting Vendor": "on_hold",
                "Awaiting Evidence": "on_hold",
                "Resolved": "solved",
                "Closed": "closed",
                "Canceled": "closed",
                "New": "new",
                "In Progress": "open",
                "On Hold": "on_hold",
            },
        },
        # the incident event log (one row per update); a plain incident export has one
        # row per number and passes through unchanged
        "events": {
            "tickets": {
                "id": "number",
                "time": "sys_updated_at",
                "order": "sys_mod_count",
                "status": "incident_state",
                "resolved": ["Resolved", "Closed"],
                "first_response": ["Active"],
            }
        },
    },
    "helpscout": {
        "columns": {
            "tickets": {
                "ticket_id": ["number", "Number", "Conversation Number", "id", "ID"],
                "created_at": ["createdAt", "created_at", "Created At", "Date Created"],
                "resolved_at": ["closedAt", "closed_at", "Closed At", "Date Closed"],
                "status": ["status", "Status"],
                "channel": ["type", "Type"],
                "agent": [
                    "assignee.email",
                    "assignee_email",
                    "Assigned To",
                    "Assignee",
                    "assignee",
                ],
                "team": ["mailboxId", "mailbox_id", "Mailbox", "mailbox"],
                "customer_id": [
                    "primaryCustomer.email",
                    "primaryCustomer.id",
                    "Customer Email",
                    "customer_email",
                    "Customer",
                ],
            },
            "surveys": {
                "ticket_id": ["conversationId", "conversation_id", "Conversation Number", "number"],
                "score": ["rating", "Rating"],
                "submitted_at": ["createdAt", "created_at", "Rated At", "Date"],
                "agent": ["user", "User", "userName"],
            },
        },
        "values": {
            "status": {"active": "open", "spam": "closed"},
            "score": {
                "Great": "3",
                "Okay": "2",
                "Not Good": "1",
                "great": "3",
                "ok": "2",
                "okay": "2",
                "not good": "1",
            },
        },
        "survey_type": "csat",
        # Help Scout's happiness score: % great − % not good on a 3-point scale
        "scales": {"csat": {"min": 1, "max": 3, "satisfied": [3], "dissatisfied": [1]}},
        "definitions": {"csat": "net"},
    },
}

# what each preset's export is, for "this looks like …"
TITLES = {
    "zendesk": "a Zendesk ticket export",
    "zendesk-business": "a Zendesk ticket export (business-hours durations)",
    "freshdesk": "a Freshdesk ticket export",
    "servicenow": "a ServiceNow incident export",
    "helpscout": "a Help Scout conversations export",
}

SOURCES = {
    "zendesk": "Zendesk ticket CSV export and Explore fields; Ticket Metrics API"
    " (reply_time_in_minutes, full_resolution_time_in_minutes {calendar, business},"
    " replies, reopens, solved_at); satisfaction ratings (good/bad)",
    "zendesk-business": "as zendesk, durations in Zendesk's business minutes",
    "freshdesk": "Freshdesk ticket export CSV (Ticket ID, Created time, Initial response time,"
    " First response time (in hrs), Resolved time, Source, Agent interactions…)",
    "servicenow": "ServiceNow incident table (number, opened_at, resolved_at, incident_state,"
    " priority '1 - Critical'…, contact_type, assignment_group) and its audit event log"
    " (one row per update: sys_updated_at, sys_mod_count)",
    "helpscout": "Help Scout Mailbox API 2.0 conversations (number, createdAt, closedAt, status,"
    " type, assignee, mailboxId, primaryCustomer) and ratings (Great/Okay/Not Good)",
}


def merged(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The preset's settings with `data` (a config file's) laid over them: mappings
    merge key by key, everything else in `data` replaces the preset's."""
    out = copy.deepcopy(PRESETS[name])
    _overlay(out, data)
    out.pop("preset", None)
    return out


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> None:
    for key, value in top.items():
        if (
            key in ("columns", "values", "events", "split", "scales", "definitions")
            and isinstance(value, dict)
            and isinstance(base.get(key), dict)
        ):
            for inner_key, inner in value.items():
                if key == "definitions":  # the file's choice replaces the preset's, whichever
                    # of the KPIs defined together (resolution_time, _median, _p90) it names
                    chosen = definition_key(str(inner_key))
                    for k in [k for k in base[key] if definition_key(str(k)) == chosen]:
                        del base[key][k]
                if isinstance(inner, dict) and isinstance(base[key].get(inner_key), dict):
                    base[key][inner_key] = {**base[key][inner_key], **inner}
                else:
                    base[key][inner_key] = inner
        else:
            base[key] = value


def describe(fmt: str = "table") -> str:
    """`supportkpi presets`: each preset, its source, and the columns it reads."""
    rows = []
    for name, preset in PRESETS.items():
        columns = {
            f"{inp}.{canonical}": (spec["column"] if isinstance(spec, dict) else spec)
            for inp, mapping in preset.get("columns", {}).items()
            for canonical, spec in mapping.items()
        }
        rows.append(
            {
                "preset": name,
                "source": SOURCES[name],
                "columns": columns,
                "event_log": preset.get("events", {}).get("tickets"),
                "definitions": preset.get("definitions", {}),
            }
        )
    if fmt == "json":
        import json

        return json.dumps({"presets": rows}, indent=2) + "\n"
    out = []
    for r in rows:
        out.append(f"{r['preset']}: {r['source']}")
        for canonical, names in r["columns"].items():
            listed = names if isinstance(names, list) else [names]
            shown = (
                " | ".join(f"'{n}'" for n in listed)
                or "(never read: the vendor's column means something else)"
            )
            out.append(f"  {canonical:<32} {shown}")
        if r["event_log"]:
            ev = r["event_log"]
            out.append(
                f"  event log: one row per update of '{ev['id']}', ordered by '{ev['time']}'"
                + (f" then '{ev['order']}'" if ev.get("order") else "")
            )
        if r["definitions"]:
            out.append(
                "  definitions: " + ", ".join(f"{k}: {v}" for k, v in r["definitions"].items())
            )
        out.append("")
    return "\n".join(out)
