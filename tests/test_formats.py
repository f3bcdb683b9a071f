"""Reading what people have (issue #17): durations as they are written, Excel workbooks."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import sh, value

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
