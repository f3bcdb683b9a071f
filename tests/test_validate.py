"""`supportkpi validate`: the report, exit codes 0/1/2, and the rejects file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run, sh, write_csv

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
    assert "E012 first_response_at: first response before creation: 1 row (t.csv: line 4)" in r.out
    assert "excluded from first_response_time*, sla_first_response" in r.out
    assert "E011 created_at: cannot read the timestamp: 1 row (t.csv: line 5)" in r.out


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


# --------------------------------------------------------------------------- affects
# What validate says a bad value affects, against an independent reading: compute the
# shipped examples with and without the column and see which KPIs change (value or n)
# or become unavailable. A period is set, so a column that places rows in time counts.
EXAMPLES = ROOT / "examples"
WINDOW = ("--from", "2026-10-01")
VARIANTS = (
    "definitions: {fcr_rate: one_touch, resolution_time: first,"
    " resolution_time_median: first, resolution_time_p90: first}\n"
)
# (input, column, a value its type cannot take); dimensions cannot be bad, and a bad
# required column rejects its row from everything
BAD_VALUES = [
    ("tickets", "first_response_at", "not a time"),
    ("tickets", "resolved_at", "not a time"),
    ("tickets", "first_resolved_at", "not a time"),
    ("tickets", "status", "Weird"),
    ("tickets", "priority", "Blocker"),
    ("tickets", "escalated", "maybe"),
    ("tickets", "reopens", "abc"),
    ("tickets", "contacts", "abc"),
    ("tickets", "talk_seconds", "abc"),
    ("tickets", "hold_seconds", "abc"),
    ("tickets", "after_call_work_seconds", "abc"),
    ("tickets", "qa_score", "abc"),
    ("tickets", "script_adherence", "maybe"),
    ("tickets", "cancel_intent", "maybe"),
    ("tickets", "retained", "maybe"),
    ("tickets", "upsell_offered", "maybe"),
    ("tickets", "upsell_won", "maybe"),
    ("tickets", "revenue_retained", "abc"),
    ("tickets", "upsell_amount", "abc"),
    ("tickets", "resolved_by", "robot"),
    ("tickets", "bot_handled", "maybe"),
    ("tickets", "handed_off", "maybe"),
    ("tickets", "agent_replies", "abc"),
    ("tickets", "customer_replies", "abc"),
    ("surveys", "submitted_at", "not a time"),
    ("credits", "kind", "zzz"),
    ("credits", "created_at", "not a time"),
    ("credits", "recovered_amount", "abc"),
    ("customers", "ended_at", "not a time"),
    ("customers", "mrr", "abc"),
    ("agents", "date", "not a date"),
    ("agents", "logged_seconds", "abc"),
    ("agents", "scheduled_seconds", "abc"),
    ("agents", "adherent_seconds", "abc"),
]
INPUT_FLAGS = {
    "tickets": "-t",
    "surveys": "-s",
    "credits": "-c",
    "customers": "--customers",
    "agents": "--agents",
    "events": "-e",
    "comments": "--comments",
}


def _canonical(header: str) -> str:
    return header.strip().lower().replace(" ", "_")


def _exports(folder: Path, drop: tuple[str, str] | None = None, bad: bool = False) -> list[str]:
    """The examples (tickets with a first_resolved_at halfway to resolved_at, and a few
    open ones said resolved by a bot) written to `folder`, without the `drop` (input,
    column), or with each BAD_VALUES column spoiled in a row of its own; the CLI
    arguments that name them."""
    folder.mkdir(exist_ok=True)
    args: list[str] = []
    for name, flag in INPUT_FLAGS.items():
        with open(EXAMPLES / f"{name}.csv", newline="") as fh:
            rows = list(csv.reader(fh))
        header = [_canonical(h) for h in rows[0]]
        body = rows[1:]
        if name == "tickets":
            created, resolved = header.index("created_at"), header.index("resolved_at")
            # open tickets a bot is named on: only resolved_at tells they are not resolved
            by = header.index("resolved_by")
            for row in [row for row in body if not row[resolved]][:5]:
                row[by] = "bot"
            header.append("first_resolved_at")
            for row in body:
                first = ""
                if row[resolved] and row[created][:2] == "20" and row[resolved] > row[created]:
                    a = dt.datetime.fromisoformat(row[created])
                    b = dt.datetime.fromisoformat(row[resolved])
                    first = (a + (b - a) / 2).isoformat()
                row.append(first)
        if bad:  # row i + 10 of each input spoils its i-th column listed
            spoiled = [(c, v) for i, c, v in BAD_VALUES if i == name]
            for k, (column, text) in enumerate(spoiled):
                body[10 + k][header.index(column)] = text
        if drop is not None and drop[0] == name:
            at = header.index(drop[1])
            header = header[:at] + header[at + 1 :]
            body = [row[:at] + row[at + 1 :] for row in body]
        write_csv(folder / f"{name}.csv", header, body)
        args += [flag, str(folder / f"{name}.csv")]
    return args


def _outcomes(args: list[str], config: Path) -> dict[str, tuple[object, ...]]:
    r = run("compute", *args, *WINDOW, "--config", str(config), "-f", "json")
    assert r.code == 0, r.err
    return {x["kpi"]: (x["value"], x["n"], x.get("reason")) for x in r.json()["results"]}


@pytest.fixture(scope="module")
def affects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("affects")
    configs = {}
    for name, extra in (("default", ""), ("variants", VARIANTS)):
        configs[name] = folder / f"{name}.yaml"
        configs[name].write_text(
            "costs: {agent_hourly: 35}\nauthorization_limits: {agent: 200, lead: 1000}\n"
            # seed 002's policies, and a next-reply target (which a solve ends)
            "sla:\n  policies:\n"
            "    P1: {first_response: 15m, resolution: 4h, next_reply: 30m, compliance: 99}\n"
            "    P2: {first_response: 1h, resolution: 8h, next_reply: 2h, compliance: 95}\n"
            "    P3: {first_response: 4h, resolution: 24h, next_reply: 8h, compliance: 90}\n"
            "    P4: {first_response: 8h, resolution: 72h, next_reply: 16h, compliance: 85}\n"
            + extra
        )
    listed: dict[tuple[str, str, str], set[str]] = {}
    for name, config in configs.items():
        r = sh(
            "validate", *_exports(folder / "bad", bad=True), "--config", str(config), "-f", "json"
        )
        assert r.code == 1, r.err
        for check in json.loads(r.out)["inputs"]:
            for p in check["problems"]:
                listed.setdefault((name, check["input"], p["column"]), set()).update(p["kpis"])
    full = {name: _outcomes(_exports(folder / "full"), config) for name, config in configs.items()}
    return {"folder": folder, "configs": configs, "listed": listed, "full": full}


@pytest.mark.parametrize(
    "definitions,source,column",
    [("default", i, c) for i, c, _ in BAD_VALUES]
    + [
        ("variants", "tickets", c)
        for c in ("resolved_at", "first_resolved_at", "agent_replies", "contacts")
    ],
)
def test_validate_names_the_kpis_a_bad_column_changes(
    affects: dict[str, Any], definitions: str, source: str, column: str
) -> None:
    folder, config = affects["folder"], affects["configs"][definitions]
    full = affects["full"][definitions]
    without = _outcomes(_exports(folder / f"no_{source}_{column}", (source, column)), config)
    changed = {kpi for kpi in full if full[kpi] != without[kpi]}
    listed = affects["listed"].get((definitions, source, column))
    assert listed is not None, f"validate found no problem in {source}.{column}"
    assert listed == changed, f"{source}.{column} ({definitions} definitions)"


def test_an_unreadable_resolution_is_left_out_of_the_self_service_rate(in_tmp: Path) -> None:
    """validate says a bad resolved_at is excluded from the self-service rate: so it is,
    rather than counted as a ticket not resolved without an agent."""
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "resolved_at", "resolved_by"],
        [
            [1, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "bot"],
            [2, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "agent"],
            [3, "2026-11-02T09:00:00Z", "", ""],
            [4, "2026-11-02T09:00:00Z", "yesterday-ish", "bot"],
        ],
    )
    r = sh("compute", "-t", "t.csv", "-k", "self_service_resolution_rate", "-f", "json", cwd=in_tmp)
    rate = r.json()["results"][0]
    assert rate["n"] == 3 and rate["value"] == pytest.approx(100 / 3)  # 1 of tickets 1-3
    v = sh("validate", "-t", "t.csv", cwd=in_tmp)
    assert "E022 resolved_at" in v.out and "self_service_resolution_rate" in v.out
