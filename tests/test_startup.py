"""What each command imports (a fresh interpreter each): start-up time is mostly
imports. `--help` and `kpis` need neither pyarrow, pandas nor rich's console; no command
on the shipped examples needs pandas (pyarrow imports it, ~0.15 s, the first time it is
handed a Python value: literals are built from buffers instead)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

PROBE = """
import json, sys
from supportkpi.cli import main
sys.argv = ["supportkpi", *{args!r}]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in ("pandas", "pyarrow", "pydantic") if m in sys.modules)))
"""


def _imported(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=list(args))],
        cwd=ROOT,
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
    assert _imported(*args) == ["pyarrow"]


def test_a_command_builds_only_itself(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console script builds only the command asked for (typer inspects each
    command's signature, ~10 ms for all), and answers exactly as the whole app does."""
    import typer.main

    from supportkpi.cli import app, main

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

    from supportkpi.cli import _guard

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
