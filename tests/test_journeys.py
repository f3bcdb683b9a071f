"""Issue #16: the paths users walk first, through the installed console script.

Each test runs `supportkpi` in a child process (`sh`), in a folder laid out as a user's:
the shipped examples and targets.yaml, a redirect, a pseudo-terminal, cron's $HOME.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import json
import os
import pty
import select
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT, console_script, sh, write_csv


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's examples and targets.yaml: `supportkpi compute` there
    reads examples/*.csv through the config's `inputs:`."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copy(ROOT / "targets.yaml", tmp_path / "targets.yaml")
    return tmp_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------- 1. -o never over an input
@pytest.mark.parametrize(
    "args",
    [
        ["compute", "-q"],  # the config's inputs:
        ["compute", "-q", "-t", "examples/tickets.csv"],
        ["compute", "-q", "-t", "examples/*.csv"],  # a glob
        ["compute", "-q", "-t", "link.csv"],  # a symlink to the export
        ["compute", "-q", "-t", "hard.csv"],  # a hard link to the export
        ["sla-check", "-q", "--as-of", "2026-11-25"],
        ["explain", "fcr_rate"],
        ["summary", "-q"],
        ["validate"],
    ],
)
def test_output_never_replaces_an_input(project: Path, args: list[str]) -> None:
    export = project / "examples" / "tickets.csv"
    os.symlink(export, project / "link.csv")
    os.link(export, project / "hard.csv")
    before = digest(export)
    if "*" in args[-1]:
        # a glob of every example would mix inputs: keep only the tickets under it
        args = [*args[:-1], "examples/tick*.csv"]
    r = sh(*args, "-o", "examples/tickets.csv", cwd=project)
    assert r.code == 2, (r.code, r.err)
    assert "refusing to overwrite" in r.err
    assert digest(export) == before
    assert not [p for p in (project / "examples").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", ["link.csv", "hard.csv"])
def test_output_through_a_link_to_an_input_is_refused(project: Path, name: str) -> None:
    export = project / "examples" / "tickets.csv"
    link = project / name
    (os.symlink if name == "link.csv" else os.link)(export, link)
    before = digest(export)
    r = sh("compute", "-q", "-o", name, cwd=project)  # reads examples/tickets.csv
    assert r.code == 2, r.err
    assert "refusing to overwrite" in r.err
    assert digest(export) == before


# ----------------------------------------------------------------- 2. stdout is the report
def under_terminal(args: list[str], stdin: bytes, cwd: Path, out: Path, hold: float) -> bytes:
    """Run the console script with stdout into `out` (`> out`) and stderr on a
    pseudo-terminal, feeding `stdin` and holding the pipe open `hold` seconds (a slow
    export); returns what the terminal showed."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    shown = b""
    with open(out, "wb") as fh:
        child = subprocess.Popen(
            [console_script(), *args], cwd=cwd, stdin=subprocess.PIPE, stdout=fh,
            stderr=slave, env=env,
        )  # fmt: skip
        os.close(slave)
        assert child.stdin is not None
        child.stdin.write(stdin)
        child.stdin.flush()
        deadline = time.monotonic() + hold
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                shown += os.read(master, 4096)
        child.stdin.close()
        assert child.wait(timeout=60) == 0
    with contextlib.suppress(OSError):  # EIO once the child has closed the terminal
        while chunk := os.read(master, 4096):
            shown += chunk
    os.close(master)
    return shown


def test_redirected_report_under_a_terminal(tmp_path: Path) -> None:
    """`… | supportkpi compute -t - -k tickets -f csv > out.csv` typed in a terminal,
    the export arriving slowly: the spinner shows on the terminal (stderr) after its 2 s,
    and the whole report, only the report, lands in out.csv."""
    body = "ticket_id,created_at\n" + "".join(
        f"{i},2026-11-0{1 + i % 5}T10:00:00Z\n" for i in range(1, 41)
    )
    args = ["compute", "-t", "-", "-k", "tickets", "-f", "csv"]
    shown = under_terminal(args, body.encode(), tmp_path, tmp_path / "out.csv", hold=3.0)
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0].startswith("kpi,label,value,unit,n,")
    assert lines[1].split(",")[:5] == ["tickets", "Tickets created", "40", "count", "40"]
    assert len(lines) == 2
    assert b"reading" in shown  # the spinner was on the terminal
    assert b"Tickets created" not in shown  # and the report was not


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "-f", "markdown", "-o", "out.md"],
        ["explain", "fcr_rate", "-o", "out.csv"],
        ["compute", "-f", "csv", "-o", "out.csv"],
    ],
)
def test_a_report_written_to_a_file_prints_nothing_off_a_terminal(
    project: Path, args: list[str]
) -> None:
    r = sh(*args, cwd=project)  # stderr is a pipe here, as under cron
    assert (r.code, r.out, r.err) == (0, "", "")
    assert (project / args[-1]).stat().st_size > 0


