"""What a newcomer meets in the first commands on their own exports (issue #17), beyond
the recognition hints of test_recognise: a glob the shell expanded, a report piped
into a file or an editor, and a survey export given alone.

Every run goes through the installed console script (`sh`)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import sh, write_csv


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
