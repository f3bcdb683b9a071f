"""What each command imports (a fresh interpreter each): start-up time is mostly
imports. `--help` and `kpis` need neither pyarrow, pandas nor rich's console; no command
on the shipped examples needs pandas (pyarrow imports it, ~0.15 s, the first time it is
handed a Python value: literals are built from buffers instead)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

PROBE = """
import json, sys
from supportkpi.cli.app import main
sys.argv = ["supportkpi", *{args!r}]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in ("pandas", "pyarrow", "pyarrow.compute", "pydantic", "fastexcel")
                        if m in sys.modules)))
"""


def _imported(*args: str, cwd: object = ROOT) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=list(args))],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_imports_no_data_library() -> None:
    assert _imported("--help") == []


@pytest.mark.parametrize(
    "args",
    [
        ("compute", "-f", "json"),
        ("sla-check", "-f", "json"),
        ("summary", "--period", "2026-W46", "-f", "markdown"),
        ("validate",),
        ("explain", "sla_first_response", "--where", "agent=Priya B."),
    ],
)
def test_commands_on_the_examples_never_import_pandas(args: tuple[str, ...]) -> None:
    assert "pandas" not in _imported(*args)


def test_typed_parquet_needs_no_compute_kernels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """pyarrow.compute's import alone is ≈ 22 ms: a Parquet export whose columns are
    already typed (aware µs timestamps, int64 ids, booleans, dictionary text) goes from
    buffers to numpy without it, and computes what the same rows as text compute."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    utc = pa.timestamp("us", tz="UTC")
    hour = 3_600_000_000
    start = 1_763_971_200_000_000  # 2025-11-24T08:00:00Z
    table = pa.table(
        {
            "ticket_id": pa.array([1, 2, 3, 4], pa.int64()),
            "created_at": pa.array([start, start, start + hour, start + 2 * hour], utc),
            "first_response_at": pa.array([start + hour, None, start + 3 * hour, None], utc),
            "resolved_at": pa.array([start + 5 * hour, None, None, start + 4 * hour], utc),
            "priority": pa.array(["high", "low", "high", None]).dictionary_encode(),
            "agent": pa.array(["Ana", "Bo", "Ana", "Bo"]),
            "escalated": pa.array([True, None, False, True]),
            "reopens": pa.array([0, 1, None, 2], pa.int64()),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    text = (
        "ticket_id,created_at,first_response_at,resolved_at,priority,agent,escalated,reopens\n"
        "1,2025-11-24T08:00:00Z,2025-11-24T09:00:00Z,2025-11-24T13:00:00Z,high,Ana,true,0\n"
        "2,2025-11-24T08:00:00Z,,,low,Bo,,1\n"
        "3,2025-11-24T09:00:00Z,2025-11-24T11:00:00Z,,high,Ana,false,\n"
        "4,2025-11-24T10:00:00Z,,2025-11-24T12:00:00Z,,Bo,true,2\n"
    )
    (tmp_path / "t.csv").write_text(text)
    args = [
        "-f",
        "json",
        "--by",
        "agent",
        "--kpi",
        "tickets,first_response_time,resolution_time,escalation_rate,reopen_rate",
    ]
    # away from the examples' targets.yaml, whose other inputs are CSV files
    assert _imported("compute", "-t", "t.parquet", *args, cwd=tmp_path) == ["pyarrow"]

    def results(path: str) -> list[dict]:
        done = subprocess.run(
            [sys.executable, "-m", "supportkpi", "compute", "-t", path, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)["results"]

    from_parquet = results("t.parquet")
    assert from_parquet == results("t.csv")
    by_kpi = {(r["kpi"], r["group"].get("agent")): r["value"] for r in from_parquet}
    assert by_kpi["escalation_rate", None] == pytest.approx(100 * 2 / 3)  # one unknown
    assert by_kpi["reopen_rate", None] == pytest.approx(100 * 1 / 2)  # tickets 1 and 4
    assert by_kpi["first_response_time", "Ana"] == 1.5 * 3600  # seconds: 1 h and 2 h


def test_a_command_builds_only_itself(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console script builds only the command asked for (typer inspects each
    command's signature, ~10 ms for all), and answers exactly as the whole app does."""
    import typer.main

    from supportkpi.cli.app import app, main

    built: list[str] = []
    original = typer.main.get_command_from_info

    def counted(command_info: typer.models.CommandInfo, **kw: object) -> object:
        built.append(command_info.callback.__name__)  # type: ignore[union-attr]
        return original(command_info=command_info, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(typer.main, "get_command_from_info", counted)
    answers = []
    for entry in (main, lambda args: app(args=args, prog_name="supportkpi")):
        for args in (["sla-check", "--help"], ["compute", "--no-such-option"]):
            with pytest.raises(SystemExit) as done:
                entry(args)
            answers.append((done.value.code, capsys.readouterr()))
        if entry is main:
            assert built == ["sla_check_cmd", "compute"]
    assert answers[:2] == answers[2:]
    assert "Usage: supportkpi sla-check" in answers[0][1].out
    assert answers[1][0] == 2 and "No such option" in answers[1][1].err


def test_cycle_collection_is_off_while_a_command_runs() -> None:
    """A full cycle collection scans every object the imports made (~13 ms at a time):
    off while a command body runs, back on after it, whether it ends well or not."""
    import gc

    import typer

    from supportkpi.cli.app import _guard

    seen: list[bool] = []

    def body() -> int:
        seen.append(gc.isenabled())
        return 0

    def failing() -> int:
        seen.append(gc.isenabled())
        raise ValueError("a bug")

    assert gc.isenabled()
    for work in (body, failing):
        with pytest.raises(typer.Exit):
            _guard(False, work)
        assert gc.isenabled()
    assert seen == [False, False]


@pytest.fixture
def mallopt_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """glibc's mallopt, recorded instead of called, on Linux, with no GLIBC_TUNABLES and
    nothing tuned yet."""
    import ctypes

    from supportkpi import runtime

    calls: list[tuple[int, int]] = []

    class FakeLibc:
        def mallopt(self, param: int, value: int) -> int:
            calls.append((param, value))
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: FakeLibc())
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    monkeypatch.setattr(runtime, "_tuned", set())
    return calls


def test_freed_arrays_kept_unless_the_user_tunes_glibc(
    monkeypatch: pytest.MonkeyPatch, mallopt_calls: list[tuple[int, int]]
) -> None:
    """Large arrays mapped one by one, and worker threads' arenas, give freed pages back
    at once (each new array is zeroed by the kernel again): the console script asks glibc
    for one arena, large arrays from the heap and a kept top, except when the user's own
    GLIBC_TUNABLES decide, or off Linux."""
    from supportkpi import runtime

    calls = mallopt_calls
    runtime.heap_keeps_freed_arrays()
    wanted = [(-8, 1), (-4, 0), (-1, 256 << 20)]  # M_ARENA_MAX, M_MMAP_MAX, M_TRIM_THRESHOLD
    assert calls == wanted
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=4")
    runtime.heap_keeps_freed_arrays()
    monkeypatch.delenv("GLIBC_TUNABLES")
    monkeypatch.setattr(sys, "platform", "darwin")
    runtime.heap_keeps_freed_arrays()
    assert calls == wanted


def test_reading_in_parts_undoes_only_what_the_console_script_set(
    mallopt_calls: list[tuple[int, int]],
) -> None:
    """Parts made, used and freed in turn do better with glibc's mapped arrays (100M
    tickets: 37 s and 2.9 GiB against 45 s and 3.5 GiB): the switch to parts restores
    mapping above 32 MB, once, and only where tune_process had set the heap."""
    from supportkpi import runtime

    calls = mallopt_calls
    runtime.reading_in_parts()  # the library in another process: nothing set, nothing undone
    assert calls == []
    runtime.heap_keeps_freed_arrays()
    calls.clear()
    runtime.reading_in_parts()
    # M_MMAP_THRESHOLD 32 MB, M_MMAP_MAX back to glibc's 65536, M_TRIM_THRESHOLD 64 MB
    assert calls == [(-3, 32 << 20), (-4, 65536), (-1, 64 << 20)]
    runtime.reading_in_parts()
    assert len(calls) == 3  # once


@pytest.mark.parametrize(
    ("variable", "ours", "given"),
    [
        ("OPENBLAS_NUM_THREADS", "1", None),
        ("OPENBLAS_NUM_THREADS", "1", "4"),
        ("NUMPY_MADVISE_HUGEPAGE", "0", None),
        ("NUMPY_MADVISE_HUGEPAGE", "0", "1"),
    ],
)
def test_numpy_settings_before_it_loads_unless_the_user_sets_them(
    variable: str, ours: str, given: str | None
) -> None:
    """OpenBLAS's idle threads spin after numpy loads (≈ 0.1 s of CPU a run), and huge
    pages cost a compaction per fault on kernels that defrag for madvise: the console
    script asks for neither before numpy loads, and a user's own setting stands."""
    env = {k: v for k, v in os.environ.items() if k != variable}
    if given is not None:
        env[variable] = given
    probe = (
        "import os, sys\n"
        "from supportkpi.cli.app import main\n"
        "try:\n    main(['kpis'])\nexcept SystemExit:\n    pass\n"
        f"sys.stderr.write(os.environ[{variable!r}] + ' ' + str('numpy' in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.stderr.strip() == f"{given or ours} False"  # set before numpy ever loads
