"""The machine facts the process is tuned by (runtime.py): how many threads a split of
work uses, and how much memory is free, on each kind of system; and that the number of
threads never changes an output."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, console_script
from supportkpi import runtime, threads
from supportkpi.config.settings import load_config
from supportkpi.engine import core as engine
from supportkpi.errors import UsageError
from supportkpi.render import renderer
from supportkpi.reports import in_parts as stream
from supportkpi.reports.compute import Options, compute
from supportkpi.schema import load


@pytest.fixture(autouse=True)
def no_threads_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)


def _cores(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(n)), raising=False)


# ------------------------------------------------------------------ workers
@pytest.mark.parametrize("n", [1, 4])
def test_workers_are_the_cores_this_process_may_use(
    monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    _cores(monkeypatch, n)
    assert runtime.workers() == n


def test_without_affinity_workers_are_the_cpu_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and Windows have no sched_getaffinity: the CPU count, and 1 when unknown."""
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert runtime.workers() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert runtime.workers() == 1


@pytest.mark.parametrize(("given", "cores", "expected"), [("1", 4, 1), ("4", 1, 4), (" 3 ", 2, 3)])
def test_the_environment_sets_the_workers(
    monkeypatch: pytest.MonkeyPatch, given: str, cores: int, expected: int
) -> None:
    _cores(monkeypatch, cores)
    monkeypatch.setenv(runtime.THREADS_ENV, given)
    assert runtime.workers() == expected


def test_an_empty_setting_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    _cores(monkeypatch, 4)
    monkeypatch.setenv(runtime.THREADS_ENV, "")
    assert runtime.workers() == 4


@pytest.mark.parametrize("given", ["0", "-1", "four", "1.5", "+2", "2 cores"])
def test_a_bad_setting_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    _cores(monkeypatch, 2)
    monkeypatch.setenv(runtime.THREADS_ENV, given)
    with pytest.raises(UsageError) as raised:
        runtime.workers()
    assert str(raised.value) == (
        f"$SUPPORTKPI_THREADS is {given!r}: give a whole number of threads, 1 or more"
        " (or unset it to use the 2 cores available)"
    )


