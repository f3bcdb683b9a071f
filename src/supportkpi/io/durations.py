"""Durations as people write them in a config (`90s`, `15m`, `2h`, `3d`, `1h30m`) and back."""

from __future__ import annotations

import re

_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+$")


def parse_duration(text: str) -> float:
    """Seconds in a duration like `90s`, `15m`, `2h`, `3d`, `1w` or `1h30m`.

    Raises ValueError (with the accepted forms) for anything else, including a bare
    number: a bare `15` could mean minutes or hours, so it is never guessed.
    """
    if not isinstance(text, str) or not _WHOLE.match(text):
        raise ValueError(f"expected a duration like 15m, got {text!r}")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(text))


def format_duration(seconds: float | None) -> str:
    """Short human form for display: `45s`, `12m 30s`, `3h 05m`, `2d 4h`."""
    if seconds is None or seconds != seconds:
        return "—"
    sign = "-" if seconds < 0 else ""
    s = abs(float(seconds))
    if s < 60:
        return f"{sign}{s:.0f}s" if s >= 10 or s == int(s) else f"{sign}{s:.1f}s"
    if s < 3600:
        m, sec = divmod(round(s), 60)
        return f"{sign}{m}m {sec:02d}s"
    if s < 86400:
        h, rem = divmod(round(s / 60), 60)
        return f"{sign}{h}h {rem:02d}m"
    d, rem = divmod(round(s / 3600), 24)
    return f"{sign}{d}d {rem}h"


def format_duration_spec(seconds: float) -> str:
    """The config form of a duration (`15m`, `2h`, `90s`), exact when possible."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
