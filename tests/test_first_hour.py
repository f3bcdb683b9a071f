"""What a newcomer meets in the first commands on their own exports (issue #17), beyond
the recognition hints of test_recognise: a glob the shell expanded, a report piped
into a file or an editor, and a survey export given alone.

Every run goes through the installed console script (`sh`)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, sh, write_csv


def _monthly_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "exports"
    folder.mkdir()
    header = ["ticket_id", "created_at"]
    return [
        write_csv(
            folder / f"2026-{m:02}.csv",
            header,
            [[f"{m}-{i}", f"2026-{m:02}-0{i}"] for i in (1, 2, 3)],
        )
        for m in (9, 10, 11)
    ]


def test_a_glob_the_shell_expanded_says_how_to_give_every_file(tmp_path: Path) -> None:
    """`-t exports/*.csv` unquoted gives `-t a.csv b.csv c.csv`: click said only 'Got
    unexpected extra argument(s)'. Now one line: what happened and the three ways."""
    files = _monthly_files(tmp_path)
    r = sh("compute", "-t", *map(str, files), cwd=tmp_path)
    assert r.code == 2 and "Traceback" not in r.err, r.err
    [line] = r.err.strip().splitlines()
    assert "-t takes one file each time, and 2 more files follow 2026-09.csv" in line
    assert "(2026-10.csv, 2026-11.csv)" in line and "-t 'exports/*.csv'" in line
    # each way it names reads all nine tickets (3 a file)
    for given in (
        ["-t", "exports/*.csv"],
        ["-t", "exports"],
        [a for f in files for a in ("-t", str(f))],
    ):
        r = sh("compute", *given, "-k", "tickets", "-f", "csv", cwd=tmp_path)
        assert r.code == 0, r.err
        assert r.out.splitlines()[1].split(",")[2] == "9"


def test_a_report_in_a_file_has_no_padding_at_line_ends(tmp_path: Path) -> None:
    """rich pads every table row and wrapped line to the width: 100+ trailing spaces
    a line in a file or a pasted report."""
    files = _monthly_files(tmp_path)
    r = sh("compute", "-t", str(files[0]), cwd=tmp_path)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert any("Tickets created" in line for line in lines)
    padded = [line for line in lines if line != line.rstrip()]
    assert padded == []


def test_the_catalogue_with_its_computability_has_no_padding_at_line_ends(
    tmp_path: Path,
) -> None:
    files = _monthly_files(tmp_path)
    r = sh("kpis", "-t", str(files[0]), cwd=tmp_path)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert any(line.startswith(" fcr_rate") or " fcr_rate " in line for line in lines)
    assert [line for line in lines if line != line.rstrip()] == []


def test_an_input_not_given_names_a_few_kpis_not_thirty(tmp_path: Path) -> None:
    """A survey export alone: 'no tickets input' listed every ticket KPI over six
    wrapped lines; now four and how many more (the count from `supportkpi kpis`)."""
    surveys = write_csv(
        tmp_path / "s.csv",
        ["ticket_id", "submitted_at", "type", "score"],
        [[1, "2026-11-02", "csat", 5], [2, "2026-11-03", "csat", 2]],
    )
    r = sh("compute", "-s", str(surveys), cwd=tmp_path)
    assert r.code == 0, r.err
    [line] = [x for x in r.out.splitlines() if "no tickets input" in x]
    doc = json.loads(sh("compute", "-s", str(surveys), "-f", "json", cwd=tmp_path).out)
    lacking = {
        x["label"] for x in doc["results"] if x.get("reason") == "no tickets input (give --tickets)"
    }
    assert len(lacking) > 20
    shown = line.split(": ", 1)[1]
    assert shown.endswith(f" and {len(lacking) - 4} more"), line
    named = shown.rsplit(" and ", 1)[0].split(", ")
    assert len(named) == 4 and set(named) <= lacking


