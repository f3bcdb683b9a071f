"""JSON exports (issue #17 item 6): a top-level array of records and NDJSON, as helpdesk
APIs give them, with nested fields addressed by dotted paths; bad JSON is one line.

The fixtures (tests/fixtures/json, made by its make.py) are the same 60 tickets as a
Zendesk-API-shaped JSON array, as NDJSON, and flat as a CSV: the CSV run is the second,
independent method every JSON run is compared with."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, sh, value

FIX = ROOT / "tests" / "fixtures" / "json"
# the config's time zone is not UTC, and the days group on it: a timestamp whose
# offset is lost on the way (pyarrow's own JSON typing drops it) moves tickets a day
BREAKDOWNS = ("--by", "day", "--by", "priority", "--by", "agent", "--by", "team")


def compute(config: str, *args: str, stdin: bytes | None = None) -> dict[str, Any]:
    r = sh("compute", "--config", str(FIX / config), *args, *BREAKDOWNS, "-f", "json",
           stdin=stdin)  # fmt: skip
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    return json.loads(r.out)


def results(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(doc["results"], key=lambda r: json.dumps([r["kpi"], r["group"]]))


@pytest.fixture(scope="module")
def from_csv() -> list[dict[str, Any]]:
    csv_path = str(FIX / "tickets.csv")
    return results(compute("csv.yaml", "-t", csv_path, "-s", csv_path))


@pytest.mark.parametrize("name", ["tickets.json", "tickets.ndjson"])
def test_json_gives_the_kpis_of_the_same_csv(name: str, from_csv: list[dict[str, Any]]) -> None:
    path = str(FIX / name)
    doc = compute("json.yaml", "-t", path, "-s", path)
    assert results(doc) == from_csv
    assert doc["inputs"][0]["rows_read"] == 60


def test_gzip_stdin_and_a_folder_of_json(tmp_path: Path, from_csv: list[dict[str, Any]]) -> None:
    array = (FIX / "tickets.json").read_bytes()
    lines = (FIX / "tickets.ndjson").read_bytes().splitlines(keepends=True)
    gz = tmp_path / "tickets.json.gz"
    gz.write_bytes(gzip.compress(array))
    folder = tmp_path / "monthly"  # two files of one export, NDJSON
    folder.mkdir()
    (folder / "a.ndjson").write_bytes(b"".join(lines[:25]))
    (folder / "b.jsonl").write_bytes(b"".join(lines[25:]))
    ndjson = str(FIX / "tickets.ndjson")
    # stdin has no name: the text itself says JSON
    for args, stdin in (
        (["-t", str(gz), "-s", str(gz)], None),
        (["-t", "-", "-s", ndjson], array),
        (["-t", str(folder), "-s", ndjson], None),
    ):
        assert results(compute("json.yaml", *args, stdin=stdin)) == from_csv, args


def test_nested_fields_by_dotted_path(in_tmp: Path) -> None:
    """No config: an unmapped nested field is a dimension by its dotted name, a list of
    tags one text cell; a mapped one (satisfaction_rating.score) feeds the CSAT."""
    records = [json.loads(line) for line in (FIX / "tickets.ndjson").read_text().splitlines()]
    Path("targets.yaml").write_text(
        "columns:\n  tickets: {ticket_id: id}\n"
        "  surveys: {ticket_id: id, score: satisfaction_rating.score}\n"
        "values: {score: {good: 5, bad: 1}}\nsurvey_type: csat\n"
    )
    path = str(FIX / "tickets.ndjson")
    r = sh("compute", "-t", path, "-s", path, "--kpi", "tickets", "--kpi", "csat",
           "--by", "via.channel", "--by", "tags", "-f", "json", cwd=in_tmp)  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    channels: dict[str, int] = {}
    tags: dict[str, int] = {}
    for rec in records:
        channels[rec["via"]["channel"]] = channels.get(rec["via"]["channel"], 0) + 1
        joined = ", ".join(rec["tags"])
        tags[joined] = tags.get(joined, 0) + 1
    assert len(channels) > 1 and len(tags) > 1
    for channel, n in channels.items():
        assert value(doc, "tickets", **{"via.channel": channel}) == n
    for joined, n in tags.items():
        assert value(doc, "tickets", tags=joined) == n
    scores = [rec["satisfaction_rating"]["score"] for rec in records if rec["satisfaction_rating"]]
    assert value(doc, "csat") == pytest.approx(100 * scores.count("good") / len(scores))


def test_csv_fixture_is_the_json_flattened() -> None:
    """The CSV twin holds what the JSON holds (else comparing them proves nothing)."""
    rows = list(csv.DictReader((FIX / "tickets.csv").open(newline="")))
    records = json.loads((FIX / "tickets.json").read_text())
    assert [int(r["Id"]) for r in rows] == [rec["id"] for rec in records]
    assert [r["Assignee"] for r in rows] == [rec["assignee"]["name"] for rec in records]
    assert [r["Solved at"] or None for r in rows] == [
        rec["metrics"]["solved_at"] for rec in records
    ]


BAD = {
    "syntax.ndjson": (b'{"id": 1}\n{"id": 2,}\n', ":2: invalid JSON"),
    "cut.json": (b'[\n  {"id": 1},\n  {"id": 2\n', ":3: the file ends inside a record"),
    "quote.json": (b'[{"id": 1},\n {"id": "2\\"}]\n', ":2: the file ends inside a text value"),
    "closing.json": (b'[{"id": 1}]]\n', ":1: a closing bracket"),
    "mixed.json": (
        b'[{"id": 1, "sr": {"score": 4}},\n {"id": 2, "sr": {"score": "good"}}]\n',
        ":2: field sr.score holds text here and a number in the records before",
    ),
    "list.ndjson": (b'{"id": 1}\n["id", 2]\n', ":2: a list where a record"),
    "start.json": (b"id,created_at\n1,2026-11-02\n", ":1: not JSON records"),
    "latin1.ndjson": (
        b'{"id": 1}\n\n{"agent": "Zo\xeb"}\n',
        ":3: text that is not UTF-8 (byte 0xeb)",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_json_is_one_line_with_file_and_line(tmp_path: Path, name: str) -> None:
    data, expected = BAD[name]
    (tmp_path / name).write_bytes(data)
    r = sh("compute", "-t", name, cwd=tmp_path)
    assert r.code == 2
    assert "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert f"{name}{expected}" in r.err, r.err


def test_zendesk_preset_reads_the_api_tickets(in_tmp: Path) -> None:
    """`--preset zendesk` on tickets as the API returns them: the id, the channel
    (via.channel) and the satisfaction ratings inside them (good / bad)."""
    records = json.loads((FIX / "tickets.json").read_text())
    path = str(FIX / "tickets.json")
    r = sh("compute", "--preset", "zendesk", "-t", path, "-s", path, "-k", "tickets", "-k",
           "csat", "--by", "channel", "-f", "json", cwd=in_tmp)  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    scores = [rec["satisfaction_rating"]["score"] for rec in records if rec["satisfaction_rating"]]
    assert value(doc, "csat") == pytest.approx(100 * scores.count("good") / len(scores))
    chat = [rec for rec in records if rec["via"]["channel"].lower() == "chat"]  # normalised
    assert chat and value(doc, "tickets", channel="chat") == len(chat)
    # a rating counts in its ticket's channel: the ticket is the record holding it
    rated = [rec["satisfaction_rating"]["score"] for rec in chat if rec["satisfaction_rating"]]
    assert rated and value(doc, "csat", channel="chat") == pytest.approx(
        100 * rated.count("good") / len(rated)
    )


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_the_byte_scan_agrees_with_pythons_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """The vectorised scan that puts one record on a line, against json.loads: strings
    holding brackets, commas, escaped quotes and backslashes (runs of them cut across
    scan chunks), records pretty-printed, in a list or one after another."""
    from supportkpi.io import jsonread
    from supportkpi.io.sources import Source

    texts = ["a,b", "[x]", "{y}", '\\"', "\\\\", '\\\\\\"', 'q"', "\\", "é ü", "x\ny", ""]
    records = [{"id": i, "text": t, "nested": {"t": t[::-1], "n": i}} for i, t in enumerate(texts)]
    forms = {
        "array.json": json.dumps(records, indent=2, ensure_ascii=False),
        "compact.json": json.dumps(records),
        "lines.ndjson": "\n".join(json.dumps(r, ensure_ascii=False) for r in records),
        "pretty.ndjson": "\n".join(json.dumps(r, indent=1) for r in records) + "\n",
    }
    monkeypatch.setattr(jsonread, "_SCAN_CHUNK", chunk)
    flat = [{"id": r["id"], "text": r["text"], "nested.t": r["nested"]["t"],
             "nested.n": r["nested"]["n"]} for r in records]  # fmt: skip
    for name, text in forms.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        src = Source(str(tmp_path / name))
        jsonread.sniff(src, text.encode()[:64])
        assert src.table.to_pylist() == flat, name


def test_problems_name_the_line_a_record_starts_on(tmp_path: Path) -> None:
    """A problem names the file's line, as for a CSV: a record pretty-printed over
    several lines is named by the line its { is on; NDJSON's empty lines count."""
    records = [
        {"ticket_id": 1, "created_at": "2026-11-02T09:00:00Z"},
        {"ticket_id": 2, "created_at": "2026-11-02T10:00:00Z", "agent": "Ann"},
        {"ticket_id": 3, "created_at": "soon"},
    ]
    pretty = json.dumps(records, indent=2)
    third = pretty.splitlines().index("  {", pretty.splitlines().index('    "agent": "Ann"')) + 1
    (tmp_path / "t.json").write_text(pretty)
    lines = [json.dumps(r) for r in records]
    (tmp_path / "t.ndjson").write_text(f"{lines[0]}\n\n{lines[1]}\n{lines[2]}\n")
    for name, line in (("t.json", third), ("t.ndjson", 4)):
        r = sh("validate", "-t", name, "-f", "json", cwd=tmp_path)
        assert r.code == 1, r.err
        (problem,) = r.json()["inputs"][0]["problems"]
        assert (problem["code"], problem["first_rows"], problem["first_lines"]) == (
            "E011", [3], [line]), name  # fmt: skip
