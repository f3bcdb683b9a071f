"""Faults of operation (issue #21, items 5 and 6), through the installed console script.

* Injection: an agent's name with terminal escape sequences, or with HTML, a link or an
  image, reaches no output raw: every human-readable output shows it as text.
* Clear errors: each fault that used to end in "internal error" (or in a misleading
  message) ends with ONE line on stderr, `supportkpi: error: ` and the file, exit 2 — or,
  where the file is fine to read (a Latin-1 file name, a huge cell in a column no KPI
  reads, a duplicate Parquet column, uint64 ids), is read, with the right numbers.

Every case also checks that the inputs are byte-identical afterwards.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import Run, console_script, sh

ESC = "\x1b"
T_HEAD = "ticket_id,created_at,first_response_at,resolved_at,priority,agent"
T1 = "1,2026-11-02T09:00:00Z,2026-11-02T09:10:00Z,2026-11-02T12:00:00Z,P1,Ann"
T2 = "2,2026-11-03T10:00:00Z,2026-11-03T10:30:00Z,2026-11-03T15:00:00Z,P3,Bob"
AS_OF = "2026-11-04T00:00:00Z"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by relative path (bytes, as os.walk gives names)."""
    out: dict[str, bytes] = {}
    for root, _dirs, files in os.walk(os.fsencode(folder)):
        for name in files:
            full = os.path.join(root, name)
            with open(full, "rb") as fh:
                out[os.fsdecode(os.path.relpath(full, os.fsencode(folder)))] = fh.read()
    return out


def one_error(r: Run, *names: str) -> str:
    """The one stderr line of a refused run; it names each of `names`."""
    assert r.code == 2, (r.code, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    line = lines[0]
    assert line.startswith("supportkpi: error: "), line
    assert "internal error" not in line and "Traceback" not in r.err, line
    for name in names:
        assert name in line, (name, line)
    return line


def csv_lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


# ------------------------------------------------------------------ 5. injection
AGENTS = {
    "1": "\x1b[2JAnn\x1b]0;pwned\x07",  # clears the screen; retitles the window
    "2": "<script>alert(1)</script>",
    "3": "<svg onload=alert(1)>",
    "4": "[x](javascript:alert(1))",
    "5": "![i](http://evil.example/x.png)",
}


@pytest.fixture
def hostile_names(tmp_path: Path) -> Path:
    rows = [
        f"{i},2026-11-0{i + 1}T09:00:00Z,2026-11-0{i + 1}T09:10:00Z,,P3,{name}"
        for i, name in ((int(k), v) for k, v in AGENTS.items())
    ]
    (tmp_path / "t.csv").write_text(csv_lines(T_HEAD, *rows), "utf-8")
    return tmp_path


def assert_no_escape(text: str) -> None:
    assert ESC not in text and "\x07" not in text and "\x9b" not in text
    assert "\\x1b" in text  # the name is still there, as text (tables may cut it short)


@pytest.mark.parametrize(
    "args",
    [
        ("compute", "--by", "agent", "--kpi", "tickets"),
        ("compute", "--by", "agent", "--by", "priority"),  # pivot and long tables
        ("sla-check", "--list", "all", "--as-of", AS_OF),
        ("sla-check", "--by", "agent", "--as-of", AS_OF),
        ("summary", "--period", "2026-W45", "--min-tickets", "1"),
        ("validate",),
    ],
    ids=lambda a: "-".join(a[:3]),
)
def test_terminal_outputs_carry_no_escape_sequence(
    hostile_names: Path, args: tuple[str, ...]
) -> None:
    before = snapshot(hostile_names)
    r = sh(args[0], "-t", "t.csv", *args[1:], cwd=hostile_names)
    assert r.code in (0, 1), r.err
    if args[0] == "validate":  # names are no problem: nothing to show
        assert ESC not in r.out
    else:
        assert_no_escape(r.out)
    assert ESC not in r.err
    assert snapshot(hostile_names) == before


def test_sla_misses_printed_beside_a_written_report_carry_no_escape(tmp_path: Path) -> None:
    """With -o, sla-check prints the misses on stdout (cron mails them): a team's name."""
    (tmp_path / "t.csv").write_text(
        csv_lines(
            "ticket_id,created_at,first_response_at,priority,team",
            "1,2026-11-02T09:00:00Z,,P3,\x1b[2JOps",
        )
    )
    (tmp_path / "targets.yaml").write_text(
        'sla:\n  key: team\n  policies:\n    "\\e[2JOps": {first_response: 1h, compliance: 95}\n'
    )
    r = sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, "-o", "sla.json", cwd=tmp_path)
    assert r.code == 1, r.err
    assert (
        r.out == "SLA first response team \\x1b[2JOps: 0.0% (target 95%); 1 breached, 0 at risk\n"
    )