def test_sla_check_reads_whole_on_an_80_column_terminal(tmp_path: Path) -> None:
    """The on-call view: cells were cut ('compl…', 'breach…', 'priori…', '2026-…') and
    wrapped over two lines each at 80 columns. Now every cell whole, counts with
    separators, and the ticket list says which columns gave way."""
    rows = [
        [f"t{i}", "2026-11-02T09:00:00Z", "P1" if i % 2 else "P2", "2026-11-02T12:00:00Z"]
        for i in range(1200)
    ]
    tickets = write_csv(
        tmp_path / "t.csv", ["ticket_id", "created_at", "priority", "first_response_at"], rows
    )
    policies = "P1: {first_response: 1h, compliance: 95}, P2: {first_response: 4h, compliance: 90}"
    (tmp_path / "targets.yaml").write_text(f"sla: {{policies: {{{policies}}}}}\n")
    args = (
        "sla-check",
        "-t",
        str(tickets),
        "--as-of",
        "2026-11-03T00:00:00Z",
        "--list",
        "breached",
    )
    r = sh(*args, cwd=tmp_path, terminal=80, env={"NO_COLOR": "1"})
    assert r.code == 1, r.err  # P1 answered after 3 h: every one breached
    lines = r.out.replace("\r", "").splitlines()
    table = [line for line in lines if not line.startswith("… ")]  # (… 400 more: use --format csv)
    assert max(len(line) for line in lines) <= 80 and not any("…" in line for line in table), r.out
    header = next(line for line in lines if line.startswith("target"))
    assert header.split() == [
        "target",
        "priority",
        "compliance",
        "goal",
        "met",
        "breached",
        "at",
        "risk",
        "active",
        "status",
    ]
    p1 = next(line for line in lines if line.startswith("first response P1"))
    assert p1.split()[3:7] == ["0.0%", "95%", "0", "600"] and p1.split()[-1] == "missed"
    everyone = next(line for line in lines if line.startswith("first response all"))
    assert everyone.split()[3:6] == ["50.0%", "600", "600"]
    listed = next(line for line in lines if line.startswith("t1 "))
    assert "2026-11-02 10:00" in listed and "2h 0" in listed  # due at 10:00, 2 h overdue
    assert "Not shown at 80 columns: elapsed, goal" in r.out


def test_the_summary_on_an_80_column_terminal_cuts_no_number(tmp_path: Path) -> None:
    """A manager's terminal: amounts were cut ('$35,743.…', '−$18,877…') and labels
    wrapped a word a line. Now columns give way (and are named), and every cell that is
    shown is whole; the same amounts as in the JSON."""
    r = sh("summary", cwd=ROOT, terminal=80, env={"NO_COLOR": "1"})
    assert r.code in (0, 1), r.err
    lines = r.out.replace("\r", "").splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not [line for line in lines if "…" in line], r.out
    assert "Not shown at 80 columns:" in r.out
    doc = json.loads(sh("summary", "-f", "json", cwd=ROOT).out)
    [retained] = [x for x in doc["financial"] if x["kpi"] == "revenue_retained_total"]
    shown = f"${retained['value']:,.2f}"
    assert any(line.startswith("Revenue retained") and shown in line for line in lines), shown


def test_sla_check_on_an_old_export_says_why_its_figures_differ_from_compute(
    tmp_path: Path,
) -> None:
    """sla-check judges at now, compute at the export's latest time: on an export days
    old they disagreed with nothing on screen to say why. A ticket open since Nov 2, due
    in 4 h, answered nowhere: breached at now, but at_risk/active as the export saw it."""
    rows = [
        ["1", "2026-11-02T09:00:00Z", "P3", "2026-11-02T10:00:00Z"],
        ["2", "2026-11-02T11:00:00Z", "P3", ""],
    ]
    tickets = write_csv(
        tmp_path / "t.csv", ["ticket_id", "created_at", "priority", "first_response_at"], rows
    )
    (tmp_path / "targets.yaml").write_text("sla: {policies: {P3: {first_response: 4h}}}\n")
    r = sh("sla-check", "-t", str(tickets), "-f", "json", cwd=tmp_path)
    doc = json.loads(r.out)
    [note] = [n for n in doc.get("notes", []) if "export's latest time" in n]
    assert "(2026-11-02T11:00:00Z)" in note and "--as-of 2026-11-02T11:00:00Z" in note
    [frt] = [x for x in doc["results"] if x["kpi"] == "sla_first_response" and not x["group"]]
    assert (frt["met"], frt["breached"]) == (1, 1)
    r = sh(
        "sla-check",
        "-t",
        str(tickets),
        "-f",
        "json",
        "--as-of",
        "2026-11-02T11:00:00Z",
        cwd=tmp_path,
    )
    doc = json.loads(r.out)
    assert not [n for n in doc.get("notes", []) if "export's latest time" in n]
    [frt] = [x for x in doc["results"] if x["kpi"] == "sla_first_response" and not x["group"]]
    assert (frt["met"], frt["breached"]) == (1, 0)
    table = sh("sla-check", "-t", str(tickets), cwd=tmp_path)
    assert "Note: as of now," in table.out and "day(s) after the export's latest time" in table.out