def _cli(*args: str, threads_env: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != runtime.THREADS_ENV}
    if threads_env is not None:
        env[runtime.THREADS_ENV] = threads_env
    return subprocess.run(
        [console_script(), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


EXAMPLES = ("-t", "examples/tickets.csv", "-s", "examples/surveys.csv", "-f", "json")


def test_the_console_script_refuses_a_bad_setting_before_any_work() -> None:
    done = _cli("compute", *EXAMPLES, threads_env="two")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "supportkpi: error: $SUPPORTKPI_THREADS is 'two': give a whole number of threads,"
        f" 1 or more (or unset it to use the {runtime.cores()} cores available)\n"
    )


def test_one_thread_gives_the_default_runs_json() -> None:
    default = _cli("compute", *EXAMPLES, threads_env=None)
    one = _cli("compute", *EXAMPLES, threads_env="1")
    assert default.returncode == one.returncode == 0
    assert '"value"' in default.stdout
    assert one.stdout == default.stdout


# ------------------------------------------------------------------ the splits
def test_a_split_uses_as_many_threads_as_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four workers: four items run at once (each waits for the other three)."""
    monkeypatch.setenv(runtime.THREADS_ENV, "4")
    meet = threading.Barrier(4, timeout=10)
    names: set[str] = set()

    def item(i: int) -> int:
        names.add(threading.current_thread().name)
        meet.wait()
        assert threads.busy()
        return threads.map2(lambda j: j * 10, [i, i])[0]  # inside a split: inline

    assert threads.map2(item, range(8)) == [0, 10, 20, 30, 40, 50, 60, 70]
    assert len(names) == 4 and threading.current_thread().name not in names


def test_one_worker_splits_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(runtime.THREADS_ENV, "1")
    here = threading.current_thread().name
    assert threads.pool() is None
    got = threads.map2(lambda i: (i, threading.current_thread().name), range(5))
    assert got == [(i, here) for i in range(5)]
    n = 5 * threads.SLICE + 7
    assert threads.by_slices(lambda rows: (rows.start, rows.stop), n)[-1] == (
        5 * threads.SLICE,
        6 * threads.SLICE,
    )
    lanes = threads.lanes(2)
    assert lanes[0] is lanes[1]
    lanes[0].shutdown()


def test_the_number_of_threads_never_changes_the_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every shipped input, with every split on (measures side by side, columns typed
    side by side): one, two and four workers give the same JSON."""
    monkeypatch.setattr(engine, "THREADS_FOR_ROWS", (0, 10**12))
    monkeypatch.setattr(load, "PARALLEL_TYPING_ROWS", 0)
    opts = Options(config=str(ROOT / "targets.yaml"), by=[["channel"], ["agent"], ["week"]])
    outputs = []
    for n in ("1", "2", "4"):
        monkeypatch.setenv(runtime.THREADS_ENV, n)
        outputs.append(renderer("json")(compute(opts)))
    assert '"value"' in outputs[0]
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_parts_on_one_worker_equal_parts_on_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read in parts, the two lanes share one thread on one worker: the same results."""
    path = tmp_path / "tickets.parquet"
    pq.write_table(pacsv.read_csv(ROOT / "examples" / "tickets.csv"), path, row_group_size=500)
    monkeypatch.setattr(stream, "PART_ROWS", 700)
    opts = Options(
        tickets=[str(path)],
        surveys=[str(ROOT / "examples" / "surveys.csv")],
        by=[["channel"], ["agent"]],
        low_memory=True,
    )
    outputs = []
    for n in ("1", "2"):
        monkeypatch.setenv(runtime.THREADS_ENV, n)
        outputs.append(json.loads(renderer("json")(compute(opts))))
    assert outputs[0] == outputs[1]
    assert any(r["value"] is not None for r in outputs[0]["results"])


# ------------------------------------------------------------------ free memory
def _no_sysconf(monkeypatch: pytest.MonkeyPatch) -> None:
    def sysconf(name: str) -> int:
        raise ValueError("unrecognized configuration name")  # as on macOS

    monkeypatch.setattr(os, "sysconf", sysconf)


def test_linux_free_memory_is_memavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  8000000 kB\nMemFree:  100 kB\nMemAvailable:  2048 kB\n")
    monkeypatch.setattr(runtime, "_MEMINFO", str(meminfo))
    assert runtime.free_memory() == 2048 * 1024


def test_without_memavailable_free_pages_are_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel before 3.14, or a BSD: free pages × page size from sysconf."""
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  8000000 kB\nMemFree:  100 kB\n")
    monkeypatch.setattr(runtime, "_MEMINFO", str(meminfo))
    pages = {"SC_AVPHYS_PAGES": 10, "SC_PAGE_SIZE": 4096}
    monkeypatch.setattr(os, "sysconf", lambda name: pages[name])
    assert runtime.free_memory() == 40_960
    monkeypatch.setattr(runtime, "_MEMINFO", str(tmp_path / "none"))
    assert runtime.free_memory() == 40_960


def test_macos_free_memory_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_MEMINFO", str(tmp_path / "none"))
    _no_sysconf(monkeypatch)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert runtime.free_memory() is None


def test_windows_free_memory_is_globalmemorystatusex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "_MEMINFO", str(tmp_path / "none"))
    monkeypatch.delattr(os, "sysconf")
    monkeypatch.setattr(sys, "platform", "win32")
    asked: list[int] = []

    class Kernel32:
        @staticmethod
        def GlobalMemoryStatusEx(ref: object) -> int:  # (the Win32 name)
            status = ref._obj  # type: ignore[attr-defined]
            asked.append(status.dwLength)
            status.ullTotalPhys = 16 << 30
            status.ullAvailPhys = 5 << 30
            return 1

    class WinDLL:
        kernel32 = Kernel32()

    monkeypatch.setattr(ctypes, "windll", WinDLL(), raising=False)
    assert runtime.free_memory() == 5 << 30
    assert asked == [64]  # the structure's size: 2 DWORDs and 7 64-bit counts
    monkeypatch.setattr(Kernel32, "GlobalMemoryStatusEx", staticmethod(lambda ref: 0))
    assert runtime.free_memory() is None  # the call failed


def test_unknown_free_memory_reads_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Free memory unknown: the tickets are read whole (parts only with --low-memory);
    known and too small: in parts."""
    tickets = [str(ROOT / "examples" / "tickets.csv")]
    loaded = load_config(None)
    monkeypatch.setattr(runtime, "free_memory", lambda: None)
    assert stream.worth_it({"tickets": tickets}, ["tickets"], loaded) is None
    monkeypatch.setattr(runtime, "free_memory", lambda: 1000)
    assert stream.worth_it({"tickets": tickets}, ["tickets"], loaded) == "memory"
