"""JSON: the document of SPEC §6, unrounded.

The envelope is indented for reading; each result is one compact line, written by the
C encoder — a report with thousands of groups renders in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from supportkpi.reports.report import Report


def render(report: Report) -> str:
    doc = report.to_dict()
    results = doc.pop("results")
    tickets = doc.pop("tickets", None)
    head = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    parts = [head[:-2], ',\n  "results": ' + _lines(results)]
    if tickets is not None:
        parts.append(',\n  "tickets": ' + _lines(tickets))
    return "".join(parts) + "\n}\n"


_PRIVATE = object()  # "json's own c_make_encoder"


def _lines(items: list) -> str:
    if not items:
        return "[]"
    encode = _one_line_encoder()
    return "[\n    " + ",\n    ".join(encode(i) for i in items) + "\n  ]"


def _one_line_encoder(make: Any = _PRIVATE) -> Callable[[Any], str]:
    """`json.dumps(item, ensure_ascii=False, allow_nan=False)` as one reusable C encoder:
    dumps builds a new one per call, a third of the time for thousands of small items.
    `make`: json's private encoder factory (None where Python has no C accelerator)."""

    def dumps(item: Any) -> str:
        return json.dumps(item, ensure_ascii=False, allow_nan=False)

    if make is _PRIVATE:
        make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return dumps
    std = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
    try:  # no circular-reference markers: results are trees of plain values
        encoder = make(
            None, std.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, False
        )
        probe = {"k": [1, 0.1, None, True, "é\n"], "g": {}}
        if "".join(encoder(probe, 0)) != dumps(probe):
            return dumps
    except TypeError:  # a Python whose private encoder takes other arguments
        return dumps
    return lambda item: "".join(encoder(item, 0))
