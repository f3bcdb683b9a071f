"""Writing reports: atomically (temporary file + rename), never over an input file."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile

from .errors import UsageError


def _input_files(inputs: list[str]) -> list[str]:
    files: list[str] = []
    for spec in inputs:
        if spec == "-":
            continue
        if os.path.isdir(spec):
            files += [os.path.join(spec, f) for f in os.listdir(spec)]
        elif any(ch in spec for ch in "*?["):
            files += glob.glob(spec)
        else:
            files.append(spec)
    return files


# every file this run has read (exports, the config), by real path and by identity
# (device, inode): none may be written over, whether the output names it directly, through
# a symlink or a hard link
_READ: set[str] = set()
_READ_IDS: set[tuple[int, int]] = set()


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def mark_read(path: str) -> None:
    _READ.add(os.path.realpath(path))
    ident = _identity(path)
    if ident is not None:
        _READ_IDS.add(ident)


def forget_reads() -> None:
    _READ.clear()
    _READ_IDS.clear()


def write_atomic(path: str, text: str | bytes, inputs: list[str]) -> None:
    target = os.path.realpath(path)
    ident = _identity(target)
    for f in _input_files(inputs):
        if os.path.realpath(f) == target or (ident is not None and _identity(f) == ident):
            raise UsageError(
                f"--output {path} is one of the inputs; refusing to overwrite it",
                hint="name another file for the report",
            )
    if target in _READ or (ident is not None and ident in _READ_IDS):
        raise UsageError(
            f"--output {path} is a file this run read; refusing to overwrite it",
            hint="name another file for the report",
        )
    if os.path.isdir(target):
        raise UsageError(f"--output {path} is a folder", hint="name a file, e.g. report.json")
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"--output {path}: folder {os.path.dirname(path) or '.'} does not exist")
    data = text.encode("utf-8") if isinstance(text, str) else text
    if os.path.exists(target) and not os.path.isfile(target):
        # /dev/null, a FIFO, /dev/stdout: not a file to replace, just write to it
        with open(target, "wb") as fh:
            fh.write(data)
        return
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".supportkpi-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