# ----------------------------------------------------------------- 3. -t replaces inputs:
def test_inputs_on_the_command_line_replace_the_configs(project: Path, tmp_path: Path) -> None:
    other = write_csv(
        project / "other.csv",
        ["ticket_id", "created_at", "priority"],
        [[1, "2026-11-02T09:00:00Z", "P3"], [2, "2026-11-02T10:00:00Z", "P2"]],
    )
    r = sh("compute", "-t", str(other), "-f", "json", cwd=project)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert [i["input"] for i in doc["inputs"]] == ["tickets"]  # not the config's surveys…
    csat = next(x for x in doc["results"] if x["kpi"] == "csat" and x["group"] == {})
    assert csat["value"] is None and "surveys" in csat["reason"]
    tickets = next(x for x in doc["results"] if x["kpi"] == "tickets" and x["group"] == {})
    assert tickets["value"] == 2
    help_text = sh("compute", "--help", cwd=project).out
    assert "replace its inputs: as a whole" in " ".join(help_text.split())


# ----------------------------------------------------------------- 4. tickets no policy covers
JIRA = ["ticket_id", "created_at", "first_response_at", "resolved_at", "priority", "agent"]
AS_OF = "2026-11-10T12:00:00Z"


def jira_tickets(folder: Path, priorities: list[str]) -> Path:
    """Tickets created on 9 Nov at 0i:00, answered 10 min later, resolved 10 h later."""
    rows = [
        [i, f"2026-11-09T0{i}:00:00Z", f"2026-11-09T0{i}:10:00Z", f"2026-11-09T1{i}:00:00Z", p, "A"]
        for i, p in enumerate(priorities, start=1)
    ]
    return write_csv(folder / "t.csv", JIRA, rows)


def test_no_ticket_judged_is_an_error_not_a_green_check(tmp_path: Path) -> None:
    jira_tickets(tmp_path, ["Blocker", "Major", "Major", "Minor"])
    for fmt in ("table", "json", "prometheus"):
        r = sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, "-f", fmt, "-q", cwd=tmp_path)
        assert r.code == 2, (fmt, r.code, r.out)
        assert r.out == ""
        (line,) = r.err.strip().splitlines()
        assert "no ticket is covered by an SLA policy" in line
        assert "Major (2), Blocker (1), Minor (1)" in line
        assert "values: {priority:" in line


def test_unmatched_tickets_are_counted_everywhere(tmp_path: Path) -> None:
    # 2 P3 tickets (covered: answered in 10 min of 4 h), 3 Blocker, 1 with no priority
    jira_tickets(tmp_path, ["P3", "Blocker", "P3", "Blocker", "Blocker", ""])
    r = sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, "-f", "json", cwd=tmp_path)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    overall = {x["kpi"]: x for x in doc["results"] if x["group"] == {}}
    assert overall["sla_first_response"]["unmatched"] == 4
    assert overall["sla_first_response"]["met"] == 2
    assert doc["sla_unmatched"] == {
        "key": "priority",
        "tickets": 4,
        "values": {"Blocker": 3, "(unknown)": 1},
    }
    table = sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, cwd=tmp_path).out
    assert "4 ticket(s) no policy covers (priority Blocker 3, (unknown) 1)" in table
    prom = sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, "-f", "prometheus", cwd=tmp_path)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(prom.out)
        for s in f.samples
    }
    assert samples[("supportkpi_sla_unmatched_tickets", (("target", "first_response"),))] == 4
    computed = sh("compute", "-t", "t.csv", "--as-of", AS_OF, "-k", "sla_resolution", cwd=tmp_path)
    assert "4 ticket(s) no policy covers" in computed.out
    summary = sh("summary", "-t", "t.csv", "-p", "2026-W46", "-f", "markdown", cwd=tmp_path)
    assert "4 ticket(s) no policy covers (priority Blocker 3, (unknown) 1)" in summary.out
    checked = sh("validate", "-t", "t.csv", cwd=tmp_path)
    assert "E017 priority: unknown priority 'Blocker'" in checked.out


