"""Limits (issue #21, item 1): no small or endless input takes unbounded memory or time.

Each case runs the installed console script in a child process under an address-space
cap (RLIMIT_AS) and a time limit (past it the child is killed and the test fails), and
checks what a cron job's owner sees: the exit code, one stderr line naming the file,
and the inputs byte-identical. The hostile inputs are made here, small on disk.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import resource
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from conftest import ROOT, Run, sh

# numpy and pyarrow reserve address space: reading 100 MB of CSV takes 390 MB of memory
# and fails under a 1.5 GB cap
MEMORY_CAP = 2 << 30
TIME_LIMIT = 20.0  # seconds; every case here ends in a few


def capped(
    *args: str,
    cwd: Path,
    stdin: bytes | IO[bytes] | int | None = None,
    timeout: float = TIME_LIMIT,
) -> Run:
    """`supportkpi ARGS` in a child process limited to MEMORY_CAP of address space and
    killed after `timeout` seconds (subprocess.TimeoutExpired fails the test)."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return sh(*args, cwd=cwd, stdin=stdin, timeout=timeout, preexec_fn=cap)


def refused(r: Run, *fragments: str) -> None:
    """Exit 2 with exactly one line on stderr, holding every fragment."""
    assert r.code == 2, (r.code, r.err[-2000:])
    lines = r.err.splitlines()
    assert len(lines) == 1, r.err[-2000:]
    assert lines[0].startswith("supportkpi: error: "), lines[0]
    assert "internal error" not in lines[0] and "out of memory" not in lines[0], lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class Inputs:
    """A folder of inputs that no run may change: `kept()` once they are written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.before: dict[str, str] = {}

    def kept(self) -> Path:
        self.before.update(digests(self.path))
        return self.path

    def check(self) -> None:
        after = digests(self.path)
        assert {k: after.get(k) for k in self.before} == self.before


@pytest.fixture
def inputs(tmp_path: Path) -> Iterator[Inputs]:
    folder = Inputs(tmp_path)
    yield folder
    folder.check()


def tickets_csv(rows: list[tuple[int, str]], agents: int = 26) -> bytes:
    """ticket_id,created_at,resolved_at,priority,agent: a ticket per (id, created_at)."""
    out = ["ticket_id,created_at,resolved_at,priority,agent"]
    for i, created in rows:
        out.append(f"{i},{created},,P{1 + i % 4},agent{i % agents}")
    return ("\n".join(out) + "\n").encode()


def year_2026(n: int) -> list[tuple[int, str]]:
    """n tickets over 2026, at 10:00 UTC."""
    day0 = dt.date(2026, 1, 1)
    return [(i, f"{day0 + dt.timedelta(days=i % 365)}T10:00:00Z") for i in range(1, n + 1)]


# ------------------------------------------------------------------ the cap itself
def test_the_shipped_examples_run_under_the_memory_cap() -> None:
    """The cap leaves room for normal work: compute, summary and sla-check on the shipped
    examples."""
    for args, code in (
        (("compute", "--by", "channel", "-f", "json"), 0),
        (("summary", "-f", "json"), 0),
        (("sla-check", "--as-of", "2026-12-01", "-f", "json"), 1),  # some priorities miss
    ):
        r = capped(*args, cwd=ROOT)
        assert r.code == code, (args, r.err)
        json.loads(r.out)


# ------------------------------------------------------------------ stdin and pipes
def test_stdin_of_zeros_is_refused_at_once(inputs: Inputs) -> None:
    """`compute -t - < /dev/zero`: refused from its first 64 KB, as a file would be."""
    inputs.kept()
    with open("/dev/zero", "rb") as zeros:
        r = capped("compute", "-t", "-", cwd=inputs.path, stdin=zeros, timeout=10)
    refused(r, "<stdin>", "binary data")


def test_summary_of_zeros_is_refused_at_once(inputs: Inputs) -> None:
    """summary reads stdin once for its several runs: bounded the same way."""
    inputs.kept()
    with open("/dev/zero", "rb") as zeros:
        r = capped("summary", "-t", "-", cwd=inputs.path, stdin=zeros, timeout=10)
    refused(r, "<stdin>", "binary data")


def test_endless_csv_on_stdin_stops_at_the_stdin_limit(inputs: Inputs) -> None:
    """`yes ticket_id,created_at | supportkpi compute -t -`: valid CSV without end is
    read up to limits.stdin_mb (1024 MB by default), then refused with what to do."""
    inputs.kept()
    yes = subprocess.Popen(["yes", "ticket_id,created_at"], stdout=subprocess.PIPE)
    try:
        assert yes.stdout is not None
        r = capped("compute", "-t", "-", cwd=inputs.path, stdin=yes.stdout)
    finally:
        yes.kill()
        yes.wait()
    refused(r, "<stdin>", "more than 1024 MB", "limits.stdin_mb")


def test_the_stdin_limit_is_the_config_s(inputs: Inputs) -> None:
    data = tickets_csv(year_2026(3000))
    (inputs.path / "targets.yaml").write_text("limits: {stdin_mb: 1}\n")
    inputs.kept()
    big = data * 20  # 20 copies (the same ids, again and again): over 1 MB
    assert len(big) > 1 << 20 > len(data)
    r = capped("compute", "-t", "-", "--kpi", "tickets", cwd=inputs.path, stdin=big)
    refused(r, "<stdin>", "more than 1 MB")
    r = capped("compute", "-t", "-", "--kpi", "tickets", "-f", "json", cwd=inputs.path, stdin=data)
    assert r.code == 0, r.err
    assert json.loads(r.out)["results"][0]["value"] == 3000


@contextmanager
def fifo_fed(path: Path, data: bytes) -> Iterator[None]:
    """A named pipe at `path`, a writer feeding it `data` once."""
    os.mkfifo(path)
    failed: list[BaseException] = []

    def feed() -> None:
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except BrokenPipeError as exc:  # the reader closed it early
            failed.append(exc)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield
    finally:
        if writer.is_alive():  # no reader came: open one, so that the writer ends
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
        writer.join(5)


def test_named_pipe_is_read_once(inputs: Inputs) -> None:
    """`mkfifo f; cat t.csv > f & supportkpi compute -t f`: opened once (twice, it
    waited for ever for a second writer)."""
    data = tickets_csv(year_2026(5000))  # past the 64 KB sniffed first
    assert len(data) > 1 << 16
    with fifo_fed(inputs.path / "f", data):
        r = capped("compute", "-t", "f", "--kpi", "tickets", "-f", "json", cwd=inputs.path)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["results"][0]["value"] == 5000
    assert doc["inputs"][0]["rows_read"] == 5000


def test_named_pipe_in_a_summary_is_read_once(inputs: Inputs) -> None:
    """summary runs the engine several times over its inputs: a pipe is read once."""
    rows = year_2026(2000)
    with fifo_fed(inputs.path / "f", tickets_csv(rows)):
        r = capped("summary", "-t", "f", "--period", "2026-W10", "-f", "json", cwd=inputs.path)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert [i["paths"] for i in doc["inputs"]] == [["f"]]
    week = {str(dt.date(2026, 3, 2) + dt.timedelta(days=d)) for d in range(7)}  # 2026-W10
    tickets = next(h for h in doc["headline"] if h["kpi"] == "tickets")
    assert tickets["value"] == sum(created[:10] in week for _, created in rows)


def test_an_error_in_a_summary_of_a_pipe_names_the_pipe(inputs: Inputs) -> None:
    """Not the temporary file that holds it for the summary's several runs."""
    with fifo_fed(inputs.path / "f", b"ticket_id,agent\n1,Ann\n"):
        r = capped("summary", "-t", "f", cwd=inputs.path)
    refused(r, "error: f: missing required column created_at")
    r = capped("summary", "-t", "-", cwd=inputs.path, stdin=b"ticket_id,agent\n1,Ann\n")
    refused(r, "error: <stdin>: missing required column created_at")


