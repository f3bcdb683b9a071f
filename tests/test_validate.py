"""`supportkpi validate`: the report, exit codes 0/1/2, and the rejects file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import run, write_csv

HEADER = ["ticket_id", "created_at", "first_response_at", "priority", "Region"]
CLEAN = [
    [1, "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "P1", "EMEA"],
    [2, "2026-11-02T10:00:00Z", "2026-11-02T10:30:00Z", "high", "APAC"],
]
DIRTY = [
    *CLEAN,
    [3, "2026-11-02T11:00:00Z", "2026-11-02T10:00:00Z", "P3", "EMEA"],  # E012
    [4, "not a date", "", "P3", "EMEA"],  # E011
    [5, "2026-11-02T12:00:00Z", "", "Blocker", "EMEA"],  # E017 (warning)
]


def test_clean_exports_exit_0(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, CLEAN)
    r = run("validate", "-t", "t.csv")
    assert r.code == 0, r.out
    assert "t.csv — 2 rows read, 2 used" in r.out
    assert "priority ← 'priority'" not in r.out and "priority" in r.out
    assert "other columns (usable with --by): 'Region'" in r.out
    assert "no problems" in r.out and "result: clean (exit 0)" in r.out


def test_warnings_alone_exit_0(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, [*CLEAN, DIRTY[4]])
    r = run("validate", "-t", "t.csv")
    assert r.code == 0 and "E017" in r.out and "warning: kept" in r.out


def test_problems_that_exclude_rows_exit_1(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, DIRTY)
    r = run("validate", "-t", "t.csv")
    assert r.code == 1
    assert "E012 first_response_at: first response before creation: 1 row (rows 3)" in r.out
    assert "excluded from first_response_time*, sla_first_response" in r.out
    assert "E011 created_at: cannot read the timestamp: 1 row (rows 4)" in r.out


def test_unusable_input_exit_2_but_the_others_are_reported(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, CLEAN)
    write_csv(in_tmp / "s.csv", ["survey_id", "type"], [[1, "csat"]])
    r = run("validate", "-t", "t.csv", "-s", "s.csv")
    assert r.code == 2
    assert "surveys: UNUSABLE — s.csv: missing required column score" in r.out
    assert "tickets: t.csv — 2 rows read" in r.out


def test_json_report_reconciles(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, DIRTY)
    doc = json.loads(run("validate", "-t", "t.csv", "-f", "json").out)
    assert doc["exit_code"] == 1 and doc["command"] == "validate"
    t = doc["inputs"][0]
    assert t["rows_read"] == t["rows_used"] + sum(t["rows_rejected"].values()) == 5
    assert t["columns"]["created_at"] == "created_at" and t["other_columns"] == ["Region"]
    codes = {p["code"]: p for p in t["problems"]}
    assert codes["E011"]["scope"] == "row" and codes["E012"]["scope"] == "value"
    assert codes["E017"]["scope"] == "warning"


def test_rejects_file_has_the_rows_as_exported(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, DIRTY)
    r = run("validate", "-t", "t.csv", "--rejects", "rejects.csv")
    assert r.code == 1
    rows = list(csv.DictReader(io.StringIO((in_tmp / "rejects.csv").read_text())))
    by_code = {row["code"]: row for row in rows}
    assert by_code["E011"]["created_at"] == "not a date"
    assert (
        by_code["E011"]["row"] == "4" and by_code["E011"]["reason"] == "cannot read the timestamp"
    )
    assert by_code["E012"]["ticket_id"] == "3" and by_code["E012"]["Region"] == "EMEA"
    assert "E017" not in by_code  # warnings exclude nothing
    assert (in_tmp / "t.csv").read_text().count("\n") == 6  # the input is untouched


def test_malformed_lines_are_counted_and_kept_for_the_rejects(in_tmp: Path) -> None:
    (in_tmp / "t.csv").write_text(
        "ticket_id,created_at\n1,2026-11-02T09:00:00Z\n2,2026-11-02,oops\n3,2026-11-02T10:00:00Z\n"
    )
    r = run("validate", "-t", "t.csv", "--rejects", "rej.csv")
    assert r.code == 1
    assert "E026 lines with 3 fields where the header has 2" in r.out and "lines 3" in r.out
    assert "2,2026-11-02,oops" in (in_tmp / "rej.csv").read_text()
    doc = json.loads(run("compute", "-t", "t.csv", "--kpi", "tickets", "-f", "json").out)
    assert doc["results"][0]["value"] == 2 and doc["inputs"][0]["rows_read"] == 3


def test_text_report_escapes_control_characters(tmp_path: Path) -> None:
    """A header that carries a terminal escape is quoted, not obeyed, even in the line
    that says the input is unusable."""
    path = tmp_path / "t.csv"
    path.write_text('ticket_id,"\x1b[2Jx"\n1,2\n')
    r = run("validate", "-t", str(path), cwd=tmp_path)
    assert r.code == 2
    assert "UNUSABLE" in r.out and "\x1b" not in r.out
    assert "\\x1b[2Jx" in r.out
