"""The canonical data model: the inputs supportkpi reads and the columns each may have.

Pure data, no heavy imports: the CLI reads it for `--help`, `kpis` and config checks.
Column names in exports are matched to these case- and separator-insensitively
(`Created At`, `created_at`, `created-at`), or through the config's `columns:` map.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

ColumnType = Literal[
    "id",  # identifier (string or integer)
    "timestamp",  # instant; naive values are in the config's time zone
    "minutes",  # a duration given in minutes (an alternative to a timestamp pair)
    "seconds",  # a duration given in seconds (>= 0)
    "count",  # a whole number >= 0
    "bool",  # yes/no/true/false/1/0/y/n
    "number",  # any real number
    "money",  # an amount (>= 0 unless noted)
    "percent",  # a number 0..100
    "dim",  # free text used to group (agent, team, ...)
    "enum",  # free text normalised to a vocabulary (priority, status, channel, ...)
    "date",  # a calendar day
]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class InputSpec:
    name: str
    doc: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


TICKETS = InputSpec(
    "tickets",
    "one row per ticket (or conversation, call, chat)",
    (
        Column("ticket_id", "id", True, "unique per ticket; for duplicates the last row wins"),
        Column("created_at", "timestamp", True, "when the ticket was opened"),
        Column("first_response_at", "timestamp", doc="first public agent reply"),
        Column("first_response_minutes", "minutes", doc="instead of first_response_at"),
        Column("resolved_at", "timestamp", doc="last resolution; empty = unresolved"),
        Column("resolution_minutes", "minutes", doc="instead of resolved_at"),
        Column("first_resolved_at", "timestamp", doc="first resolution, when it differs"),
        Column("status", "enum", doc="new/open/pending/on_hold/solved/closed"),
        Column("priority", "enum", doc="P1..P4 (urgent/critical, high, normal/medium, low)"),
        Column("channel", "enum", doc="phone/email/chat/self_service/social/…"),
        Column("agent", "dim"),
        Column("team", "dim"),
        Column("category", "dim"),
        Column("customer_id", "dim"),
        Column("product", "dim"),
        Column("escalated", "bool"),
        Column("reopens", "count", doc="times reopened after resolution"),
        Column("contacts", "count", doc="agent contacts needed to resolve (1 = FCR)"),
        Column("talk_seconds", "seconds"),
        Column("hold_seconds", "seconds"),
        Column("after_call_work_seconds", "seconds"),
        Column("handle_seconds", "seconds", doc="instead of talk + hold + after-call work"),
        Column("cancel_intent", "bool"),
        Column("retained", "bool"),
        Column("upsell_offered", "bool"),
        Column("upsell_won", "bool"),
        Column("revenue_retained", "money"),
        Column("upsell_amount", "money"),
        Column("qa_score", "percent"),
        Column("script_adherence", "bool"),
        Column("resolved_by", "enum", doc="agent/bot/self_service"),
        Column("bot_handled", "bool"),
        Column("handed_off", "bool"),
        Column("agent_replies", "count"),
        Column("customer_replies", "count"),
    ),
)

SURVEYS = InputSpec(
    "surveys",
    "one row per survey response (or one column per survey type: map csat/nps/ces)",
    (
        Column("survey_id", "id"),
        Column("ticket_id", "id", doc="the ticket the survey is about"),
        Column("customer_id", "dim"),
        Column("agent", "dim", doc="else taken from the ticket"),
        Column("type", "enum", doc="csat / nps / ces"),
        Column("score", "number", True),
        Column("submitted_at", "timestamp"),
        Column("csat", "number", doc="wide export: the CSAT score column"),
        Column("nps", "number", doc="wide export: the NPS score column"),
        Column("ces", "number", doc="wide export: the CES score column"),
    ),
)

CREDITS = InputSpec(
    "credits",
    "one row per credit, refund, discount or goodwill gesture",
    (
        Column("credit_id", "id"),
        Column("ticket_id", "id"),
        Column("customer_id", "dim"),
        Column("agent", "dim"),
        Column("kind", "enum", doc="credit/refund/discount/goodwill"),
        Column("amount", "money", True),
        Column("currency", "dim"),
        Column("approved_by", "dim"),
        Column("created_at", "timestamp"),
        Column("recovered_amount", "money"),
    ),
)

CUSTOMERS = InputSpec(
    "customers",
    "one row per customer (for retention and customer dimensions)",
    (
        Column("customer_id", "id", True),
        Column("started_at", "timestamp", True),
        Column("ended_at", "timestamp", doc="empty = still a customer"),
        Column("mrr", "money"),
        Column("segment", "dim"),
        Column("industry", "dim"),
    ),
)

AGENTS = InputSpec(
    "agents",
    "one row per agent and day (for utilisation and schedule adherence)",
    (
        Column("agent", "dim", True),
        Column("team", "dim"),
        Column("role", "dim"),
        Column("date", "date"),
        Column("logged_seconds", "seconds"),
        Column("scheduled_seconds", "seconds"),
        Column("adherent_seconds", "seconds"),
    ),
)

EVENTS = InputSpec(
    "events",
    "one row per status change of a ticket (its status history)",
    (
        Column("ticket_id", "id", True, "the ticket whose status changed"),
        Column("changed_at", "timestamp", True, "when the new status began"),
        Column("status", "enum", True, doc="new/open/pending/on_hold/solved/closed"),
        Column("agent", "dim", doc="the assignee from this change on"),
        Column("group", "dim", doc="the group from this change on"),
    ),
)

COMMENTS = InputSpec(
    "comments",
    "one row per message on a ticket (its conversation)",
    (
        Column("ticket_id", "id", True, "the ticket the message is on"),
        Column("created_at", "timestamp", True, "when the message was written"),
        Column("author", "enum", doc="agent/customer/system: who wrote it"),
        Column("public", "bool", doc="seen by the customer (empty or no column: yes)"),
    ),
)

INPUTS: dict[str, InputSpec] = {
    s.name: s for s in (TICKETS, SURVEYS, CREDITS, CUSTOMERS, AGENTS, EVENTS, COMMENTS)
}

# Dimensions derived from a KPI's own period anchor (SPEC §6).
TIME_DIMS = ("day", "week", "month", "quarter", "year")
UNKNOWN = "(unknown)"

_SEP = re.compile(r"[^0-9a-z]+")


@functools.lru_cache(maxsize=4096)  # a few dozen names, asked for per result row
def normalise_name(name: str) -> str:
    """`Created At`, `created-at`, ` CREATED_AT ` -> `created_at`."""
    return _SEP.sub("_", name.strip().lower()).strip("_")


def closest(name: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    import difflib

    norm = {normalise_name(c): c for c in candidates}
    hit = difflib.get_close_matches(normalise_name(name), list(norm), n=1, cutoff=0.6)
    return norm[hit[0]] if hit else None


def is_time_dim(name: str) -> bool:
    """A dimension naming a period: `period` (the --every series') or day/week/…"""
    return name == "period" or normalise_name(name) in TIME_DIMS
