"""The command line: options parsed, the library called, its report rendered.

`app.py` holds the Typer application and every command but `summary`, `compare` and
`staffing`, which live in `summary.py`, `compare.py` and `staffing.py` and register
themselves on the application when imported (here).
"""

from supportkpi.cli import compare as _compare  # noqa: F401  (registers `compare`)
from supportkpi.cli import staffing as _staffing  # noqa: F401  (registers `staffing`)
from supportkpi.cli import summary as _summary  # noqa: F401  (registers `summary`)
from supportkpi.cli.app import app, main

__all__ = ["app", "main"]
