"""Reading what people have (issue #17): durations as they are written, Excel workbooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, SHARED, sh, value

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def test_durations_written_as_clocks_iso_and_units(in_tmp: Path) -> None:
    """`00:30:00`, `PT1H`, `1h 30m`, `02:30` (mm:ss) and plain numbers in one file; a
    number with `unit: hours` is hours. Each value converted by hand below."""
    done = sh(
        "compute",
        "-t",
        str(FIXTURES / "durations.csv"),
        "--config",
        str(FIXTURES / "durations.yaml"),
        "-k",
        "first_response_time,handle_time",
        "-f",
        "json",
    )
    assert done.code == 0, done.err
    doc = json.loads(done.out)
    # first_response_minutes: 00:30:00, PT1H, 1h 30m, 45 (minutes); 'soon' is no duration
    first_response = [30 * 60, 60 * 60, 90 * 60, 45 * 60]
    assert value(doc, "first_response_time") == sum(first_response) / len(first_response)
    # talk: 00:02:23, 02:30, PT2M, 1h 2m, 95 (seconds); hold: 0.5 h, -, 0.25 h, -, 1 h
    talk = [2 * 60 + 23, 2 * 60 + 30, 2 * 60, 3600 + 2 * 60, 95]
    hold = [1800, 0, 900, 0, 3600]
    handle = [t + h for t, h in zip(talk, hold, strict=True)]
    assert value(doc, "handle_time") == round(sum(handle) / len(handle), 1)
    problems = doc["inputs"][0]["problems"]
    assert [(p["code"], p["column"], p["first_rows"]) for p in problems] == [
        ("E021", "first_response_minutes", [5])
    ]
    assert "a number of minutes or a duration like 1:02:03" in problems[0]["message"]


def test_a_value_that_is_no_duration_says_which_forms_are(in_tmp: Path) -> None:
    Path("t.csv").write_text(
        "ticket_id,created_at,talk_seconds\n1,2026-03-02 09:00,00:02:23\n2,2026-03-02 10:00,2 mins"
        "\n3,2026-03-02 11:00,P1M\n4,2026-03-02 12:00,00:75:00\n"
    )
    done = sh("validate", "-t", "t.csv")
    # P1M (a month: no fixed length) and 00:75:00 (75 minutes in a clock) are refused
    assert "E021 talk_seconds: expected a number of seconds or a duration like" in done.out
    assert "2 rows" in done.out
    assert "Traceback" not in done.err


def test_a_column_of_clock_times_only_and_a_parquet_duration(in_tmp: Path) -> None:
    """pyarrow reads a CSV column of `HH:MM:SS` alone as times of day, and Parquet may
    hold Arrow durations: both are durations."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    Path("t.csv").write_text(
        "ticket_id,created_at,talk_seconds\n1,2026-03-02 09:00,00:02:23\n"
        "2,2026-03-02 10:00,01:00:00\n"
    )
    done = sh("compute", "-t", "t.csv", "-k", "handle_time", "-f", "json")
    assert done.code == 0, done.err
    assert value(json.loads(done.out), "handle_time") == (143 + 3600) / 2
    created = [dt.datetime(2026, 3, 2, 9), dt.datetime(2026, 3, 2, 10)]
    talk = pa.array([dt.timedelta(seconds=90), dt.timedelta(minutes=3)], pa.duration("ms"))
    pq.write_table(pa.table({"ticket_id": [1, 2], "created_at": created, "talk_seconds": talk}),
                   "t.parquet")  # fmt: skip
    done = sh("compute", "-t", "t.parquet", "-k", "handle_time", "-f", "json")
    assert done.code == 0, done.err
    assert value(json.loads(done.out), "handle_time") == (90 + 180) / 2


CALLS = FIXTURES / "calls.xlsx"
# calls.xlsx (make_calls_xlsx.py), sheets Calls and Typed: speed of answer of the five
# answered calls, their talk times (00:02:23, 00:10:00, 01:05:00, 25:00:00, 00:04:00)
# and ratings; the unanswered call C4 has none of them
ANSWER = [30, 90, 45, 15, 60]
TALK = [2 * 60 + 23, 10 * 60, 3600 + 5 * 60, 25 * 3600, 4 * 60]
RATINGS = [5, 4, 2, 3, 4]


def _calls_kpis(*extra: str) -> dict:
    done = sh(
        "compute", "-t", str(CALLS), "-s", str(CALLS), "-k",
        "tickets,first_response_time,handle_time,csat,csat_score", "-f", "json", *extra,
    )  # fmt: skip
    assert done.code == 0, done.err
    return json.loads(done.out)


def test_an_excel_sheet_is_read_by_name(in_tmp: Path) -> None:
    """`Calls` holds time cells (one over a day); in `Typed` one talk time is text, so
    the column has no one type: both read alike."""
    config = ("--config", str(FIXTURES / "calls.yaml"))
    for doc in (_calls_kpis(*config, "--sheet", "Calls"), _calls_kpis(*config, "--sheet", "Typed")):
        assert value(doc, "tickets") == 6
        assert value(doc, "first_response_time") == sum(ANSWER) / 5
        assert value(doc, "handle_time") == sum(TALK) / 5
        assert value(doc, "csat_score") == sum(RATINGS) / 5
        assert value(doc, "csat") == 100 * sum(r >= 4 for r in RATINGS) / 5
    # `sheet:` in the config does what --sheet does
    Path("targets.yaml").write_text((FIXTURES / "calls.yaml").read_text() + "sheet: Typed\n")
    assert value(_calls_kpis(), "handle_time") == sum(TALK) / 5