# ------------------------------------------------------------------ the config
def test_config_too_large_is_refused_before_it_is_parsed(inputs: Inputs) -> None:
    """A 4 MB targets.yaml took over 15 s to parse: refused by its size, at once."""
    body = "".join(f"    value_{i}: chat\n" for i in range(200_000))
    (inputs.path / "big.yaml").write_text("values:\n  channel:\n" + body)
    (inputs.path / "t.csv").write_bytes(tickets_csv(year_2026(10)))
    inputs.kept()
    r = capped("compute", "-t", "t.csv", "--config", "big.yaml", cwd=inputs.path, timeout=10)
    refused(r, "big.yaml", "larger than 256 KB")


def test_aliased_long_string_is_refused(inputs: Inputs) -> None:
    """The issue's 1.1 MB config (a 1 MB string aliased 19,000 times) is refused by its
    size; under the size limit, a 100 KB string aliased 19,000 times (1.9 GB of text
    for the CSV reader's missing values) is refused by the expanded size."""
    (inputs.path / "t.csv").write_bytes(tickets_csv(year_2026(10)))
    for name, size, fragment in (
        ("huge.yaml", 1 << 20, "larger than 256 KB"),
        ("bomb.yaml", 100 << 10, "more than 4,000,000 characters"),
    ):
        text = f"actions:\n  csat: [&a '{'x' * size}']\nmissing_values: ["
        (inputs.path / name).write_text(text + ", ".join(["*a"] * 19_000) + "]\n")
        inputs.kept()
        r = capped("compute", "-t", "t.csv", "--config", name, cwd=inputs.path)
        refused(r, name, fragment)


