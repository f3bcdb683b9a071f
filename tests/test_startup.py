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
from supportkpi.cli import app
sys.argv = ["supportkpi", *{args!r}]
try:
    app()
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
