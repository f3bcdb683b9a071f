#!/usr/bin/env python3
"""The benchmark harness's KPI set (../shared/perf/KPISET.md), computed by supportkpi.

Usage: python skpi_kpiset.py TICKETS SURVEYS [--dump FILE]

Runs exactly what a user would run —

    supportkpi compute --config benchmarks/perf.yaml -t TICKETS -s SURVEYS --cohort \\
        --kpi <the KPI set> --by week,channel --by priority --by agent --format json

— in this process (the same imports and work as the console script). With --dump, the
JSON is converted to the harness's canonical layout (kpicheck.py) so `compare.py` can
check it against the DuckDB reference; without it, the JSON goes to stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KPIS = (
    "tickets,first_response_time,first_response_time_median,first_response_time_p90,"
    "resolution_time,resolution_time_median,fcr_rate,escalation_rate,reopen_rate,handle_time,"
    "sla_first_response,sla_resolution,csat,nps,ces"
)
# KPISET column -> (supportkpi KPI, divisor to KPISET's unit)
METRICS = {
    "tickets": ("tickets", 1),
    "frt_mean_h": ("first_response_time", 3600),
    "frt_median_h": ("first_response_time_median", 3600),
    "frt_p90_h": ("first_response_time_p90", 3600),
    "res_mean_h": ("resolution_time", 3600),
    "res_median_h": ("resolution_time_median", 3600),
    "fcr_pct": ("fcr_rate", 1),
    "escalation_pct": ("escalation_rate", 1),
    "reopen_pct": ("reopen_rate", 1),
    "aht_min": ("handle_time", 60),
    "fr_sla_pct": ("sla_first_response", 1),
    "res_sla_pct": ("sla_resolution", 1),
    "csat_pct": ("csat", 1),
    "nps": ("nps", 1),
    "ces_mean": ("ces", 1),
}


def argv(tickets: str, surveys: str) -> list[str]:
    return [
        "compute",
        "--config",
        os.path.join(HERE, "perf.yaml"),
        "-t",
        tickets,
        "-s",
        surveys,
        "--cohort",
        "--kpi",
        KPIS,
        "--by",
        "week,channel",
        "--by",
        "priority",
        "--by",
        "agent",
        "--format",
        "json",
    ]


def canonical(doc: dict) -> dict:
    """supportkpi's results -> {table: (columns, rows)} as kpicheck.emit expects."""
    rows: dict[tuple, dict[str, float | None]] = {}
    for r in doc["results"]:
        rows.setdefault(tuple(r["group"].items()), {})[r["kpi"]] = r

    def val(cells: dict, col: str) -> float | None:
        kpi, div = METRICS[col]
        v = cells[kpi]["value"]
        return None if v is None else v / div

    def week(label: str) -> int:  # 2025-W02 -> 202502
        year, w = label.split("-W")
        return int(year) * 100 + int(w)

    out: dict[str, tuple[list[str], list[list]]] = {}
    cols = list(METRICS)
    overall = rows[()]
    out["overall"] = (cols, [[val(overall, c) for c in cols]])
    wc = [
        [week(dict(k)["week"]), dict(k)["channel"], *[val(v, c) for c in cols]]
        for k, v in rows.items()
        if [n for n, _ in k] == ["week", "channel"]
    ]
    out["by_week_channel"] = (["week", "channel", *cols], wc)
    pr = []
    for k, v in rows.items():
        if [n for n, _ in k] == ["priority"]:
            fr, res = v["sla_first_response"], v["sla_resolution"]
            pr.append(
                [
                    dict(k)["priority"],
                    v["tickets"]["value"],
                    fr["n"],
                    fr["value"],
                    res["n"],
                    res["value"],
                ]
            )
    out["by_priority"] = (
        ["priority", "tickets", "fr_sla_n", "fr_sla_pct", "res_sla_n", "res_sla_pct"],
        pr,
    )
    ag = [
        [
            dict(k)["agent"],
            v["tickets"]["value"],
            val(v, "frt_median_h"),
            val(v, "csat_pct"),
            val(v, "fcr_pct"),
        ]
        for k, v in rows.items()
        if [n for n, _ in k] == ["agent"]
    ]
    out["by_agent"] = (["agent", "tickets", "frt_median_h", "csat_pct", "fcr_pct"], ag)
    return out


def main() -> int:
    args = sys.argv[1:]
    dump = None
    if "--dump" in args:
        i = args.index("--dump")
        dump = args[i + 1]
        del args[i : i + 2]
    tickets, surveys = args
    from supportkpi.cli.app import main as cli_main

    if dump is None:
        try:
            cli_main(argv(tickets, surveys))
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            cli_main(argv(tickets, surveys))
        except SystemExit as exc:
            if exc.code:
                return int(exc.code)
    harness = os.environ.get("KPISET_HARNESS", os.path.join(HERE, "..", "..", "shared", "perf"))
    sys.path.insert(0, harness)
    import kpicheck  # the harness's canonical layout and checksum

    kpicheck.emit(canonical(json.loads(buf.getvalue())), dump, label="supportkpi")
    return 0


if __name__ == "__main__":
    sys.exit(main())
