"""Issue 17 item 10, as a user meets it through the installed command: shell
completion, `-q` on every command, choices in `--help`, `table` as the human format's
name everywhere."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import console_script, sh

COMMANDS = ["compute", "sla-check", "summary", "validate", "explain", "kpis", "presets", "init"]


def _option_line(help_text: str, option: str) -> str:
    return next(x for x in help_text.splitlines() if x.strip().startswith("-") and option in x)


@pytest.mark.parametrize(
    ("command", "option", "choices"),
    [
        ("demo", "--format", "csv|parquet"),
        ("validate", "--format", "table|json"),
        ("presets", "--format", "table|json"),
        ("init", "--profile", "general|cost-support"),
        ("compute", "--format", "table|json|csv|markdown"),
    ],
)
def test_help_shows_the_choices(command: str, option: str, choices: str) -> None:
    r = sh(command, "--help", env={"COLUMNS": "200"})
    assert r.code == 0
    line = _option_line(r.out, option)
    assert choices in line, line


def test_the_human_format_is_called_table_in_every_command(tmp_path: Path) -> None:
    shown = sh("validate", "--help", env={"COLUMNS": "200"}).out
    assert "text" not in _option_line(shown, "--format")
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "ticket_id,created_at,first_response_at\n1,2026-11-02T09:00:00Z,2026-11-02T09:10:00Z\n"
    )
    table = sh("validate", "-t", str(tickets), "--format", "table", cwd=tmp_path)
    assert table.code == 0, table.err
    assert "tickets.csv" in table.out and "1 row read" in table.out
    # the old name still reads, and gives the same report
    old = sh("validate", "-t", str(tickets), "--format", "text", cwd=tmp_path)
    assert (old.code, old.out) == (0, table.out)
    listed = sh("presets", "--format", "table")
    assert listed.code == 0 and "zendesk" in listed.out


@pytest.mark.parametrize("command", [*COMMANDS, "demo"])
def test_every_command_takes_quiet(command: str) -> None:
    r = sh(command, "--help", env={"COLUMNS": "200"})
    assert r.code == 0
    assert any(x.strip().startswith("-q, --quiet") for x in r.out.splitlines()), r.out


def test_quiet_commands_run(tmp_path: Path) -> None:
    assert sh("kpis", "-q").code == 0
    init = sh("init", "-q", str(tmp_path / "targets.yaml"))
    assert init.code == 0 and (tmp_path / "targets.yaml").exists()
    demo = sh("demo", "-q", "--out", str(tmp_path / "d"), "-n", "20", "--weeks", "1")
    assert demo.code == 0 and (tmp_path / "d" / "tickets.csv").exists()


def test_shell_completion() -> None:
    # typer detects the shell from the process tree (a test's may hold none): named here
    script = sh(
        "--show-completion", "bash", env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    )
    assert script.code == 0 and "_SUPPORTKPI_COMPLETE" in script.out
    assert "--install-completion" in sh("--help").out

    def complete(words: str) -> list[str]:
        env = {
            "_SUPPORTKPI_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
        }
        r = sh(env=env)
        assert r.code == 0, r.err
        return r.out.split()

    assert complete("supportkpi sla-") == ["sla-check"]
    assert complete("supportkpi demo --format ") == ["csv", "parquet"]
    assert complete("supportkpi validate -f ") == ["table", "json"]


# ------------------------------------------------------------------ problems as file lines
def _export(path: Path, records: list[str]) -> list[int]:
    """Write `records` (CSV text, the header first) one after the other; return the line
    each starts on, counted as an editor does (the header is line 1)."""
    starts, line = [], 1
    for text in records:
        starts.append(line)
        line += text.count("\n") + 1
    path.write_text("\n".join(records) + "\n")
    return starts


def test_problems_name_the_file_line_a_row_starts_on(tmp_path: Path) -> None:
    records = [
        "ticket_id,created_at,subject",
        "1,2026-11-02T09:00:00Z,plain",
        '2,2026-11-02T10:00:00Z,"a subject\nthat spans\nthree lines"',
        "3,not a date,x",
        '4,2026-11-02T11:00:00Z,"quoted ""inside"""',
        "",  # an empty line: the reader skips it, an editor counts it
        "5,yesterday-ish,y",
    ]
    starts = _export(tmp_path / "t.csv", records)
    want = [starts[3], starts[6]]  # the records of tickets 3 and 5
    assert want == [6, 9]  # header 1, ticket 1 on 2, ticket 2 on 3-5, 3 on 6, 4 on 7, 8 empty
    text = (tmp_path / "t.csv").read_text().split("\n")
    assert [text[n - 1].split(",")[0] for n in want] == ["3", "5"]

    r = sh("validate", "-t", "t.csv", cwd=tmp_path)
    assert r.code == 1, r.err
    line = next(x for x in r.out.splitlines() if "E011" in x)
    assert "2 rows (t.csv: lines 6, 9)" in line, line
    doc = sh("validate", "-t", "t.csv", "-f", "json", cwd=tmp_path).json()
    e011 = next(p for p in doc["inputs"][0]["problems"] if p["code"] == "E011")
    assert e011["first_lines"] == want
    assert e011["first_rows"] == [3, 5]  # data rows, kept for compatibility

    sh("validate", "-t", "t.csv", "--rejects", "rejects.csv", cwd=tmp_path)
    rejected = (tmp_path / "rejects.csv").read_text().splitlines()
    head = rejected[0].split(",")
    got = [dict(zip(head, x.split(","), strict=False)) for x in rejected[1:]]
    assert [(g["line"], g["row"], g["ticket_id"]) for g in got] == [
        ("6", "3", "3"),
        ("9", "5", "5"),
    ]


