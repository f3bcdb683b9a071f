"""Erlang C: the agents a queue needs to answer a share of its contacts within a time.

Pure arithmetic on numpy arrays (no data loading), one array element per queue (an hour
of the week of one channel):

* traffic A = arrivals per hour × handle time (s) / 3600, in Erlangs;
* Erlang B by its recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)), which stays
  within [0, 1] at every step: no factorial or power of A, so 200 agents and 1000
  Erlangs do not overflow (the textbook sum A^N/N! does past A ≈ 170);
* Erlang C, the probability that a contact waits, from B: C = N·B / (N − A·(1 − B)),
  for N > A (at N ≤ A the queue grows without end: C = 1);
* service level SL = 1 − C·exp(−(N − A)·t / AHT), the share answered within t;
* average speed of answer ASA = C·AHT / (N − A); occupancy A / N.

`agents_needed` is the smallest N that meets the service level with an occupancy of at
most the cap; `rostered` adds shrinkage (breaks, training, absence):
ceil(N / (1 − shrinkage)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# a share met "exactly" in decimal (0.8) may fall a rounding error short in binary
_EPS = 1e-12


@dataclass
class Staffing:
    """Per queue (same shape as the traffic given): the agents needed and what they
    achieve. Queues without traffic need 0 agents (service level 1, no wait)."""

    traffic: np.ndarray  # Erlangs
    agents: np.ndarray  # int64: agents needed on the phones (or chats, or emails)
    p_wait: np.ndarray  # Erlang C at that N
    service_level: np.ndarray  # share answered within the target time, 0..1
    asa: np.ndarray  # average speed of answer, seconds
    occupancy: np.ndarray  # A / N, 0..1 (NaN where N = 0)


def erlang_b(traffic: np.ndarray | float, agents: int) -> np.ndarray:
    """Erlang B (blocking probability) for `agents` servers, by the recursion."""
    a = np.asarray(traffic, dtype=np.float64)
    b = np.ones_like(a)
    for n in range(1, agents + 1):
        ab = a * b
        b = ab / (n + ab)
    return b


def c_from_b(b: np.ndarray, traffic: np.ndarray, agents: np.ndarray | int) -> np.ndarray:
    """Erlang C from Erlang B at the same N: N·B / (N − A·(1 − B)); 1 where N ≤ A."""
    n = np.asarray(agents, dtype=np.float64)
    a = np.asarray(traffic, dtype=np.float64)
    stable = n > a
    denom = np.where(stable, n - a * (1.0 - b), 1.0)
    return np.where(stable, n * b / denom, 1.0)


def erlang_c(traffic: np.ndarray | float, agents: int) -> np.ndarray:
    """The probability that a contact waits, with `agents` agents and `traffic` Erlangs."""
    a = np.asarray(traffic, dtype=np.float64)
    return c_from_b(erlang_b(a, agents), a, agents)


def service_level(
    c: np.ndarray,
    traffic: np.ndarray,
    agents: np.ndarray | int,
    within: np.ndarray,
    aht: np.ndarray,
) -> np.ndarray:
    """Share answered within `within` seconds: 1 − C·exp(−(N − A)·t / AHT); 0 where N ≤ A."""
    n = np.asarray(agents, dtype=np.float64)
    a = np.asarray(traffic, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = 1.0 - c * np.exp(-(n - a) * within / aht)
    return np.where(n > a, out, 0.0)


def rostered(agents: np.ndarray, shrinkage: np.ndarray | float) -> np.ndarray:
    """Agents to schedule so that `agents` are available after shrinkage (0..1)."""
    raw = np.asarray(agents, dtype=np.float64) / (1.0 - np.asarray(shrinkage, dtype=np.float64))
    # 14 / 0.7 is 20.000000000000004 in binary: a rounding error is not a 21st agent
    return np.ceil(raw - 1e-9).astype(np.int64)


def agents_needed(
    traffic: np.ndarray,
    aht: np.ndarray,
    within: np.ndarray,
    target: np.ndarray,
    max_occupancy: np.ndarray | float,
) -> Staffing:
    """The smallest N per queue with SL ≥ target and A/N ≤ max_occupancy.

    `traffic` (Erlangs), `aht` (s), `within` (s), `target` (0..1), `max_occupancy`
    (0..1]: arrays of one shape (or scalars broadcast to it). One pass over N = 1, 2, …
    up to the largest N any queue needs, each step over every queue at once.
    """
    a = np.asarray(traffic, dtype=np.float64)
    shape = a.shape
    a = a.ravel()
    aht_ = np.broadcast_to(np.asarray(aht, dtype=np.float64), shape).ravel()
    t_ = np.broadcast_to(np.asarray(within, dtype=np.float64), shape).ravel()
    goal = np.broadcast_to(np.asarray(target, dtype=np.float64), shape).ravel()
    occ = np.broadcast_to(np.asarray(max_occupancy, dtype=np.float64), shape).ravel()
    if (a < 0).any() or not np.isfinite(a).all():
        raise ValueError("traffic must be finite and ≥ 0")
    if ((occ <= 0) | (occ > 1)).any():
        raise ValueError("max_occupancy must be in (0, 1]")
    if (goal >= 1).any() or (goal < 0).any():
        raise ValueError("the service level target must be in [0, 1)")

    m = a.size
    agents = np.zeros(m, dtype=np.int64)
    p_wait = np.zeros(m)
    sl = np.ones(m)
    asa = np.zeros(m)
    todo = a > 0  # no traffic: no agent needed
    b = np.ones(m)
    n = 0
    # SL → 1 as N grows and A/N → 0: every queue is met well before this N (a guard
    # against looping forever on inputs the checks above let through)
    limit = 2 * math.ceil(float((a / occ).max(initial=0.0))) + 1000
    while todo.any():
        n += 1
        if n > limit:
            raise ArithmeticError("Erlang C did not converge")
        ab = a * b
        b = ab / (n + ab)
        if n <= a[todo].min():
            continue  # N ≤ A for every queue left: none can be stable yet
        c = c_from_b(b, a, n)
        level = service_level(c, a, n, t_, aht_)
        met = todo & (n > a) & (level >= goal - _EPS) & (a / n <= occ + _EPS)
        if met.any():
            agents[met] = n
            p_wait[met] = c[met]
            sl[met] = level[met]
            asa[met] = c[met] * aht_[met] / (n - a[met])
            todo &= ~met
    with np.errstate(invalid="ignore", divide="ignore"):
        occupancy = np.where(agents > 0, a / np.maximum(agents, 1), np.nan)
    return Staffing(
        traffic=a.reshape(shape),
        agents=agents.reshape(shape),
        p_wait=p_wait.reshape(shape),
        service_level=sl.reshape(shape),
        asa=asa.reshape(shape),
        occupancy=occupancy.reshape(shape),
    )
