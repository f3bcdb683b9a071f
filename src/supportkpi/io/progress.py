"""Progress on stderr for long runs: silent for the first seconds, then one line that
tells how far the run is — bytes or rows done with a bar, the rate and the time left
while a file is read or written, then each later stage by name.

The library reports what it does with `stage("computing KPIs")`, and the size of a piece
of work with `measured(...)` (a total, and how to ask the position, or `advance`);
nothing is shown unless the CLI opened `shown(...)` (a terminal on stderr, no --quiet)
and the run has lasted `DELAY` seconds — short runs and cron jobs never see it. Until
then nothing is asked of the work: the position is read only when a frame is drawn.
rich is imported only when the line actually appears, so start-up stays fast.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

DELAY = 2.0  # seconds before anything is shown (SUPPORTKPI_PROGRESS_AFTER overrides)


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get("SUPPORTKPI_PROGRESS_AFTER", DELAY)))
    except ValueError:
        return DELAY


class _Display:
    def __init__(self) -> None:
        self.text = "working"
        # re-entrant: starting the line draws a frame, which asks `poll` for the position
        self.lock = threading.RLock()
        self.progress: Any = None
        self.task: Any = None
        self.closed = False
        # the measured work under way: its total, its unit, how to ask the position
        self.total: int | None = None
        self.unit = "rows"
        self.position: Callable[[], int] | None = None
        self.done = 0
        self.timer = threading.Timer(_delay(), self._show)
        self.timer.daemon = True

    def _show(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.progress = _progress(self)
            self._new_task()
            self.progress.start()

    def _new_task(self) -> None:
        """A task per piece of work: its own rate and estimate (and rich keeps a total
        once given: a stage after a measured read has none)."""
        if self.task is not None:
            old, self.task = self.task, None  # (adding a task draws a frame: no polling it)
            self.progress.remove_task(old)
        self.task = self.progress.add_task(
            _plain(self.text), total=self.total, unit=self.unit, start=True
        )
        self._update()

    def poll(self) -> None:
        """Before a frame is drawn: where the work is now. Never waits: the thread that
        holds the lock may be waiting for rich's, which the one drawing holds; that frame
        then shows the position of the one before."""
        if not self.lock.acquire(blocking=False):
            return
        try:
            if self.progress is not None:
                self._update()
        finally:
            self.lock.release()

    def _update(self) -> None:
        if self.position is not None:
            with contextlib.suppress(Exception):  # a file closed under us: keep the last
                self.done = int(self.position())
        if self.total is not None and self.task is not None:
            self.progress.update(self.task, completed=self.done)

    def measure(
        self, text: str, total: int | None, unit: str, position: Callable[[], int] | None
    ) -> None:
        with self.lock:
            self.text, self.total, self.unit, self.position = text, total, unit, position
            self.done = 0
            if self.progress is not None:
                self._new_task()

    def advance(self, amount: int) -> None:
        self.done += amount  # (one writer: the thread doing the work)

    def refresh(self) -> None:
        """Draw a frame now (outside the lock: drawing polls, under rich's own lock)."""
        progress = self.progress
        if progress is not None:
            progress.refresh()

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.closed = True
            progress, self.progress = self.progress, None
        if progress is not None:  # (rich's refresh thread may be waiting for our lock)
            progress.stop()


def _progress(display: _Display) -> Any:
    """rich's progress line on stderr, asking `display` for the position at each frame.
    Not rich's defaults: they redirect sys.stdout into the console while the line shows,
    so a report written then lands on stderr, and `> out.csv` stays empty."""
    from rich.console import Console
    from rich.filesize import decimal
    from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn
    from rich.table import Column
    from rich.text import Text

    def amount(value: float, unit: str) -> str:
        """`56.8 MB`, `400k`, `1.2M`: short, so the line fits 80 columns."""
        if unit == "bytes":
            return str(decimal(int(value)))
        for size, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
            if value >= size:
                scaled = value / (size if suffix != "k" else 1e3)
                return f"{scaled:.1f}{suffix}" if scaled < 100 else f"{scaled:.0f}{suffix}"
        return f"{value:,.0f}"

    class Bar(BarColumn):
        """The bar of measured work; none for a stage (a pulsing bar tells nothing)."""

        def render(self, task: Any) -> Any:
            return Text("") if task.total is None else super().render(task)

    class HowFar(ProgressColumn):
        """`25.2/56.8 MB  35.0 MB/s  0:01 left`, `400k/1.0M rows  52k/s  0:12 left`"""

        def render(self, task: Any) -> Any:
            if task.total is None:
                return Text("")
            unit = task.fields.get("unit", "rows")
            if unit == "bytes":
                total = str(decimal(int(task.total)))
                number = total.split(" ", 1)[0]
                done = f"{int(task.completed) / int(task.total) * float(number):.1f}"
                shown = [f"{done}/{total}"]
            else:
                shown = [f"{amount(task.completed, unit)}/{amount(task.total, unit)} {unit}"]
            speed = task.finished_speed or task.speed
            if speed:
                shown.append(f"{amount(speed, unit)}/s")
            left = task.time_remaining
            if left is not None and not task.finished:
                minutes, seconds = divmod(int(left + 0.5), 60)
                shown.append(f"{minutes}:{seconds:02d} left")
            return Text("  ".join(shown))

    class Polled(Progress):
        def get_renderable(self) -> Any:
            display.poll()
            return super().get_renderable()

    def one_line() -> Column:  # a long file name is cut, the line never wraps
        return Column(no_wrap=True, overflow="ellipsis")

    return Polled(
        SpinnerColumn("dots"),
        TextColumn(
            "{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)
        ),
        Bar(bar_width=16, table_column=one_line()),
        HowFar(table_column=one_line()),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
        refresh_per_second=12.5,
        speed_estimate_period=10.0,
    )


def _plain(text: str) -> Any:
    """The stage as plain text: a file name (from a folder anyone can write to) carries
    no rich markup and no escape sequence to the terminal."""
    from rich.text import Text

    from supportkpi.errors import printable

    return Text(printable(text))


_current: _Display | None = None


def active() -> bool:
    """Whether progress may be shown (the CLI on a terminal): work may then be set up to
    tell its position, which it need not otherwise."""
    return _current is not None


def stage(text: str) -> None:
    """Say what the run is doing now (a no-op unless the CLI shows progress)."""
    if _current is not None:
        _current.measure(text, None, "rows", None)


@contextlib.contextmanager
def measured(
    text: str,
    total: int,
    unit: str = "rows",
    position: Callable[[], int] | None = None,
    then: str | None = None,
) -> Iterator[Callable[[int], None]]:
    """Work of a known size, `total` bytes or rows: its position is asked of `position`
    when a frame is drawn, or counted by calling what this yields with each amount done.
    `then`: the stage after it (default: the stage before it). A no-op unless progress
    is shown."""
    display = _current
    if display is None or total <= 0:
        yield _nothing
        return
    before = display.text
    display.measure(text, total, unit, position)
    try:
        yield display.advance
    finally:
        display.refresh()  # the last frame: all of it, at the rate it took
        display.measure(then or before, None, "rows", None)


def _nothing(amount: int) -> None:
    return None


def finish() -> None:
    """The run is about to write its result: take the line off the terminal first, so
    the two never interleave on a screen that shows both stdout and stderr."""
    if _current is not None:
        _current.close()


@contextlib.contextmanager
def shown(enabled: bool) -> Iterator[None]:
    global _current
    if not enabled:
        yield
        return
    display = _Display()
    _current = display
    if display.timer.interval == 0:
        display._show()  # at once: a run that takes less than a frame still shows
    else:
        display.timer.start()
    try:
        yield
    finally:
        display.close()
        _current = None
