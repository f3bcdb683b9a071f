"""How the process is tuned, and what the machine offers: every setting in one place.

None of this changes a result: only time and memory. What each setting does, and the
measurement behind it (a 2-core Linux VM, unless said):

- Freed arrays kept for reuse (`heap_keeps_freed_arrays`, the console script, before
  numpy loads): one glibc malloc arena for every thread, large arrays taken from that
  heap rather than mapped one by one, and up to 256 MB of freed heap top kept. By
  default each large array is its own mapping, given back to the kernel when freed, so
  the next one is faulted in and zeroed again, page by page; and each worker thread's
  arena hands its freed pages back at once. On the 2-core VM, kernel time (zeroing
  pages) was half of a 10M-change status-history run: 2.6–3.8 s of 6.2–6.9 s. Only
  glibc on Linux is tuned, and only when the user's own GLIBC_TUNABLES do not decide.
  Set before numpy loads: its BLAS starts threads, each of which would take an arena
  of its own. Cost: a heap never shrinks in its middle, so memory freed early stays
  with the process (peak RSS +4 % on that run). A run that reads its exports in parts
  undoes this and the next setting (`reading_in_parts`): there they cost time and
  memory (100M tickets: 44.7 s and 3.5 GiB with them, 37.2 s and 2.9 GiB without).
- No transparent huge pages for numpy's arrays (`tune_process`,
  NUMPY_MADVISE_HUGEPAGE=0 unless the user set it; read when numpy loads). numpy asks
  the kernel for 2 MB pages on every array of 4 MB or more; where the kernel then
  compacts memory to find them (`defrag` on `madvise`, as on the VM), a fault costs far
  more than the TLB misses it saves. With the heap above, the 10M-change run went from
  5.5–6.1 s to 4.0 s (kernel time 2.6–2.9 s → 1.0 s); the heap alone, with huge pages,
  gained nothing, which is why an earlier trial of it was left.
- No OpenBLAS threads (`tune_process`, OPENBLAS_NUM_THREADS=1 unless the user set it):
  numpy's OpenBLAS starts a thread per core that spins for a while once loaded (≈ 0.1 s
  of a core per run, a fifth of the CPU a 1M-ticket run takes); no command does linear
  algebra. Read when numpy loads, which the commands do lazily.
- Arrow's allocator gives freed pages back at once (`arrow_frees_at_once`,
  MIMALLOC_PURGE_DELAY=0 unless the user set it, at cli's import): mimalloc keeps
  freed pages for a while, and at ten million rows that is gigabytes of peak memory;
  on small machines memory costs time. Read when pyarrow loads.
- No cycle collection while a command runs (`no_cycle_collection`): a full collection
  scans every object the imports made (pyarrow's, numpy's: ~13 ms a time), and a
  command's data are arrays freed by their reference counts, not cycles. And none at
  exit (`skip_final_collection`): the interpreter's last act is a full collection over
  every object left (~12 ms), with nothing worth collecting.
- Threads (`workers`, used by threads.py): the cores this process may run on — Linux
  (and the BSDs that have it): `os.sched_getaffinity(0)`, which honours `taskset` and
  cpusets; elsewhere (macOS, Windows) `os.cpu_count()`; at least 1. $SUPPORTKPI_THREADS
  (a whole number ≥ 1) overrides it. Work is split once, never again inside a split:
  two levels of two threads on two cores only contend (sla-check on 10M tickets took
  25 % longer so). A bad $SUPPORTKPI_THREADS is a usage error (exit 2, one line),
  said before a command does any work: a value that was meant to cap the threads on a
  shared machine, silently ignored, would take every core instead. Not capped by it:
  Arrow's own reading threads (its CPU pool, sized by Arrow), and `--low-memory`'s part
  pipeline (a part read ahead, two lanes of parts: the lanes fix how the partial sums
  are merged, so their number never follows the machine; with one worker the two
  lanes share one thread).
- Free memory (`free_memory`, for the automatic switch to reading in parts):
  Linux: /proc/meminfo MemAvailable (free plus what the kernel can reclaim at once: the
  best figure there; a kernel before 3.14 has none, then as below);
  other POSIX systems with `os.sysconf("SC_AVPHYS_PAGES")` (FreeBSD, Solaris, …): free
  pages × `SC_PAGE_SIZE` — free only, not cache that could be reclaimed, so it errs
  toward reading in parts;
  macOS: neither (its <unistd.h> has no _SC_AVPHYS_PAGES, so Python's sysconf does not
  know the name), so None;
  Windows: GlobalMemoryStatusEx's ullAvailPhys (available physical memory) via ctypes;
  anything else: None. None means unknown: the tickets are then read whole unless
  --low-memory is given (as before, when unknown meant "assume plenty").
"""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