def test_validate_names_values_no_policy_covers(tmp_path: Path) -> None:
    jira_tickets(tmp_path, ["P1", "P4", "P4"])
    (tmp_path / "targets.yaml").write_text(
        "sla:\n  policies:\n    P1: {first_response: 15m, resolution: 4h, compliance: 99}\n"
    )
    r = sh("validate", "-t", "t.csv", cwd=tmp_path)
    assert "E028 priority: no SLA policy for priority 'P4' (policies: P1)" in r.out
    assert ": 2 rows (t.csv: lines 3, 4)" in r.out  # the header is line 1


# ----------------------------------------------------------------- 5. resolved, never answered
def test_a_resolution_ends_the_first_response_clock(tmp_path: Path) -> None:
    # P3 (first response 4 h): 1 solved in 3 h without a reply -> met; 2 solved in 5 h
    # without a reply -> breached by 1 h; judged 72 days later, neither is "overdue 72 days"
    write_csv(
        tmp_path / "t.csv",
        JIRA,
        [
            [1, "2026-09-01T08:00:00Z", "", "2026-09-01T11:00:00Z", "P3", "Ann"],
            [2, "2026-09-01T08:00:00Z", "", "2026-09-01T13:00:00Z", "P3", "Bob"],
        ],
    )
    r = sh(
        "sla-check",
        "-t",
        "t.csv",
        "--as-of",
        "2026-11-12T08:00:00Z",
        "--list",
        "all",
        "-f",
        "json",
        cwd=tmp_path,
    )
    doc = json.loads(r.out)
    first = {t["ticket_id"]: t for t in doc["tickets"] if t["target"] == "first_response"}
    assert (first[1]["state"], first[1]["elapsed_seconds"]) == ("met", 3 * 3600)
    assert (first[2]["state"], first[2]["elapsed_seconds"]) == ("breached", 5 * 3600)
    assert first[2]["overdue_seconds"] == 3600


# ----------------------------------------------------------------- 6. Prometheus labels
def test_prometheus_is_valid_for_any_by(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "t.csv",
        ["ticket_id", "created_at", "first_response_at", "priority", "State", "1st line"],
        [
            [1, "2026-11-10T08:00:00Z", "2026-11-10T08:05:00Z", "P1", "open", 'A "quoted"\\ one'],
            [2, "2026-11-10T09:00:00Z", "", "P2", "solved", "B"],
        ],
    )
    args = ["sla-check", "-t", "t.csv", "--as-of", AS_OF, "-f", "prometheus", "-o", "sla.prom"]
    r = sh(*args, "--by", "State", "--by", "1st line", cwd=tmp_path)
    assert r.code in (0, 1), r.err
    families = list(text_string_to_metric_families((tmp_path / "sla.prom").read_text()))
    labels = {k for f in families for s in f.samples for k in s.labels}
    assert labels == {"target", "state", "priority", "by_state", "by_1st_line"}
    values = {s.labels.get("by_1st_line") for f in families for s in f.samples}
    assert 'A "quoted"\\ one' in values
    # the state counts keep their own `state` label beside the grouped-by State
    counts = [
        s
        for f in families
        for s in f.samples
        if s.name == "supportkpi_sla_tickets" and s.labels.get("by_state") == "open"
    ]
    assert {s.labels["state"] for s in counts} >= {"met", "breached", "na"}


