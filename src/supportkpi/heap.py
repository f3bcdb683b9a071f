"""How glibc's malloc keeps the memory numpy frees, for a command's process.

By default each thread that allocates gets an arena of its own, and a worker thread's
arena hands a freed array's pages back to the kernel at once, so the next array that
thread makes is faulted in and zeroed again: on a 2-core VM, a tenth of a 1M-ticket
run in kernel time. The console script asks for one arena for every thread, which
keeps freed arrays for reuse as the main thread's heap does (`one_arena`).

Measured and left: also taking large arrays from the heap (no mmap) and keeping
256 MB of freed top gained 1–2 % at 1M and nothing at 10M, and over a hundred million
tickets such a heap peaked at 3.4 GiB instead of 2.9.

Only glibc on Linux is tuned, and only when the user's own GLIBC_TUNABLES do not
decide. Set before numpy loads: its BLAS starts threads, each of which would take an
arena of its own.
"""

from __future__ import annotations

import os
import sys

_M_ARENA_MAX = -8  # glibc's malloc.h


def one_arena() -> None:
    if not sys.platform.startswith("linux") or "GLIBC_TUNABLES" in os.environ:
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc, or no such symbol: nothing to tune
        return
    mallopt(_M_ARENA_MAX, 1)
