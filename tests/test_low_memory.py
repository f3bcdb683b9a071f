"""Reading the tickets in parts (--low-memory): the same numbers as reading them whole.

Each part's aggregates are merged (sums by addition, quantile values kept), so every
result must equal the in-memory run's (to the last bit of a sum of decimals added in
another order) — checked on the shipped examples cut
into parts several ways — and, on a small hand-worked export, equal what a person
computes, including a ticket id repeated in a later part (the last row wins)."""

from __future__ import annotations

import csv
import itertools
import json
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, result, run, write_csv
from supportkpi.render import renderer
from supportkpi.reports import in_parts as stream
from supportkpi.reports.compute import Options, compute
from test_properties import close, reference, survey, ticket, write

IN_MEMORY_ONLY = "needs every row at once"


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    """The shipped targets.yaml without its inputs (tickets and surveys come from -t/-s)."""
    doc = yaml.safe_load((ROOT / "targets.yaml").read_text())
    doc.pop("inputs", None)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture()
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "PART_ROWS", 700)


def _both(**kw: object) -> tuple[dict, dict]:
    low = json.loads(renderer("json")(compute(Options(**kw, low_memory=True))))  # type: ignore[arg-type]
    mem = json.loads(renderer("json")(compute(Options(**kw, low_memory=False))))  # type: ignore[arg-type]
    return low, mem


def _assert_same(low: dict, mem: dict) -> int:
    """Every result the low-memory run gives equals the in-memory one; returns how many."""
    only = {r["kpi"] for r in low["results"] if IN_MEMORY_ONLY in (r.get("reason") or "")}
    assert only <= {"backlog", "tickets_per_agent_day", "tickets_per_customer"}

    def keyed(doc: dict) -> dict:
        return {
            (r["kpi"], json.dumps(r["group"], sort_keys=True)): r
            for r in doc["results"]
            if r["kpi"] not in only
        }

    def same(x: object, y: object) -> bool:
        # sums of decimals added part by part may differ in the last bit, nothing more
        if isinstance(x, float) and isinstance(y, float):
            return x == pytest.approx(y, rel=1e-12, abs=1e-12)
        if isinstance(x, dict) and isinstance(y, dict):
            return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
        return x == y

    a, b = keyed(low), keyed(mem)
    assert a.keys() == b.keys()
    differ = [k for k in a if not same(a[k], b[k])]
    assert not differ, (differ[:3], [a[k] for k in differ[:1]], [b[k] for k in differ[:1]])
    assert low["inputs"] == mem["inputs"]
    assert low["as_of"] == mem["as_of"]
    return len(a)


@pytest.fixture()
def examples_parquet(tmp_path: Path) -> Path:
    table = pacsv.read_csv(ROOT / "examples" / "tickets.csv")
    path = tmp_path / "tickets.parquet"
    pq.write_table(table, path, row_group_size=500)  # 6 row groups -> 3 parts
    return path


@pytest.mark.parametrize(
    "extra",
    [
        {"by": [["channel"], ["agent"], ["week"], ["priority", "channel"]]},
        {"by": [["channel"]], "every": "month", "cohort": True},
        {"by": [["agent"]], "period": "2026-10"},
        {"by": [["agent"], ["week"]], "period": "2026-10", "cohort": True},
    ],
)
def test_parquet_parts_equal_in_memory(
    config: Path, examples_parquet: Path, small_parts: None, extra: dict
) -> None:
    assert len(stream.parts_of([str(examples_parquet)])) == 3
    low, mem = _both(
        tickets=[str(examples_parquet)],
        surveys=[str(ROOT / "examples" / "surveys.csv")],
        config=str(config),
        **extra,
    )
    assert _assert_same(low, mem) > 300


def test_parts_finished_one_measure_at_a_time_equal_in_memory(
    config: Path, examples_parquet: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past FINISH_TWO_AT_A_TIME_UP_TO tickets (100M-ticket runs), the measures are
    finished one after the other: the same numbers."""
    monkeypatch.setattr(stream, "FINISH_TWO_AT_A_TIME_UP_TO", 0)
    low, mem = _both(
        tickets=[str(examples_parquet)],
        surveys=[str(ROOT / "examples" / "surveys.csv")],
        config=str(config),
        by=[["channel"], ["agent"]],
    )
    assert _assert_same(low, mem) > 300


def test_csv_folder_with_repeated_ids_and_bad_rows(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three CSV files: a ticket repeated in a later file (the later row wins), a row
    without a readable creation time, a survey of an unknown ticket."""
    with open(ROOT / "examples" / "tickets.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    folder = tmp_path / "tickets"
    folder.mkdir()
    repeated = list(body[20])
    repeated[header.index("Channel")] = "phone"
    repeated[header.index("First Response At")] = ""
    body[1700][header.index("Created At")] = "not a date"
    for i, chunk in enumerate((body[:1000], body[1000:2000], [*body[2000:], repeated])):
        write_csv(folder / f"part-{i}.csv", header, chunk)
    with open(ROOT / "examples" / "surveys.csv", newline="") as fh:
        srows = list(csv.reader(fh))
    srows.append([str(10**6), "999999", "csat", "5", "2026-10-01T00:00:00Z"])
    surveys = write_csv(tmp_path / "surveys.csv", srows[0], srows[1:])
    passes: list[bool] = []
    original = stream._tickets_pass

    def counted(*args: object, **kw: object) -> object:
        passes.append(bool(args[-1]))
        return original(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(stream, "_tickets_pass", counted)
    low, mem = _both(
        tickets=[str(folder)],
        surveys=[str(surveys)],
        config=str(config),
        by=[["channel"], ["agent"], ["week"]],
    )
    # CSV has no statistics (a scan for the as-of time), then the repeated id is found
    # (a pass that knows which row wins)
    assert passes == [True, False]
    assert _assert_same(low, mem) > 300

    def counts(doc: dict) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in doc["inputs"]:
            for p in i["problems"]:
                out[p["code"]] = out.get(p["code"], 0) + p["rows"]
        return out

    shipped = compute(
        Options(
            tickets=[str(ROOT / "examples" / "tickets.csv")],
            surveys=[str(ROOT / "examples" / "surveys.csv")],
            config=str(config),
            kpis=["tickets"],
        )
    )
    before = counts(json.loads(renderer("json")(shipped)))
    after = counts(low)
    # each planted row counted once more than in the shipped files
    assert {c: after[c] - before.get(c, 0) for c in ("E011", "E019", "E020")} == {
        "E011": 1,
        "E019": 1,
        "E020": 1,
    }


def test_hand_worked_medians_across_parts(tmp_path: Path, small_parts: None) -> None:
    """Six tickets in three Parquet parts of two; ticket 2 appears again in the last part
    with another response time, which replaces the first row."""
    stream.PART_ROWS = 2
    created = "2026-11-02T09:00:00Z"
    tickets = pa.table(
        {
            "ticket_id": [1, 2, 3, 4, 5, 2],
            "created_at": [created] * 6,
            "first_response_at": [
                "2026-11-02T09:10:00Z",  # 10 min, email
                "2026-11-02T09:20:00Z",  # replaced below
                "2026-11-02T09:30:00Z",  # 30 min, email
                "2026-11-02T09:05:00Z",  # 5 min, chat
                "2026-11-02T10:00:00Z",  # 60 min, chat
                "2026-11-02T09:40:00Z",  # ticket 2 again: 40 min, chat
            ],
            "channel": ["email", "email", "email", "chat", "chat", "chat"],
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(tickets, path, row_group_size=2)
    r = run(
        "compute", "-t", str(path), "--kpi", "tickets,first_response_time_median",
        "--by", "channel", "--low-memory", "-f", "json", cwd=tmp_path,
    )  # fmt: skip
    assert r.code == 0, r.err
    doc = r.json()
    # minutes: email 10, 30 -> 20; chat 5, 60, 40 -> 40; all 5, 10, 30, 40, 60 -> 30
    assert result(doc, "tickets")["value"] == 5
    assert result(doc, "first_response_time_median")["value"] == 30 * 60
    assert result(doc, "first_response_time_median", channel="email")["value"] == 20 * 60
    assert result(doc, "first_response_time_median", channel="chat")["value"] == 40 * 60
    assert result(doc, "tickets", channel="chat")["value"] == 3
    dup = [p for p in doc["inputs"][0]["problems"] if p["code"] == "E019"]
    assert dup and dup[0]["rows"] == 1 and dup[0]["first_rows"] == [2]


def test_text_ticket_ids_say_what_to_do(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        ["ticket_id", "created_at"],
        [["INC001", "2026-11-02T09:00:00Z"], ["INC002", "2026-11-02T10:00:00Z"]],
    )
    r = run("compute", "-t", str(path), "--kpi", "tickets", "--low-memory", cwd=tmp_path)
    assert r.code == 2
    assert "whole-number ticket ids" in r.err and "leave out --low-memory" in r.err
    assert "Traceback" not in r.err


def test_other_inputs_are_refused(tmp_path: Path) -> None:
    r = run(
        "compute", "-t", str(ROOT / "examples" / "tickets.csv"),
        "--credits", str(ROOT / "examples" / "credits.csv"), "--low-memory", "--kpi", "tickets",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.code == 2
    assert "tickets and surveys only" in r.err


def test_large_exports_switch_to_parts_by_themselves(
    config: Path, examples_parquet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "available_memory", lambda: 1000)
    opts = Options(tickets=[str(examples_parquet)], config=str(config), kpis=["backlog"])
    report = compute(opts)
    assert IN_MEMORY_ONLY in (report.results[0].reason or "")
    monkeypatch.setattr(stream, "available_memory", lambda: 1 << 40)
    assert compute(opts).results[0].value is not None


def test_survey_parts_with_a_repeated_survey_id(
    config: Path, examples_parquet: Path, tmp_path: Path, small_parts: None
) -> None:
    """Surveys in Parquet parts too; a survey id repeated in a later part (last wins)."""
    surveys = pacsv.read_csv(ROOT / "examples" / "surveys.csv")
    again = surveys.slice(3, 1)
    again = again.set_column(
        again.schema.get_field_index("Score"), "Score", pa.array([1], pa.int64())
    )
    path = tmp_path / "surveys.parquet"
    pq.write_table(pa.concat_tables([surveys, again]), path, row_group_size=400)
    assert len(stream.parts_of([str(path)])) == 2
    low, mem = _both(
        tickets=[str(examples_parquet)],
        surveys=[str(path)],
        config=str(config),
        by=[["channel"], ["agent"]],
        cohort=True,
    )
    assert _assert_same(low, mem) > 300
    repeated = [
        p for i in low["inputs"] for p in i["problems"]
        if p["code"] == "E019" and p["column"] == "survey_id"
    ]  # fmt: skip
    assert repeated and repeated[0]["first_rows"] == [4]


def test_parts_are_chosen_for_speed_only_when_every_kpi_merges(
    config: Path, examples_parquet: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several parts long (here: parts of 700 rows) -> read in parts, unless a KPI asked
    for needs every row at once; the numbers are the same either way."""
    chosen: list[bool] = []
    original = stream.compute

    def spy(*args: object, **kw: object) -> object:
        chosen.append(True)
        return original(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(stream, "compute", spy)
    opts = Options(tickets=[str(examples_parquet)], config=str(config), kpis=["fcr_rate"])
    value = compute(opts).results[0].value
    assert chosen == [True]
    whole = compute(Options(**{**opts.__dict__, "low_memory": False})).results[0].value
    assert value == whole and chosen == [True]
    compute(Options(tickets=[str(examples_parquet)], config=str(config), kpis=["backlog"]))
    assert chosen == [True]  # backlog: read whole


def test_exports_that_cannot_be_read_in_parts_are_read_whole(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts chosen for speed, but the ids are text: read whole rather than failing.
    Chosen because the export is too large for memory: say so, and how to go on."""
    rows = [[f"INC{i:04d}", "2026-11-02T09:00:00Z"] for i in range(3000)]
    path = write_csv(tmp_path / "t.csv", ["ticket_id", "created_at"], rows)
    monkeypatch.setattr(stream, "PART_ROWS", 100)
    report = compute(Options(tickets=[str(path)], config=str(config), kpis=["tickets"]))
    assert report.results[0].value == 3000
    monkeypatch.setattr(stream, "available_memory", lambda: 1000)
    r = run("compute", "-t", str(path), "--config", str(config), "--kpi", "tickets")
    assert r.code == 2
    assert "not fit in half the free memory" in r.err and "--in-memory" in r.err
    r = run("compute", "-t", str(path), "--config", str(config), "--kpi", "tickets", "--in-memory")
    assert r.code == 0


def test_id_table_places_ids_and_refuses_sparse_ones() -> None:
    table = stream.IdTable("ticket", np.int32, capacity=10)
    assert not table.put(np.array([5, 6, 7]), 1, 3).any()
    assert table.put(np.array([7, 100]), 2, 5).tolist() == [True, False]
    assert table.get(np.array([5, 7, 100, 4, 1000, -3])).tolist() == [1, 2, 2, -1, -1, -1]
    assert not table.put(np.array([1, 2]), 3, 7).any()  # below the first ids: grows down
    assert table.get(np.array([1, 2, 5, 100])).tolist() == [3, 3, 1, 2]
    with pytest.raises(stream.NotInParts, match="spread too thinly"):
        table.put(np.array([10**12]), 1, 8)


def test_bad_input_in_parts_is_one_clear_line(tmp_path: Path) -> None:
    broken = tmp_path / "t.parquet"
    broken.write_bytes(b"PAR1" + b"\0" * 100)
    r = run("compute", "-t", str(broken), "--low-memory", "--kpi", "tickets", cwd=tmp_path)
    assert r.code == 2 and "corrupt or truncated Parquet" in r.err
    assert "Traceback" not in r.err and "internal error" not in r.err
    csv_text = "ticket_id,created_at\n1,2026-11-02T09:00:00Z\n"
    r = run("compute", "-t", "-", "--low-memory", "--kpi", "tickets", stdin=csv_text, cwd=tmp_path)
    assert r.code == 2 and "not stdin" in r.err
    r = run("compute", "-t", "-", "--kpi", "tickets", "-f", "json", stdin=csv_text, cwd=tmp_path)
    assert r.code == 0 and result(r.json(), "tickets")["value"] == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(ticket, min_size=1, max_size=40),
    st.lists(survey, max_size=30),
    st.lists(st.integers(0, 40), max_size=3),
    st.booleans(),
)
def test_parts_match_plain_python_and_the_whole_read(
    tickets: list[dict], surveys: list[dict], cuts: list[int], cohort: bool
) -> None:
    """Random exports cut into CSV files at random places: every KPI computed in parts
    equals the plain-Python reference (test_properties.reference) and the whole read."""
    surveys = [s for s in surveys if s["ticket"] < len(tickets)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write(folder, tickets, surveys, list(range(len(tickets))))
        with open(folder / "t.csv", newline="") as fh:
            rows = list(csv.reader(fh))
        parts = folder / "tickets"
        parts.mkdir()
        edges = [0, *sorted({min(c, len(rows) - 1) for c in cuts}), len(rows) - 1]
        for i, (a, b) in enumerate(itertools.pairwise(edges)):
            write_csv(parts / f"part-{i}.csv", rows[0], rows[1 + a : 1 + b])
        low, mem = _both(
            tickets=[str(parts)],
            surveys=[str(folder / "s.csv")],
            by=[["channel"]],
            cohort=cohort,
            config=str(_plain_config(folder)),
        )
    _assert_same(low, mem)
    if cohort:
        return  # the reference places surveys by their own submission time
    got: dict[tuple, dict[str, float | None]] = {}
    for r in low["results"]:
        got.setdefault((r["group"].get("channel", "*"),), {})[r["kpi"]] = r["value"]
    for key, row in reference(tickets, surveys).items():
        if key not in got:
            assert row["tickets"] == 0
            continue
        for kpi, expected in row.items():
            if kpi in ("backlog", "tickets_per_customer", "tickets_per_agent_day"):
                continue  # read whole only
            assert close(got[key].get(kpi), expected), (key, kpi, got[key].get(kpi), expected)


def _plain_config(folder: Path) -> Path:
    path = folder / "plain.yaml"
    path.write_text("timezone: UTC\n")
    return path


def test_kpis_says_what_compute_in_parts_cannot_give(
    examples_parquet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tickets too large for half the free memory are computed in parts, where backlog
    and the per-customer and per-agent-day ratios cannot be had: `kpis -t` says so, in
    compute's words."""
    from supportkpi.kpis.catalogue_view import render_catalogue

    monkeypatch.chdir(examples_parquet.parent)  # no ./targets.yaml naming other inputs
    monkeypatch.setattr(stream, "available_memory", lambda: 0)
    given = Options(tickets=[str(examples_parquet)])
    said = {r["kpi"]: r for r in json.loads(render_catalogue("json", given))["kpis"]}
    done = json.loads(renderer("json")(compute(given)))
    parts_only = {r["kpi"] for r in done["results"] if IN_MEMORY_ONLY in (r.get("reason") or "")}
    assert parts_only == {"backlog", "tickets_per_agent_day", "tickets_per_customer"}
    for r in done["results"]:
        if r["group"] == {}:
            assert said[r["kpi"]]["reason"] == r.get("reason", ""), r["kpi"]