def test_a_column_of_time_cells_as_a_breakdown_reads_as_written(in_tmp: Path) -> None:
    done = sh(
        "compute", "-t", str(CALLS), "--config", str(FIXTURES / "calls.yaml"), "--sheet",
        "Calls", "-k", "tickets", "--by", "Talk time", "-f", "json",
    )  # fmt: skip
    assert done.code == 0, done.err
    groups = {r["group"].get("Talk time"): r["value"] for r in json.loads(done.out)["results"]}
    # C1-C6: 00:02:23, 00:10:00, 01:05:00, none (unknown), 25:00:00, 00:04:00; None: overall
    assert groups == {
        None: 6, "0:02:23": 1, "0:10:00": 1, "1:05:00": 1, "1 day, 1:00:00": 1, "0:04:00": 1,
        "(unknown)": 1,
    }  # fmt: skip


def test_a_sheet_per_input_in_the_config(in_tmp: Path) -> None:
    calls = (FIXTURES / "calls.yaml").read_text()
    Path("targets.yaml").write_text(calls + "sheet: {tickets: Calls, surveys: Typed}\n")
    doc = _calls_kpis()
    assert value(doc, "handle_time") == sum(TALK) / 5
    assert value(doc, "csat_score") == sum(RATINGS) / 5
    # the surveys' sheet not named: their first sheet is read, and the message says so
    Path("targets.yaml").write_text(calls + "sheet: {tickets: Calls}\n")
    done = sh("compute", "-t", str(CALLS), "-s", str(CALLS))
    assert done.code == 2
    assert (
        "(mapped to ticket_id in the config) is not in the file (columns found in sheet"
        " 'About'" in done.err
    )
    Path("targets.yaml").write_text(calls + "sheet: {ticket: Calls}\n")
    done = sh("compute", "-t", str(CALLS))
    assert done.code == 2
    assert "sheet" in done.err and "ticket" in done.err and len(done.err.splitlines()) == 1


def test_the_first_sheet_is_read_unless_named(in_tmp: Path) -> None:
    done = sh("validate", "-t", str(CALLS))
    assert done.code == 2
    assert "in sheet 'About'" in done.out + done.err
    assert "--sheet NAME reads another: 'Calls', 'Typed'" in done.out + done.err
    done = sh("compute", "-t", str(CALLS), "--sheet", "Nope")
    assert done.code == 2
    assert done.err.strip().splitlines() == [
        f"supportkpi: error: {CALLS}: no sheet named 'Nope'; the workbook has 'About', 'Calls',"
        " 'Typed' (give one of them with --sheet)"
    ]


def test_a_workbook_from_stdin(in_tmp: Path) -> None:
    with open(CALLS, "rb") as fh:
        done = sh(
            "compute", "-t", "-", "--sheet", "Calls", "--config", str(FIXTURES / "calls.yaml"),
            "-k", "first_response_time", "-f", "json", stdin=fh,
        )  # fmt: skip
    assert done.code == 0, done.err
    assert value(json.loads(done.out), "first_response_time") == sum(ANSWER) / 5


def test_a_workbook_without_its_reader_says_what_to_install(in_tmp: Path) -> None:
    blocked = in_tmp / "blocked" / "fastexcel"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('not installed')\n")
    done = sh("compute", "-t", str(CALLS), env={"PYTHONPATH": str(blocked.parent)})
    assert done.code == 2
    assert done.err.strip().splitlines() == [
        f"supportkpi: error: {CALLS}: reading an Excel workbook needs the fastexcel package"
        " (pip install 'supportkpi[excel]', or export the sheet as CSV)"
    ]


def test_a_workbook_read_in_parts_reads_the_sheet_named(in_tmp: Path) -> None:
    """--low-memory plans its parts from the sheet named, not the first (empty) one."""
    done = sh(
        "compute", "-t", str(FIXTURES / "numbered.xlsx"), "--sheet", "Tickets", "--low-memory",
        "-k", "tickets,handle_time", "-f", "json",
    )  # fmt: skip
    assert done.code == 0, done.err
    doc = json.loads(done.out)
    assert value(doc, "tickets") == 2
    assert value(doc, "handle_time") == (2 * 60 + 4 * 60 + 30) / 2


CALL_CENTRE = SHARED / "realdata" / "pwc-call-center" / "01 Call-Center-Dataset.xlsx"


@pytest.mark.skipif(
    not CALL_CENTRE.exists(), reason="../shared/realdata is not next to this checkout"
)
def test_the_call_centre_workbook_gives_its_reference_figures() -> None:
    """examples/realdata/pwc-call-center.yaml on the PwC workbook: the figures its
    SOURCE.md computed with pandas (mean ASA 67.5207 s, talk 224.9228 s, CSAT 3.4036,
    49.90% satisfied, 4,054 answered calls)."""
    done = sh(
        "compute", "--config", str(ROOT / "examples" / "realdata" / "pwc-call-center.yaml"),
        "-t", str(CALL_CENTRE), "-s", str(CALL_CENTRE), "-f", "json",
        "-k", "tickets,first_response_time,handle_time,csat,csat_score",
    )  # fmt: skip
    assert done.code == 0, done.err
    doc = json.loads(done.out)
    assert value(doc, "tickets") == 5000
    assert round(value(doc, "first_response_time"), 4) == 67.5207
    assert round(value(doc, "handle_time"), 4) == 224.9228
    assert round(value(doc, "csat_score"), 4) == 3.4036
    assert round(value(doc, "csat"), 2) == 49.90
    assert {r["n"] for r in doc["results"] if r["kpi"] != "tickets"} == {4054}
