"""The first hour with a real export (issue #17, items 1–3): the tool recognises what
it was given and says the one thing that reads it; a problem is reported once, naming
its files; ratings are matched ignoring case, and an answer that is no rating is
neither counted nor rejected.

Every run goes through the installed console script (`sh`). Expected values come from
the fixtures read with plain `csv`, or from the PrepBench answer key (computed by
others).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, Run, sh, write_csv

FIXTURES = ROOT / "tests" / "fixtures"
ZENDESK = FIXTURES / "zendesk" / "tickets.csv"
UCI_200 = FIXTURES / "servicenow" / "incident_event_log_200.csv"
CASE_059 = FIXTURES / "prepbench" / "case_059_it_ticket_sla"
LOG_FILES = [CASE_059 / "inputs" / f"input_0{i}.csv" for i in (2, 3, 4)]


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def one_error_line(r: Run) -> str:
    assert r.code == 2, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.err, r.err
    return lines[0]


def results(r: Run) -> dict[tuple[str, str], object]:
    """(kpi, the group's one value or '') -> value."""
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    return {(x["kpi"], "".join(x["group"].values())): x["value"] for x in doc["results"]}


def events_line(text: str) -> str:
    """The `events:` line a hint says to add."""
    found = re.search(r"(events: \{tickets: \{.*?\}\})", text)
    assert found, text
    return found.group(1)


# ------------------------------------------------------------ item 1: which preset fits


def test_a_zendesk_export_is_recognised_and_the_preset_reads_it(tmp_path: Path) -> None:
    """Its id is `Id`: today 'closest match: Ticket type' led nowhere."""
    line = one_error_line(sh("compute", "-t", str(ZENDESK), cwd=tmp_path))
    assert "this looks like a Zendesk ticket export: try `--preset zendesk`" in line
    assert str(ZENDESK) in line  # the file
    # the hint, followed: every ticket, by priority (Urgent..Low are P1..P4)
    r = sh("compute", "-t", str(ZENDESK), "--preset", "zendesk", "-k", "tickets",
           "--by", "priority", "-f", "json", cwd=tmp_path)  # fmt: skip
    found = results(r)
    rows = rows_of(ZENDESK)
    assert found[("tickets", "")] == len(rows) == 60
    level = {"Urgent": "P1", "High": "P2", "Normal": "P3", "Low": "P4"}
    by_hand = Counter(level[row["Priority"]] for row in rows)
    assert {p: found[("tickets", p)] for p in by_hand} == dict(by_hand)


def test_the_servicenow_log_is_recognised_and_the_preset_reads_it(tmp_path: Path) -> None:
    """Today: 'missing required column ticket_id', and nothing about the preset."""
    line = one_error_line(sh("compute", "-t", str(UCI_200), cwd=tmp_path))
    assert "this looks like a ServiceNow incident log (one row per update)" in line
    assert "try `--preset servicenow`" in line
    r = sh("compute", "-t", str(UCI_200), "--preset", "servicenow", "-k", "tickets", "-f",
           "json", cwd=tmp_path)  # fmt: skip
    assert results(r)[("tickets", "")] == len({row["number"] for row in rows_of(UCI_200)}) == 200


def test_no_preset_is_named_for_an_export_none_fits(tmp_path: Path) -> None:
    """Two generic names (an id and a creation time) say nothing of the helpdesk."""
    path = write_csv(tmp_path / "t.csv", ["id", "opened"], [[1, "2026-11-02 09:00"]])
    line = one_error_line(sh("compute", "-t", str(path), cwd=tmp_path))
    assert "--preset" not in line and "events:" not in line
    assert "missing required column ticket_id" in line and "map it in the config" in line


def test_ratings_in_an_export_read_as_tickets_point_to_surveys(tmp_path: Path) -> None:
    """Kaggle's tickets have no creation time but a rating column, Olist's reviews no
    ticket at all: today 'missing required column' and `"Your column"` led nowhere.
    The hint names the rating column; followed, the ratings are read as surveys."""
    ratings = ["5", "4", "", "1", "3", "", "4"]
    path = write_csv(
        tmp_path / "support.csv",
        ["Ticket ID", "Date of Purchase", "Ticket Status", "Customer Satisfaction Rating"],
        [[i, "2026-10-01", "Closed", r] for i, r in enumerate(ratings, 1)],
    )
    line = one_error_line(sh("compute", "-t", str(path), cwd=tmp_path))
    assert "missing required column created_at" in line
    expected = "columns: {surveys: {score: Customer Satisfaction Rating}}"
    assert "read its ratings ('Customer Satisfaction Rating') as surveys" in line
    assert "-s instead of -t" in line and "survey_type: csat" in line and expected in line
    (tmp_path / "targets.yaml").write_text(f"survey_type: csat\n{expected}\n")
    r = sh("compute", "-s", str(path), "-k", "csat", "-f", "json", cwd=tmp_path)
    given = [int(x) for x in ratings if x]
    [csat] = json.loads(r.out)["results"]
    assert csat["n"] == len(given) == 5
    assert csat["value"] == pytest.approx(100 * sum(x >= 4 for x in given) / len(given))
    # a review export given as surveys: the score column is named in the map to write
    path = write_csv(tmp_path / "reviews.csv", ["review_id", "review_score"], [["a", 5]])
    (tmp_path / "targets.yaml").unlink()
    line = one_error_line(sh("compute", "-s", str(path), cwd=tmp_path))
    assert "missing required column score" in line
    assert "map it in the config: columns: {surveys: {score: review_score}}" in line


def test_an_nps_question_column_is_named_in_the_map_to_write(tmp_path: Path) -> None:
    """PrepBench's airline survey: one column asking 'How likely are you to recommend
    this airline?'. Today `score: "Your column"`; now the wide NPS mapping, which reads
    it as written."""
    question = "How likely are you to recommend this airline?"
    answers = [10, 9, 8, 7, 6, 0, 9, 10, 3, 9]
    path = write_csv(tmp_path / "nps.csv", ["Airline", "CustomerID", question],
                     [["Prep Air", f"c{i}", a] for i, a in enumerate(answers)])  # fmt: skip
    line = one_error_line(sh("compute", "-s", str(path), cwd=tmp_path))
    mapping = f'columns: {{surveys: {{nps: "{question}"}}}}'
    assert "missing required column score" in line and f"map it in the config: {mapping}" in line
    (tmp_path / "targets.yaml").write_text(mapping + "\n")
    r = sh("compute", "-s", str(path), "-k", "nps", "-f", "json", cwd=tmp_path)
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    assert results(r)[("nps", "")] == pytest.approx(100 * (promoters - detractors) / len(answers))


# ---------------------------------------------------------- item 1: an event log


def test_an_event_log_is_recognised_and_the_events_line_reads_it(tmp_path: Path) -> None:
    """PrepBench's IT tickets: one row per status change, the id in `Ticket`. The hint
    is the whole config: saved as targets.yaml, the current statuses are the answer
    key's."""
    line = one_error_line(sh("compute", "-t", str(LOG_FILES[0]), cwd=tmp_path))
    assert "this looks like an event log" in line
    events = events_line(line)
    assert events == (
        "events: {tickets: {id: Ticket, time: Timestamp, status: Status Name, resolved: [Closed]}}"
    )
    (tmp_path / "targets.yaml").write_text(events + "\n")
    args = [a for f in LOG_FILES for a in ("-t", str(f))]
    r = sh("compute", *args, "-k", "tickets", "--by", "Status Name", "-f", "json", cwd=tmp_path)
    found = results(r)
    key = {row["Current Status"]: int(row["Ticket Count"])
           for row in rows_of(CASE_059 / "expected" / "output_01.csv")}  # fmt: skip
    assert {status: found[("tickets", status)] for status in key} == key
    assert found[("tickets", "")] == sum(key.values()) == 665


def test_repeated_ids_with_a_status_and_a_time_point_to_events(tmp_path: Path) -> None:
    """The log mapped as tickets: 1,877 of 2,542 rows were rejected as duplicate ids
    (E019) with no word of `events:`. Now the report says what the rows are, and the
    line it shows, added to the same config, reads one row per ticket."""
    config = tmp_path / "targets.yaml"
    config.write_text("columns:\n  tickets: {ticket_id: Ticket, created_at: Timestamp}\n")
    args = [a for f in LOG_FILES for a in ("-t", str(f))]
    r = sh("compute", *args, "-k", "tickets", cwd=tmp_path)
    assert r.code == 0, r.err
    assert "Note: tickets: this looks like an event log" in " ".join(r.out.split())
    r = sh("validate", *args, "-f", "json", cwd=tmp_path)
    [tickets] = json.loads(r.out)["inputs"]
    [hint] = tickets["hints"]
    events = [row for f in LOG_FILES for row in rows_of(f)]
    distinct = len({row["Ticket"] for row in events})
    assert sum(tickets["rows_rejected"].values()) == len(events) - distinct == 1877
    config.write_text(config.read_text() + events_line(hint) + "\n")
    r = sh("compute", *args, "-k", "tickets,tickets_resolved,resolution_time", "-f", "json",
           cwd=tmp_path)  # fmt: skip
    found = results(r)
    assert json.loads(r.out)["inputs"][0]["rows_rejected"] == {}
    assert found[("tickets", "")] == distinct == 665
    # created: the first event (the mapped created_at column would give the last);
    # resolved: the first Closed event
    when = {}
    for row in events:
        at = dt.datetime.fromisoformat(row["Timestamp"])
        first, closed = when.get(row["Ticket"], (at, None))
        if row["Status Name"] == "Closed":
            closed = min(closed or at, at)
        when[row["Ticket"]] = (min(first, at), closed)
    spans = [(closed - first).total_seconds() for first, closed in when.values() if closed]
    assert found[("tickets_resolved", "")] == len(spans) == 103
    assert found[("resolution_time", "")] == pytest.approx(sum(spans) / len(spans))


def test_an_export_exported_twice_is_not_called_an_event_log(tmp_path: Path) -> None:
    """The same rows twice (a ticket exported twice) are duplicates, not a history."""
    rows = [[1, "2026-11-02 09:00", "open"], [2, "2026-11-02 10:00", "solved"]]
    path = write_csv(tmp_path / "t.csv", ["ticket_id", "created_at", "status"], rows + rows)
    r = sh("validate", "-t", str(path), "-f", "json", cwd=tmp_path)
    [tickets] = json.loads(r.out)["inputs"]
    assert sum(tickets["rows_rejected"].values()) == 2
    assert "hints" not in tickets


# ------------------------------------------------- item 2: one problem, once, with its file


def test_a_problem_in_monthly_files_is_reported_once_naming_each(tmp_path: Path) -> None:
    """A folder of monthly exports, each with one ticket of an unknown priority and one
    id twice: today one line per file, none naming its file."""
    folder = tmp_path / "exports"
    folder.mkdir()
    head = ["ticket_id", "created_at", "priority"]
    for month, first in (("2026-09", 100), ("2026-10", 200), ("2026-11", 300)):
        write_csv(folder / f"{month}.csv", head, [
            [first, f"{month}-02 09:00", "High"],
            [first + 1, f"{month}-03 09:00", "Blocker"],
            [first + 1, f"{month}-04 09:00", "Blocker"],  # the id again: the last wins
        ])  # fmt: skip
    r = sh("validate", "-t", str(folder), cwd=tmp_path)
    assert r.code == 1, r.err
    lines = r.out.splitlines()
    unknown = [x for x in lines if x.strip().startswith("E017")]
    duplicate = [x for x in lines if x.strip().startswith("E019")]
    assert len(unknown) == 1 and len(duplicate) == 1, r.out
    # the rows in all, then each file with its own count and first lines (header: line 1)
    assert "1 row" not in duplicate[0].split("(")[0]
    assert ": 3 rows in 3 files (2026-09.csv: 1, line 3; 2026-10.csv: 1, line 3;" in duplicate[0]
    # (both rows of the id have the unknown priority: it is read before duplicates go)
    assert (
        ": 6 rows in 3 files (2026-09.csv: 2, lines 3, 4; 2026-10.csv: 2, lines 3, 4;" in unknown[0]
    )
    r = sh("compute", "-t", str(folder), "-k", "tickets", cwd=tmp_path)
    assert "1 problem(s) — run `supportkpi validate`" in r.out, r.out  # the duplicates


def test_the_event_log_duplicates_are_one_line_naming_the_three_files(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text(
        "columns:\n  tickets: {ticket_id: Ticket, created_at: Timestamp}\n"
    )
    args = [a for f in LOG_FILES for a in ("-t", str(f))]
    r = sh("validate", *args, cwd=tmp_path)
    [line] = [x for x in r.out.splitlines() if x.strip().startswith("E019")]
    # a row is superseded when its ticket has a row further on, in its file or a later one
    ids = [[row["Ticket"] for row in rows_of(f)] for f in LOG_FILES]
    later: set[str] = set()
    per_file = [0, 0, 0]
    for i in (2, 1, 0):
        for ticket in reversed(ids[i]):
            per_file[i] += ticket in later
            later.add(ticket)
    for f, n in zip(LOG_FILES, per_file, strict=True):
        assert f"{f.name}: {n:,}, lines " in line
    assert f": {sum(per_file):,} rows in 3 files (" in line


# ----------------------------------------------- item 3: ratings, and answers of no rating


def test_zendesk_ratings_count_and_unoffered_is_no_rating(tmp_path: Path) -> None:
    """`Good`/`Bad` are ratings; `Offered`, `Unoffered` and an empty cell are none: not
    counted, not rejected, and shown by validate. Today every `Offered`/`Unoffered`
    was rejected (E025) and validate exited 1."""
    answers = Counter(row["Satisfaction Score"].strip().lower() for row in rows_of(ZENDESK))
    good, bad = answers["good"], answers["bad"]
    none = answers["offered"] + answers["unoffered"] + answers[""]
    assert good and bad and answers["offered"] and answers["unoffered"] and answers[""]
    r = sh("compute", "-s", str(ZENDESK), "--preset", "zendesk", "-k", "csat", "-f", "json",
           cwd=tmp_path)  # fmt: skip
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    [csat] = doc["results"]
    assert csat["value"] == pytest.approx(100 * good / (good + bad)) and csat["n"] == good + bad
    [surveys] = doc["inputs"]
    assert surveys["rows_rejected"] == {} and surveys["problems"] == []
    assert surveys["no_rating"] == none
    assert surveys["rows_read"] == surveys["rows_used"] + none == 60
    r = sh("validate", "-s", str(ZENDESK), "--preset", "zendesk", cwd=tmp_path)
    assert r.code == 0, r.out
    assert f"60 rows read, {good + bad} used, {none} without a rating" in r.out
    assert f"no rating: {none} rows (an empty score, or an answer that is none:" in r.out
    # compute's and the summary's input lines say it too
    line = f"surveys: 60 rows read, {good + bad} used, {none} without a rating"
    for command in ("compute", "summary"):
        r = sh(command, "-s", str(ZENDESK), "--preset", "zendesk", cwd=tmp_path)
        assert r.code == 0 and line in r.out.splitlines(), (command, r.out, r.err)


def test_ratings_and_no_rating_answers_match_ignoring_case(tmp_path: Path) -> None:
    words = ["Good", "good ", "GOOD", "Bad", " bad", "Not Offered", "not offered", "OFFERED"]
    path = write_csv(
        tmp_path / "s.csv",
        ["Ticket ID", "Satisfaction Score", "Created at"],
        [[i, w, "2026-11-02 10:00"] for i, w in enumerate(words)],
    )
    r = sh("compute", "-s", str(path), "--preset", "zendesk", "-k", "csat", "-f", "json",
           cwd=tmp_path)  # fmt: skip
    doc = json.loads(r.out)
    [csat] = doc["results"]
    assert (csat["value"], csat["n"]) == (60.0, 5)  # 3 good of 5 ratings
    assert doc["inputs"][0]["no_rating"] == 3 and doc["inputs"][0]["rows_rejected"] == {}


def test_event_statuses_and_policy_names_match_ignoring_case(tmp_path: Path) -> None:
    """`resolved: [closed]` and `first_response: [open]` read `Closed`, ` CLOSED `,
    `Open`; an SLA policy named `Blocker` covers the priority `BLOCKER`."""
    (tmp_path / "targets.yaml").write_text(
        "events: {tickets: {id: ticket, time: at, status: state, resolved: [closed],"
        " first_response: [open]}}\n"
        "sla: {policies: {Blocker: {first_response: 1h, resolution: 4h}}}\n"
    )
    log = write_csv(tmp_path / "log.csv", ["ticket", "at", "state", "priority"], [
        [1, "2026-11-02 09:00", "New", "BLOCKER"],
        [1, "2026-11-02 09:30", "Open", "BLOCKER"],
        [1, "2026-11-02 11:00", "Closed", "BLOCKER"],
        [2, "2026-11-02 10:00", "new", "blocker "],
        [2, "2026-11-02 10:20", "OPEN", "blocker "],
        [2, "2026-11-02 16:00", " CLOSED ", "blocker "],
    ])  # fmt: skip
    r = sh("compute", "-t", str(log), "-k", "tickets_resolved,first_response_time,"
           "resolution_time,sla_resolution", "-f", "json", cwd=tmp_path)  # fmt: skip
    found = results(r)
    assert found[("tickets_resolved", "")] == 2
    assert found[("first_response_time", "")] == (30 + 20) / 2 * 60
    assert found[("resolution_time", "")] == (2 * 60 + 6 * 60) / 2 * 60
    assert found[("sla_resolution", "")] == 50.0  # 2 h met, 6 h breached: both covered
    r = sh("validate", "-t", str(log), cwd=tmp_path)
    assert "E017" not in r.out and "E028" not in r.out, r.out
