"""Compile supportkpi's bytecode before timing it, as `pip install` does.

An editable install (`pip install -e`) with PYTHONDONTWRITEBYTECODE set (as on the
project machine) has no .pyc files: every run would compile ~40 modules from source
(≈ 50 ms) — a cost no installed copy has, and the tools it is compared with are
installed packages.
"""

from __future__ import annotations

import os
import subprocess
import sys


def ensure(python: str = sys.executable) -> None:
    where = subprocess.run(
        [python, "-c", "import os, supportkpi; print(os.path.dirname(supportkpi.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", where], check=True)
    assert os.path.isdir(os.path.join(where, "__pycache__"))