# ------------------------------------------------------------------ business hours
ONE_MINUTE_A_WEEK = 'clock: business\nbusiness_hours: {sun: ["00:00-00:01"]}\n'


def sla_config(resolution: str) -> str:
    return ONE_MINUTE_A_WEEK + (
        "sla:\n  policies:\n"
        + "".join(f"    P{p}: {{first_response: 1m, resolution: {resolution}}}\n" for p in "1234")
    )


@pytest.mark.parametrize("target", ["36000d", "365d"])
def test_target_beyond_reach_of_a_tiny_schedule_is_refused(inputs: Inputs, target: str) -> None:
    """Open one minute a week, 36000d took 2 GB and 365d an OverflowError: a target
    whose due time is more than 100 years of the schedule away is a config error."""
    (inputs.path / "targets.yaml").write_text(sla_config(target))
    (inputs.path / "t.csv").write_bytes(tickets_csv([(1, "2026-11-02T09:00:00Z")]))
    inputs.kept()
    r = capped("sla-check", "-t", "t.csv", "--as-of", "2026-12-01", cwd=inputs.path)
    refused(r, "targets.yaml:5: sla.policies.P1.resolution", f"{target} of business hours")


def test_long_target_within_reach_falls_due_where_counted_by_hand(inputs: Inputs) -> None:
    """The longest target allowed on that schedule still gets its due time: 86h is
    5,160 open minutes, one a week from the first Sunday after creation."""
    (inputs.path / "targets.yaml").write_text(sla_config("86h"))
    (inputs.path / "t.csv").write_bytes(tickets_csv([(1, "2026-11-02T09:00:00Z")]))
    inputs.kept()
    r = capped(
        "sla-check", "-t", "t.csv", "--as-of", "2026-12-01", "--list", "all", "-f", "json",
        cwd=inputs.path,
    )  # fmt: skip
    assert r.code in (0, 1), r.err
    row = next(t for t in json.loads(r.out)["tickets"] if t["target"] == "resolution")
    first_sunday = dt.datetime(2026, 11, 8, 0, 1, tzinfo=dt.UTC)  # Mon 2 Nov: Sun 8 Nov
    due = first_sunday + dt.timedelta(weeks=86 * 60 - 1)
    assert row["due_at"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------ far-off timestamps
def test_mistyped_year_is_rejected_and_the_series_stays_short(inputs: Inputs) -> None:
    """One ticket of the year 0026 among 2,000 of 2026 made `--every week --by agent`
    2.7M rows (1.5 GB, 36 s): it is rejected (E030) and counted."""
    rows = year_2026(2000)
    rows[499] = (rows[499][0], "0026" + rows[499][1][4:])
    (inputs.path / "t.csv").write_bytes(tickets_csv(rows))
    inputs.kept()
    r = capped(
        "compute", "-t", "t.csv", "--every", "week", "--by", "agent", "--kpi", "tickets",
        "-f", "json", cwd=inputs.path,
    )  # fmt: skip
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    problems = {p["code"]: p for p in doc["inputs"][0]["problems"]}
    assert problems["E030"]["rows"] == 1 and problems["E030"]["first_rows"] == [500]
    assert problems["E030"]["column"] == "created_at"
    assert doc["inputs"][0]["rows_used"] == 1999
    periods = {r["group"]["period"] for r in doc["results"] if "period" in r["group"]}
    # 2026-01-01 is a Thursday of ISO week 2026-W01; 2026-12-31 of 2026-W53
    assert periods == {f"2026-W{w:02d}" for w in range(1, 54)}


def test_years_1_and_9999_under_a_daily_series(inputs: Inputs) -> None:
    """Year 1 and year 9999 under `--every day`: killed by the kernel at 23.7 GB."""
    rows = year_2026(2000)
    rows[10] = (rows[10][0], "0001-01-01T00:00:00Z")
    rows[20] = (rows[20][0], "9999-12-31T00:00:00Z")
    (inputs.path / "t.csv").write_bytes(tickets_csv(rows))
    inputs.kept()
    r = capped(
        "compute", "-t", "t.csv", "--every", "day", "--kpi", "tickets", "-f", "json",
        cwd=inputs.path,
    )  # fmt: skip
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    problems = {p["code"]: p for p in doc["inputs"][0]["problems"]}
    assert problems["E030"]["rows"] == 2 and problems["E030"]["first_rows"] == [11, 21]
    series = [r for r in doc["results"] if "period" in r["group"]]
    assert len(series) == 365 and sum(r["value"] for r in series) == 1998


def test_series_longer_than_the_limit_is_refused_with_a_hint(inputs: Inputs) -> None:
    """A series from 1990 to the data's last day: more than limits.periods (2,000)."""
    rows = year_2026(300)
    (inputs.path / "t.csv").write_bytes(tickets_csv(rows))
    inputs.kept()
    args = ("compute", "-t", "t.csv", "--every", "day", "--from", "1990-01-01", "-f", "json")
    r = capped(*args, cwd=inputs.path)
    # to the as-of time, the latest timestamp
    last = max(dt.date.fromisoformat(created[:10]) for _, created in rows)
    days = (last - dt.date(1990, 1, 1)).days + 1
    refused(r, f"a series of {days:,} days", "limits.periods", "--from/--to")
    (inputs.path / "periods.yaml").write_text(f"limits: {{periods: {days}}}\n")
    inputs.kept()
    r = capped(*args, "--kpi", "tickets", "--config", "periods.yaml", cwd=inputs.path)
    assert r.code == 0, r.err
    series = [x for x in json.loads(r.out)["results"] if "period" in x["group"]]
    assert sum(x["value"] for x in series) == len(rows)
    assert min(x["group"]["period"] for x in series) >= "1990-01-01"


def test_as_of_outside_the_valid_years_is_refused(inputs: Inputs) -> None:
    (inputs.path / "t.csv").write_bytes(tickets_csv(year_2026(10)))
    inputs.kept()
    for command in ("compute", "sla-check"):
        r = capped(command, "-t", "t.csv", "--as-of", "9999-01-01", cwd=inputs.path)
        refused(r, "--as-of 9999-01-01", "outside the years 1990–2100")


# ------------------------------------------------------------------ gzip
ROW = b"1,2026-01-01T00:00:00Z," + b"x" * 1000 + b"\n"  # 1 KB, mostly a column not read


def gzip_bomb(path: Path, text_mb: int) -> int:
    """A .csv.gz of `text_mb` MB of text (plus its header), written small: one gzip
    member of a block of rows, repeated (gzip reads the members one after another)."""
    block = ROW * ((1 << 20) // len(ROW))  # 1 MB
    member = gzip.compress(block, 9)
    with open(path, "wb") as fh:
        fh.write(gzip.compress(b"ticket_id,created_at,note\n"))
        for _ in range(text_mb):
            fh.write(member)
    return path.stat().st_size


@pytest.mark.parametrize("via", ["file", "stdin"])
def test_gzip_bomb_is_refused(inputs: Inputs, via: str) -> None:
    """The issue's 10 MB .csv.gz expanding to 4 GB ran to a 10.6 GB peak: its text may
    run at most limits.gzip_ratio (100) times ahead of the compressed bytes read."""
    size = gzip_bomb(inputs.path / "t.csv.gz", 4096)
    assert size < 12 << 20
    inputs.kept()
    if via == "file":
        r = capped("compute", "-t", "t.csv.gz", cwd=inputs.path)
        refused(r, "t.csv.gz:", "gzip text runs more than 100 times ahead", "limits.gzip_ratio")
    else:
        with open(inputs.path / "t.csv.gz", "rb") as fh:
            r = capped("compute", "-t", "-", cwd=inputs.path, stdin=fh)
        refused(r, "<stdin>:", "gzip text runs more than 100 times ahead")


def test_gzip_ratio_is_the_config_s(inputs: Inputs) -> None:
    """100 MB of text in 0.3 MB: refused (past 100 times the bytes read and the 64 MB
    allowed beyond); allowed a higher ratio, read whole, every row counted."""
    gzip_bomb(inputs.path / "t.csv.gz", 100)
    (inputs.path / "ratio.yaml").write_text("limits: {gzip_ratio: 2000}\n")
    inputs.kept()
    args = ("compute", "-t", "t.csv.gz", "--kpi", "tickets", "-f", "json")
    refused(capped(*args, cwd=inputs.path), "t.csv.gz:", "gzip text runs more than 100 times")
    r = capped(*args, "--config", "ratio.yaml", cwd=inputs.path)
    assert r.code == 0, r.err
    assert json.loads(r.out)["inputs"][0]["rows_read"] == 100 * (1 << 20) // len(ROW)
