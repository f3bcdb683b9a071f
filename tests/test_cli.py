"""The command line as users meet it: help, exit codes, formats, files, the README."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, result, run, sh, value, write_csv
from supportkpi.config.settings import load_config
from supportkpi.kpis.catalogue import CATALOGUE

HEADER = ["ticket_id", "created_at", "first_response_at", "agent", "escalated"]
ROWS = [
    [1, "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", '=HYPERLINK("http://x")', "yes"],
    [2, "2026-11-02T10:00:00Z", "2026-11-02T10:30:00Z", "Ann | Lee", "no"],
    [3, "2026-11-03T11:00:00Z", "2026-11-03T11:20:00Z", "@Bob", "no"],
]


@pytest.mark.parametrize("command", ["compute", "kpis", "init", "demo"])
def test_every_command_has_help_with_examples(command: str) -> None:
    r = run(command, "--help")
    assert r.code == 0
    assert "Examples:" in r.out and f"supportkpi {command}" in r.out


def test_no_two_options_of_a_command_share_a_flag() -> None:
    """`kpis -e fcr_rate` once meant --events (a file named fcr_rate), though its help
    listed -e for --explain too: the parser takes one, silently."""
    import typer.main

    from supportkpi.cli.app import app

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        seen: dict[str, str] = {}
        for param in command.params:
            for flag in [*param.opts, *param.secondary_opts]:
                assert flag not in seen, f"{name}: {flag} is {seen[flag]} and {param.name}"
                seen[flag] = param.name


def test_the_output_extension_picks_the_format(tmp_path: Path) -> None:
    """`summary -o week.html` is a page, `compute -o k.json` a JSON document: without
    --format the extension decides where the command has that format; --format wins;
    a command without it writes its default and says so."""
    ex = ROOT / "examples"
    t, s = str(ex / "tickets.csv"), str(ex / "surveys.csv")
    r = sh("summary", "-t", t, "-s", s, "-o", "week.html", cwd=tmp_path)
    assert r.code == 0, r.err
    assert (tmp_path / "week.html").read_text().startswith("<!DOCTYPE html>")
    r = sh("compute", "-t", t, "-k", "tickets", "--output=k.json", cwd=tmp_path)
    assert json.loads((tmp_path / "k.json").read_text())["results"][0]["kpi"] == "tickets"
    r = sh("compute", "-t", t, "-k", "tickets", "-o", "k.csv", cwd=tmp_path)
    assert (tmp_path / "k.csv").read_text().startswith("kpi,label,value")
    r = sh("compute", "-t", t, "-k", "tickets", "-o", "t.csv.txt", "-f", "markdown", cwd=tmp_path)
    assert (tmp_path / "t.csv.txt").read_text().lstrip().startswith("#")
    r = sh("compute", "-t", t, "-k", "tickets", "-o", "k2.json", "-f", "table", cwd=tmp_path)
    assert not (tmp_path / "k2.json").read_text().startswith("{")  # --format wins
    r = sh("validate", "-t", t, "-o", "v.html", cwd=tmp_path)
    assert "validate has no html format, so v.html holds the table report" in r.err
    assert (tmp_path / "v.html").read_text().startswith("tickets:")


def test_a_value_none_of_the_choices_is_one_line(tmp_path: Path) -> None:
    """`-f xml`, `--every fortnight`: one line naming the option, the value and the
    choices, exit 2 (the parser's own said it in three); `--list at-risk` and `-f JSON`
    name a choice, written with a dash or in capitals, and are taken as it."""
    ex = ROOT / "examples"
    t = str(ex / "tickets.csv")
    for args, said in [
        (["compute", "-t", t, "-f", "xml"], "-f xml: expected one of table, json, csv"),
        (["compute", "-t", t, "--every", "fortnight"], "--every fortnight: expected one of day,"),
        (["compute", "-t", t, "--format=pdf"], "--format pdf: expected one of table,"),
    ]:
        r = sh(*args, cwd=tmp_path)
        assert r.code == 2 and r.err.count("\n") == 1 and said in r.err, r.err
    r = sh("compute", "-t", t, "-k", "tickets", "-f", "JSON", cwd=tmp_path)
    assert r.code == 0 and json.loads(r.out)["results"][0]["kpi"] == "tickets"
    r = sh("sla-check", "-t", t, "--list", "at-risk", "--as-of", "2026-11-24T23:30:23Z",
           "-f", "json", cwd=tmp_path)  # fmt: skip
    assert r.code in (0, 1) and "tickets" in json.loads(r.out)


def test_top_level_help_and_version() -> None:
    r = run("--help")
    assert r.code == 0 and "compute" in r.out and "Get started" in r.out
    assert run("--version").out.startswith("supportkpi 0.")


def test_bad_option_is_a_usage_error() -> None:
    r = run("compute", "--format", "pdf")
    assert r.code == 2


def test_no_input_says_what_to_do(in_tmp: Path) -> None:
    r = run("compute")
    assert r.code == 2
    assert "no input to read" in r.err and "-t tickets.csv" in r.err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--period", "2026-W99"], "--period: cannot read '2026-W99'"),
        (["--period", "2026-W45", "--from", "2026-11-01"], "either --period or --from/--to"),
        (["--from", "2026-11-05", "--to", "2026-11-01"], "--to must be after --from"),
        (["--as-of", "soon"], "--as-of: cannot read 'soon'"),
        (["--kpi", "csta"], "unknown KPI 'csta'"),
    ],
)
def test_usage_errors(in_tmp: Path, args: list[str], fragment: str) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    r = run("compute", "-t", "t.csv", *args)
    assert r.code == 2, r.out
    assert fragment in r.err and "Traceback" not in r.err


def test_json_document_shape(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    doc = run("compute", "-t", "t.csv", "--by", "agent", "-f", "json").json()
    assert doc["tool"] == "supportkpi" and doc["version"]
    assert doc["as_of"] == "2026-11-03T11:20:00Z"
    assert doc["group_by"] == [["agent"]]
    assert doc["inputs"][0]["rows_read"] == 3
    r = result(doc, "escalation_rate")
    assert set(r) >= {"kpi", "group", "value", "unit", "n", "target", "status", "ci_low", "ci_high"}
    assert r["unit"] == "percent" and r["group"] == {}
    frt = result(doc, "first_response_time")
    assert frt["unit"] == "seconds" and frt["value"] == 1200.0  # never rounded, in seconds
    missing = result(doc, "fcr_rate")
    assert missing["value"] is None and "contacts" in missing["reason"]
    assert len({(r["kpi"], json.dumps(r["group"])) for r in doc["results"]}) == len(doc["results"])


def test_csv_output_neutralises_formulas(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    r = run("compute", "-t", "t.csv", "--by", "agent", "--kpi", "tickets", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    agents = {row["agent"] for row in rows}
    assert '\'=HYPERLINK("http://x")' in agents and "'@Bob" in agents and "Ann | Lee" in agents
    overall = next(row for row in rows if row["agent"] == "")
    assert overall["value"] == "3" and overall["kpi"] == "tickets"


def test_markdown_output_escapes_table_text(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    r = run("compute", "-t", "t.csv", "--by", "agent", "-f", "markdown")
    assert r.code == 0
    assert "Ann \\| Lee" in r.out and "'=HYPERLINK" in r.out
    assert "## Overall" in r.out and "| First response time (mean) | 20m 00s |" in r.out


def test_table_output(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    r = run("compute", "-t", "t.csv", "--by", "agent")
    assert r.code == 0 and "First response time (mean)" in r.out and "20m 00s" in r.out


def test_output_is_written_atomically_and_never_over_an_input(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    before = (in_tmp / "t.csv").read_bytes()
    r = run("compute", "-t", "t.csv", "-o", "t.csv")
    assert r.code == 2 and "is one of the inputs" in r.err
    assert (in_tmp / "t.csv").read_bytes() == before
    r = run("compute", "-t", "t.csv", "-f", "json", "-o", "out.json")
    assert r.code == 0 and r.out == ""
    assert json.loads((in_tmp / "out.json").read_text())["results"]
    assert sorted(p.name for p in in_tmp.iterdir()) == ["out.json", "t.csv"]  # no temp left
    r = run("compute", "-t", "t.csv", "-o", "no/such/dir/out.json")
    assert r.code == 2 and "does not exist" in r.err


def test_strict_exits_1_on_a_missed_target(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    (in_tmp / "targets.yaml").write_text("targets:\n  tickets: {max: 2}\n")
    assert run("compute", "-t", "t.csv").code == 0
    assert run("compute", "-t", "t.csv", "--strict").code == 1
    (in_tmp / "targets.yaml").write_text("targets:\n  tickets: {max: 5}\n")
    assert run("compute", "-t", "t.csv", "--strict").code == 0


def test_debug_shows_a_traceback_only_when_asked(in_tmp: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "supportkpi", "compute", "-t", "nope.csv"],
        capture_output=True,
        text=True,
        cwd=in_tmp,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert (
        r.stderr.strip()
        == "supportkpi: error: nope.csv: no such file (check the path given to --tickets)"
    )
    r = subprocess.run(
        [sys.executable, "-m", "supportkpi", "compute", "-t", "nope.csv", "--debug"],
        capture_output=True,
        text=True,
        cwd=in_tmp,
    )
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_kpis_catalogue() -> None:
    doc = json.loads(run("kpis", "--format", "json").out)
    assert [k["kpi"] for k in doc["kpis"]] == list(CATALOGUE)
    fcr = next(k for k in doc["kpis"] if k["kpi"] == "fcr_rate")
    assert fcr["formula"] and fcr["period_anchor"] == "resolved_at" and fcr["unit"] == "%"
    assert "first_response_time" in run("kpis").out


def test_kpis_says_what_an_export_can_compute(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    doc = json.loads(run("kpis", "-t", "t.csv", "--format", "json").out)
    by_name = {k["kpi"]: k for k in doc["kpis"]}
    assert by_name["first_response_time"]["computable"] is True
    assert (
        by_name["fcr_rate"]["computable"] is False and "contacts" in by_name["fcr_rate"]["reason"]
    )
    assert by_name["csat"]["reason"] == "no surveys input (give --surveys)"


EXAMPLE_INPUTS = [
    f"{flag} {ROOT / 'examples' / name}.csv"
    for flag, name in (
        ("-t", "tickets"),
        ("-s", "surveys"),
        ("-c", "credits"),
        ("--customers", "customers"),
        ("--agents", "agents"),
    )
]


@pytest.mark.parametrize(
    "given",
    [
        # an event log: first responses come from the first move to Active
        f"-t {ROOT / 'tests/fixtures/servicenow/incident_event_log_200.csv'} --preset servicenow",
        # every input, and no config: no agent hourly cost for the cost KPIs
        " ".join(EXAMPLE_INPUTS),
        " ".join(EXAMPLE_INPUTS[1:2]),  # surveys alone
    ],
    ids=["servicenow-log", "examples", "surveys-alone"],
)
def test_kpis_says_computable_what_compute_computes(in_tmp: Path, given: str) -> None:
    """`kpis` with exports answers as compute does on them: a KPI is computable when
    compute gives it a value, and otherwise with compute's own reason."""
    args = given.split()
    said = sh("kpis", *args, "-f", "json", cwd=in_tmp)
    assert said.code == 0, said.err
    done = sh("compute", *args, "-f", "json", cwd=in_tmp)
    assert done.code == 0, done.err
    overall: dict[str, dict] = {}
    for r in done.json()["results"]:  # (time in status is one row per status: its first)
        if set(r["group"]) <= ({"status"} if r["kpi"].startswith("time_in_status") else set()):
            overall.setdefault(r["kpi"], r)
    for row in said.json()["kpis"]:
        gave = overall[row["kpi"]]
        assert row["computable"] == (gave["value"] is not None), row["kpi"]
        assert row["reason"] == gave.get("reason", ""), row["kpi"]


def test_kpis_csv_is_csv(in_tmp: Path) -> None:
    """`kpis -f csv` writes CSV: the JSON's rows, field by field."""
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    for extra in ([], ["-t", "t.csv"]):
        r = sh("kpis", "-f", "csv", *extra, cwd=in_tmp)
        assert r.code == 0, r.err
        rows = list(csv.DictReader(io.StringIO(r.out)))
        expected = json.loads(sh("kpis", "-f", "json", *extra, cwd=in_tmp).out)["kpis"]
        assert len(rows) == len(expected) == len(CATALOGUE)
        for got, want in zip(rows, expected, strict=True):
            assert got == {
                k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in want.items()
            }
    assert rows[0]["computable"] == "true" and "contacts" in next(
        r["reason"] for r in rows if r["kpi"] == "fcr_rate"
    )


def test_init_writes_a_loadable_starter(in_tmp: Path) -> None:
    r = run("init")
    assert r.code == 0 and (in_tmp / "targets.yaml").exists()
    config = load_config(str(in_tmp / "targets.yaml"))
    assert (
        config.targets["fcr_rate"].min == 75 and config.sla.policies["P4"].resolution == 72 * 3600
    )
    assert run("init").code == 2  # never overwrites by accident
    assert run("init", "--force").code == 0


def test_demo_is_seeded_and_loads_cleanly(in_tmp: Path) -> None:
    assert run("demo", "--out", "a", "--tickets", "400", "--weeks", "3").code == 0
    assert run("demo", "--out", "b", "--tickets", "400", "--weeks", "3").code == 0
    for name in ("tickets", "surveys", "credits", "customers", "agents"):
        assert (in_tmp / "a" / f"{name}.csv").read_bytes() == (
            in_tmp / "b" / f"{name}.csv"
        ).read_bytes()
    assert run("demo", "--out", "c", "--tickets", "400", "--weeks", "3", "--seed", "8").code == 0
    assert (in_tmp / "a" / "tickets.csv").read_bytes() != (
        in_tmp / "c" / "tickets.csv"
    ).read_bytes()
    assert run("demo", "--out", "p", "--tickets", "300", "--format", "parquet", "--clean").code == 0
    doc = run("compute", "-t", "p/tickets.parquet", "-s", "p/surveys.parquet", "-f", "json").json()
    assert all(not i["problems"] for i in doc["inputs"])  # --clean plants nothing
    assert value(doc, "tickets") == 300


def test_readme_first_command_runs_on_the_shipped_examples() -> None:
    """`supportkpi compute --by channel` in the project folder (./targets.yaml -> examples/)."""
    r = run("compute", "--by", "channel", "-f", "json", cwd=ROOT)
    assert r.code == 0, r.err
    doc = r.json()
    assert [i["input"] for i in doc["inputs"]] == [
        "tickets",
        "surveys",
        "credits",
        "customers",
        "agents",
        "events",
        "comments",
    ]
    tickets = doc["inputs"][0]
    assert tickets["rows_read"] == 3000
    assert tickets["rows_read"] == tickets["rows_used"] + sum(tickets["rows_rejected"].values())
    computed = {
        r["kpi"]
        for r in doc["results"]
        if set(r["group"]) <= {"status"} and r["value"] is not None  # time in status: by status
    }
    assert computed == set(CATALOGUE)  # every KPI of the catalogue, none "not computable"
    assert {r["group"].get("channel") for r in doc["results"]} >= {"chat", "email", "phone"}
    assert any(r["status"] == "missed" for r in doc["results"])  # the examples miss some targets


def test_readme_names_both_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert ".venv/bin/pip install . && .venv/bin/supportkpi compute" in readme
    assert ".venv/bin/pip install '.[test]' && .venv/bin/python -m pytest" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert (
        "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest -q"
        in ci
    )


def test_json_lines_same_without_the_private_c_encoder() -> None:
    """Result lines use one reused C encoder (json's private c_make_encoder); a Python
    where it is missing or takes other arguments gets json.dumps, line for line equal."""
    import json

    from supportkpi.render.json import _one_line_encoder

    items = [{"kpi": "csat", "value": 0.1 + 0.2, "group": {"agent": "Zoë"}, "n": 3, "t": None}]
    fast = [_one_line_encoder()(i) for i in items]
    assert fast == [json.dumps(i, ensure_ascii=False) for i in items]

    def other_arguments(*args: object) -> None:
        raise TypeError("c_make_encoder() takes 10 arguments")

    def other_output(*args: object) -> object:
        return lambda item, level: ["{}"]

    for maker in (None, other_arguments, other_output):
        assert [_one_line_encoder(maker)(i) for i in items] == fast
