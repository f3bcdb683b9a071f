"""Progress on stderr for long runs: silent for the first seconds, then one spinner line.

The library reports what it is doing with `stage("reading tickets.csv")`; nothing is
shown unless the CLI opened `shown(...)` (a terminal on stderr, no --quiet) and the run
has lasted `DELAY` seconds — short runs and cron jobs never see it. rich is imported
only when the spinner actually appears, so start-up stays fast.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

DELAY = 2.0  # seconds before anything is shown


class _Spinner:
    def __init__(self) -> None:
        self.text = "working"
        self.lock = threading.Lock()
        self.status: Any = None
        self.closed = False
        self.timer = threading.Timer(DELAY, self._show)
        self.timer.daemon = True

    def _show(self) -> None:
        from rich.console import Console

        with self.lock:
            if self.closed:
                return
            self.status = Console(stderr=True).status(self.text, spinner="dots")
            self.status.start()

    def stage(self, text: str) -> None:
        with self.lock:
            self.text = text
            if self.status is not None:
                self.status.update(text)

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.closed = True
            if self.status is not None:
                self.status.stop()


_current: _Spinner | None = None


def stage(text: str) -> None:
    """Say what the run is doing now (a no-op unless the CLI shows progress)."""
    if _current is not None:
        _current.stage(text)


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
