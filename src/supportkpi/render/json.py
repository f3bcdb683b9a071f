"""JSON: the document of SPEC §6, unrounded."""

from __future__ import annotations

import json

from ..report import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