def test_one_problem_row_is_named_line(tmp_path: Path) -> None:
    _export(tmp_path / "t.csv", ["ticket_id,created_at", "1,2026-11-02T09:00:00Z", "2,nope"])
    r = sh("validate", "-t", "t.csv", cwd=tmp_path)
    assert "1 row (t.csv: line 3)" in r.out, r.out


def test_parquet_problems_keep_naming_rows(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"ticket_id": [1, 2, 3], "created_at": ["2026-11-02T09:00:00Z", "x", "y"]}),
        tmp_path / "t.parquet",
    )
    r = sh("validate", "-t", "t.parquet", cwd=tmp_path)
    assert "2 rows (t.parquet: rows 2, 3)" in r.out, r.out


# ------------------------------------------------------------------ progress that tells how far
def _under_terminal(args: list[str], cwd: Path, out: Path) -> str:
    """Run the console script with stdout into `out` and stderr on a pseudo-terminal,
    progress shown at once; returns what the terminal showed, escape codes removed."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "SUPPORTKPI_CONFIG")}
    env |= {"TERM": "xterm", "COLUMNS": "100", "SUPPORTKPI_PROGRESS_AFTER": "0"}
    shown = b""
    with open(out, "wb") as fh:
        child = subprocess.Popen(
            [console_script(), *args], cwd=cwd, stdout=fh, stderr=slave, env=env
        )
        os.close(slave)
        with contextlib.suppress(OSError):  # EIO once the child has closed the terminal
            while chunk := os.read(master, 65536):
                shown += chunk
        assert child.wait(timeout=120) == 0
    os.close(master)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode("utf-8", "replace"))


def test_reading_shows_bytes_read_of_the_file_size(tmp_path: Path) -> None:
    rows = "".join(f"{i},2026-11-0{1 + i % 5}T10:00:00Z,agent {i % 7}\n" for i in range(30_000))
    (tmp_path / "t.csv").write_text("ticket_id,created_at,agent\n" + rows)
    size = (tmp_path / "t.csv").stat().st_size
    mb = f"{size / 1e6:.1f} MB"  # rich's decimal units, by hand
    shown = _under_terminal(
        ["compute", "-t", "t.csv", "-k", "tickets", "-f", "csv"], tmp_path, tmp_path / "out.csv"
    )
    assert "reading t.csv" in shown and f"{mb[:-3]}/{mb}" in shown, shown[-600:]
    assert "computing KPIs" in shown
    report = (tmp_path / "out.csv").read_text().splitlines()  # stdout: the report alone
    assert report[1].split(",")[:3] == ["tickets", "Tickets created", "30000"]


def test_demo_shows_rows_written(tmp_path: Path) -> None:
    shown = _under_terminal(["demo", "--out", "d", "-n", "3000"], tmp_path, tmp_path / "out")
    assert "writing d/tickets.csv" in shown and "3,000/3,000 rows" in shown, shown[-600:]
    written = (tmp_path / "d" / "tickets.csv").read_text().count("\n") - 1
    assert written == 3000
    assert "wrote d/tickets.csv (3,000 rows)" in shown


@pytest.mark.parametrize("command", ["compute", "validate", "summary"])
def test_every_report_written_to_a_file_says_so_at_a_terminal(tmp_path: Path, command: str) -> None:
    """`-o FILE` at a terminal: each command says where the report went, as summary
    and demo did (compute and validate once said nothing)."""
    rows = "".join(f"{i},2026-11-{10 + i % 5}T10:00:00Z\n" for i in range(40))
    (tmp_path / "t.csv").write_text("ticket_id,created_at\n" + rows)
    args = [command, "-t", "t.csv", "-o", "r.txt"]
    shown = _under_terminal(args, tmp_path, tmp_path / "stdout")
    assert "wrote r.txt" in shown
    assert (tmp_path / "r.txt").stat().st_size > 0 and (tmp_path / "stdout").read_text() == ""


def test_no_progress_off_a_terminal(tmp_path: Path) -> None:
    r = sh("demo", "--out", "d", "-n", "3000", cwd=tmp_path, env={"SUPPORTKPI_PROGRESS_AFTER": "0"})
    assert r.code == 0 and r.err == "" and r.out == ""


# ------------------------------------------------------------------ start-up
@pytest.mark.parametrize("args", [["--help"], ["kpis"], ["kpis", "-f", "json"]])
def test_help_and_the_catalogue_import_no_rich(args: list[str]) -> None:
    """rich's console and table are a tenth of a second of imports: `--help` and the
    catalogue's table answer without them (what takes the time, measured per module)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", console_script(), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert not {m for m in imported if m == "rich" or m.startswith("rich.")}
    assert "pyarrow" not in imported and "numpy" not in imported


def test_the_catalogue_table_lists_every_kpi_with_its_formula() -> None:
    listed = sh("kpis", env={"COLUMNS": "80"}).out.splitlines()
    doc = sh("kpis", "-f", "json").json()["kpis"]
    names = [x.split()[0] for x in listed[4:] if x.startswith("  ") and x[2] != " "]
    assert names == [k["kpi"] for k in doc]
    first = listed[4].split()
    assert first[:4] == [doc[0]["kpi"], doc[0]["unit"], doc[0]["better"], doc[0]["period_anchor"]]
    # a formula longer than the line is folded under its column, words kept whole
    text = "\n".join(listed)
    for k in doc:
        assert all(word in text for word in k["formula"].split())
