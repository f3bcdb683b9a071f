#!/usr/bin/env python3
"""Run the same commands with two installs of supportkpi and compare their outputs byte
for byte (apart from the version): the net under a restructuring that must change no
result.

    python benchmarks/same_outputs.py --old /path/to/old/venv/bin/supportkpi \\
        --new .venv/bin/supportkpi [--big DIR]

The commands cover compute (every breakdown kind, --every, --cohort, --compare, every
format that carries numbers), sla-check, summary, explain (one KPI of each statistic) and
validate on examples/, plus, with --big DIR (holding ../shared/perf/gen.py's
tickets_1000000.parquet and surveys_1000000.parquet), the same on 1M generated tickets,
in memory and in parts (--low-memory). Each pair of outputs is compared after the
"version" line is removed; the first differing line of each differing pair is printed.
Exit 1 when any pair differs or any exit code differs.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EX = "examples/"
ALL = [
    "-t", EX + "tickets.csv", "-s", EX + "surveys.csv", "-c", EX + "credits.csv",
    "--customers", EX + "customers.csv", "--agents", EX + "agents.csv",
]  # fmt: skip
# sla-check judges at now by default: a fixed instant makes two runs comparable
SLA = ["-t", EX + "tickets.csv", "--as-of", "2026-11-24T12:00:00Z"]
EXPLAINED = [
    "tickets", "backlog", "tickets_per_customer", "first_response_time",
    "first_response_time_p90", "fcr_rate", "sla_first_response", "sla_resolution", "csat",
    "nps", "credits_total",
]  # fmt: skip


def example_commands() -> list[list[str]]:
    cmds: list[list[str]] = []
    for fmt in ("json", "csv", "markdown", "table"):
        cmds.append(["compute", *ALL, "--by", "channel", "--by", "agent", "-f", fmt])
    cmds += [
        ["compute", *ALL, "--by", "channel,priority", "--by", "team", "-f", "json"],
        ["compute", *ALL, "--every", "week", "--by", "channel", "-f", "json"],
        ["compute", *ALL, "--every", "month", "-f", "json"],
        ["compute", *ALL, "--by", "week", "--by", "day", "-f", "json"],
        ["compute", *ALL, "--cohort", "--every", "week", "-f", "json"],
        ["compute", *ALL, "--period", "2026-W46", "--compare", "previous", "-f", "json"],
        ["compute", *ALL, "--from", "2026-11-01", "--to", "2026-11-20", "-f", "json"],
        ["compute", *ALL[:4], "--low-memory", "--by", "channel", "-f", "json"],
        ["compute", *ALL, "--config", "targets.yaml", "--by", "agent", "-f", "json"],
        ["compute", *ALL, "--config", "targets.yaml", "--by", "agent"],
        ["sla-check", *SLA, "-f", "json"],
        ["sla-check", *SLA, "--list", "all", "-f", "json"],
        ["sla-check", *SLA, "-f", "prometheus"],
        ["sla-check", *SLA, "--config", "targets.yaml"],
        ["summary", *ALL, "-f", "json"],
        ["summary", *ALL, "-f", "markdown"],
        ["summary", *ALL, "--config", "targets.yaml", "-f", "json"],
        ["summary", *ALL, "-f", "html"],
        ["validate", *ALL, "-f", "json"],
        ["kpis", "-f", "json"],
    ]
    for kpi in EXPLAINED:
        cmds.append(["explain", kpi, *ALL])
    cmds.append(["explain", "csat", *ALL, "--where", "channel=email"])
    return cmds


def big_commands(folder: str) -> list[list[str]]:
    t = os.path.join(folder, "tickets_1000000.parquet")
    s = os.path.join(folder, "surveys_1000000.parquet")
    base = ["-t", t, "-s", s, "--config", os.path.join(HERE, "perf.yaml")]
    return [
        ["compute", *base, "--by", "priority", "--by", "channel", "-f", "json"],
        ["compute", *base, "--every", "month", "--by", "priority", "-f", "json"],
        ["compute", *base, "--low-memory", "--by", "channel", "-f", "json"],
        [
            "sla-check",
            "-t",
            t,
            "--config",
            base[-1],
            "--as-of",
            "2026-01-04T00:00:00Z",
            "-f",
            "json",
        ],
        ["summary", *base, "-f", "json"],
        ["explain", "first_response_time_p90", *base, "--where", "priority=P1"],
    ]


_VERSION = re.compile(rb'"version": "[^"]*"|supportkpi_info\{version="[^"]*"\}')


def run(exe: str, args: list[str]) -> tuple[int, bytes]:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "SUPPORTKPI_CONFIG": ""}
    done = subprocess.run(
        [exe, *args, "-q"], cwd=ROOT, capture_output=True, env=env, stdin=subprocess.DEVNULL
    )
    return done.returncode, _VERSION.sub(b"VERSION", done.stdout + b"\n--stderr--\n" + done.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--big", help="folder with gen.py's 1M Parquet files")
    ap.add_argument("--only-big", action="store_true")
    args = ap.parse_args()
    cmds = [] if args.only_big else example_commands()
    if args.big:
        cmds += big_commands(args.big)
    differing = 0
    for cmd in cmds:
        (rc_old, out_old), (rc_new, out_new) = run(args.old, cmd), run(args.new, cmd)
        same = rc_old == rc_new and out_old == out_new
        print(
            ("same  " if same else "DIFF  ") + f"rc={rc_old}  {len(out_old):>9} B  " + " ".join(cmd)
        )
        if not same:
            differing += 1
            a, b = out_old.splitlines(), out_new.splitlines()
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                if x != y:
                    print(f"      line {i + 1}:\n      - {x[:200]!r}\n      + {y[:200]!r}")
                    break
            else:
                print(f"      lengths {len(a)} vs {len(b)} lines; rc {rc_old} vs {rc_new}")
    print(f"{len(cmds) - differing} of {len(cmds)} outputs identical")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