def test_an_error_quoting_a_path_carries_no_escape(tmp_path: Path) -> None:
    name = "\x1b]0;pwned\x07.yaml"
    (tmp_path / name).write_text("min_sample: 1\n")
    r = sh("init", name, cwd=tmp_path)
    one_error(r, "\\x1b]0;pwned\\x07.yaml exists")
    assert (tmp_path / name).read_text() == "min_sample: 1\n"


# Markdown that renders as HTML, a link or an image: a tag (< then a letter, / or !),
# ]( after a [ that is not escaped, and an image's ![
LIVE_MARKDOWN = re.compile(r"(?<!\\)<[A-Za-z/!]|(?<!\\)\]\(|!(?<!\\)\[")


@pytest.mark.parametrize(
    "args",
    [
        ("compute", "--by", "agent", "--kpi", "tickets"),
        ("compute", "--by", "agent", "--by", "priority", "--kpi", "tickets"),
        ("summary", "--period", "2026-W45", "--min-tickets", "1"),
    ],
    ids=lambda a: "-".join(a[:4]),
)
def test_markdown_shows_html_links_and_images_as_text(
    hostile_names: Path, args: tuple[str, ...]
) -> None:
    before = snapshot(hostile_names)
    r = sh(args[0], "-t", "t.csv", *args[1:], "-f", "markdown", cwd=hostile_names)
    assert r.code == 0, r.err
    page = r.out
    assert ESC not in page
    assert not LIVE_MARKDOWN.search(page), LIVE_MARKDOWN.search(page)
    if args[0] == "compute":  # every name is a column or a row of the breakdown
        assert "\\<script>alert(1)\\</script>" in page
        assert "\\<svg onload=alert(1)>" in page
        assert "\\[x\\](javascript:alert(1))" in page
        assert "!\\[i\\](http://evil.example/x.png)" in page
    assert snapshot(hostile_names) == before


def test_summary_html_carries_no_escape_sequence(hostile_names: Path) -> None:
    r = sh(
        "summary", "-t", "t.csv", "--period", "2026-W45", "--min-tickets", "1", "-f", "html",
        cwd=hostile_names,
    )  # fmt: skip
    assert r.code == 0, r.err
    assert ESC not in r.out and "<script" not in r.out.lower()