def test_compare_on_an_80_column_terminal_keeps_each_kpi_on_one_line() -> None:
    """`compute --compare previous` at 80 columns wrapped KPI names over two lines
    ('Tickets per / customer'): the earlier value now gives way too (the change says
    how far it was), and is named."""
    args = (
        "compute",
        "--period",
        "2026-W47",
        "--compare",
        "previous",
    )
    r = sh(*args, cwd=ROOT, terminal=80, env={"NO_COLOR": "1"})
    assert r.code in (0, 1), r.err
    lines = r.out.replace("\r", "").splitlines()
    assert any(line.startswith("Tickets per customer ") for line in lines), r.out
    assert any(line.startswith("First contact resolution ") for line in lines), r.out
    assert "Not shown at 80 columns:" in r.out and "2026-W46" in r.out.split("Not shown")[1]
    wide = sh(*args, cwd=ROOT, terminal=160, env={"NO_COLOR": "1"})
    assert "2026-W46" in wide.out.split("Overall")[1].splitlines()[1]  # room: it is shown


def test_a_series_without_the_time_column_names_the_export_s_time_columns(
    tmp_path: Path,
) -> None:
    """Olist's reviews by month: 'No KPI has a value', the reason 'surveys have no
    submitted_at column' and nothing more. Now the reason names the columns that hold
    a time and the map to write; written, the series comes out."""
    header = ["review_id", "review_score", "review_creation_date", "review_answer_timestamp"]
    rows = [["a", 5, "2018-01-10 00:00:00", "2018-01-11 10:00:00"],
            ["b", 2, "2018-01-20 00:00:00", "2018-01-21 10:00:00"],
            ["c", 4, "2018-02-03 00:00:00", "2018-02-04 10:00:00"]]  # fmt: skip
    path = write_csv(tmp_path / "reviews.csv", header, rows)
    config = "survey_type: csat\ncolumns: {surveys: {score: review_score}}\n"
    (tmp_path / "targets.yaml").write_text(config)
    r = sh("compute", "-s", str(path), "-k", "csat", "--every", "month", cwd=tmp_path)
    assert r.code == 0 and "No KPI has a value" in r.out, r.err
    doc = json.loads(
        sh(
            "compute", "-s", str(path), "-k", "csat", "-f", "json", "--every", "month", cwd=tmp_path
        ).out
    )
    [reason] = {x.get("reason") for x in doc["results"]}
    mapping = "columns: {surveys: {submitted_at: review_creation_date}}"
    assert "the export has review_creation_date, review_answer_timestamp" in reason
    assert mapping in reason
    mapped = "{score: review_score, submitted_at: review_creation_date}"
    (tmp_path / "targets.yaml").write_text(f"survey_type: csat\ncolumns: {{surveys: {mapped}}}\n")
    r = sh("compute", "-s", str(path), "-k", "csat", "--every", "month", "-f", "json", cwd=tmp_path)
    doc = json.loads(r.out)
    by_month = {x["group"]["period"]: (x["value"], x["n"]) for x in doc["results"] if x["group"]}
    assert by_month == {"2018-01": (50.0, 2), "2018-02": (100.0, 1)}


def test_a_column_the_preset_leaves_unread_is_not_called_missing(tmp_path: Path) -> None:
    """ServiceNow's resolved_by names a person, so the preset reads no column for it:
    validate said 'not in the export: … resolved_by' and compute 'the tickets export has
    no column resolved_by', while the export plainly has one."""
    log = ROOT / "tests" / "fixtures" / "servicenow" / "incident_event_log_200.csv"
    header = log.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "resolved_by" in header and "escalated" not in header
    r = sh("validate", "-t", str(log), "--preset", "servicenow", cwd=tmp_path)
    [absent] = [x for x in r.out.splitlines() if "not in the export:" in x]
    assert "resolved_by" not in absent and "escalated" in absent
    assert "not read (the config or preset maps it to no column): resolved_by" in r.out
    args = ("compute", "-t", str(log), "--preset", "servicenow", "-f", "json")
    r = sh(*args, "-k", "self_service_resolution_rate,escalation_rate", cwd=tmp_path)
    reasons = {x["kpi"]: x.get("reason") for x in json.loads(r.out)["results"]}
    assert reasons["self_service_resolution_rate"].startswith(
        "the tickets export's resolved_by is not read"
    )
    assert reasons["escalation_rate"] == "the tickets export has no column escalated"


def test_explain_of_an_unknown_kpi_says_where_the_names_are(tmp_path: Path) -> None:
    r = sh("explain", "fcr", cwd=tmp_path)
    assert r.code == 2
    assert "unknown KPI 'fcr'" in r.err and "`supportkpi kpis` lists them" in r.err
