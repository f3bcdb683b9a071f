"""JSON: the document of SPEC §6, unrounded.

The envelope is indented for reading; each result is one compact line, written by the
C encoder — a report with thousands of groups renders in milliseconds.
"""

from __future__ import annotations

import json

from ..report import Report


def render(report: Report) -> str:
    doc = report.to_dict()
    results = doc.pop("results")
    tickets = doc.pop("tickets", None)
    head = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    parts = [head[:-2], ',\n  "results": ' + _lines(results)]
    if tickets is not None:
        parts.append(',\n  "tickets": ' + _lines(tickets))
    return "".join(parts) + "\n}\n"


def _lines(items: list) -> str:
    if not items:
        return "[]"
    body = ",\n    ".join(json.dumps(i, ensure_ascii=False, allow_nan=False) for i in items)
    return "[\n    " + body + "\n  ]"
