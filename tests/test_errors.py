"""The catalogue of codes (errors.CODES): one definition per code, every code the source
uses is in it, docs/errors.md is what the catalogue writes, and the messages printed are
the ones the catalogue documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, sh
from supportkpi import errors
from supportkpi.errors import CODES

SRC = ROOT / "src" / "supportkpi"
CODE_WORD = re.compile(r"\b[ECU]\d{3}\b")


def codes_in_source() -> dict[str, list[str]]:
    """Every code written in the source (strings, comments, docstrings) outside the
    catalogue itself -> where: a code cited anywhere must be one the catalogue defines."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "errors.py" and path.parent == SRC:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "noqa" in line:  # a lint directive names the linter's codes (E402), not ours
                line = line.split("noqa")[0]
            for code in CODE_WORD.findall(line):
                found.setdefault(code, []).append(f"{path.relative_to(ROOT)}:{n}")
    return found


def test_every_code_the_source_uses_is_in_the_catalogue() -> None:
    used = codes_in_source()
    missing = {code: where for code, where in used.items() if code not in CODES}
    assert not missing, missing
    # the source does use the codes (the scan finds them: E019 in load.py, E003 in sources.py)
    assert {"E003", "E019", "E026"} <= set(used)


def test_every_exception_class_has_a_catalogued_code() -> None:
    from supportkpi.io.sources import TooLarge
    from supportkpi.reports.in_parts import NotInParts

    classes = [errors.ConfigError, errors.InputError, errors.UsageError, TooLarge, NotInParts]
    assert {c.code for c in classes} == {"C001", "E003", "U001"}
    # the base class's E000 is a placeholder: it is never raised as such
    raised = re.compile(r"raise SupportKpiError\(|SupportKpiError\([^)]*\)\s*$")
    for path in SRC.rglob("*.py"):
        assert not raised.search(path.read_text(encoding="utf-8")), path


def test_each_code_has_one_complete_definition() -> None:
    assert len(CODES) == 32  # E001–E008 (8), E010–E024 (15), E026–E032 (7), C001, U001
    names = [c.name for c in CODES.values()]
    assert len(set(names)) == len(names)
    for key, c in CODES.items():
        assert key == c.code
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", c.name), c.name
        assert c.title and c.description and c.action and c.templates, c.code
        assert c.kind in ("fatal", "row", "value", "warning")
        assert c.description.endswith((".", ".)")) and c.action.endswith("."), c.code
    assert not set(errors.RETIRED) & set(CODES)


def test_titles_and_scopes_are_the_ones_the_json_has_always_carried() -> None:
    # written out by hand from the catalogue before it became classes: the JSON's
    # `title` and `scope`, and the rows_rejected keys, depend on them
    assert errors.title("E019") == "duplicate id (the last row wins)"
    assert errors.title("E011") == "unparseable or missing timestamp"
    assert errors.title("E008") == "two columns of the same name (the first is read)"
    assert [errors.scope(c) for c in ("E011", "E012", "E015", "E016", "E030")] == [
        "row",
        "value",
        "warning",
        "row",
        "value",
    ]
    assert errors.CATALOGUE["E020"] == (
        "reference to a ticket not in the tickets export",
        "warning",
    )
    assert errors.CATALOGUE["E004"] == ("missing required column", "row")
    assert CODES["E019"].label == "E019 duplicate-id"


def test_docs_errors_md_is_what_the_catalogue_writes() -> None:
    """Regenerate with `python -m supportkpi.errors > docs/errors.md`."""
    written = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert written == errors.catalogue_markdown()
    for c in CODES.values():
        assert f"### {c.code} {c.name}\n" in written
        assert c.description in written