THREADS_ENV = "SUPPORTKPI_THREADS"

# glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
KEPT_TOP = 256 << 20  # bytes of freed heap top kept rather than given back
_GLIBC_MMAP_MAX = 65536  # glibc's default
_MAPPED_FROM = 32 << 20  # the largest threshold glibc's own sliding one reaches (64-bit)
_tuned: set[str] = set()  # what tune_process set: "heap", "hugepages"
_MEMINFO = "/proc/meminfo"


# ------------------------------------------------------------------ process tuning
def tune_process() -> None:
    """The console script's settings, before numpy loads: freed arrays kept for reuse,
    no huge pages, no BLAS threads (a user's own GLIBC_TUNABLES,
    NUMPY_MADVISE_HUGEPAGE, OPENBLAS_NUM_THREADS decide instead)."""
    heap_keeps_freed_arrays()
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
        os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"
        _tuned.add("hugepages")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def reading_in_parts() -> None:
    """The console script's heap and huge-page settings undone, for a run that reads
    its exports part by part: each part's arrays are made, used and freed in turn, and
    there large arrays mapped one by one (up to glibc's own threshold of 32 MB, the
    smaller ones from the heap) and huge pages serve better — 100M tickets took 44.7 s
    and 3.5 GiB with the settings, 37.2 s and 2.9 GiB without. Nothing when the settings
    were not made (the library in someone else's process, or the user's own)."""
    if "heap" in _tuned:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
        mallopt(_M_MMAP_THRESHOLD, _MAPPED_FROM)
        mallopt(_M_MMAP_MAX, _GLIBC_MMAP_MAX)
        mallopt(_M_TRIM_THRESHOLD, 2 * _MAPPED_FROM)
        _tuned.discard("heap")
    if "hugepages" in _tuned:
        import numpy as np

        # (numpy's own switch: NUMPY_MADVISE_HUGEPAGE is read only as numpy loads)
        core = getattr(np, "_core", None)
        set_madvise = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
        if set_madvise is not None:
            set_madvise(True)
        _tuned.discard("hugepages")


def arrow_frees_at_once() -> None:
    """mimalloc (Arrow's allocator) purges freed pages at once; before pyarrow loads."""
    os.environ.setdefault("MIMALLOC_PURGE_DELAY", "0")


def heap_keeps_freed_arrays() -> None:
    if not sys.platform.startswith("linux") or "GLIBC_TUNABLES" in os.environ:
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc, or no such symbol: nothing to tune
        return
    mallopt(_M_ARENA_MAX, 1)
    mallopt(_M_MMAP_MAX, 0)
    mallopt(_M_TRIM_THRESHOLD, KEPT_TOP)
    _tuned.add("heap")


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a command runs, back as it was after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def skip_final_collection() -> None:
    """The process ends now: no full collection at exit."""
    gc.freeze()


# ------------------------------------------------------------------ machine facts
def cores() -> int:
    """The cores this process may run on (its affinity where the system has one)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows: no affinity to ask
        n = os.cpu_count() or 1
    return max(1, n)


def workers() -> int:
    """How many threads a split of work may use: $SUPPORTKPI_THREADS when set (a whole
    number ≥ 1; else `UsageError`), else the cores available. Empty means unset."""
    given = os.environ.get(THREADS_ENV, "").strip()
    if not given:
        return cores()
    if not re.fullmatch(r"[0-9]+", given) or int(given) < 1:
        from supportkpi.errors import UsageError

        raise UsageError(
            f"${THREADS_ENV} is {given!r}: give a whole number of threads, 1 or more"
            f" (or unset it to use the {cores()} cores available)"
        )
    return int(given)


def free_memory() -> int | None:
    """Bytes of memory available now, or None when this system does not say (see the
    module's docstring for the source on each system)."""
    found = _meminfo_available()
    if found is None:
        found = _sysconf_available()
    if found is None and sys.platform == "win32":
        found = _windows_available()
    return found


def _meminfo_available() -> int | None:
    try:
        with open(_MEMINFO) as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _sysconf_available() -> int | None:
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows), no name (macOS)
        return None
    return pages * size if pages >= 0 and size > 0 else None


def _windows_available() -> int | None:
    import ctypes

    class MemoryStatusEx(ctypes.Structure):
        _fields_ = [
            ("dwLength", ctypes.c_uint32),  # DWORD (a C long is 64 bits off Windows)
            ("dwMemoryLoad", ctypes.c_uint32),
            ("ullTotalPhys", ctypes.c_ulonglong),
            ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong),
            ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong),
            ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatusEx()
    status.dwLength = ctypes.sizeof(MemoryStatusEx)
    try:
        ok = ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return None
    return int(status.ullAvailPhys) if ok else None
