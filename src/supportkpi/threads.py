"""The cores, each used once: work is split into threads only where no enclosing work
already is.

numpy and Arrow let go of the GIL in their loops, so each thread uses a core of its own;
a split uses `runtime.workers()` threads (the cores available, or $SUPPORTKPI_THREADS;
one: no thread at all). But splits nest — a fact's measures run side by side, and one of
them (an SLA on business hours) splits its rows again; a part of a large export is typed
while two others are computed — and two levels of busy threads on the same cores only
add contention (measured: runtime.py). So a thread these pools start is marked busy,
and whatever it calls runs its pieces one after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from supportkpi import runtime

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
    """`runtime.workers()` threads marked busy; None when this thread already is one, or
    when there is one worker (run inline)."""
    if busy():
        return None
    workers = runtime.workers()
    return executor(workers) if workers > 1 else None


def lanes(n: int) -> list[ThreadPoolExecutor]:
    """n one-thread pools marked busy, each running its lane's work in order; with one
    worker, one pool shared by the lanes (their work then runs one after the other,
    each lane's still in order)."""
    if runtime.workers() > 1:
        return [executor(1) for _ in range(n)]
    return [executor(1)] * n


SLICE = 1 << 18  # rows per slice of a long column: its temporaries fit the caches


def by_slices(fn: Callable[[slice], R], n: int) -> list[R]:
    """`fn` over consecutive slices of n rows, split between the workers (`map2`) from
    four full slices on; its results in slice order."""
    slices = [slice(a, a + SLICE) for a in range(0, n, SLICE)]
    if n < 4 * SLICE:
        return [fn(rows) for rows in slices]
    return map2(fn, slices)


def map2(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`fn` over the items, `runtime.workers()` at a time unless this thread is already
    busy (the name is from when that was always two); results in order, and the first
    failing item's error is raised."""
    items = list(items)
    if len(items) < 2:
        return [fn(item) for item in items]
    workers = pool()
    if workers is None:
        return [fn(item) for item in items]
    with workers:
        return list(workers.map(fn, items))