# ----------------------------------------------------------------- 7. cron
def test_cron_from_home_with_the_config_in_the_environment(tmp_path: Path) -> None:
    home, etc = tmp_path / "home", tmp_path / "etc"
    home.mkdir()
    etc.mkdir()
    (etc / "targets.yaml").write_text(
        "timezone: America/New_York\n"
        "sla:\n  policies:\n    Blocker: {first_response: 1h, resolution: 1d, compliance: 80}\n"
    )
    tickets = jira_tickets(etc, ["Blocker", "Blocker"])
    env = {"HOME": str(home), "SUPPORTKPI_CONFIG": str(etc / "targets.yaml")}
    cron = ["sla-check", "-t", str(tickets), "--as-of", AS_OF, "--quiet", "-f", "prometheus"]
    r = sh(*cron, "-o", "sla.prom", cwd=home, env=env)
    assert (r.code, r.out, r.err) == (0, "", "")  # the config's Blocker policy applied
    prom = (home / "sla.prom").read_text()
    assert 'supportkpi_sla_compliance_target_ratio{target="resolution",priority="Blocker"} 0.8' in (
        prom
    )
    # a miss: still nothing printed with --output and --quiet; the file and the code say it
    late = AS_OF.replace("2026-11-10", "2026-11-20")
    (etc / "targets.yaml").write_text(
        "sla:\n  policies:\n    Blocker: {first_response: 5m, resolution: 1h, compliance: 80}\n"
    )
    r = sh(*cron[:4], late, *cron[5:], "-o", "sla.prom", cwd=home, env=env)
    assert (r.code, r.out, r.err) == (1, "", "")
    assert "supportkpi_sla_ok 0" in (home / "sla.prom").read_text()
    # a config named but missing is an error, not the built-in policies
    r = sh(*cron, cwd=home, env={**env, "SUPPORTKPI_CONFIG": str(etc / "gone.yaml")})
    assert r.code == 2 and "gone.yaml" in r.err and "SUPPORTKPI_CONFIG" in r.err