# ------------------------------------------------------------------ 6. clear errors
# Permissions do not stop root (CI runs as root): the command then runs without the
# capabilities that bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), dropped from
# its bounding set, so that a folder's mode applies to it as to any user.
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def as_unprivileged(*args: str, cwd: Path) -> Run:
    def drop() -> None:
        if os.geteuid() != 0:
            return
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    env = {k: v for k, v in os.environ.items() if k != "SUPPORTKPI_CONFIG"}
    done = subprocess.run(
        [console_script(), *args],
        cwd=cwd,
        capture_output=True,
        env=env,
        timeout=120,
        preexec_fn=drop,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def test_a_read_only_folder_for_the_output(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(csv_lines(T_HEAD, T1, T2), "utf-8")
    ro = tmp_path / "reports"
    ro.mkdir()
    ro.chmod(0o555)
    before = snapshot(tmp_path)
    r = as_unprivileged("compute", "-t", "t.csv", "-o", "reports/kpis.json", cwd=tmp_path)
    line = one_error(r, "reports/kpis.json", "Permission denied")
    assert ".tmp" not in line  # the output's name, not the temporary file's
    assert snapshot(tmp_path) == before and not any(ro.iterdir())


def test_an_unreadable_input_folder(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "t.csv").write_text(csv_lines(T_HEAD, T1), "utf-8")
    exports.chmod(0o000)
    try:
        for spec in ("exports", "exports/t.csv"):
            r = as_unprivileged("compute", "-t", spec, "-f", "json", cwd=tmp_path)
            one_error(r, spec, "Permission denied")
            assert "no such file" not in r.err
    finally:
        exports.chmod(0o755)
    assert (exports / "t.csv").read_text("utf-8") == csv_lines(T_HEAD, T1)


def write_parquet(path: Path, columns: dict[str, pa.Array], names: list[str] | None = None) -> None:
    table = pa.Table.from_arrays(list(columns.values()), names=names or list(columns))
    pq.write_table(table, path)


def test_a_parquet_file_with_two_columns_of_one_name(tmp_path: Path) -> None:
    """Read as a CSV of the same header is: the first column, and a warning (E008)."""
    created = pa.array(["2026-11-02T09:00:00Z"] * 3)
    write_parquet(
        tmp_path / "t.parquet",
        {
            "ticket_id": pa.array([1, 2, 3]),
            "created_at": created,
            "agent": pa.array(["Ann", "Ann", "Bob"]),
            "agent2": pa.array(["Zed", "Zed", "Zed"]),
        },
        names=["ticket_id", "created_at", "agent", "agent"],
    )
    before = snapshot(tmp_path)
    r = sh("compute", "-t", "t.parquet", "--by", "agent", "-k", "tickets", "-f", "json",
           cwd=tmp_path)  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    by_agent = {row["group"]["agent"]: row["value"] for row in doc["results"] if row["group"]}
    assert by_agent == {"Ann": 2, "Bob": 1}  # the first 'agent' column
    codes = {p["code"] for i in doc["inputs"] for p in i["problems"]}
    assert "E008" in codes
    assert snapshot(tmp_path) == before


def test_a_parquet_list_column_where_a_value_is_expected(tmp_path: Path) -> None:
    write_parquet(
        tmp_path / "t.parquet",
        {
            "ticket_id": pa.array([1, 2]),
            "created_at": pa.array(["2026-11-02T09:00:00Z"] * 2),
            "agent": pa.array([["Ann"], ["Bob", "Cy"]]),
        },
    )
    before = snapshot(tmp_path)
    r = sh("compute", "-t", "t.parquet", "--by", "agent", cwd=tmp_path)
    line = one_error(r, "t.parquet", "column agent holds lists")
    assert "corrupt" not in line
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ config values
@pytest.fixture
def one_ticket(tmp_path: Path) -> Path:
    (tmp_path / "t.csv").write_text(csv_lines(T_HEAD, T1, T2), "utf-8")
    return tmp_path


def test_a_time_zone_that_is_a_folder_of_the_zone_database(one_ticket: Path) -> None:
    """`Europe` is a folder of the zone database: with the tzdata package installed (as on
    Windows, where it is a dependency) zoneinfo opens it as a file. A stand-in package
    with that layout, alone on the zone path, shows it here."""
    zones = one_ticket / "zones" / "tzdata" / "zoneinfo"
    (zones / "Europe").mkdir(parents=True)
    (zones.parent / "__init__.py").write_text("", "utf-8")
    (zones / "__init__.py").write_text("", "utf-8")
    (one_ticket / "targets.yaml").write_text("min_sample: 30\ntimezone: Europe\n", "utf-8")
    before = snapshot(one_ticket)
    env = {"PYTHONPATH": str(one_ticket / "zones"), "PYTHONTZPATH": ""}
    r = sh("compute", "-t", "t.csv", cwd=one_ticket, env=env)
    one_error(r, "targets.yaml:2", "timezone", "unknown time zone 'Europe'")
    assert snapshot(one_ticket) == before


def test_a_two_megabyte_time_zone_name_is_not_echoed(one_ticket: Path) -> None:
    (one_ticket / "targets.yaml").write_text("timezone: " + "A" * (2 << 20) + "\n", "utf-8")
    before = snapshot(one_ticket)
    r = sh("compute", "-t", "t.csv", cwd=one_ticket)
    line = one_error(r, "targets.yaml")
    assert len(line) < 300, len(line)
    assert snapshot(one_ticket) == before


def test_business_hours_with_no_open_hour(one_ticket: Path) -> None:
    (one_ticket / "targets.yaml").write_text(
        "timezone: UTC\nclock: business\nbusiness_hours: {mon: []}\n", "utf-8"
    )
    before = snapshot(one_ticket)
    r = sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, cwd=one_ticket)
    one_error(r, "targets.yaml:3", "business_hours", "no open hours")
    assert snapshot(one_ticket) == before


# ------------------------------------------------------------------ files read fine
def test_a_file_name_in_latin1_bytes_is_read_and_shown_escaped(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.csv")  # the byte 0xE9 is no UTF-8: a surrogate here
    (tmp_path / name).write_text(csv_lines(T_HEAD, T1, T2, "3,soon,,,P1,Cy"), "utf-8")
    before = snapshot(tmp_path)
    r = sh("compute", "-t", name, "-k", "tickets", "-f", "json", cwd=tmp_path)
    assert r.code == 0, r.err
    assert "\ufffd" not in r.out  # valid UTF-8 throughout
    doc = r.json()
    assert doc["inputs"][0]["paths"] == ["caf\\xe9.csv"]
    assert [row["value"] for row in doc["results"]] == [2]  # T1, T2; row 3 has no date
    checked = sh("validate", "-t", name, "--rejects", "rejects.csv", cwd=tmp_path)
    assert checked.code == 1, checked.err
    assert "tickets: caf\\xe9.csv — 3 rows read, 2 used" in checked.out
    rejects = (tmp_path / "rejects.csv").read_text("utf-8").splitlines()
    # the row as it is in the file, read again by the file's own name
    assert (
        rejects[1]
        == "tickets,caf\\xe9.csv,4,3,E011,created_at,cannot read the timestamp,3,soon,,,P1,Cy"
    )
    del (after := snapshot(tmp_path))["rejects.csv"]
    assert after == before


def test_an_unusable_file_named_in_latin1_keeps_the_json_valid(tmp_path: Path) -> None:
    name = os.fsdecode(b"vid\xe9.csv")
    (tmp_path / name).write_bytes(b"")
    r = sh("validate", "-t", name, "-f", "json", cwd=tmp_path)
    assert r.code == 2 and "\ufffd" not in r.out, r.out
    [check] = r.json()["inputs"]
    assert (check["paths"], check["usable"]) == (["vid\\xe9.csv"], False)


@pytest.mark.parametrize("command", ["compute", "validate", "summary"])
def test_a_config_named_in_latin1_keeps_the_json_valid(tmp_path: Path, command: str) -> None:
    (tmp_path / "t.csv").write_text(csv_lines(T_HEAD, T1, T2), "utf-8")
    name = os.fsdecode(b"r\xe9glages.yaml")
    (tmp_path / name).write_text("min_sample: 30\n", "utf-8")
    r = sh(command, "-t", "t.csv", "--config", name, "-f", "json", cwd=tmp_path)
    assert r.code == 0 and "\ufffd" not in r.out, r.err
    doc = r.json()
    assert doc.get("config", doc.get("config_path")) == "r\\xe9glages.yaml"


def test_a_16_mb_cell_in_a_column_no_kpi_reads(tmp_path: Path) -> None:
    """Longer than the 8 MB blocks the CSV is parsed in: the read takes larger blocks."""
    note = "x" * (16 << 20)
    (tmp_path / "t.csv").write_text(
        csv_lines("ticket_id,created_at,agent,notes", f"1,{AS_OF},Ann,short",
                  f"2,{AS_OF},Bob,{note}", f"3,{AS_OF},Ann,"),
        "utf-8",
    )  # fmt: skip
    before = snapshot(tmp_path)
    r = sh("compute", "-t", "t.csv", "-k", "tickets", "--by", "agent", "-f", "json", cwd=tmp_path)
    assert r.code == 0, r.err
    counts = {row["group"].get("agent", "all"): row["value"] for row in r.json()["results"]}
    assert counts == {"all": 3, "Ann": 2, "Bob": 1}
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ ids
def test_uint64_ids_above_2_63_are_read_exactly(tmp_path: Path) -> None:
    big = [2**63 + 5, 2**63 + 6, 2**64 - 1]  # distinct ids no int64 holds
    write_parquet(
        tmp_path / "t.parquet",
        {
            "ticket_id": pa.array(big, pa.uint64()),
            "created_at": pa.array(["2026-11-02T09:00:00Z"] * 3),
        },
    )
    before = snapshot(tmp_path)
    r = sh("compute", "-t", "t.parquet", "-k", "tickets", "-f", "json", cwd=tmp_path)
    assert r.code == 0, r.err
    assert [row["value"] for row in r.json()["results"]] == [3]  # none taken for another
    rows = sh("explain", "tickets", "-t", "t.parquet", cwd=tmp_path)
    assert rows.code == 0, rows.err
    assert [line.split(",")[0].strip('"') for line in rows.out.splitlines()[1:]] == [
        str(i) for i in big
    ]
    assert snapshot(tmp_path) == before


def test_csv_ids_above_2_63_are_not_rounded_into_one(tmp_path: Path) -> None:
    """The CSV reader takes a number too large for an int64 as a float, in which
    9223372036854775813 and …814 are one number: they were read as one ticket (E019)."""
    big = ["9223372036854775813", "9223372036854775814", "18446744073709551615"]
    rows = [f"{i},{AS_OF}" for i in big]
    (tmp_path / "t.csv").write_text(csv_lines("ticket_id,created_at", *rows, f",{AS_OF}"))
    (tmp_path / "s.csv").write_text(
        csv_lines("survey_id,ticket_id,type,score,submitted_at", f"1,{big[1]},csat,5,{AS_OF}")
    )
    before = snapshot(tmp_path)
    r = sh("validate", "-t", "t.csv", "-s", "s.csv", "-f", "json", cwd=tmp_path)
    tickets, surveys = r.json()["inputs"]
    assert [(p["code"], p["first_rows"]) for p in tickets["problems"]] == [("E010", [4])]
    assert surveys["problems"] == []  # its ticket is found
    listed = sh("explain", "tickets", "-t", "t.csv", cwd=tmp_path).out.splitlines()[1:]
    assert [line.split(",")[0].strip('"') for line in listed] == big
    assert snapshot(tmp_path) == before


def test_nan_and_fractional_ids_are_counted_not_kept(tmp_path: Path) -> None:
    """pandas writes an integer column with a gap as floats: NaN is a missing id (E010),
    as an empty cell is; 2.5 or an infinity is no id (E010 too): rows left out, counted."""
    ids = [1.0, float("nan"), 2.5, 3.0, float("inf")]
    write_parquet(
        tmp_path / "t.parquet",
        {"ticket_id": pa.array(ids), "created_at": pa.array(["2026-11-02T09:00:00Z"] * 5)},
    )
    before = snapshot(tmp_path)
    r = sh("validate", "-t", "t.parquet", "-f", "json", cwd=tmp_path)
    assert r.code == 1, r.err
    problems = r.json()["inputs"][0]["problems"]
    by_message = {p["message"].split(":")[0]: p["first_rows"] for p in problems}
    assert by_message == {
        "no ticket_id": [2],
        "not an id (a number with a fraction, or an infinity)": [3, 5],
    }
    assert {p["code"] for p in problems} == {"E010"}
    computed = sh("explain", "tickets", "-t", "t.parquet", cwd=tmp_path)
    assert [line.split(",")[0].strip('"') for line in computed.out.splitlines()[1:]] == ["1", "3"]
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ implausible values
def test_a_talk_time_of_1e30_seconds_is_rejected_with_a_code(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        csv_lines(
            "ticket_id,created_at,talk_seconds,hold_seconds,after_call_work_seconds",
            f"1,{AS_OF},1e30,0,0",
            f"2,{AS_OF},60,30,0",
            f"3,{AS_OF},120,0,30",
        ),
        "utf-8",
    )
    before = snapshot(tmp_path)
    r = sh("compute", "-t", "t.csv", "-k", "handle_time", "-f", "json", cwd=tmp_path)
    assert r.code == 0, r.err
    doc = r.json()
    row = doc["results"][0]
    assert (row["value"], row["n"]) == ((90 + 150) / 2, 2)  # tickets 2 and 3 only
    [problem] = doc["inputs"][0]["problems"]
    assert (problem["code"], problem["column"], problem["first_rows"]) == (
        "E029",
        "talk_seconds",
        [1],
    )
    assert snapshot(tmp_path) == before


def test_refunds_that_would_sum_to_infinity_keep_the_json_valid(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(csv_lines(T_HEAD, T1, T2), "utf-8")
    (tmp_path / "c.csv").write_text(
        csv_lines(
            "credit_id,ticket_id,kind,amount,created_at",
            f"1,1,refund,1e308,{AS_OF}",
            f"2,2,refund,1e308,{AS_OF}",
            f"3,1,refund,25.5,{AS_OF}",
            f"4,2,credit,10,{AS_OF}",
        ),
        "utf-8",
    )
    before = snapshot(tmp_path)
    r = sh("compute", "-t", "t.csv", "-c", "c.csv", "-k", "refunds_total", "-k", "credits_total",
           "-f", "json", cwd=tmp_path)  # fmt: skip
    assert r.code == 0, r.err

    def no_constant(token: str) -> None:
        raise AssertionError(f"{token} is not JSON")

    doc = json.loads(r.out, parse_constant=no_constant)
    values = {row["kpi"]: row["value"] for row in doc["results"]}
    assert values == {"refunds_total": 25.5, "credits_total": 10}
    credits = next(i for i in doc["inputs"] if i["input"] == "credits")
    [problem] = credits["problems"]
    assert (problem["code"], problem["rows"], problem["first_rows"]) == ("E029", 2, [1, 2])
    assert snapshot(tmp_path) == before
