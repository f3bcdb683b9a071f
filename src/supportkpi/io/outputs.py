"""Writing reports: atomically (temporary file + rename), never over an input file, never
through someone else's symlink, with the mode of the file replaced (else the umask).

supportkpi runs from cron, as root, in shared folders: the output path is checked before
anything is written (an input, a folder, a link another user planted), the temporary
file is created exclusively beside the output and removed on every way out (signals
included: the CLI turns SIGTERM and SIGHUP into an exception), and the previous report
stays intact until the new one is complete.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import tempfile

from supportkpi.errors import UsageError


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


# every file this run has read (exports, the config, stdin when it is a file), by real
# path and by identity (device, inode): none may be written over, whether the output
# names it directly, through a symlink or a hard link
_READ: set[str] = set()
_READ_IDS: set[tuple[int, int]] = set()


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def mark_read(path: str) -> None:
    _READ.add(os.path.realpath(path))
    ident = _identity(path)
    if ident is not None:
        _READ_IDS.add(ident)


def mark_read_stdin() -> None:
    """Standard input read from a file (`-t - < t.csv`): that file is an input too."""
    with contextlib.suppress(OSError, ValueError):
        st = os.fstat(0)
        if stat.S_ISREG(st.st_mode):
            _READ_IDS.add((st.st_dev, st.st_ino))


def forget_reads() -> None:
    _READ.clear()
    _READ_IDS.clear()


def write_atomic(path: str, text: str | bytes, inputs: list[str], option: str = "--output") -> None:
    """Write `text` to `path` as one complete file (or not at all). `option` names the
    path in messages (--output, --rejects…)."""
    shown = f"{option} {path}" if option else path
    target = _checked_target(path, inputs, shown)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        if os.path.exists(target) and not os.path.isfile(target):
            # /dev/null, a FIFO, /dev/stdout: not a file to replace, just write to it
            with open(target, "wb") as fh:
                fh.write(data)
            return
        _replace(target, data)
    except OSError as exc:
        raise UsageError(
            f"{shown}: cannot write: {exc.strerror or exc}",
            hint="check the folder's free space, permissions and file-size limit",
        ) from exc


def _checked_target(path: str, inputs: list[str], shown: str) -> str:
    """The file to write: `path`, or where a symlink of the user's own points."""
    if os.path.isdir(path):
        raise UsageError(f"{shown} is a folder", hint="name a file, e.g. report.json")
    if path.endswith((os.sep, "/")):
        raise UsageError(f"{shown} ends with '/': a folder", hint="name a file, e.g. report.json")
    try:
        link = os.lstat(path)
    except OSError:
        link = None
    if link is not None and stat.S_ISLNK(link.st_mode) and link.st_uid != os.geteuid():
        # in a shared folder (/tmp) another user's link would have us write where it
        # points, with our rights
        raise UsageError(
            f"{shown} is a symbolic link owned by another user; refusing to write through it",
            hint="remove the link, or write the report elsewhere",
        )
    target = os.path.realpath(path)
    ident = _identity(target)
    for f in _input_files(inputs):
        if os.path.realpath(f) == target or (ident is not None and _identity(f) == ident):
            raise UsageError(
                f"{shown} is one of the inputs; refusing to overwrite it",
                hint="name another file for the report",
            )
    if target in _READ or (ident is not None and ident in _READ_IDS):
        raise UsageError(
            f"{shown} is a file this run read; refusing to overwrite it",
            hint="name another file for the report",
        )
    if os.path.isdir(target):
        raise UsageError(f"{shown} is a folder", hint="name a file, e.g. report.json")
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"{shown}: folder {os.path.dirname(path) or '.'} does not exist")
    return target


def _replace(target: str, data: bytes) -> None:
    folder = os.path.dirname(target) or "."
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)  # the report replaced keeps its mode
    except FileNotFoundError:
        mode = 0o666 & ~_umask()  # a new one: as any program's new file
    tmp = None
    try:
        # mkstemp: O_EXCL, mode 0600, in the output's own folder (rename stays atomic)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".supportkpi-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask
