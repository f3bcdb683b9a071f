"""Reading real-world exports: delimiters, encodings, compression, Parquet, stdin,
header variants, timestamps in every form the SPEC lists, and bad rows counted."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import result, run, value, write_csv

HEADER = ["ticket_id", "created_at", "first_response_at", "channel", "agent"]
ROWS = [
    [1, "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "chat", "Zoë"],
    [2, "2026-11-02T10:00:00Z", "2026-11-02T10:30:00Z", "email", "José"],
    [3, "2026-11-03T11:00:00Z", "2026-11-03T11:20:00Z", "chat", "Zoë"],
]
FRT_MEAN = (600 + 1800 + 1200) / 3


def compute(*args: str, stdin: bytes | str | None = None) -> dict:
    r = run("compute", *args, "-f", "json", stdin=stdin)
    assert r.code == 0, r.err
    return r.json()


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniffed_delimiters(in_tmp: Path, delimiter: str) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS, delimiter=delimiter)
    doc = compute("-t", "t.csv", "--by", "agent")
    assert value(doc, "first_response_time") == FRT_MEAN
    assert value(doc, "tickets", agent="Zoë") == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "latin-1"])
def test_encodings(in_tmp: Path, encoding: str) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS, encoding=encoding)
    doc = compute("-t", "t.csv", "--by", "agent")
    assert value(doc, "tickets", agent="José") == 1
    assert value(doc, "tickets", agent="Zoë") == 2


def test_gzip_parquet_and_stdin_give_the_same_numbers(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    raw = (in_tmp / "t.csv").read_bytes()
    (in_tmp / "t.csv.gz").write_bytes(gzip.compress(raw))
    table = pa.table(
        {
            "ticket_id": [1, 2, 3],
            "created_at": pa.array([r[1] for r in ROWS]).cast(pa.timestamp("s", tz="UTC")),
            "first_response_at": pa.array([r[2] for r in ROWS]).cast(pa.timestamp("s", tz="UTC")),
            "channel": [r[3] for r in ROWS],
            "agent": [r[4] for r in ROWS],
        }
    )
    pq.write_table(table, in_tmp / "t.parquet")
    for args, stdin in (
        (["-t", "t.csv.gz"], None),
        (["-t", "t.parquet"], None),
        (["-t", "-"], raw),
        (["-t", "-"], gzip.compress(raw)),
    ):
        doc = compute(*args, "--by", "channel", stdin=stdin)
        assert value(doc, "first_response_time") == FRT_MEAN, args
        assert value(doc, "tickets", channel="chat") == 2, args


def test_folder_and_glob_read_as_one_input(in_tmp: Path) -> None:
    (in_tmp / "exports").mkdir()
    write_csv(in_tmp / "exports" / "oct.csv", HEADER, ROWS[:1])
    write_csv(in_tmp / "exports" / "nov.csv", HEADER, ROWS[1:])
    for spec in ("exports", "exports/*.csv"):
        doc = compute("-t", spec)
        assert value(doc, "tickets") == 3
        assert doc["inputs"][0]["rows_read"] == 3
        assert len(doc["inputs"][0]["paths"]) == 2


def test_header_variants_and_config_mapping(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "a.csv",
        ["Ticket ID", "Created At", "First-Response-At", "CHANNEL"],
        [r[:4] for r in ROWS],
    )
    assert value(compute("-t", "a.csv"), "first_response_time") == FRT_MEAN
    write_csv(in_tmp / "b.csv", ["Number", "Opened", "Replied", "Medium"], [r[:4] for r in ROWS])
    (in_tmp / "targets.yaml").write_text(
        "columns:\n  tickets: {ticket_id: Number, created_at: Opened,"
        " first_response_at: Replied, channel: Medium}\n"
    )
    doc = compute("-t", "b.csv", "--by", "channel")
    assert value(doc, "first_response_time") == FRT_MEAN
    assert value(doc, "tickets", channel="chat") == 2
    assert doc["inputs"][0]["columns"]["created_at"] == "Opened"


def test_by_any_export_column_as_written(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", [*HEADER, "Sales Region"], [[*r, "EMEA"] for r in ROWS])
    doc = compute("-t", "t.csv", "--by", "Sales Region")
    assert value(doc, "tickets", **{"Sales Region": "EMEA"}) == 3


def test_unknown_dimension_is_a_usage_error(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    r = run("compute", "-t", "t.csv", "--by", "chanel")
    assert r.code == 2
    assert "--by chanel: the tickets export has no such column" in r.err
    assert "did you mean 'channel'?" in r.err


def test_naive_timestamps_and_periods_are_in_the_config_time_zone(in_tmp: Path) -> None:
    # 03:00 UTC on Monday 9 Nov is 22:00 on Sunday 8 Nov in New York (EST, UTC−5)
    write_csv(in_tmp / "t.csv", ["ticket_id", "created_at"], [[1, "2026-11-09T03:00:00Z"]])
    assert value(compute("-t", "t.csv", "--kpi", "tickets", "--period", "2026-W45"), "tickets") == 0
    (in_tmp / "targets.yaml").write_text("timezone: America/New_York\n")
    doc = compute("-t", "t.csv", "--kpi", "tickets", "--period", "2026-W45")
    assert value(doc, "tickets") == 1
    assert doc["period"]["from"] == "2026-11-02T05:00:00Z"  # local midnight, EST
    # a naive timestamp is New York time: 02:00 EST is 07:00 UTC
    write_csv(in_tmp / "n.csv", ["ticket_id", "created_at"], [[1, "2026-11-09 02:00"]])
    assert compute("-t", "n.csv", "--kpi", "tickets")["as_of"] == "2026-11-09T07:00:00Z"


def test_offsets_are_honoured_and_mixed_naive_values_reported(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "first_response_at"],
        [
            [1, "2026-11-02T10:00:00+02:00", "2026-11-02T08:15:00Z"],  # 15 min
            [2, "2026-11-02 09:00", "2026-11-02T09:45:00Z"],  # naive = UTC by default: 45 min
        ],
    )
    doc = compute("-t", "t.csv")
    assert value(doc, "first_response_time") == (900 + 2700) / 2
    codes = [p["code"] for p in doc["inputs"][0]["problems"]]
    assert "E023" in codes


def test_day_first_dates(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "resolved_at"],
        [
            [1, "02/11/2026 09:00", "03/11/2026 09:00"],
            [2, "13/11/2026 09:00", "13/11/2026 21:00"],  # 13 can only be a day: day-first
        ],
    )
    doc = compute("-t", "t.csv", "--kpi", "tickets,resolution_time", "--by", "month")
    assert value(doc, "tickets", month="2026-11") == 2
    assert value(doc, "resolution_time") == (86400 + 43200) / 2


def test_ambiguous_dates_need_the_config(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", ["ticket_id", "created_at"], [[1, "02/11/2026 09:00"]])
    r = run("compute", "-t", "t.csv")
    assert r.code == 2 and "date_order" in r.err and "t.csv" in r.err
    (in_tmp / "targets.yaml").write_text("date_order: month_first\n")
    doc = compute("-t", "t.csv", "--kpi", "tickets", "--by", "month")
    assert value(doc, "tickets", month="2026-02") == 1


def test_bad_rows_are_counted_never_silently_dropped(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "first_response_at", "escalated", "contacts"],
        [
            [1, "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", "yes", 1],
            [2, "yesterday", "2026-11-02T09:10:00Z", "no", 1],  # E011: row rejected
            [3, "2026-11-02T11:00:00Z", "2026-11-02T10:00:00Z", "no", 1],  # E012: frt excluded
            [
                4,
                "2026-11-02T12:00:00Z",
                "2026-11-02T12:20:00Z",
                "maybe",
                1,
            ],  # E021: escalation excluded
            [1, "2026-11-02T09:00:00Z", "2026-11-02T09:30:00Z", "no", 2],  # duplicate: last wins
            ["", "2026-11-02T13:00:00Z", "", "no", 1],  # E010: no id
        ],
    )
    doc = compute("-t", "t.csv")
    inp = doc["inputs"][0]
    assert inp["rows_read"] == 6
    assert inp["rows_used"] == 3  # tickets 1 (second row), 3, 4
    assert sum(inp["rows_rejected"].values()) == 3
    assert inp["rows_read"] == inp["rows_used"] + sum(inp["rows_rejected"].values())
    by_code = {p["code"]: p for p in inp["problems"]}
    assert by_code["E011"]["first_rows"] == [2]
    assert by_code["E012"]["first_rows"] == [3] and by_code["E012"]["scope"] == "value"
    assert by_code["E021"]["first_rows"] == [4] and by_code["E021"]["column"] == "escalated"
    assert by_code["E019"]["first_rows"] == [1]
    assert by_code["E010"]["first_rows"] == [6]
    # ticket 1's surviving row says 30 min; ticket 3's response is excluded; ticket 4: 20 min
    assert value(doc, "first_response_time") == (1800 + 1200) / 2
    # escalation over tickets with a readable value: 1 (no, last row) and 3 (no)
    assert value(doc, "escalation_rate") == 0.0
    assert result(doc, "escalation_rate")["n"] == 2
    assert value(doc, "fcr_rate") is None  # no resolved tickets: nothing to judge


def test_missing_required_column_lists_what_was_found(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", ["ticket_id", "created"], [[1, "2026-11-02T09:00:00Z"]])
    r = run("compute", "-t", "t.csv")
    assert r.code == 2
    assert "t.csv: missing required column created_at" in r.err
    assert "columns found: ticket_id, created" in r.err and "closest match: 'created'" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_wrong_delimiter_hint(in_tmp: Path) -> None:
    (in_tmp / "t.csv").write_text("ticket_id:created_at\n1:2026-11-02\n")
    r = run("compute", "-t", "t.csv")
    assert r.code == 2 and "missing required column ticket_id" in r.err


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty file"),
        (b"\x00\x01\x02binary\x00", "binary data"),
        (b"PAR1 not really parquet", "Parquet"),
        (b"PK\x03\x04 zip", "Excel"),
    ],
)
def test_unreadable_files_exit_2_with_one_line(in_tmp: Path, content: bytes, fragment: str) -> None:
    (in_tmp / "t.csv").write_bytes(content)
    r = run("compute", "-t", "t.csv")
    assert r.code == 2
    assert fragment in r.err and "t.csv" in r.err
    assert "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1


def test_header_only_file_gives_zero_tickets(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, [])
    doc = compute("-t", "t.csv")
    assert value(doc, "tickets") == 0
    assert result(doc, "first_response_time")["value"] is None


def test_header_only_file_by_a_column_has_no_group(in_tmp: Path) -> None:
    """No row, so no channel: the overall row only, with 0 tickets (a state KPI such
    as the backlog once emitted an overall row under --by channel: 'internal error')."""
    write_csv(in_tmp / "t.csv", [*HEADER, "resolved_at", "status"], [])
    for extra in ([], ["--every", "week"]):
        doc = compute("-t", "t.csv", "--by", "channel", *extra)
        assert value(doc, "tickets") == 0
        assert not [r for r in doc["results"] if "channel" in r["group"]]
    r = run("compare", "-t", "t.csv", "--by", "channel", "--a", "email", "--b", "chat")
    assert r.code == 2 and "no row in the period has a channel" in r.err


def test_inputs_are_left_untouched(in_tmp: Path) -> None:
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    before = (in_tmp / "t.csv").read_bytes()
    compute("-t", "t.csv")
    assert (in_tmp / "t.csv").read_bytes() == before
    assert sorted(p.name for p in in_tmp.iterdir()) == ["t.csv"]


def test_surveys_alone_use_their_own_columns(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "s.csv",
        ["type", "score", "agent"],
        [["csat", 5, "Ann"], ["csat", 2, "Ann"], ["csat", 4, "Bob"]],
    )
    doc = compute("-s", "s.csv", "--by", "agent")
    assert value(doc, "csat", agent="Ann") == 50.0
    assert value(doc, "csat", agent="Bob") == 100.0
    assert result(doc, "tickets")["reason"].startswith("no tickets input")


def test_wide_survey_export(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "s.csv",
        ["Response", "How likely are you to recommend us?", "Satisfaction"],
        [[1, 10, 5], [2, 3, ""], [3, "", 2], [4, 9, 4]],
    )
    (in_tmp / "targets.yaml").write_text(
        'columns:\n  surveys: {nps: "How likely are you to recommend us?", csat: Satisfaction}\n'
    )
    doc = compute("-s", "s.csv", "--kpi", "nps,csat")
    assert value(doc, "nps") == pytest.approx(100 * (2 - 1) / 3)
    assert value(doc, "csat") == pytest.approx(200 / 3)
    assert result(doc, "nps")["n"] == 3


def test_survey_agent_and_ticket_dimensions(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "t.csv",
        ["ticket_id", "created_at", "agent", "channel"],
        [
            [1, "2026-11-02T09:00:00Z", "Ann", "chat"],
            [2, "2026-11-02T10:00:00Z", "Bob", "email"],
        ],
    )
    write_csv(
        in_tmp / "s.csv",
        ["ticket_id", "type", "score", "agent"],
        [
            [1, "csat", 5, ""],
            [2, "csat", 1, "Cy"],
            [99, "csat", 5, ""],
        ],
    )
    doc = compute("-t", "t.csv", "-s", "s.csv", "--kpi", "csat", "--by", "agent", "--by", "channel")
    assert value(doc, "csat", agent="Ann") == 100.0  # from the ticket
    assert value(doc, "csat", agent="Cy") == 0.0  # the survey's own agent wins
    assert value(doc, "csat", channel="chat") == 100.0
    assert value(doc, "csat", channel="(unknown)") == 100.0  # ticket 99 is not in the export
    assert "E020" in [p["code"] for p in doc["inputs"][1]["problems"]]


def test_out_of_scale_scores_are_rejected_not_clamped(in_tmp: Path) -> None:
    write_csv(
        in_tmp / "s.csv", ["type", "score"], [["csat", 5], ["csat", 6], ["nps", 11], ["ces", 0]]
    )
    doc = compute("-s", "s.csv")
    assert value(doc, "csat") == 100.0 and result(doc, "csat")["n"] == 1
    assert value(doc, "nps") is None
    rej = doc["inputs"][0]["rows_rejected"]
    assert sum(rej.values()) == 3


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
@pytest.mark.parametrize("zone", ["UTC", None])
def test_parquet_timestamps_of_any_unit_and_zone(in_tmp: Path, unit: str, zone: str | None) -> None:
    """pandas writes nanoseconds: a sub-microsecond part rounds down to its microsecond
    (Arrow's own cast refuses it). Naive timestamps are wall-clock times in the
    configured zone (UTC here), so both read the same instants."""
    per_second = {"ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    extra = 789 if unit == "ns" else 0  # 789 ns: not a whole microsecond

    def column(i: int) -> pa.Array:
        seconds = pa.array([r[i] for r in ROWS]).cast(pa.timestamp("s", tz="UTC"))
        raw = [s.value * per_second + extra for s in seconds]
        return pa.array(raw, pa.timestamp(unit, tz=zone))

    table = pa.table(
        {"ticket_id": [1, 2, 3], "created_at": column(1), "first_response_at": column(2)}
    )
    pq.write_table(table, in_tmp / "t.parquet", version="2.6", coerce_timestamps=None)
    assert pq.read_schema(in_tmp / "t.parquet").field("created_at").type.unit == unit
    doc = compute("-t", "t.parquet", "--kpi", "tickets,first_response_time")
    assert value(doc, "tickets") == 3
    assert value(doc, "first_response_time") == FRT_MEAN  # the same 789 ns on both ends
    assert doc["as_of"] == "2026-11-03T11:20:00Z"  # the latest instant, its 789 ns dropped


def test_parquet_seconds_past_any_calendar_are_counted_not_wrapped(in_tmp: Path) -> None:
    far = 10**15  # seconds: 31 million years, more µs than an int64 holds
    created = pa.array([1_793_000_000, far, 1_793_003_600], pa.int64()).cast(
        pa.timestamp("s", tz="UTC")
    )
    pq.write_table(
        pa.table({"ticket_id": [1, 2, 3], "created_at": created}),
        in_tmp / "t.parquet",
        version="2.6",
        coerce_timestamps=None,
    )
    doc = compute("-t", "t.parquet", "--kpi", "tickets")
    tickets = doc["inputs"][0]
    assert tickets["rows_used"] == 2
    assert sum(tickets["rows_rejected"].values()) == 1
    assert value(doc, "tickets") == 2


def test_standard_input_feeds_one_input_only(in_tmp: Path) -> None:
    """The second '-' would find stdin empty: said up front, not as an empty file."""
    write_csv(in_tmp / "t.csv", HEADER, ROWS)
    raw = (in_tmp / "t.csv").read_bytes()
    r = run("compute", "-t", "-", "-s", "-", stdin=raw)
    assert r.code == 2 and "given for tickets and surveys: it can be read once" in r.err
    r = run("compute", "-t", "-", "-t", "-", stdin=raw)
    assert r.code == 2 and "given twice for tickets" in r.err
    assert compute("-t", "-", stdin=raw)["results"]  # once is fine
