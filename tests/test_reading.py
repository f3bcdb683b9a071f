"""Reading exports: encodings, line endings, unterminated quotes, damaged files, Parquet
column types, and the text of error messages (SPEC §7)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import result, run
from supportkpi.errors import printable
from supportkpi.schema.coerce import ids

HEAD = "ticket_id,created_at,first_response_at,resolved_at,priority,agent,subject"


def row(i: int, agent: str = "Ann", subject: str = "hello") -> str:
    return f"{i},2026-11-02T09:00:00Z,,,P1,{agent},{subject}"


def tickets_json(*args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    r = run("compute", "-t", *args, "-f", "json")
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    doc = json.loads(r.out)
    return doc, doc["inputs"][0]


def agents(doc: dict[str, Any]) -> dict[str, Any]:
    return {r["group"]["agent"]: r["value"] for r in doc["results"] if r["group"]}


def problem(inp: dict[str, Any], code: str) -> dict[str, Any]:
    hits = [p for p in inp["problems"] if p["code"] == code]
    assert len(hits) == 1, inp["problems"]
    return hits[0]


# ------------------------------------------------------------------ messages
def test_printable_escapes_what_would_break_the_line_or_drive_the_terminal() -> None:
    assert printable("a\nb\r\x0b\x0c\x85\u2028\x1b[2J\t") == (
        "a\\nb\\r\\x0b\\x0c\\x85\\u2028\\x1b[2J\\t"
    )
    kept = "Zoë, 票号, 'quotes' and \\ stay"
    assert printable(kept) == kept


def test_a_fatal_message_stays_on_one_line(in_tmp: Path) -> None:
    (in_tmp / "t.csv").write_text('"Ticket\x85Number",Opened\x0bAt\n1,2026-11-02\n', "utf-8")
    r = run("compute", "-t", "t.csv")
    assert r.code == 2
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert "\\x85" in r.err and "\\x0b" in r.err


# ------------------------------------------------------------------ ids
def test_float_ids_stay_whole_numbers_or_become_text() -> None:
    whole, unusable = ids(pa.chunked_array([[1.0, None, 3.0, float("nan")]]))
    assert whole.to_pylist() == [1, None, 3, None] and not unusable.any()  # NaN: missing
    mixed, unusable = ids(pa.chunked_array([[1.0, 1e20, 12.5, None]]))
    # never rounded into another id; whole numbers still match '1' elsewhere; 12.5 is none
    assert mixed.to_pylist() == ["1", "1e+20", None, None]
    assert unusable.tolist() == [False, False, True, False]


# ------------------------------------------------------------------ encodings
def test_utf8_with_a_cp1252_line_in_the_sample_keeps_both(in_tmp: Path) -> None:
    data = (HEAD + "\n" + row(1, "Zoë") + "\n").encode() + row(2, "Fran\xe7oise").encode("cp1252")
    (in_tmp / "t.csv").write_bytes(data + b"\n")
    doc, _ = tickets_json("t.csv", "--by", "agent", "--kpi", "tickets")
    assert agents(doc) == {"Zoë": 1, "Françoise": 1}


def test_a_cp1252_byte_past_64k_with_the_wrong_field_count(in_tmp: Path) -> None:
    body = "".join(row(i, "Zoë") + "\n" for i in range(1, 2000)).encode()
    bad = row(9999, "Fran\xe7oise").encode("cp1252") + b",extra\n"
    (in_tmp / "t.csv.gz").write_bytes(gzip.compress((HEAD + "\n").encode() + body + bad))
    doc, inp = tickets_json("t.csv.gz", "--by", "agent", "--kpi", "tickets")
    assert (inp["rows_read"], inp["rows_used"]) == (2000, 1999)
    assert problem(inp, "E026")["first_rows"] == [2000]
    assert agents(doc) == {"Zoë": 1999}


def test_utf16_without_a_byte_order_mark_is_named(in_tmp: Path) -> None:
    (in_tmp / "t.csv").write_bytes((HEAD + "\n" + row(1) + "\n").encode("utf-16-le"))
    r = run("compute", "-t", "t.csv")
    assert r.code == 2
    assert "t.csv: UTF-16 text is not supported (save the export as UTF-8 CSV)" in r.err


def test_cr_line_endings_with_a_quoted_line_break(in_tmp: Path) -> None:
    text = 'ticket_id,created_at,agent\r1,2026-11-02T09:00:00Z,"Ann\rSmith"\r2,2026-11-03,Bob\r'
    (in_tmp / "t.csv").write_bytes(text.encode())
    doc, inp = tickets_json("t.csv", "--by", "agent", "--kpi", "tickets")
    assert (inp["rows_read"], inp["rows_used"]) == (2, 2)
    assert set(agents(doc)) == {"Ann\rSmith", "Bob"}


# ------------------------------------------------------------------ damaged gzip
def test_gzip_damaged_in_the_middle(in_tmp: Path) -> None:
    body = "".join(row(i, subject=f"s{i * 7919 % 100003}") + "\n" for i in range(1, 20000))
    data = bytearray(gzip.compress((HEAD + "\n" + body).encode()))
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    (in_tmp / "t.csv.gz").write_bytes(bytes(data))
    r = run("compute", "-t", "t.csv.gz")
    assert r.code == 2
    assert r.err.startswith("supportkpi: error: t.csv.gz: corrupt gzip file"), r.err


# ------------------------------------------------------------------ unterminated quotes
def test_a_quote_never_closed_in_a_middle_column_counts_every_line(in_tmp: Path) -> None:
    lines = [HEAD, row(1), '2,2026-11-02T09:00:00Z,,,"P1,Ann,x', *(row(i) for i in range(3, 8))]
    (in_tmp / "t.csv").write_text("\n".join(lines) + "\n")
    r = run("validate", "-t", "t.csv", "-f", "json", "--rejects", "rejects.csv")
    assert r.code == 1, r.err
    inp = json.loads(r.out)["inputs"][0]
    assert (inp["rows_read"], inp["rows_used"]) == (7, 1)
    assert problem(inp, "E026")["rows"] == 6
    assert "lines 3" in problem(inp, "E026")["message"]
    rejected = list(csv.DictReader(io.StringIO((in_tmp / "rejects.csv").read_text())))
    assert [int(r["line"]) for r in rejected] == list(range(3, 9))  # one per line lost
    assert rejected[1]["_line"] == row(3)


def test_a_quote_never_closed_in_a_column_not_read(in_tmp: Path) -> None:
    lines = [HEAD, *(row(i) for i in range(1, 5000))]
    lines[3000] = row(3000, subject='"12 screen')  # only `subject` holds the quote
    (in_tmp / "t.csv").write_text("\n".join(lines) + "\n")
    _, inp = tickets_json("t.csv", "--kpi", "tickets")
    assert (inp["rows_read"], inp["rows_used"]) == (4999, 2999)
    assert "a quote opened on line 3001 is never closed" in problem(inp, "E026")["message"]


def test_line_breaks_and_delimiters_in_a_quoted_cell_are_fine(in_tmp: Path) -> None:
    lines = [HEAD, row(1, '"Ann\nSmith, Jr"'), row(2, '"a\r\nb, c, d\ne"'), row(3)]
    (in_tmp / "t.csv").write_text("\n".join(lines) + "\n")
    r = run("validate", "-t", "t.csv", "-f", "json")
    assert r.code == 0, r.out
    inp = json.loads(r.out)["inputs"][0]
    assert (inp["rows_read"], inp["rows_used"], inp["problems"]) == (3, 3, [])


# ------------------------------------------------------------------ Parquet
def test_parquet_struct_column_is_named(in_tmp: Path) -> None:
    created = ["2026-11-02T09:00:00Z"] * 2
    pq.write_table(pa.table({"ticket_id": [{"a": 1}, {"a": 2}], "created_at": created}), "t.pq")
    r = run("compute", "-t", "t.pq")
    assert r.code == 2
    assert "t.pq: column ticket_id holds records" in r.err
    assert "expected single values" in r.err


def test_parquet_binary_column_of_utf8_text_is_read_as_text(in_tmp: Path) -> None:
    table = pa.table(
        {
            "ticket_id": [1, 2],
            "created_at": ["2026-11-02T09:00:00Z"] * 2,
            "agent": pa.array(["Zoë".encode(), b"Bob"], pa.binary()),
        }
    )
    pq.write_table(table, "t.parquet")
    doc, _ = tickets_json("t.parquet", "--by", "agent", "--kpi", "tickets")
    assert agents(doc) == {"Zoë": 1, "Bob": 1}


# ------------------------------------------------------------------ validate --rejects
def test_rejects_with_a_column_name_twice(in_tmp: Path) -> None:
    (in_tmp / "t.csv").write_text("ticket_id,created_at,agent,agent\n1,yesterday,Ann,Bob\n")
    r = run("validate", "-t", "t.csv", "--rejects", "rejects.csv")
    assert r.code == 1, r.err
    rejected = list(csv.reader(io.StringIO((in_tmp / "rejects.csv").read_text())))
    assert rejected[1][:5] == ["tickets", "t.csv", "2", "1", "E011"]  # line 2, data row 1


# ------------------------------------------------------------------ quoted line breaks
def test_values_spanning_lines_are_one_value_in_small_and_large_files(in_tmp: Path) -> None:
    """Descriptions with line breaks inside quotes (common in helpdesk exports) are read
    first as if no value spanned lines, then again with care: either way every ticket
    counts once, with its own agent. 200k rows (~11 MB) put line breaks across pyarrow's
    8 MB read blocks."""
    from supportkpi.io.sources import CSV_BLOCK

    for n in (3, 200_000):
        lines = [HEAD]
        for i in range(1, n + 1):
            subject = f'"line one of {i}\nline two, with a comma\n"' if i % 3 == 0 else "plain"
            lines.append(row(i, agent="Ann" if i % 2 else "Bo", subject=subject))
        (in_tmp / "t.csv").write_text("\n".join(lines) + "\n")
        assert n < 10 or (in_tmp / "t.csv").stat().st_size > 1.3 * CSV_BLOCK
        doc, inp = tickets_json("t.csv", "--kpi", "tickets", "--by", "agent")
        assert inp["rows_read"] == n and inp["rows_used"] == n and not inp["problems"]
        assert agents(doc) == {"Ann": (n + 1) // 2, "Bo": n // 2}


def test_a_broken_row_among_spanning_values_keeps_its_line_number(in_tmp: Path) -> None:
    lines = [HEAD, row(1, subject='"two\nlines"'), row(2) + ",extra", row(3)]
    (in_tmp / "t.csv").write_text("\n".join(lines) + "\n")
    _, inp = tickets_json("t.csv", "--kpi", "tickets")
    assert inp["rows_used"] == 2
    assert problem(inp, "E026")["first_rows"] == [2]  # the second record, whatever its line


def test_a_column_named_twice_reads_the_first_and_says_so(in_tmp: Path) -> None:
    (in_tmp / "t.csv").write_text(
        "ticket_id,created_at,agent,agent\n1,2026-11-02T09:00:00Z,Ann,Bo\n"
        "2,2026-11-02T10:00:00Z,Ann,Cy\n"
    )
    doc, inp = tickets_json("t.csv", "--kpi", "tickets", "--by", "agent")
    assert agents(doc) == {"Ann": 2}  # column 3, as any CSV reader takes it
    [same_name] = [p for p in inp["problems"] if p["code"] == "E008"]
    assert same_name["scope"] == "warning" and same_name["rows"] == 2
    assert "columns 3 and 4 are both named 'agent': column 3 is read" in same_name["message"]
    assert inp["rows_used"] == 2  # nothing excluded


def test_decimal_commas_in_semicolon_files_only(in_tmp: Path) -> None:
    """A spreadsheet in a decimal-comma locale saves `;`-separated files with `120,5`;
    in a comma-separated file the same quoted text is not a number (E021), not a guess."""
    (in_tmp / "t.csv").write_text(
        "ticket_id;created_at;talk_seconds;hold_seconds;after_call_work_seconds\n"
        "1;2026-11-02T09:00:00Z;120,5;30,25;0\n"
        "2;2026-11-02T09:30:00Z;200;10,75;-1,5\n"
    )
    doc, inp = tickets_json("t.csv", "--kpi", "handle_time")
    # ticket 2's wrap-up time is negative (E014): its handle time is left out
    assert result(doc, "handle_time")["value"] == 120.5 + 30.25 + 0
    assert [p["code"] for p in inp["problems"]] == ["E014"]
    (in_tmp / "c.csv").write_text(
        'ticket_id,created_at,talk_seconds\n1,2026-11-02T09:00:00Z,"120,5"\n'
        "2,2026-11-02T09:30:00Z,200\n"
    )
    doc, inp = tickets_json("c.csv", "--kpi", "handle_time")
    assert result(doc, "handle_time")["value"] == 200
    assert [p["code"] for p in inp["problems"]] == ["E021"]
    assert "a decimal comma?" in inp["problems"][0]["message"]  # says why, never guesses
    (in_tmp / "w.csv").write_text("ticket_id,created_at,talk_seconds\n1,2026-11-02,soon\n")
    _, inp = tickets_json("w.csv", "--kpi", "handle_time")
    assert "decimal comma" not in inp["problems"][0]["message"]


def test_header_names_with_spaces_around_them(in_tmp: Path) -> None:
    """'ticket_id, created_at, agent' (a space after each comma) and 'agent ' name the
    canonical columns; they were read as ' created_at', which no column is, and the
    run stopped with a decoding error."""
    (in_tmp / "t.csv").write_text(
        "ticket_id, created_at, agent ,talk_seconds\n"
        "1, 2026-11-02T09:00:00Z, Ann,120\n"
        "2, 2026-11-02T10:00:00Z, Bo ,60\n"
    )
    doc, inp = tickets_json("t.csv", "--kpi", "tickets", "--by", "agent")
    assert inp["rows_used"] == 2 and not inp["problems"]
    assert agents(doc) == {"Ann": 1, "Bo": 1}
    doc, _ = tickets_json("t.csv", "--kpi", "handle_time")
    assert result(doc, "handle_time")["value"] == 90


def test_two_header_names_for_one_column_read_the_first_and_say_so(in_tmp: Path) -> None:
    """'Agent' and 'agent' both stand for agent: the first is read, and E008 says so,
    unless the config maps one of them by its exact name."""
    (in_tmp / "t.csv").write_text(
        "ticket_id,created_at,Agent,agent\n1,2026-11-02T09:00:00Z,Ann,Bo\n"
    )
    doc, inp = tickets_json("t.csv", "--kpi", "tickets", "--by", "agent")
    assert agents(doc) == {"Ann": 1}
    [same] = [p for p in inp["problems"] if p["code"] == "E008"]
    assert "columns 3 ('Agent') and 4 ('agent') both stand for agent: column 3" in same["message"]
    (in_tmp / "targets.yaml").write_text("columns: {tickets: {agent: agent}}\n")
    doc, inp = tickets_json("t.csv", "--kpi", "tickets", "--by", "agent")
    assert agents(doc) == {"Bo": 1} and not inp["problems"]
