"""Normalisation of the free-text vocabularies exports use (priority, status, channel…).

Applied to the distinct values of a column (a dictionary), never row by row. The
config's `values:` map is consulted first, then these built-in synonyms; a value that
matches neither is kept as written and reported (E017/E024) so it is never guessed.
"""

from __future__ import annotations

import re

PRIORITIES = ("P1", "P2", "P3", "P4")

_PRIORITY = {
    "p1": "P1",
    "1": "P1",
    "urgent": "P1",
    "critical": "P1",
    "highest": "P1",
    "p2": "P2",
    "2": "P2",
    "high": "P2",
    "p3": "P3",
    "3": "P3",
    "normal": "P3",
    "medium": "P3",
    "moderate": "P3",
    "p4": "P4",
    "4": "P4",
    "low": "P4",
    "lowest": "P4",
}

STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
_STATUS = {
    "new": "new",
    "open": "open",
    "in_progress": "open",
    "assigned": "open",
    "active": "open",
    "pending": "pending",
    "waiting_on_customer": "pending",
    "awaiting_customer": "pending",
    "pending_customer_response": "pending",
    "waiting": "pending",
    "on_hold": "on_hold",
    "hold": "on_hold",
    "onhold": "on_hold",
    "solved": "solved",
    "resolved": "solved",
    "done": "solved",
    "closed": "closed",
}
RESOLVED_STATUSES = frozenset({"solved", "closed"})

SURVEY_TYPES = ("csat", "nps", "ces")
_SURVEY_TYPE = {
    "csat": "csat",
    "satisfaction": "csat",
    "customer_satisfaction": "csat",
    "nps": "nps",
    "net_promoter": "nps",
    "net_promoter_score": "nps",
    "ces": "ces",
    "effort": "ces",
    "customer_effort": "ces",
    "customer_effort_score": "ces",
}

CREDIT_KINDS = ("credit", "refund", "discount", "goodwill")
_CREDIT_KIND = {k: k for k in CREDIT_KINDS} | {"refunds": "refund", "credits": "credit"}

RESOLVERS = ("agent", "bot", "self_service")
_RESOLVER = {
    "agent": "agent",
    "human": "agent",
    "bot": "bot",
    "chatbot": "bot",
    "ai": "bot",
    "self_service": "self_service",
    "selfservice": "self_service",
    "kb": "self_service",
    "knowledge_base": "self_service",
    "customer": "self_service",
}

AUTHORS = ("agent", "customer", "system")
_AUTHOR = {
    "agent": "agent",
    "staff": "agent",
    "admin": "agent",
    "administrator": "agent",
    "support": "agent",
    "operator": "agent",
    "teammate": "agent",
    "customer": "customer",
    "end_user": "customer",
    "enduser": "customer",
    "requester": "customer",
    "user": "customer",
    "contact": "customer",
    "client": "customer",
    "visitor": "customer",
    "lead": "customer",
    "system": "system",
    "bot": "system",
    "automation": "system",
    "trigger": "system",
    "workflow": "system",
    "api": "system",
}

_BOOL_TRUE = {"1", "true", "t", "yes", "y", "si", "sí", "x"}
_BOOL_FALSE = {"0", "false", "f", "no", "n"}

_SNAKE = re.compile(r"[^0-9a-z]+")


def snake(text: str) -> str:
    return _SNAKE.sub("_", text.strip().lower()).strip("_")


# column -> (built-in synonyms, closed vocabulary?, problem code when unknown)
ENUMS: dict[str, tuple[dict[str, str], bool, str]] = {
    "priority": (_PRIORITY, True, "E017"),
    "status": (_STATUS, True, "E024"),
    "channel": ({}, False, ""),
    "type": (_SURVEY_TYPE, True, "E018"),
    "kind": (_CREDIT_KIND, True, "E021"),
    "resolved_by": (_RESOLVER, True, "E021"),
    "author": (_AUTHOR, True, "E021"),
}


def normalise(column: str, value: str, overrides: dict[str, str] | None = None) -> str | None:
    """Canonical form of one distinct value, or None when it is not in the vocabulary.

    Open vocabularies (channel) never fail: they are put in lower snake case.
    """
    if overrides:
        if value in overrides:
            return overrides[value]
        folded = {snake(k): v for k, v in overrides.items()}
        if snake(value) in folded:
            return folded[snake(value)]
    synonyms, closed, _ = ENUMS[column]
    key = snake(value)
    if key in synonyms:
        return synonyms[key]
    if not closed:
        return key or None
    return None


def parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in _BOOL_TRUE:
        return True
    if v in _BOOL_FALSE:
        return False
    return None