def test_due_times_in_the_configs_time_zone(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text("timezone: America/New_York\n")
    # P1 created 08:00Z, no answer: first response due 08:15Z = 03:15 in New York (EST)
    write_csv(tmp_path / "t.csv", JIRA, [[1, "2026-11-10T08:00:00Z", "", "", "P1", "Ann"]])
    args = ["sla-check", "-t", "t.csv", "--as-of", AS_OF, "--list", "breached"]
    table = sh(*args, cwd=tmp_path).out
    assert "2026-11-10 03:15 -05:00" in table and "due (America/New_York)" in table
    doc = json.loads(sh(*args, "-f", "json", cwd=tmp_path).out)
    due = {t["target"]: t["due_at"] for t in doc["tickets"]}
    # (resolution, 4 h, is due at the as-of time itself: not yet breached)
    assert due == {"first_response": "2026-11-10T08:15:00Z"}


# ----------------------------------------------------------------- writing the report (#21)
def test_never_writes_through_another_users_symlink(project: Path) -> None:
    victim = project / "root-only.txt"
    victim.write_text("secret\n")
    victim.chmod(0o600)
    link = project / "sla.prom"
    os.symlink(victim, link)
    try:
        os.lchown(link, 65534, 65534)  # as if `nobody` planted it in a shared folder
    except PermissionError:
        pytest.skip("needs root to give the link another owner")
    r = sh("compute", "-q", "-f", "csv", "-o", "sla.prom", cwd=project)
    assert r.code == 2 and "symbolic link owned by another user" in r.err
    assert victim.read_text() == "secret\n" and stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert os.path.islink(link)


def test_report_mode_kept_or_from_the_umask(project: Path) -> None:
    out = project / "r.csv"
    r = subprocess.run(
        ["sh", "-c", f"umask 077 && exec {console_script()} compute -f csv -o r.csv"],
        cwd=project,
        capture_output=True,
    )
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # a report names agents: umask wins
    out.chmod(0o640)
    assert sh("compute", "-f", "csv", "-o", "r.csv", cwd=project).code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the file replaced keeps its mode


@pytest.mark.parametrize(
    ("args", "stdin_file", "message"),
    [
        (["compute", "-t", "-", "-o", "examples/tickets.csv"], True, "a file this run read"),
        (["compute", "-q", "-o", "newdir/"], False, "ends with '/'"),
        (["compute", "-q", "-f", "csv", "-o", "/dev/full"], False, "No space left on device"),
        (["validate", "-o", "x.csv", "--rejects", "x.csv"], False, "name the same file"),
    ],
)
def test_outputs_refused_with_one_line(
    project: Path, args: list[str], stdin_file: bool, message: str
) -> None:
    export = project / "examples" / "tickets.csv"
    before = digest(export)
    stdin = export.read_bytes() if stdin_file else None
    if stdin_file:  # `< examples/tickets.csv`: stdin is that very file
        with open(export, "rb") as fh:
            done = subprocess.run(
                [console_script(), *args], cwd=project, stdin=fh, capture_output=True
            )
        r_code, r_err = done.returncode, done.stderr.decode()
    else:
        r = sh(*args, cwd=project, stdin=stdin)
        r_code, r_err = r.code, r.err
    assert r_code == 2, r_err
    (line,) = r_err.strip().splitlines()
    assert line.startswith("supportkpi: error: ") and message in line
    assert args[-1] in line and "internal error" not in line  # the output path, named
    assert digest(export) == before
    assert not list(project.glob("**/.supportkpi-*"))


def test_sigterm_leaves_no_temporary_file_and_the_old_report(project: Path) -> None:
    (project / "out.csv").write_text("the previous report\n")
    child = subprocess.Popen(
        [console_script(), "compute", "-t", "-", "-f", "csv", "-o", "out.csv"],
        cwd=project,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stderr is not None
    child.stdin.write(b"ticket_id,created_at\n1,2026-11-02T09:00:00Z\n")
    child.stdin.flush()
    time.sleep(1.5)  # started, waiting for the rest of its input
    child.terminate()
    code = child.wait(timeout=30)
    err = child.stderr.read().decode()
    child.stdin.close()
    assert code == 128 + 15, err
    assert err.strip() == "supportkpi: error: stopped by SIGTERM"
    assert (project / "out.csv").read_text() == "the previous report\n"
    assert not list(project.glob(".supportkpi-*"))


def test_a_failed_write_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportkpi.io import outputs

    (tmp_path / "out.csv").write_text("the previous report\n")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # a signal between the write and the rename

    monkeypatch.setattr(outputs.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_atomic(str(tmp_path / "out.csv"), "new", [])
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    assert (tmp_path / "out.csv").read_text() == "the previous report\n"


# ----------------------------------------------------------------- the default as-of time
def test_the_default_as_of_depends_only_on_the_files() -> None:
    """SPEC §6: the latest timestamp of the tickets export, whatever KPIs are asked (on a
    ServiceNow log, `-k tickets` judged at the last opening, months before the rest)."""
    log = ROOT / "tests" / "fixtures" / "servicenow" / "incident_event_log_200.csv"
    with log.open(newline="") as fh:
        latest = max(
            dt.datetime.strptime(row[col], "%d/%m/%Y %H:%M")
            for row in csv.DictReader(fh)
            for col in ("opened_at", "resolved_at")
            if row[col] not in ("", "?")
        )
    for kpis in (["-k", "tickets"], ["-k", "csat"], ["-k", "resolution_time"], []):
        r = sh("compute", "-t", str(log), "--preset", "servicenow", *kpis, "-f", "json")
        assert json.loads(r.out)["as_of"] == latest.strftime("%Y-%m-%dT%H:%M:%SZ"), kpis


# ----------------------------------------------------------------- no silent drop
def test_surveys_and_credits_without_their_time_are_counted_not_dropped(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "t.csv",
        ["ticket_id", "created_at"],
        [[1, "2026-11-02T09:00:00Z"], [2, "2026-11-02T09:00:00Z"]],
    )
    write_csv(
        tmp_path / "s.csv",
        ["survey_id", "ticket_id", "type", "score", "submitted_at"],
        [[1, 1, "csat", 5, "2026-11-02T10:00:00Z"], [2, 1, "csat", 1, ""]],
    )
    write_csv(
        tmp_path / "c.csv",
        ["credit_id", "ticket_id", "kind", "amount", "created_at"],
        [[1, 1, "credit", 10, "2026-11-02T10:00:00Z"], [2, 2, "credit", 99, ""]],
    )
    r = sh("compute", "-t", "t.csv", "-s", "s.csv", "-c", "c.csv", "-f", "json", cwd=tmp_path)
    doc = json.loads(r.out)
    rejected = {i["input"]: i["rows_rejected"] for i in doc["inputs"]}
    assert rejected["surveys"] == {"E011 submitted_at: unparseable or missing timestamp": 1}
    assert rejected["credits"] == {"E011 created_at: unparseable or missing timestamp": 1}
    overall = {x["kpi"]: x for x in doc["results"] if x["group"] == {}}
    assert (overall["csat"]["value"], overall["csat"]["n"]) == (100.0, 1)
    assert overall["credits_total"]["value"] == 10
    checked = sh("validate", "-t", "t.csv", "-s", "s.csv", "-c", "c.csv", cwd=tmp_path)
    assert checked.code == 1 and "E011 submitted_at" in checked.out


def test_sla_rows_say_which_tickets_were_invalid_and_which_problem(project: Path) -> None:
    """The examples' responses dated before their ticket's creation: counted as `invalid`
    SLA states, and named (E012) in the result's `excluded` list — two facts, two keys."""

    def instant(text: str) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:  # empty, or the examples' planted "not a date" (rejected)
            return None

    with (project / "examples" / "tickets.csv").open(newline="") as fh:
        pairs = [
            (instant(r["Created At"]), instant(r["First Response At"])) for r in csv.DictReader(fh)
        ]
    before = sum(1 for c, f in pairs if c and f and f < c)
    r = sh("sla-check", "--as-of", "2026-11-25", "-f", "json", cwd=project)
    overall = next(
        x
        for x in json.loads(r.out)["results"]
        if x["kpi"] == "sla_first_response" and not x["group"]
    )
    assert before > 0 and overall["invalid"] == before
    assert {"code": "E012", "input": "tickets", "column": "first_response_at"}.items() <= (
        overall["excluded"][0].items()
    )


@pytest.mark.parametrize(
    "args",
    [
        ["compute", "-o", "report.txt"],
        ["sla-check", "--as-of", "2026-11-25", "-o", "report.txt"],
        ["summary", "-o", "report.txt"],
        ["validate", "-o", "report.txt"],
    ],
)
def test_a_report_written_from_a_terminal_is_plain_text(project: Path, args: list[str]) -> None:
    """`-o FILE` typed in a terminal writes what `> FILE` writes: no colour codes, not
    wrapped at the terminal's width."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    child = subprocess.Popen(
        [console_script(), *args], cwd=project, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    with contextlib.suppress(OSError):  # drain the terminal until the child closes it
        while os.read(master, 4096):
            pass
    os.close(master)
    assert child.wait(timeout=120) in (0, 1)
    written = (project / "report.txt").read_text()
    assert "\x1b" not in written
    redirected = subprocess.run(
        [console_script(), *args[:-2]], cwd=project, capture_output=True, text=True
    ).stdout
    assert written == redirected


def test_no_breach_listed_for_a_target_never_measured(tmp_path: Path) -> None:
    """An export without first responses: the first-response SLA is not checked, so no
    ticket is listed (nor counted in the summary) as breaching it."""
    write_csv(
        tmp_path / "t.csv",
        ["ticket_id", "created_at", "resolved_at", "priority"],
        [
            [1, "2026-11-09T08:00:00Z", "2026-11-09T20:00:00Z", "P1"],  # resolved in 12 h > 4 h
            [2, "2026-11-09T08:00:00Z", "2026-11-09T09:00:00Z", "P1"],  # 1 h: met
        ],
    )
    r = sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, "--list", "breached", "-f", "json",
           cwd=tmp_path)  # fmt: skip
    doc = json.loads(r.out)
    assert [(t["ticket_id"], t["target"]) for t in doc["tickets"]] == [(1, "resolution")]
    assert "sla_first_response not checked" in " ".join(doc["notes"])
    md = sh("summary", "-t", "t.csv", "-p", "2026-W46", "-f", "markdown", cwd=tmp_path).out
    assert "1 ticket(s) breached a target (1 breaches" in md
    assert "| first response |" not in md


def test_without_a_config_nothing_is_judged_against_invented_limits(tmp_path: Path) -> None:
    """No targets.yaml: authorization compliance cannot be judged (every approver would
    have a limit of 0, so 0 %), and the report says no config was found."""
    for name in ("tickets.csv", "credits.csv"):
        shutil.copy(ROOT / "examples" / name, tmp_path / name)
    r = sh("compute", "-t", "tickets.csv", "-c", "credits.csv", "-f", "json", cwd=tmp_path)
    doc = json.loads(r.out)
    auth = next(x for x in doc["results"] if x["kpi"] == "authorization_compliance")
    assert auth["value"] is None and "authorization_limits" in auth["reason"]
    assert any("no targets.yaml found" in n for n in doc["notes"])
    table = sh("compute", "-t", "tickets.csv", "-k", "tickets", cwd=tmp_path).out
    assert "no targets.yaml found" in table and "supportkpi init" in table
    summary = sh("summary", "-t", "tickets.csv", "-f", "markdown", cwd=tmp_path).out
    assert "No targets.yaml found" in summary


def test_explain_where_a_value_matches_nothing_says_so(project: Path) -> None:
    r = sh("explain", "fcr_rate", "--where", "agent=Priya", cwd=project)
    assert r.code == 2 and "--where agent=Priya: no tickets row in scope" in r.err
    assert "did you mean 'Priya B.'?" in r.err
    r = sh("explain", "fcr_rate", "--where", "agnet=Priya B.", cwd=project)
    assert r.code == 2 and r.err.startswith("supportkpi: error: --where agnet:")


def test_small_samples_are_marked_and_get_no_tier_target_or_not(tmp_path: Path) -> None:
    for name in ("tickets.csv", "surveys.csv"):
        shutil.copy(ROOT / "examples" / name, tmp_path / name)
    args = ["compute", "-t", "tickets.csv", "-s", "surveys.csv", "-k", "csat", "-f", "json"]
    doc = json.loads(sh(*args, "--period", "2026-11-24", cwd=tmp_path).out)  # one day
    (csat,) = doc["results"]
    assert 0 < csat["n"] < 30  # min_sample's default
    assert csat["status"] == "low_sample" and "tier" not in csat
    doc = json.loads(sh(*args, cwd=tmp_path).out)  # all data: enough answers
    (csat,) = doc["results"]
    assert csat["n"] >= 30 and csat["status"] == "no_target" and csat["tier"]


def test_a_period_without_data_says_what_the_data_covers(project: Path) -> None:
    with (project / "examples" / "tickets.csv").open(newline="") as fh:
        days = sorted(
            r["Created At"][:10] for r in csv.DictReader(fh) if r["Created At"][:2] == "20"
        )
    r = sh("compute", "--period", "2025-W10", "-k", "tickets", cwd=project)  # a mistyped year
    assert r.code == 0
    assert f"no ticket was created in 2025-W10: the tickets cover {days[0]} to {days[-1]}" in r.out


def test_rating_words_match_ignoring_case_and_spaces(tmp_path: Path) -> None:
    """Zendesk writes its satisfaction ratings `Good` / `Bad` in CSV exports."""
    write_csv(
        tmp_path / "s.csv",
        ["Ticket ID", "Satisfaction Score", "Created at"],
        [[i, word, "2026-11-02 10:00"] for i, word in enumerate(["Good", "Bad ", "GOOD", "good"])],
    )
    r = sh(
        "compute", "-s", "s.csv", "--preset", "zendesk", "-k", "csat", "-f", "json", cwd=tmp_path
    )
    doc = json.loads(r.out)
    assert [(x["value"], x["n"]) for x in doc["results"]] == [(75.0, 4)]  # 3 good of 4
    assert doc["inputs"][0]["rows_rejected"] == {}


def test_an_export_whose_every_row_is_rejected_is_unusable(tmp_path: Path) -> None:
    """A quote opened on the first data line and never closed swallows the file: no
    'Tickets created 0' with exit 0, but one line saying why, and validate's detail."""
    (tmp_path / "t.csv").write_text(
        'ticket_id,created_at\n1,"2026-11-02T09:00:00Z\n2,2026-11-02T10:00:00Z\n'
    )
    r = sh("compute", "-t", "t.csv", "-k", "tickets", cwd=tmp_path)
    assert r.code == 2 and r.out == ""
    (line,) = r.err.strip().splitlines()
    assert "t.csv: every one of its" in line and "rows was rejected" in line
    assert "a quote opened on line 2 is never closed" in line
    v = sh("validate", "-t", "t.csv", cwd=tmp_path)
    assert v.code == 1 and "E026 a quote opened on line 2 is never closed" in v.out


def test_policies_without_compliance_goals_say_so(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text(
        "sla:\n  policies:\n    P1: {first_response: 15m, resolution: 4h}\n"
    )
    jira_tickets(tmp_path, ["P1", "P1"])  # resolved after 10 h: both breach 4 h
    r = sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, cwd=tmp_path)
    assert r.code == 0 and "no compliance goal is set" in r.out
    assert sh("sla-check", "-t", "t.csv", "--as-of", AS_OF, "--fail-on", "breach",
              cwd=tmp_path).code == 1  # fmt: skip
