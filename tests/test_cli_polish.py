"""Issue 17 item 10, as a user meets it through the installed command: shell
completion, `-q` on every command, choices in `--help`, `table` as the human format's
name everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import sh

COMMANDS = ["compute", "sla-check", "summary", "validate", "explain", "kpis", "presets", "init"]


def _option_line(help_text: str, option: str) -> str:
    return next(x for x in help_text.splitlines() if x.strip().startswith("-") and option in x)


@pytest.mark.parametrize(
    ("command", "option", "choices"),
    [
        ("demo", "--format", "csv|parquet"),
        ("validate", "--format", "table|json"),
        ("presets", "--format", "table|json"),
        ("init", "--profile", "general|cost-support"),
        ("compute", "--format", "table|json|csv|markdown"),
    ],
)
def test_help_shows_the_choices(command: str, option: str, choices: str) -> None:
    r = sh(command, "--help", env={"COLUMNS": "200"})
    assert r.code == 0
    line = _option_line(r.out, option)
    assert choices in line, line


def test_the_human_format_is_called_table_in_every_command(tmp_path: Path) -> None:
    shown = sh("validate", "--help", env={"COLUMNS": "200"}).out
    assert "text" not in _option_line(shown, "--format")
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "ticket_id,created_at,first_response_at\n1,2026-11-02T09:00:00Z,2026-11-02T09:10:00Z\n"
    )
    table = sh("validate", "-t", str(tickets), "--format", "table", cwd=tmp_path)
    assert table.code == 0, table.err
    assert "tickets.csv" in table.out and "1 row read" in table.out
    # the old name still reads, and gives the same report
    old = sh("validate", "-t", str(tickets), "--format", "text", cwd=tmp_path)
    assert (old.code, old.out) == (0, table.out)
    listed = sh("presets", "--format", "table")
    assert listed.code == 0 and "zendesk" in listed.out


@pytest.mark.parametrize("command", [*COMMANDS, "demo"])
def test_every_command_takes_quiet(command: str) -> None:
    r = sh(command, "--help", env={"COLUMNS": "200"})
    assert r.code == 0
    assert any(x.strip().startswith("-q, --quiet") for x in r.out.splitlines()), r.out


def test_quiet_commands_run(tmp_path: Path) -> None:
    assert sh("kpis", "-q").code == 0
    init = sh("init", "-q", str(tmp_path / "targets.yaml"))
    assert init.code == 0 and (tmp_path / "targets.yaml").exists()
    demo = sh("demo", "-q", "--out", str(tmp_path / "d"), "-n", "20", "--weeks", "1")
    assert demo.code == 0 and (tmp_path / "d" / "tickets.csv").exists()


def test_shell_completion() -> None:
    script = sh("--show-completion", "bash")
    assert script.code == 0 and "_SUPPORTKPI_COMPLETE" in script.out
    assert "--install-completion" in sh("--help").out

    def complete(words: str) -> list[str]:
        env = {
            "_SUPPORTKPI_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
        }
        r = sh(env=env)
        assert r.code == 0, r.err
        return r.out.split()

    assert complete("supportkpi sla-") == ["sla-check"]
    assert complete("supportkpi demo --format ") == ["csv", "parquet"]
    assert complete("supportkpi validate -f ") == ["table", "json"]
