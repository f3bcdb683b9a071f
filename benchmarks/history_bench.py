#!/usr/bin/env python3
"""The status history at 10M events (issue #19): the history KPIs and sla-check with
pauses against the read floor, in interleaved rounds.

    python benchmarks/history_bench.py --n 3            # 2M tickets, ≈ 10M events
    python benchmarks/history_bench.py --tickets 20000 --n 1   # a quick smoke run
    python benchmarks/history_bench.py --clocks business --ab /other/checkout/.venv/bin/python

Data (written once into benchmarks/data/, unless present): seeded numpy, vectorised, no
loop per ticket. Tickets have the canonical columns (ticket_id, created_at,
first_response_at, resolved_at, priority, channel, agent), created over 26 weeks up to
the as-of time; events (ticket_id, changed_at, status) follow each ticket's times as the
demo's `_status_history` does: new at creation, open at the first response, one or two
waits on the customer (pending) or a third party (on_hold) for some, solved at the
resolution (solved, reopened, solved again for a reopened ticket), closed three days
later. The events file is in time order (as a helpdesk's audit export is), not grouped
by ticket.

Each round runs, in this order: the floor, then compute and sla-check on the business
clock and on the calendar clock (configs history-business.yaml, history-calendar.yaml:
the same per-priority policies; sla.pause defaults: resolution paused in pending). The
first round warms the page cache and is dropped. Wall time of the whole process; peak
RSS from /usr/bin/time -f %M.

The floor: pyarrow.parquet.read_table of the events file's three columns (ticket_id,
changed_at, status) and of the tickets file's five columns sla-check reads (ticket_id,
created_at, first_response_at, resolved_at, priority; compute reads the same less
first_response_at), in one process, nothing else.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import bytecode
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
AS_OF = "2026-11-23T00:00:00Z"
WEEKS = 26
SEED = 19

HISTORY_KPIS = [
    f"{base}{suffix}"
    for base in ("requester_wait_time", "agent_work_time", "on_hold_time", "pending_time")
    for suffix in ("", "_median", "_p90")
]

FLOOR = (
    "import sys, pyarrow.parquet as pq; "
    "pq.read_table(sys.argv[1], columns=['ticket_id', 'changed_at', 'status']); "
    "pq.read_table(sys.argv[2], columns=['ticket_id', 'created_at', 'first_response_at',"
    " 'resolved_at', 'priority'])"
)

S = 1_000_000  # µs per second
H = 3600 * S
D = 24 * H


def _ts(us: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(us, type=pa.timestamp("us", tz="UTC"), mask=None if valid is None else ~valid)


def generate(n: int, tickets_path: str, events_path: str) -> tuple[int, int]:
    """Write n tickets and their status changes; returns (tickets, events)."""
    rng = np.random.default_rng(np.random.SeedSequence([SEED, n]))
    as_of = int(np.datetime64(AS_OF.rstrip("Z"), "us").astype(np.int64))
    start = as_of - WEEKS * 7 * D
    created = np.sort(rng.integers(start, as_of - H, n))
    priority = rng.choice(np.array(["P1", "P2", "P3", "P4"]), n, p=[0.05, 0.2, 0.5, 0.25])
    channel = rng.choice(
        np.array(["phone", "email", "chat", "self_service", "social"]),
        n,
        p=[0.26, 0.30, 0.28, 0.11, 0.05],
    )
    agent = np.char.add("agent_", np.char.zfill(rng.integers(1, 301, n).astype(str), 4))
    # first response: lognormal minutes to hours; 2 % not answered yet
    frt = (rng.lognormal(np.log(40 * 60), 1.2, n) * S).astype(np.int64) + S
    responded = created + frt
    fr = (rng.random(n) >= 0.02) & (responded < as_of)
    # resolution after the response: lognormal hours to days; the rest still open
    work = (rng.lognormal(np.log(10 * 3600), 1.3, n) * S).astype(np.int64) + S
    resolved = responded + work
    done = fr & (rng.random(n) >= 0.06) & (resolved < as_of)
    end = np.where(done, resolved, as_of)
    span = np.maximum(end - responded, 0)
    # the current status of a ticket not solved: new (no response), open, pending, on_hold
    u = rng.random(n)
    waiting_now = fr & ~done & (u < 0.5)
    now_kind = np.where(u < 0.35, "pending", "on_hold")
    # one or two waits (pending on the customer, on_hold on a third party)
    waits = fr & ((rng.random(n) < 0.5) | waiting_now)
    two = waits & ~waiting_now & (rng.random(n) < 0.3)
    kind1 = np.where(rng.random(n) < 0.75, "pending", "on_hold")
    kind2 = np.where(rng.random(n) < 0.75, "pending", "on_hold")
    a, b, c, d = np.sort(rng.uniform(0.02, 0.45, (4, n)), axis=0)
    w1_from = responded + (span * a).astype(np.int64)
    w1_to = responded + (span * b).astype(np.int64)
    w2_from = responded + (span * c).astype(np.int64)
    w2_to = responded + (span * d).astype(np.int64)
    kind1 = np.where(waiting_now & ~two, now_kind, kind1)
    last_wait_end = np.where(two, w2_to, np.where(waits, w1_to, responded))
    # reopened: solved part-way after the waits, open again, solved at the resolution
    again = done & (rng.random(n) < 0.1)
    first_solve = last_wait_end + ((resolved - last_wait_end) * 0.6).astype(np.int64)
    reopen_at = first_solve + ((resolved - first_solve) * 0.3).astype(np.int64)
    closed = done & (resolved + 3 * D <= as_of) & (rng.random(n) < 0.9)

    def every(state: str) -> np.ndarray:
        return np.full(n, state, dtype=object)

    parts = [
        (np.ones(n, bool), created, every("new")),
        (fr, responded, every("open")),
        (waits, w1_from, kind1.astype(object)),
        (waits & ~(waiting_now & ~two), w1_to, every("open")),
        (two, w2_from, kind2.astype(object)),
        (two, w2_to, every("open")),
        (again, first_solve, every("solved")),
        (again, reopen_at, every("open")),
        (done, resolved, every("solved")),
        (closed, resolved + 3 * D, every("closed")),
    ]
    at = [np.flatnonzero(mask) for mask, _, _ in parts]
    row = np.concatenate(at)
    when = np.concatenate([w[i] for (_, w, _), i in zip(parts, at, strict=True)])
    state = np.concatenate([st[i] for (_, _, st), i in zip(parts, at, strict=True)])
    step = np.concatenate([np.full(len(i), k, np.int8) for k, i in enumerate(at)])
    order = np.lexsort((step, row, when))  # time order, a ticket's changes in sequence
    row, when, state = row[order], when[order], state[order]
    ids = np.arange(1, n + 1, dtype=np.int64)
    tickets = pa.table(
        {
            "ticket_id": pa.array(ids),
            "created_at": _ts(created),
            "first_response_at": _ts(responded, fr),
            "resolved_at": _ts(resolved, done),
            "priority": pa.array(priority),
            "channel": pa.array(channel),
            "agent": pa.array(agent),
        }
    )
    events = pa.table(
        {
            "ticket_id": pa.array(ids[row]),
            "changed_at": _ts(when),
            "status": pa.array(state.astype(str)),
        }
    )
    for table, path in ((tickets, tickets_path), (events, events_path)):
        tmp = path + ".tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    return tickets.num_rows, events.num_rows


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run. The peak comes from /usr/bin/time's
    %M, not from os.wait4 on our own child: a child forked from this process (which
    holds numpy and pyarrow) starts with this process's high-water mark, and
    ru_maxrss would report that instead of the command's own."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, *cmd], stdout=subprocess.DEVNULL
        )
        wall = time.perf_counter() - start
        if proc.returncode not in (0, 1):  # 1: a priority missed its goal
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
        return wall, int(rss.read().split()[-1]) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tickets", type=int, default=2_000_000, help="tickets to generate")
    ap.add_argument("--n", type=int, default=3, help="measured rounds (plus one warm-up)")
    ap.add_argument("--as-of", default="2026-11-23T00:00:00Z")
    ap.add_argument("--generate-only", action="store_true")
    ap.add_argument(
        "--ab",
        metavar="PYTHON",
        help="A/B: also run compute and sla-check (business clock) with this interpreter's"
        " supportkpi (another install or checkout), in the same rounds",
    )
    ap.add_argument(
        "--clocks", nargs="+", default=["business", "calendar"], choices=["business", "calendar"]
    )
    args = ap.parse_args()
    os.makedirs(DATA, exist_ok=True)
    tickets = os.path.join(DATA, f"hist_tickets_{args.tickets}.parquet")
    events = os.path.join(DATA, f"hist_events_{args.tickets}.parquet")
    if not (os.path.exists(tickets) and os.path.exists(events)):
        t0 = time.perf_counter()
        nt, ne = generate(args.tickets, tickets, events)
        print(f"generated {nt:,} tickets, {ne:,} events in {time.perf_counter() - t0:.1f} s")
    nt = pq.ParquetFile(tickets).metadata.num_rows
    ne = pq.ParquetFile(events).metadata.num_rows
    print(f"data: {tickets} ({nt:,} rows), {events} ({ne:,} rows)")
    if args.generate_only:
        return 0
    bytecode.ensure()  # as an installed copy has it
    out = tempfile.mkdtemp()
    py = sys.executable
    kpis = ",".join([*HISTORY_KPIS, "sla_resolution"])
    cmds: dict[str, list[str]] = {"floor": [py, "-c", FLOOR, events, tickets]}
    runs_of = [(py, clock, "") for clock in args.clocks]
    if args.ab:
        runs_of += [(args.ab, clock, " (--ab)") for clock in args.clocks]
    for python, clock, tag in runs_of:
        config = os.path.join(HERE, f"history-{clock}.yaml")
        common = ["-t", tickets, "-e", events, "--config", config, "-f", "json"]
        stem = f"{clock}{'-ab' if tag else ''}.json"
        cmds[f"compute {clock}{tag}"] = [
            python, "-m", "supportkpi", "compute", *common, "-k", kpis, "--as-of", args.as_of,
            "-o", os.path.join(out, f"compute-{stem}"),
        ]  # fmt: skip
        cmds[f"sla-check {clock}{tag}"] = [
            python, "-m", "supportkpi", "sla-check", *common, "--as-of", args.as_of,
            "-o", os.path.join(out, f"sla-{stem}"),
        ]  # fmt: skip
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    for i in range(args.n + 1):  # the first round warms the page cache and is dropped
        load = os.getloadavg()[0]
        for name, cmd in cmds.items():
            r = timed(cmd)
            if i:
                runs[name].append(r)
        print(f"  round {i}/{args.n} done (load average {load:.2f})", file=sys.stderr)
    floor = runs["floor"]
    print(f"\n{nt:,} tickets, {ne:,} events; n = {args.n}, interleaved; ratio: median of the")
    print("per-round ratios to that round's floor; peak: the highest of the n runs")
    print("(/usr/bin/time %M)\n")
    print("| command | wall s median (min–max) | ratio to floor | peak MiB |")
    print("| --- | --- | --- | --- |")
    for name, rs in runs.items():
        walls = [w for w, _ in rs]
        ratio = statistics.median(w / f[0] for (w, _), f in zip(rs, floor, strict=True))
        print(
            f"| {name} | {statistics.median(walls):.2f} ({min(walls):.2f}–{max(walls):.2f}) "
            f"| {ratio:.2f}× | {max(m for _, m in rs):.0f} |"
        )
    print(f"\noutputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
