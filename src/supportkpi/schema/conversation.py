"""Reply cycles of the tickets' conversations (SPEC §4b), from the comments input (one row
per message: ticket_id, created_at, author, public).

Rules:
* a cycle opens at a public customer comment when the previous public comment of the
  ticket was not the customer's (or there was none), and closes at the next public agent
  comment: from the oldest unanswered customer comment to the reply (Zendesk's next
  reply time);
* system comments and private comments (internal notes) neither open nor close one;
* a cycle never closed has no value; the first cycle counts;
* comments with equal times keep the order of the files.

Vectorised: one sort of (ticket, time, file order); no loop per comment or ticket.
"""

from __future__ import annotations

import numpy as np

from supportkpi.io.timeparse import NAT
from supportkpi.schema.history import run_starts
from supportkpi.schema.vocab import AUTHORS

AGENT, CUSTOMER, SYSTEM = (AUTHORS.index(a) for a in ("agent", "customer", "system"))


def author_codes(labels: list[str]) -> np.ndarray:
    """The AUTHORS index of each (already normalised) label, -1 for any other; one more
    entry, -1, for a code past the labels."""
    out = np.full(len(labels) + 1, -1, dtype=np.int8)
    for i, label in enumerate(labels):
        if label in AUTHORS:
            out[i] = AUTHORS.index(label)
    return out


def _walk(
    ticket: np.ndarray, when: np.ndarray, author: np.ndarray, public: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The public customer and agent comments in (ticket, time, file) order: their
    positions in the file and times; which of them open a cycle; for each, the latest
    opening at or before it; and the agent comments that close a cycle (indices into
    that order)."""
    use = (ticket >= 0) & (when != NAT) & public & ((author == AGENT) | (author == CUSTOMER))
    pos = np.flatnonzero(use)
    pos = pos[np.lexsort((pos, when[pos], ticket[pos]))]  # ticket, time, file order
    t, w = ticket[pos], when[pos]
    customer = author[pos] == CUSTOMER
    if not len(pos):
        empty = np.zeros(0, dtype=np.int64)
        return pos, w, customer, empty, empty
    same = ~run_starts(t)
    after_customer = np.r_[False, customer[:-1]] & same
    opens = customer & ~after_customer
    # the latest opening at or before each comment: a run of customer comments' first
    opener = np.maximum.accumulate(np.where(opens, np.arange(len(pos)), -1))
    closing = np.flatnonzero(~customer & after_customer)
    return pos, w, opens, opener, closing


def cycle_times(
    ticket: np.ndarray, when: np.ndarray, author: np.ndarray, public: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per comment (file order): when it opened a reply cycle, its own time (NAT on every
    other comment); and for those, when the cycle closed (the reply's time; NAT while no
    agent has replied). The next-reply SLA's clock runs from one to the other."""
    opened = np.full(len(when), NAT, dtype=np.int64)
    closed = np.full(len(when), NAT, dtype=np.int64)
    pos, w, opens, opener, closing = _walk(ticket, when, author, public)
    opened[pos[opens]] = w[opens]
    closed[pos[opener[closing - 1]]] = w[closing]
    return opened, closed


def reply_cycles(
    ticket: np.ndarray, when: np.ndarray, author: np.ndarray, public: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The reply cycles of comments given in file order: the positions of the agent
    comments that close one, and the instant each of those cycles opened.

    `ticket`: a code per comment (-1: none), `when`: int64 µs (NAT: unknown), `author`:
    AUTHORS index (-1: unknown), `public`: bool."""
    pos, w, _, opener, closing = _walk(ticket, when, author, public)
    return pos[closing], w[opener[closing - 1]]