def test_docs_are_linked() -> None:
    assert "](docs/errors.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](errors.md)" in (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")


def test_validate_help_names_each_code() -> None:
    shown = sh("validate", "--help").out
    assert "E019 duplicate-id" in shown and "E026 malformed-line" in shown
    assert "E001 file-not-found" in shown and "docs/errors.md" in shown


# ------------------------------------------------------------ messages vs templates
def template_pattern(template: str) -> re.Pattern[str]:
    """`an earlier row of a repeated {column}; …` -> a regex: `{name}` stands for any text."""
    parts = re.split(r"\{\w+\}", template)
    return re.compile(".+".join(re.escape(p) for p in parts))


def documented(code: str, message: str) -> bool:
    return any(template_pattern(t).fullmatch(message) for t in CODES[code].templates)


TICKETS = """\
ticket_id,created_at,first_response_at,resolved_at,priority,status,escalated,reopens,talk_seconds,agent,agent
1,2026-11-02 09:00,2026-11-02 09:30,2026-11-02 12:00,high,solved,no,0,60,Ann,x
2,2026-11-02 09:00,2026-11-02 08:00,2026-11-01 12:00,high,solved,no,0,60,Ann,x
,2026-11-02 09:00,,,low,open,no,0,60,Ann,x
4,not a date,,,low,open,no,0,60,Ann,x
5,2026-11-02 09:00,,garbage,Blocker,Limbo,maybe,-1,1e30,Ann,x
6,2026-11-02T09:00:00+01:00,,2028-01-01 09:00,low,solved,no,0,60,Ann,x
6,0026-11-02 09:00,,,low,open,no,0,60,Ann,x
7,2026-11-02 09:00,,,low,open
8,2026-11-03 09:00,,,low,open,no,0,60,Ann,x
8,2026-11-03 10:00,,,low,open,no,0,60,Ann,x
"""
SURVEYS = """\
survey_id,ticket_id,type,score,submitted_at
s1,1,csat,9,2026-11-03 09:00
s2,99,csat,4,2026-11-03 09:00
s3,1,weird,4,2026-11-03 09:00
"""


def test_row_problems_are_reported_as_the_catalogue_documents(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(TICKETS)
    (tmp_path / "s.csv").write_text(SURVEYS)
    (tmp_path / "targets.yaml").write_text(
        "sla:\n  policies:\n    P2: {first_response: 1h, resolution: 8h, compliance: 90}\n"
    )
    r = sh("validate", "-t", "t.csv", "-s", "s.csv", "-f", "json", cwd=tmp_path)
    problems = [p for i in r.json()["inputs"] for p in i["problems"]]
    # each row above was written to carry one problem (line 6 several)
    assert {p["code"] for p in problems} == {
        "E008",  # agent twice
        "E010",  # no id (line 4)
        "E011",  # `not a date` (line 5)
        "E012",  # response at 08:00 for 09:00 (line 3)
        "E013",  # resolved the day before (line 3)
        "E014",  # reopens -1
        "E015",  # resolved in 2028
        "E017",  # Blocker
        "E019",  # ticket 8 twice (6's second row has no readable created_at: E030)
        "E021",  # escalated `maybe`
        "E022",  # resolved_at `garbage`
        "E023",  # one offset among naive times
        "E024",  # Limbo
        "E026",  # line 9: 6 fields
        "E029",  # 1e30 seconds
        "E030",  # year 26
        "E016",  # csat 9
        "E018",  # type `weird`
        "E020",  # ticket 99
    }
    # E028 is told only where no E017 is (a priority it does not know is one already)
    (tmp_path / "t2.csv").write_text(
        "ticket_id,created_at,priority\n1,2026-11-02,high\n2,2026-11-02,low\n"
    )
    r = sh("validate", "-t", "t2.csv", "-f", "json", cwd=tmp_path)
    [e028] = r.json()["inputs"][0]["problems"]
    assert (e028["code"], e028["rows"]) == ("E028", 1)  # low is P4: no policy; high is P2
    for p in [*problems, e028]:
        assert p["title"] == CODES[p["code"]].title
        assert documented(p["code"], p["message"]), (p["code"], p["message"])
    assert not documented(
        "E019", "an earlier row of a repeated ticket_id"
    )  # a template matches whole


@pytest.mark.parametrize(
    ("code", "setup"),
    [
        ("E001", lambda d: None),
        ("E002", lambda d: (d / "t.csv").write_text("")),
        ("E003", lambda d: (d / "t.csv").write_bytes(b"\x00\x01\x02binary\x00" * 20)),
        ("E004", lambda d: (d / "t.csv").write_text("ticket_id,priority\n1,high\n")),
    ],
)
def test_fatal_errors_are_reported_as_the_catalogue_documents(
    tmp_path: Path, code: str, setup: object
) -> None:
    setup(tmp_path)  # type: ignore[operator]
    r = sh("validate", "-t", "t.csv", "-f", "json", cwd=tmp_path)
    [check] = r.json()["inputs"]
    assert r.code == 2 and not check["usable"]
    # `t.csv: message (hint)`: the message is one the code documents
    message = check["error"].split(": ", 1)[1]
    patterns = [template_pattern(t) for t in CODES[code].templates]
    assert any(re.fullmatch(p.pattern + r"( \(.*\))?", message) for p in patterns), message
