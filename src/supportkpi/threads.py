"""Two cores, each used once: work is split into threads only where no enclosing work
already is.

numpy and Arrow let go of the GIL in their loops, so a second thread uses the second
core. But splits nest — a fact's measures run two at a time, and one of them (an SLA
on business hours) splits its rows again; a part of a large export is typed while two
others are computed — and four busy threads on two cores only add contention (sla-check
on 10M tickets took 25 % longer so). So a thread these pools start is marked busy, and
whatever it calls runs its pieces one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_local = threading.local()


def busy() -> bool:
    """Whether this thread is one of the pools' (so its work should not split again)."""
    return getattr(_local, "busy", False)


def _mark_busy() -> None:
    _local.busy = True


def executor(workers: int) -> ThreadPoolExecutor:
    """A pool whose threads are marked busy (for work that is itself one of the splits:
    reading ahead, a lane of parts)."""
    return ThreadPoolExecutor(max_workers=workers, initializer=_mark_busy)


def pool() -> ThreadPoolExecutor | None:
    """Two threads marked busy; None when this thread already is one (run inline)."""
    return None if busy() else executor(2)


SLICE = 1 << 18  # rows per slice of a long column: its temporaries fit the caches


def by_slices(fn: Callable[[slice], R], n: int) -> list[R]:
    """`fn` over consecutive slices of n rows, two at a time from four full slices on;
    its results in slice order."""
    slices = [slice(a, a + SLICE) for a in range(0, n, SLICE)]
    if n < 4 * SLICE:
        return [fn(rows) for rows in slices]
    return map2(fn, slices)


def map2(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`fn` over the items, two at a time unless this thread is already busy; results
    in order, and the first failing item's error is raised."""
    items = list(items)
    if len(items) < 2:
        return [fn(item) for item in items]
    workers = pool()
    if workers is None:
        return [fn(item) for item in items]
    with workers:
        return list(workers.map(fn, items))
