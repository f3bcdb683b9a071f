"""targets.yaml: validated before any data is read; errors name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run, write_csv
from supportkpi.config.settings import load_config
from supportkpi.config.starter import STARTER
from supportkpi.config.starter import starter as starter_for
from supportkpi.errors import ConfigError
from supportkpi.io.durations import parse_duration


def load_text(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    p = tmp_path / "targets.yaml"
    p.write_text(text)
    return load_config(str(p))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("2h", 7200), ("3d", 259200), ("1h30m", 5400), ("1.5h", 5400)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["15 minutes", "15", "", "h", "-5m", "2x"])
def test_durations_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration like 15m"):
        parse_duration(text)


def test_error_names_file_line_and_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, "timezone: UTC\ntargets:\n  csat:\n    min: high\n")
    assert str(err.value).endswith(
        "targets.yaml:4: targets.csat.min: expected a number 0–100, got 'high'"
    )


def test_sla_duration_error(tmp_path: Path) -> None:
    text = "sla:\n  policies:\n    P1: {first_response: 15 minutes, resolution: 4h}\n"
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, text)
    assert (
        "targets.yaml:3: sla.policies.P1.first_response: expected a duration like 15m,"
        " got '15 minutes'" in str(err.value)
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("targtes: {}\n", "targtes: unknown key; did you mean 'targets'?"),
        ("targets:\n  csta: {min: 90}\n", "targets.csta: unknown KPI; did you mean 'csat'?"),
        ("targets:\n  first_response_time: {max: 120}\n", "expected a duration like 15m"),
        ("targets:\n  csat: {min: 120}\n", "expected a number 0–100, got 120"),
        ("timezone: Mars/Olympus\n", "unknown time zone"),
        ("clock: sometimes\n", "expected 'calendar' or 'business'"),
        ("clock: business\n", "needs a business_hours schedule"),
        ("business_hours:\n  mon: ['18:00-09:00']\n", "within 00:00-24:00"),
        ("business_hours:\n  funday: ['09:00-17:00']\n", "unknown key"),
        ("min_sample: -1\n", "expected a whole number"),
        ("sla:\n  policies:\n    P1: {first_response: 0s}\n", "above zero"),
        ("columns:\n  tickets: {crated_at: Created}\n", "did you mean 'created_at'?"),
        ("values:\n  priority: {Blocker: P9}\n", "expected one of P1, P2, P3, P4"),
        ("targets:\n  csat: {min: 90, max: 80}\n", "max is below min"),
        ("- a\n- b\n", "expected a mapping"),
        ("key: [unclosed\n", "not valid YAML"),
        ("a: 1\na: 2\n", "duplicate key"),
    ],
)
def test_config_errors(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, text)
    assert fragment in str(err.value)
    assert str(err.value).startswith(str(tmp_path / "targets.yaml"))


def test_yaml_tags_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not allowed|not valid YAML"):
        load_text(tmp_path, "timezone: !!python/object/apply:os.system ['echo pwned']\n")


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(ConfigError, match="too many aliases"):
        load_text(tmp_path, "\n".join(lines) + "\n")


def test_starter_and_root_config_load() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        starter = load_text(Path(tmp), STARTER)
        cost = load_text(Path(tmp), starter_for("cost-support"))
    root = load_config(str(ROOT / "targets.yaml"))
    assert starter.targets == root.targets
    assert root.inputs.keys() == {
        "tickets",
        "surveys",
        "credits",
        "customers",
        "agents",
        "events",
        "comments",
    }
    # where the seeds disagree: seed 002 is the default, seed 000 the cost-support profile
    assert (starter.targets["fcr_rate"].min, cost.targets["fcr_rate"].min) == (75, 85)
    assert (starter.targets["escalation_rate"].max, cost.targets["escalation_rate"].max) == (10, 20)
    assert (starter.targets["nps"].min, cost.targets["nps"].min) == (50, 70)
    assert cost.scales["ces"].max == 5 and cost.scales["ces"].good == (4, 5)
    assert root.targets["csat"].min == 90
    assert root.targets["first_response_time"].by["channel"]["chat"].max == 60
    assert root.sla.policies["P1"].first_response == 900
    assert root.inputs["tickets"][0].endswith("examples/tickets.csv")


def test_config_error_exits_2_before_reading_data(in_tmp: Path) -> None:
    (in_tmp / "targets.yaml").write_text("targets:\n  csat:\n    min: high\n")
    r = run("compute", "-t", "does-not-exist.csv")  # the config is checked first
    assert r.code == 2
    assert r.err.strip() == (
        "supportkpi: error: targets.yaml:3: targets.csat.min: expected a number 0–100, got 'high'"
    )
    assert "Traceback" not in r.err


def test_inputs_from_config_are_relative_to_it(in_tmp: Path) -> None:
    (in_tmp / "data").mkdir()
    write_csv(in_tmp / "data" / "t.csv", ["ticket_id", "created_at"], [[1, "2026-11-02T10:00:00Z"]])
    (in_tmp / "cfg").mkdir()
    (in_tmp / "cfg" / "k.yaml").write_text("inputs:\n  tickets: ../data/t.csv\n")
    r = run("compute", "--config", "cfg/k.yaml", "--kpi", "tickets", "-f", "json")
    assert r.code == 0, r.err
    assert r.json()["results"][0]["value"] == 1
