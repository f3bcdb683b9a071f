"""Shared helpers: run the CLI in-process, write small exports, read JSON results."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner

from supportkpi.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.out)


def run(*args: str, stdin: str | bytes | None = None, cwd: str | Path | None = None) -> Run:
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)
    return Run(result.exit_code, result.stdout, result.stderr)


def console_script() -> str:
    """The installed `supportkpi` command of the Python running the tests (its venv's
    bin), else the one on PATH."""
    beside = Path(sys.executable).with_name("supportkpi")
    found = str(beside) if beside.exists() else shutil.which("supportkpi")
    if found is None:
        pytest.fail("the supportkpi console script is not installed (pip install .)")
    return found


# numpy and pyarrow reserve address space beyond what they use: 2 GB is the least that
# reads the examples; no command on the tests' small files needs more than this
SH_MEMORY_CAP = 3 << 30


def _memory_capped() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (SH_MEMORY_CAP, SH_MEMORY_CAP))


def sh(
    *args: str,
    cwd: str | Path | None = None,
    stdin: str | bytes | IO[bytes] | int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    preexec_fn: Callable[[], None] | None = None,
    terminal: int | None = None,
) -> Run:
    """Run the installed console script in a child process, as a user's shell would:
    real stdout/stderr pipes, real exit code, the given working folder and environment
    (`env` is laid over a copy of this process's, without SUPPORTKPI_CONFIG). `stdin`:
    text or bytes to feed, or a file (handle or descriptor) to read from. `terminal`:
    stdout is a terminal that many columns wide (stderr stays a pipe). Every run is
    bounded: `timeout` seconds, and (by default) SH_MEMORY_CAP of address space."""
    full = {k: v for k, v in os.environ.items() if k != "SUPPORTKPI_CONFIG"}
    full.update(env or {})
    if terminal is not None:
        return _on_terminal(list(args), terminal, cwd, full, timeout, preexec_fn)
    fed = stdin.encode() if isinstance(stdin, str) else stdin
    done = subprocess.run(
        [console_script(), *args],
        cwd=cwd,
        input=fed if isinstance(fed, bytes) else None,
        stdin=None if isinstance(fed, bytes) else fed,
        capture_output=True,
        env=full,
        timeout=timeout,
        preexec_fn=preexec_fn or _memory_capped,
    )
    return Run(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def _on_terminal(
    args: list[str],
    columns: int,
    cwd: str | Path | None,
    env: dict[str, str],
    timeout: float,
    preexec_fn: Callable[[], None] | None,
) -> Run:
    """`sh` with stdout on a pseudo-terminal `columns` wide, read as the child writes
    (a pty holds only a few KB)."""
    import fcntl
    import pty
    import struct
    import termios
    import threading

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**env, "COLUMNS": str(columns), "LINES": "50"}
    child = subprocess.Popen(
        [console_script(), *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=preexec_fn or _memory_capped,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        _, err = child.communicate(timeout=timeout)
    finally:
        child.kill()
        reader.join(timeout=10)
        os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return Run(child.returncode, out, err.decode("utf-8", "replace"))


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[Any]],
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def result(doc: dict[str, Any], kpi: str, **group: str) -> dict[str, Any]:
    """The result row of `kpi` for exactly this group (no kwargs: overall)."""
    hits = [r for r in doc["results"] if r["kpi"] == kpi and r["group"] == group]
    assert len(hits) == 1, f"{kpi} {group}: {len(hits)} rows"
    return hits[0]


def value(doc: dict[str, Any], kpi: str, **group: str) -> Any:
    return result(doc, kpi, **group)["value"]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so no ./targets.yaml is picked up by accident."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
