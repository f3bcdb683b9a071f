"""A value problem that leaves many rows out of a KPI is said where the number is shown
(issue #16, item 15): beside each KPI it affects in the table and the Markdown, with
the rows and the code; the JSON carries every such fact, however few the rows."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from conftest import ROOT, result, sh, write_csv

# a ServiceNow incident table read without the preset: `?` is its missing-value token,
# and here it is no timestamp at all (E022)
HEADER = ["number", "opened_at", "incident_state", "resolved_at"]
CLOSED_WITHOUT_TIME = 10
TICKETS = 40


def _incidents(folder: Path) -> Path:
    rows = []
    for i in range(TICKETS):
        opened = dt.datetime(2016, 3, 1, 9) + dt.timedelta(hours=i)
        resolved = "?" if i % 4 == 0 else f"{opened + dt.timedelta(hours=5):%d/%m/%Y %H:%M}"
        rows.append([f"INC{i:04d}", f"{opened:%d/%m/%Y %H:%M}", "Closed", resolved])
    (folder / "targets.yaml").write_text(
        "date_order: day_first\n"
        "columns: {tickets: {ticket_id: number, created_at: opened_at, status: incident_state}}\n"
    )
    return write_csv(folder / "incidents.csv", HEADER, rows)


def test_the_table_names_the_rows_left_out_beside_the_kpis(in_tmp: Path) -> None:
    _incidents(in_tmp)
    r = sh("compute", "-t", "incidents.csv", cwd=in_tmp)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    resolution_rate = next(line for line in lines if line.strip().startswith("Resolution rate"))
    assert resolution_rate.rstrip().endswith(f"{CLOSED_WITHOUT_TIME} (E022)")
    backlog = next(line for line in lines if line.strip().startswith("Backlog"))
    assert backlog.rstrip().endswith(f"{CLOSED_WITHOUT_TIME} (E022)")
    created = next(line for line in lines if line.strip().startswith("Tickets created"))
    assert "E022" not in created  # it reads no resolved_at
    share = 100 * CLOSED_WITHOUT_TIME / TICKETS
    assert (
        f"E022 resolved_at (tickets): cannot read the timestamp — {CLOSED_WITHOUT_TIME} of"
        f" {TICKETS} rows ({share:.1f} %)"
    ) in r.out


def test_the_markdown_names_them_too(in_tmp: Path) -> None:
    _incidents(in_tmp)
    r = sh("compute", "-t", "incidents.csv", "-f", "markdown", cwd=in_tmp)
    assert r.code == 0, r.err
    head = next(line for line in r.out.splitlines() if line.startswith("| KPI |"))
    assert head.endswith("| Left out |")
    rate = next(line for line in r.out.splitlines() if line.startswith("| Resolution rate |"))
    assert rate.endswith(f"| {CLOSED_WITHOUT_TIME} (E022) |")
    assert (
        f"- E022 resolved_at (tickets): cannot read the timestamp — {CLOSED_WITHOUT_TIME}" in r.out
    )


def test_the_json_carries_the_facts_per_result(in_tmp: Path) -> None:
    _incidents(in_tmp)
    doc = sh("compute", "-t", "incidents.csv", "-f", "json", cwd=in_tmp).json()
    fact = {
        "code": "E022",
        "input": "tickets",
        "column": "resolved_at",
        "rows_in_input": CLOSED_WITHOUT_TIME,
    }
    for kpi in ("tickets_resolved", "backlog", "resolution_rate", "resolution_time"):
        assert result(doc, kpi)["excluded"] == [fact], kpi
    assert "excluded" not in result(doc, "tickets")
    # a KPI the export cannot give left nothing out
    assert "excluded" not in result(doc, "fcr_rate")
    # the rate is over the readable rows only: 30 resolved of 30
    assert (result(doc, "resolution_rate")["n"], result(doc, "resolution_rate")["value"]) == (
        TICKETS - CLOSED_WITHOUT_TIME,
        100.0,
    )


def test_a_few_rows_stay_out_of_the_table_but_in_the_json(in_tmp: Path) -> None:
    """The shipped examples have a handful of responses before creation (E012): below
    1 % of the tickets, so the table shows no column for them; the JSON still does."""
    with open(ROOT / "examples" / "tickets.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))

    def instant(text: str) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return None

    early = 0
    for row in rows:
        created, response = instant(row["Created At"]), instant(row["First Response At"])
        early += created is not None and response is not None and response < created
    assert 0 < early < 0.01 * len(rows)
    config = ROOT / "targets.yaml"
    table = sh("compute", "--config", str(config), cwd=in_tmp)
    assert table.code == 0, table.err
    assert "Left out" not in table.out and "E012" not in table.out
    doc = sh("compute", "--config", str(config), "-f", "json", cwd=in_tmp).json()
    (fact,) = result(doc, "first_response_time")["excluded"]
    assert (fact["code"], fact["column"], fact["rows_in_input"]) == (
        "E012",
        "first_response_at",
        early,
    )
