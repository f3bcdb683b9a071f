"""Progress on stderr for long runs: silent for the first seconds, then one spinner line.

The library reports what it is doing with `stage("reading tickets.csv")`; nothing is
shown unless the CLI opened `shown(...)` (a terminal on stderr, no --quiet) and the run
has lasted `DELAY` seconds — short runs and cron jobs never see it. rich is imported
only when the spinner actually appears, so start-up stays fast.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

DELAY = 2.0  # seconds before anything is shown (SUPPORTKPI_PROGRESS_AFTER overrides)


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get("SUPPORTKPI_PROGRESS_AFTER", DELAY)))
    except ValueError:
        return DELAY


class _Spinner:
    def __init__(self) -> None:
        self.text = "working"
        self.lock = threading.Lock()
        self.status: Any = None
        self.spinner: Any = None
        self.closed = False
        self.timer = threading.Timer(_delay(), self._show)
        self.timer.daemon = True

    def _show(self) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner

        with self.lock:
            if self.closed:
                return
            # not Console.status: its Live redirects sys.stdout into the console while it
            # runs, so a report written then lands on stderr, and `> out.csv` stays empty
            self.spinner = Spinner("dots", _plain(self.text))
            self.status = Live(
                self.spinner,
                console=Console(stderr=True),
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
                refresh_per_second=12.5,
            )
            self.status.start()

    def stage(self, text: str) -> None:
        with self.lock:
            self.text = text
            if self.status is not None:
                self.spinner.update(text=_plain(text))

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.closed = True
            if self.status is not None:
                self.status.stop()
                self.status = None


def _plain(text: str) -> Any:
    """The stage as plain text: a file name (from a folder anyone can write to) carries
    no rich markup and no escape sequence to the terminal."""
    from rich.text import Text

    from .errors import printable

    return Text(printable(text))


_current: _Spinner | None = None


def stage(text: str) -> None:
    """Say what the run is doing now (a no-op unless the CLI shows progress)."""
    if _current is not None:
        _current.stage(text)


def finish() -> None:
    """The run is about to write its result: take the spinner off the terminal first, so
    the two never interleave on a screen that shows both stdout and stderr."""
    if _current is not None:
        _current.close()


@contextlib.contextmanager
def shown(enabled: bool) -> Iterator[None]:
    global _current
    if not enabled:
        yield
        return
    spinner = _Spinner()
    _current = spinner
    spinner.timer.start()
    try:
        yield
    finally:
        spinner.close()
        _current = None
