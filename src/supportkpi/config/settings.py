"""targets.yaml: loaded safely, validated completely before any data is read.

Every problem names the file, the line and the key path, and says what was expected:
`targets.yaml:14: sla.policies.P1.first_response: expected a duration like 15m, got
'15 minutes'`. All sections are optional; `Config()` is the configuration used when
there is no file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar

from supportkpi.errors import ConfigError
from supportkpi.io.durations import format_duration, format_duration_spec, parse_duration
from supportkpi.kpis import catalogue as kpi_catalogue
from supportkpi.schema.inputs import INPUTS, closest, normalise_name
from supportkpi.schema.vocab import ENUMS, PRIORITIES, STATUSES, normalise

DEFAULT_CONFIG_NAME = "targets.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# a targets.yaml is a few KB; YAML is parsed at about 150 KB a second, so a larger file is
# refused before it is parsed rather than keep a cron job busy for minutes
MAX_CONFIG_BYTES = 256 << 10
# an SLA target must fall due within this many years of open time: the due-time tables
# grow with it (a one-minute-a-week schedule and a 365d target is 10,000 years of weeks)
MAX_DUE_YEARS = 100


@dataclass(frozen=True)
class Scale:
    min: float
    max: float
    good: tuple[float, float] | None = None  # satisfied (csat) / easy (ces) / promoters
    bad: tuple[float, float] | None = None  # dissatisfied (csat) / detractors (nps)


@dataclass(frozen=True)
class Policy:
    first_response: float | None  # seconds
    resolution: float | None
    compliance: float | None  # percent
    # with a status history (SPEC §4b): time in new + open + on_hold, in new + open
    requester_wait: float | None = None
    agent_work: float | None = None
    # with the comments: each reply cycle's, from the customer's message to the reply
    next_reply: float | None = None


@dataclass(frozen=True)
class Schedule:
    """A named clock (`clocks:`): business hours in a time zone, with holidays; without
    business hours, the calendar."""

    timezone: str | None  # None: the config's
    business_hours: dict[str, tuple[tuple[int, int], ...]]
    holidays: tuple[dt.date, ...] = ()
    holiday_country: str | None = None


@dataclass(frozen=True)
class PolicyRule:
    """One policy of a list (SPEC §4b): applies to the tickets its `when` matches (every
    condition: the ticket's column has one of the values, ignoring case), when no policy
    before it did; its targets per key value (priority)."""

    name: str
    when: dict[str, tuple[str, ...]]  # canonical column -> values
    targets: dict[str, Policy]
    clock: str | None = None  # a name under clocks:


@dataclass(frozen=True)
class SlaConfig:
    # key value (priority) -> its policy; with a list of policies (`rules`), the first
    # policy naming the value: where compliance goals per priority come from
    policies: dict[str, Policy]
    warn_before: tuple[str, float] = ("fraction", 0.25)  # or ("seconds", 1800)
    key: str = "priority"
    overrides: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)
    # target -> the statuses its clock stops in, given a status history (SPEC §4b)
    pause: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_PAUSE))
    # shares of a target used (0.5, 0.75, 0.9): at risk past the lowest (Freshdesk's levels)
    escalation_levels: tuple[float, ...] = ()
    rules: tuple[PolicyRule, ...] = ()  # policies as a list, first match wins
    clock_by: str | None = None  # a ticket column whose value names its clock

    def sets(self, target: str) -> bool:
        """Whether any policy (of the map, or of the list) sets a `target`."""
        policies = [*self.policies.values()]
        policies += [p for rule in self.rules for p in rule.targets.values()]
        return any(getattr(p, target) is not None for p in policies)


# the targets a policy may set (the SLA KPIs are sla_<target>)
SLA_TARGETS = ("first_response", "resolution", "requester_wait", "agent_work", "next_reply")

DEFAULT_PAUSE: dict[str, tuple[str, ...]] = {
    "first_response": (),
    "next_reply": (),
    "resolution": ("pending",),
    "requester_wait": ("pending",),
    "agent_work": ("pending", "on_hold"),
}

# the KPIs whose coaching trigger `coaching:` may set (reports/summary.py has seed 002's)
COACHING_KEYS = ("qa_score", "csat", "fcr_rate", "tickets_handled", "schedule_adherence")

DEFAULT_POLICIES = {
    "P1": Policy(15 * 60, 4 * 3600, 99.0),
    "P2": Policy(3600, 8 * 3600, 95.0),
    "P3": Policy(4 * 3600, 24 * 3600, 90.0),
    "P4": Policy(8 * 3600, 72 * 3600, 85.0),
}


@dataclass(frozen=True)
class Limits:
    """Caps on what one run reads and builds, so that a small or endless input cannot
    take the machine's memory or time (README, "Limits")."""

    stdin_mb: int = 1024  # stdin and pipes are held in memory whole
    gzip_ratio: int = 100  # a .csv.gz may expand to this many times its size (≥ 64 MB)
    periods: int = 2000  # buckets of one series: --every, --by day/week/month…


@dataclass(frozen=True)
class Target:
    """A target for one KPI, in the KPI's unit (durations in seconds)."""

    min: float | None = None
    max: float | None = None
    between: tuple[float, float] | None = None
    warn: float | tuple[float, float] | None = None
    by: dict[str, dict[str, Target]] = field(default_factory=dict)  # dim -> value -> target

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.between is not None:
            out["between"] = list(self.between)
        if self.warn is not None:
            out["warn"] = list(self.warn) if isinstance(self.warn, tuple) else self.warn
        return out


@dataclass(frozen=True)
class ColumnSource:
    """Where a canonical column comes from: the first of `names` the export has, its
    numbers multiplied by `scale` (a duration given in hours, for minutes: 60)."""

    names: tuple[str, ...]
    scale: float = 1.0


@dataclass(frozen=True)
class SplitRule:
    """One export column holding several values (`C004734 / Sales / Ann Lee`)."""

    column: str
    separator: str
    into: tuple[str, ...]


@dataclass(frozen=True)
class EventRules:
    """How an event log (one row per update) collapses to one row per ticket."""

    id: str  # export column naming the ticket
    time: str  # export column with each event's time
    order: str | None = None  # tie-break (an update counter, a status number)
    status: str | None = None  # export column with the status after each event
    resolved: tuple[str, ...] = ()  # statuses meaning resolved or closed
    first_response: tuple[str, ...] = ()  # statuses meaning an agent has responded
    resolution: str = "first"  # first or last event in a resolved status


@dataclass(frozen=True)
class QueueGoal:
    """`staffing:` goals of one channel's queue (or of every channel): None = not set."""

    service_level: float | None = None  # percent answered within `answer_within`
    answer_within: float | None = None  # seconds
    handle_time: float | None = None  # seconds, when the tickets give none


@dataclass(frozen=True)
class StaffingConfig:
    """The `staffing:` section (`supportkpi staffing`): goals for every channel, and per
    channel (normalised names) over them; percentages 0–100, durations in seconds."""

    default: QueueGoal = field(default_factory=QueueGoal)
    channels: dict[str, QueueGoal] = field(default_factory=dict)
    max_occupancy: float | None = None
    shrinkage: float | None = None
    weeks: int | None = None


@dataclass(frozen=True)
class Config:
    path: str | None = None
    # none given to the API (config=None), which looks nothing up: its notes say so
    # instead of "no targets.yaml found"
    none_given: bool = False
    timezone: str = "UTC"
    clock: str = "calendar"
    business_hours: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    holidays: tuple[dt.date, ...] = ()
    holiday_country: str | None = None
    clocks: dict[str, Schedule] = field(default_factory=dict)  # named schedules (SPEC §4b)
    min_sample: int = 30
    date_order: str = "auto"
    inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    columns: dict[str, dict[str, ColumnSource]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    missing_values: tuple[str, ...] = ()
    split: dict[str, tuple[SplitRule, ...]] = field(default_factory=dict)
    events: dict[str, EventRules] = field(default_factory=dict)
    preset: str | None = None
    survey_type: str | None = None  # the type of every survey when there is no type column
    durations: str = "computed"  # or "reported": the export's own duration columns
    scales: dict[str, Scale] = field(
        default_factory=lambda: {
            "csat": Scale(1, 5, (4, 5), (1, 2)),  # dissatisfied: the mirror of satisfied
            "nps": Scale(0, 10, (9, 10), (0, 6)),
            "ces": Scale(1, 7, (5, 7), None),
        }
    )
    sla: SlaConfig = field(default_factory=lambda: SlaConfig(dict(DEFAULT_POLICIES)))
    targets: dict[str, Target] = field(default_factory=dict)
    authorization_limits: dict[str, float] = field(default_factory=dict)
    costs: dict[str, Any] = field(default_factory=dict)
    actions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # the summary's coaching triggers (seed 002) the config changes, e.g. {csat: 80}
    coaching: dict[str, float] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    # timestamps outside these years (inclusive) are typing errors (0026 for 2026), not
    # data: they are rejected (E030), so that no series runs over two thousand years
    valid_years: tuple[int, int] = (1990, 2100)
    limits: Limits = field(default_factory=Limits)
    # the sheet of the workbooks read: for every input, or per input (None: the first)
    sheet: str | None = None
    sheets: dict[str, str] = field(default_factory=dict)

    def sheet_of(self, name: str) -> str | None:
        """The sheet to read of the `name` input's workbooks (None: the first)."""
        return self.sheets.get(name, self.sheet)

    @property
    def currency(self) -> str:
        return str(self.costs.get("currency", "USD"))

    @property
    def sla_columns(self) -> tuple[str, ...]:
        """The ticket columns SLA policies are looked up by: the key, the overrides', the
        policies' conditions, the column naming a ticket's clock."""
        when = [c for rule in self.sla.rules for c in rule.when]
        by = (self.sla.clock_by,) if self.sla.clock_by else ()
        return tuple(dict.fromkeys((normalise_name(self.sla.key), *self.sla.overrides, *when, *by)))

    def readers(self, source: str, column: str) -> tuple[str, ...]:
        """The KPIs a bad value in this column of this input affects, with this
        config's definitions and SLA keys."""
        return kpi_catalogue.readers(source, column, self.definitions, self.sla_columns)

    @property
    def valid_span(self) -> tuple[int, int]:
        """The first and last µs (UTC) of `valid_years`."""
        first, last = self.valid_years
        return _year_start_us(first), _year_start_us(last + 1) - 1


def _year_start_us(year: int) -> int:
    # (year 10000 is one past datetime's last: 9999 has 365 days)
    day = dt.date(min(year, 9999), 1, 1).toordinal() + (365 if year > 9999 else 0)
    return (day - dt.date(1970, 1, 1).toordinal()) * 86_400_000_000


def open_seconds_per_week(hours: dict[str, tuple[tuple[int, int], ...]]) -> int:
    """Open seconds of a weekly schedule (minutes from midnight, per weekday)."""
    return sum((end - start) * 60 for spans in hours.values() for start, end in spans)


# --------------------------------------------------------------------------- loading


CONFIG_ENV = "SUPPORTKPI_CONFIG"
NO_CONFIG_NOTE = (
    "no targets.yaml found (nor --config, nor $SUPPORTKPI_CONFIG): no KPI targets are"
    " judged and the built-in SLA policies apply; `supportkpi init` writes a starter"
)


def no_config_note(config: Config) -> str | None:
    """The note of a run without targets (None when it has some)."""
    if config.path is not None or config.targets:
        return None
    if config.none_given:
        return (
            "no config given (config=): no KPI targets are judged and the built-in SLA"
            " policies apply"
        )
    return NO_CONFIG_NOTE


def find_config(explicit: str | None) -> str | None:
    """`--config PATH`, else $SUPPORTKPI_CONFIG (cron runs in $HOME, where no
    targets.yaml is found), else ./targets.yaml when present, else none."""
    if explicit:
        if not os.path.exists(explicit):
            raise ConfigError("no such config file", path=explicit)
        return explicit
    from_env = os.environ.get(CONFIG_ENV, "")
    if from_env:
        if not os.path.exists(from_env):
            raise ConfigError(
                f"no such config file (named by ${CONFIG_ENV})",
                path=from_env,
                hint=f"fix or unset {CONFIG_ENV}, or give --config",
            )
        return from_env
    return DEFAULT_CONFIG_NAME if os.path.exists(DEFAULT_CONFIG_NAME) else None


def load_config(path: str | None, preset: str | None = None) -> Config:
    """Read and validate a config file (`None`: none) under a preset's settings: the
    preset named here or by the file's `preset:` key; the file's own settings win."""
    from supportkpi.config import presets, yamlsafe

    if path is None:
        if preset is None:
            return Config()
        return _Validator("--preset " + preset, {}).config(presets.merged(preset, {}))

    from supportkpi.io.outputs import mark_read

    mark_read(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"config is larger than {MAX_CONFIG_BYTES >> 10} KB: not a targets.yaml",
                path=path,
                hint="a targets.yaml is a few KB; `supportkpi init` writes a starter",
            )
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", path=path) from exc
    try:
        data, lines = yamlsafe.load(text)
    except yamlsafe.YamlError as exc:
        raise ConfigError(str(exc), path=path, line=exc.line) from exc
    return _validated(path, lines, data, preset)


DICT_CONFIG_NAME = "<config dict>"  # a config given as a dict: its name in messages


def config_from_dict(data: Any, preset: str | None = None) -> Config:
    """A config given as a Python dict (the Python API's `config=`), validated exactly as
    a targets.yaml of the same content is (its messages name `<config dict>` and the
    key path, with no line); relative `inputs:` paths are from the working directory."""
    return _validated(DICT_CONFIG_NAME, {}, data, preset)


def _validated(
    path: str, lines: dict[tuple[str | int, ...], int], data: Any, preset: str | None
) -> Config:
    from supportkpi.config import presets

    if data is None:
        data = {}
    if not isinstance(data, dict):
        return _Validator(path, lines).config(data)  # reports the shape error
    name = preset or data.get("preset")
    if name is not None:
        if not isinstance(name, str) or name not in presets.PRESETS:
            raise _Validator(path, lines).fail(
                ("preset",), f"unknown preset {name!r}; `supportkpi presets` lists them"
            )
        data = presets.merged(name, data)
    return _Validator(path, lines).config(data)


class _Validator:
    def __init__(self, path: str, lines: dict[tuple[str | int, ...], int]) -> None:
        self.path = path
        self.lines = lines

    def fail(self, keypath: tuple[str | int, ...], message: str) -> ConfigError:
        line = None
        for i in range(len(keypath), -1, -1):
            line = self.lines.get(keypath[:i])
            if line:
                break
        key = ".".join(str(k) for k in keypath) or None
        return ConfigError(message, path=self.path, line=line, key=key)

    # -- primitive checks
    def mapping(self, value: Any, keypath: tuple[str | int, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(keypath, f"expected a mapping (key: value), got {_show(value)}")
        return value

    def keys(self, value: dict[str, Any], allowed: tuple[str, ...], keypath: tuple) -> None:
        for k in value:
            if k not in allowed:
                hint = closest(k, allowed)
                extra = (
                    f"; did you mean '{hint}'?"
                    if hint
                    else f"; expected one of {', '.join(allowed)}"
                )
                raise self.fail((*keypath, k), f"unknown key{extra}")

    def number(
        self,
        value: Any,
        keypath: tuple,
        lo: float | None = None,
        hi: float | None = None,
        what: str = "a number",
    ) -> float:
        if isinstance(value, str) and value.strip().endswith("%"):
            with contextlib.suppress(ValueError):
                value = float(value.strip()[:-1])
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            rng = _range_text(lo, hi)
            raise self.fail(keypath, f"expected {what}{rng}, got {_show(value)}")
        v = float(value)
        if (lo is not None and v < lo) or (hi is not None and v > hi) or v != v:
            raise self.fail(keypath, f"expected {what}{_range_text(lo, hi)}, got {_show(value)}")
        return v

    def percent(self, value: Any, keypath: tuple, what: str = "a number") -> float:
        """A percentage, 0–100. A plain number strictly between 0 and 1 is refused: it is
        almost always a fraction (0.9 for 90 %), and read as written it would judge every
        value met or missed. 0 and 1 stay valid; a target under 1 % is written with its
        sign ('0.5%')."""
        v = self.number(value, keypath, 0, 100, what)
        if 0 < v < 1 and not isinstance(value, str):
            raise self.fail(
                keypath,
                f"percentages are 0–100: did you mean {round(v * 100, 6):g}? (a number between"
                f" 0 and 1 reads as a fraction; a target under 1 % is written '{v:g}%')",
            )
        return v

    def duration(self, value: Any, keypath: tuple) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise self.fail(keypath, f"expected a duration like 15m, got {_show(value)}") from None
        if seconds > 100 * 365 * 86400:  # beyond this no due date can be placed on a calendar
            raise self.fail(keypath, f"expected a duration under 100 years, got {_show(value)}")
        return seconds

    def string(self, value: Any, keypath: tuple) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(keypath, f"expected text, got {_show(value)}")
        return value

    def strings(self, value: Any, keypath: tuple) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            raise self.fail(keypath, f"expected a list of text, got {_show(value)}")
        return tuple(self.string(v, (*keypath, i)) for i, v in enumerate(value))

    # -- sections
    def coaching(self, value: Any) -> dict[str, float]:
        """The summary's coaching triggers (seed 002's are the defaults): a percentage or
        score per KPI, and tickets_handled as a share of the team's average (0.8)."""
        triggers = self.mapping(value, ("coaching",))
        self.keys(triggers, COACHING_KEYS, ("coaching",))
        out = {}
        for k, v in triggers.items():
            if k == "tickets_handled":
                out[k] = self.number(v, ("coaching", k), 0, 1, "a share of the team's average")
            else:
                out[k] = self.percent(v, ("coaching", k))
        return out

    def config(self, data: Any) -> Config:
        root = self.mapping(data, ())
        allowed = (
            "preset",
            "missing_values",
            "survey_type",
            "durations",
            "split",
            "events",
            "timezone",
            "clock",
            "business_hours",
            "holidays",
            "clocks",
            "min_sample",
            "date_order",
            "inputs",
            "columns",
            "values",
            "scales",
            "sla",
            "targets",
            "authorization_limits",
            "costs",
            "actions",
            "coaching",
            "definitions",
            "valid_years",
            "limits",
            "sheet",
            "staffing",
        )
        self.keys(root, allowed, ())
        kw: dict[str, Any] = {"path": self.path}
        if "timezone" in root:
            kw["timezone"] = self.timezone(root["timezone"])
        if "clock" in root:
            clock = root["clock"]
            if clock not in ("calendar", "business"):
                raise self.fail(
                    ("clock",), f"expected 'calendar' or 'business', got {_show(clock)}"
                )
            kw["clock"] = clock
        if "business_hours" in root:
            kw["business_hours"] = self.business_hours(root["business_hours"])
        if kw.get("clock") == "business" and not kw.get("business_hours"):
            raise self.fail(("clock",), "clock: business needs a business_hours schedule")
        if kw.get("clock") == "business" and not any(kw["business_hours"].values()):
            raise self.fail(
                ("business_hours",),
                'no open hours on any day; expected spans like mon: ["09:00-17:00"]',
            )
        if "holidays" in root:
            kw["holidays"], kw["holiday_country"] = self.holidays(root["holidays"])
        if "clocks" in root:
            kw["clocks"] = self.clocks(root["clocks"])
        if "min_sample" in root:
            ms = root["min_sample"]
            if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
                raise self.fail(("min_sample",), f"expected a whole number ≥ 0, got {_show(ms)}")
            kw["min_sample"] = ms
        if "date_order" in root:
            order = root["date_order"]
            if order not in ("auto", "day_first", "month_first"):
                raise self.fail(
                    ("date_order",),
                    f"expected day_first, month_first or auto, got {_show(order)}",
                )
            kw["date_order"] = order
        if "inputs" in root:
            kw["inputs"] = self.inputs(root["inputs"])
        if "preset" in root:
            kw["preset"] = self.string(root["preset"], ("preset",))
        if "missing_values" in root:
            kw["missing_values"] = self.strings(root["missing_values"], ("missing_values",))
        if "survey_type" in root:
            kind = root["survey_type"]
            if kind not in ("csat", "nps", "ces"):
                raise self.fail(("survey_type",), f"expected csat, nps or ces, got {_show(kind)}")
            kw["survey_type"] = kind
        if "durations" in root:
            if root["durations"] not in ("computed", "reported"):
                raise self.fail(
                    ("durations",), f"expected computed or reported, got {_show(root['durations'])}"
                )
            kw["durations"] = root["durations"]
        if "split" in root:
            kw["split"] = self.splits(root["split"])
        if "events" in root:
            kw["events"] = self.events(root["events"])
        if "columns" in root:
            kw["columns"] = self.columns(root["columns"])
        if "values" in root:
            kw["values"] = self.values(root["values"])
        if "scales" in root:
            kw["scales"] = self.scales(root["scales"])
        if "sla" in root:
            kw["sla"] = self.sla(root["sla"])
        if "definitions" in root:
            kw["definitions"] = self.definitions(root["definitions"])
        if kw.get("definitions", {}).get("csat") == "net":
            self.net_csat_bands(kw.get("scales", Config().scales)["csat"])
        if "targets" in root:
            kw["targets"] = self.targets(root["targets"], kw.get("definitions", {}))
        if "authorization_limits" in root:
            lim = self.mapping(root["authorization_limits"], ("authorization_limits",))
            kw["authorization_limits"] = {
                str(k): self.number(v, ("authorization_limits", k), lo=0, what="an amount")
                for k, v in lim.items()
            }
        if "costs" in root:
            kw["costs"] = self.costs(root["costs"])
        if "staffing" in root:
            kw["staffing"] = self.staffing(root["staffing"])
        if "actions" in root:
            acts = self.mapping(root["actions"], ("actions",))
            out = {}
            for k, v in acts.items():
                self.kpi_name(k, ("actions", k))
                out[k] = self.strings(v, ("actions", k))
            kw["actions"] = out
        if "coaching" in root:
            kw["coaching"] = self.coaching(root["coaching"])
        if "valid_years" in root:
            kw["valid_years"] = self.valid_years(root["valid_years"])
        if "limits" in root:
            kw["limits"] = self.limits(root["limits"])
        if "sheet" in root:  # `sheet: Calls`, or `sheet: {tickets: Calls, surveys: Ratings}`
            if isinstance(root["sheet"], dict):
                per_input = self.mapping(root["sheet"], ("sheet",))
                self.keys(per_input, tuple(INPUTS), ("sheet",))
                kw["sheets"] = {k: self.string(v, ("sheet", k)) for k, v in per_input.items()}
            else:
                kw["sheet"] = self.string(root["sheet"], ("sheet",))
        if kw.get("clock") == "business":
            self.due_in_reach(kw["business_hours"], kw.get("sla", Config().sla))
        named = kw.get("clocks", {})
        for i, rule in enumerate(kw["sla"].rules if "sla" in kw else ()):
            if rule.clock is not None and rule.clock not in named:
                known = ", ".join(named) or "none: define them under clocks:"
                raise self.fail(
                    ("sla", "policies", i, "clock"), f"unknown clock {rule.clock!r} ({known})"
                )
        return Config(**kw)

    def valid_years(self, value: Any) -> tuple[int, int]:
        kp = ("valid_years",)
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(
                kp, f"expected [first, last] years like [1990, 2100], got {_show(value)}"
            )
        first, last = (self.whole(v, (*kp, i), 1, 9999, "a year") for i, v in enumerate(value))
        if last < first:
            raise self.fail(kp, "expected [first, last] with first ≤ last")
        return first, last

    def limits(self, value: Any) -> Limits:
        m = self.mapping(value, ("limits",))
        self.keys(m, ("stdin_mb", "gzip_ratio", "periods"), ("limits",))
        return Limits(**{k: self.whole(v, ("limits", k), 1) for k, v in m.items()})

    def whole(
        self,
        value: Any,
        keypath: tuple,
        lo: int,
        hi: int | None = None,
        what: str = "a whole number",
    ) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(keypath, f"expected {what}{_range_text(lo, hi)}, got {_show(value)}")
        if value < lo or (hi is not None and value > hi):
            raise self.fail(keypath, f"expected {what}{_range_text(lo, hi)}, got {_show(value)}")
        return value

    def due_in_reach(self, hours: dict[str, tuple[tuple[int, int], ...]], sla: SlaConfig) -> None:
        """Every SLA target falls due within MAX_DUE_YEARS of open time: a due time is
        found on a table of the open intervals up to it, which grows with the wait."""
        week = open_seconds_per_week(hours)
        if week <= 0:
            raise self.fail(("business_hours",), "the schedule has no open hours")
        most = week * MAX_DUE_YEARS * 365.25 / 7
        found: list[tuple[tuple, float]] = []
        for key, policy in sla.policies.items():
            for name in SLA_TARGETS:
                found.append((("sla", "policies", key, name), getattr(policy, name) or 0.0))
        for i, rule in enumerate(sla.rules):
            for key, policy in rule.targets.items():
                for name in SLA_TARGETS:
                    seconds = getattr(policy, name) or 0.0
                    found.append((("sla", "policies", i, "targets", key, name), seconds))
        for dim, by_value in sla.overrides.items():
            for val, per_key in by_value.items():
                for pkey, fields in per_key.items():
                    for name, seconds in fields.items():
                        if name != "compliance":
                            found.append((("sla", "overrides", dim, val, pkey, name), seconds))
        for keypath, seconds in found:
            if seconds > most:
                years, minutes = seconds / week * 7 / 365.25, week // 60
                raise self.fail(
                    keypath,
                    f"{format_duration_spec(seconds)} of business hours falls due about"
                    f" {years:,.0f} years later (business_hours are open {minutes:,}"
                    f" minute{'s' if minutes != 1 else ''} a week); at most"
                    f" {format_duration(most)}, {MAX_DUE_YEARS} years of them",
                )

    def definitions(self, value: Any) -> dict[str, str]:
        defs = self.mapping(value, ("definitions",))
        out: dict[str, str] = {}
        for k, v in defs.items():
            kp = ("definitions", k)
            self.kpi_name(k, kp)
            variants = kpi_catalogue.VARIANTS.get(str(k))
            if not variants:
                have = ", ".join(kpi_catalogue.VARIANTS)
                raise self.fail(kp, f"{k} has a single definition (variants exist for {have})")
            if v not in variants:
                hint = closest(str(v), list(variants))
                extra = f"; did you mean '{hint}'?" if hint else ""
                raise self.fail(kp, f"expected one of {', '.join(variants)}, got {_show(v)}{extra}")
            key = kpi_catalogue.definition_key(str(k))
            if out.get(key, v) != v:
                together = [n for n, to in kpi_catalogue.DEFINED_WITH.items() if to == key]
                raise self.fail(
                    kp,
                    f"{', '.join([key, *together])} share one definition: {_show(v)} here,"
                    f" {_show(out[key])} above; write it once, as {key}: …",
                )
            out[key] = str(v)
        return out

    def net_csat_bands(self, scale: Scale) -> None:
        """The net CSAT counts a score +1 or −1: its two bands must not overlap (the
        default dissatisfied band, the mirror of a satisfied band covering the middle of
        the scale, would)."""
        if _overlap(scale.good, scale.bad):
            raise self.fail(
                ("scales", "csat", "satisfied"),
                f"definitions: {{csat: net}} needs the satisfied band {_band_text(scale.good)}"
                f" apart from the dissatisfied band {_band_text(scale.bad)} (by default its"
                " mirror); set scales.csat.dissatisfied",
            )

    def timezone(self, value: Any, at: tuple = ()) -> str:
        import zoneinfo

        name = self.string(value, (*at, "timezone"))
        try:
            zoneinfo.ZoneInfo(name)
        # OSError: a folder of the zone database (Europe), which the tzdata package (a
        # dependency on Windows) opens as a file
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise self.fail(
                (*at, "timezone"),
                f"unknown time zone {_show(value)}; use an IANA name like Europe/Paris",
            ) from None
        return name

    def business_hours(self, value: Any, at: tuple = ()) -> dict[str, tuple[tuple[int, int], ...]]:
        hours = self.mapping(value, (*at, "business_hours"))
        self.keys(hours, WEEKDAYS, (*at, "business_hours"))
        out: dict[str, tuple[tuple[int, int], ...]] = {}
        for day, spans in hours.items():
            kp = (*at, "business_hours", day)
            items = self.strings(spans, kp) if spans else ()
            parsed = []
            for i, span in enumerate(items):
                parsed.append(self.span(span, (*kp, i)))
            parsed.sort()
            for (_a0, a1), (b0, _b1) in itertools.pairwise(parsed):
                if b0 < a1:
                    raise self.fail(kp, "intervals overlap")
            out[day] = tuple(parsed)
        return out

    def span(self, text: str, keypath: tuple) -> tuple[int, int]:
        import re

        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
        if not m:
            raise self.fail(keypath, f'expected a span like "09:00-17:30", got {_show(text)}')
        h0, m0, h1, m1 = (int(x) for x in m.groups())
        start, end = h0 * 60 + m0, h1 * 60 + m1
        if h0 > 23 or m0 > 59 or m1 > 59 or end > 24 * 60 or end <= start:
            raise self.fail(keypath, f"expected a span within 00:00-24:00, got {_show(text)}")
        return start, end

    def holidays(self, value: Any, at: tuple = ()) -> tuple[tuple[dt.date, ...], str | None]:
        if isinstance(value, dict):
            self.keys(value, ("country", "dates"), (*at, "holidays"))
            country = value.get("country")
            if country is not None:
                country = self.string(country, (*at, "holidays", "country"))
            dates = self.dates(value.get("dates", []), (*at, "holidays", "dates"))
            return dates, country
        return self.dates(value, (*at, "holidays")), None

    def clocks(self, value: Any) -> dict[str, Schedule]:
        """Named schedules (SPEC §4b): each a time zone, business hours (none: the
        calendar clock) and holidays."""
        out: dict[str, Schedule] = {}
        for name, spec in self.mapping(value, ("clocks",)).items():
            at = ("clocks", name)
            m = self.mapping(spec, at)
            self.keys(m, ("timezone", "business_hours", "holidays"), at)
            hours = self.business_hours(m["business_hours"], at) if "business_hours" in m else {}
            if "business_hours" in m and not any(hours.values()):
                raise self.fail((*at, "business_hours"), "the schedule has no open hours")
            dates, country = self.holidays(m["holidays"], at) if "holidays" in m else ((), None)
            tz = self.timezone(m["timezone"], at) if "timezone" in m else None
            out[str(name)] = Schedule(tz, hours, dates, country)
        return out

    def dates(self, value: Any, keypath: tuple) -> tuple[dt.date, ...]:
        if not isinstance(value, list):
            raise self.fail(
                keypath, f"expected a list of dates like 2026-12-25, got {_show(value)}"
            )
        out = []
        for i, d in enumerate(value):
            if isinstance(d, dt.datetime):
                d = d.date()
            if isinstance(d, str):
                with contextlib.suppress(ValueError):
                    d = dt.date.fromisoformat(d.strip())
            if not isinstance(d, dt.date):
                raise self.fail((*keypath, i), f"expected a date like 2026-12-25, got {_show(d)}")
            out.append(d)
        return tuple(sorted(set(out)))

    def inputs(self, value: Any) -> dict[str, tuple[str, ...]]:
        inp = self.mapping(value, ("inputs",))
        self.keys(inp, tuple(INPUTS), ("inputs",))
        base = os.path.dirname(os.path.abspath(self.path))
        out = {}
        for name, paths in inp.items():
            items = self.strings(paths, ("inputs", name))
            out[name] = tuple(p if os.path.isabs(p) else os.path.join(base, p) for p in items)
        return out

    def columns(self, value: Any) -> dict[str, dict[str, ColumnSource]]:
        cols = self.mapping(value, ("columns",))
        self.keys(cols, tuple(INPUTS), ("columns",))
        out: dict[str, dict[str, ColumnSource]] = {}
        for name, mapping in cols.items():
            spec = INPUTS[name]
            m = self.mapping(mapping, ("columns", name))
            out[name] = {}
            for canonical, export in m.items():
                kp = ("columns", name, canonical)
                col = spec.column(normalise_name(canonical))
                if col is None:
                    hint = closest(canonical, spec.names)
                    extra = f"; did you mean '{hint}'?" if hint else ""
                    raise self.fail(kp, f"{name} has no canonical column '{canonical}'{extra}")
                out[name][col.name] = self.column_source(export, kp, col.type)
        return out

    _UNIT: ClassVar[dict[str, float]] = {
        "seconds": 1.0,
        "minutes": 60.0,
        "hours": 3600.0,
        "days": 86400.0,
    }

    def column_source(self, spec: Any, kp: tuple, ctype: str) -> ColumnSource:
        """`"Name"`, `["Name", "Other name"]` (the first present wins), or
        `{column: "Name", unit: hours}` for a duration given in another unit."""
        if isinstance(spec, dict):
            self.keys(spec, ("column", "columns", "unit"), kp)
            names = self.strings(spec.get("column", spec.get("columns")), (*kp, "column"))
            scale = 1.0
            if "unit" in spec:
                unit = spec["unit"]
                if unit not in self._UNIT or ctype not in ("minutes", "seconds"):
                    raise self.fail(
                        (*kp, "unit"),
                        "a unit (seconds, minutes, hours, days) applies to duration columns only",
                    )
                scale = self._UNIT[unit] / (60.0 if ctype == "minutes" else 1.0)
            return ColumnSource(names, scale)
        return ColumnSource(self.strings(spec, kp))

    def splits(self, value: Any) -> dict[str, tuple[SplitRule, ...]]:
        m = self.mapping(value, ("split",))
        self.keys(m, tuple(INPUTS), ("split",))
        out = {}
        for name, rules in m.items():
            parsed = []
            for column, rule in self.mapping(rules, ("split", name)).items():
                kp = ("split", name, column)
                r = self.mapping(rule, kp)
                self.keys(r, ("separator", "into"), kp)
                sep = self.string(r.get("separator"), (*kp, "separator"))
                into = self.strings(r.get("into"), (*kp, "into"))
                parsed.append(SplitRule(str(column), sep, into))
            out[name] = tuple(parsed)
        return out

    def events(self, value: Any) -> dict[str, EventRules]:
        m = self.mapping(value, ("events",))
        self.keys(m, ("tickets",), ("events",))
        out = {}
        for name, rules in m.items():
            kp = ("events", name)
            r = self.mapping(rules, kp)
            allowed = ("id", "time", "order", "status", "resolved", "first_response", "resolution")
            self.keys(r, allowed, kp)
            for need in ("id", "time"):
                if need not in r:
                    raise self.fail(kp, f"an event log needs '{need}' (the export column)")
            resolution = r.get("resolution", "first")
            if resolution not in ("first", "last"):
                raise self.fail(
                    (*kp, "resolution"), f"expected first or last, got {_show(resolution)}"
                )
            out[name] = EventRules(
                id=self.string(r["id"], (*kp, "id")),
                time=self.string(r["time"], (*kp, "time")),
                order=self.string(r["order"], (*kp, "order")) if "order" in r else None,
                status=self.string(r["status"], (*kp, "status")) if "status" in r else None,
                resolved=self.strings(r.get("resolved", []), (*kp, "resolved")),
                first_response=self.strings(r.get("first_response", []), (*kp, "first_response")),
                resolution=resolution,
            )
        return out

    def values(self, value: Any) -> dict[str, dict[str, str]]:
        vals = self.mapping(value, ("values",))
        self.keys(vals, (*ENUMS, "score"), ("values",))
        out = {}
        for col, mapping in vals.items():
            m = self.mapping(mapping, ("values", col))
            inner = {}
            for k, v in m.items():
                if col == "score" and (v is None or v == ""):
                    inner[str(k)] = ""  # a rating offered but not given: no answer
                    continue
                canon = self.string(
                    str(v) if isinstance(v, (int, float)) else v, ("values", col, k)
                )
                if col == "priority" and canon not in PRIORITIES:
                    raise self.fail(
                        ("values", col, k), f"expected one of P1, P2, P3, P4, got {_show(v)}"
                    )
                inner[str(k)] = canon
            out[col] = inner
        return out

    def scales(self, value: Any) -> dict[str, Scale]:
        sc = self.mapping(value, ("scales",))
        self.keys(sc, ("csat", "nps", "ces"), ("scales",))
        out = dict(Config().scales)
        good_key = {"csat": "satisfied", "nps": "promoters", "ces": "easy"}
        bad_key = {"csat": "dissatisfied", "nps": "detractors", "ces": "hard"}
        for name, spec in sc.items():
            kp = ("scales", name)
            m = self.mapping(spec, kp)
            self.keys(m, ("min", "max", good_key[name], bad_key[name]), kp)
            default = out[name]
            lo = self.number(m.get("min", default.min), (*kp, "min"))
            hi = self.number(m.get("max", default.max), (*kp, "max"))
            if hi <= lo:
                raise self.fail((*kp, "max"), f"expected a maximum above the minimum {lo:g}")
            good = self.band(
                m, good_key[name], kp, lo, hi, default.good if "min" not in m else None
            )
            bad = self.band(m, bad_key[name], kp, lo, hi, default.bad if "min" not in m else None)
            if name == "csat" and bad_key[name] not in m:
                bad = _mirror(good, lo, hi)
            if name == "nps" and (good is None or bad is None):
                good = good or (hi - 1, hi)
                bad = bad or (lo, lo + 6)
            if bad_key[name] in m and _overlap(good, bad):
                raise self.fail(
                    (*kp, bad_key[name]),
                    f"overlaps the {good_key[name]} band {_band_text(good)}: a score cannot be"
                    " both",
                )
            out[name] = Scale(lo, hi, good, bad)
        return out

    def band(
        self,
        m: dict,
        key: str,
        kp: tuple,
        lo: float,
        hi: float,
        default: tuple[float, float] | None,
    ) -> tuple[float, float] | None:
        if key not in m:
            return default
        v = m[key]
        items = v if isinstance(v, list) else [v]
        if not 1 <= len(items) <= 2:
            raise self.fail((*kp, key), "expected [score] or [low, high] (an inclusive range)")
        nums = [self.number(x, (*kp, key, i), lo, hi, "a score") for i, x in enumerate(items)]
        return (nums[0], nums[-1]) if nums[0] <= nums[-1] else (nums[-1], nums[0])

    def sla(self, value: Any) -> SlaConfig:
        m = self.mapping(value, ("sla",))
        self.keys(
            m,
            (
                *("policies", "warn_before", "key", "overrides", "pause"),
                *("escalation_levels", "clock_by"),
            ),
            ("sla",),
        )
        policies = dict(DEFAULT_POLICIES)
        rules: tuple[PolicyRule, ...] = ()
        if "policies" in m and isinstance(m["policies"], list):
            rules = self.rules(m["policies"], ("sla", "policies"))
            policies = {}
            for rule in rules:  # each priority's compliance goal: the first policy's
                for k, policy in rule.targets.items():
                    policies.setdefault(k, policy)
        elif "policies" in m:
            pol = self.mapping(m["policies"], ("sla", "policies"))
            policies = {str(k): self.policy(v, ("sla", "policies", k)) for k, v in pol.items()}
        warn: tuple[str, float] = ("fraction", 0.25)
        if "warn_before" in m:
            w = m["warn_before"]
            kp = ("sla", "warn_before")
            if isinstance(w, str) and w.strip().endswith("%"):
                warn = ("fraction", self.number(w, kp, 0, 100, "a share like 25%") / 100)
            else:
                warn = ("seconds", self.duration(w, kp))
        key = normalise_name(str(m.get("key", "priority")))
        overrides: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
        if "overrides" in m:
            ov = self.mapping(m["overrides"], ("sla", "overrides"))
            for dim, by_value in ov.items():
                okp = ("sla", "overrides", dim)
                overrides[normalise_name(dim)] = {}
                for val, per_key in self.mapping(by_value, okp).items():
                    inner = {}
                    for pkey, pol in self.mapping(per_key, (*okp, val)).items():
                        p = self.policy(pol, (*okp, val, pkey), partial=True)
                        inner[str(pkey)] = {k: v for k, v in vars(p).items() if v is not None}
                    overrides[normalise_name(dim)][str(val)] = inner
        pause = dict(DEFAULT_PAUSE)
        if "pause" in m:
            pm = self.mapping(m["pause"], ("sla", "pause"))
            self.keys(pm, tuple(DEFAULT_PAUSE), ("sla", "pause"))
            for target, statuses in pm.items():
                pause[target] = self.statuses(statuses, ("sla", "pause", target))
            if pause["next_reply"]:  # (a cycle is not a ticket: no history per cycle here)
                raise self.fail(
                    ("sla", "pause", "next_reply"),
                    "the next-reply clock never pauses: it runs from a customer's message to"
                    " the reply; leave next_reply out of sla.pause",
                )
        levels: tuple[float, ...] = ()
        if "escalation_levels" in m:
            kp = ("sla", "escalation_levels")
            given = m["escalation_levels"]
            items = given if isinstance(given, list) else [given]
            shares = []
            for item in items:
                shares.append(self.number(item, kp, 0, 100, "shares like [50%, 75%, 90%]") / 100)
            if not shares or any(s <= 0 or s > 1 for s in shares):
                raise self.fail(kp, "expected shares of the target above 0%, like [50%, 75%, 90%]")
            levels = tuple(sorted(set(shares)))
        clock_by = normalise_name(str(m["clock_by"])) if m.get("clock_by") else None
        return SlaConfig(policies, warn, key, overrides, pause, levels, rules, clock_by)

    def rules(self, value: list, kp: tuple) -> tuple[PolicyRule, ...]:
        out = []
        for i, item in enumerate(value):
            ikp = (*kp, i)
            m = self.mapping(item, ikp)
            self.keys(m, ("name", "when", "targets", "clock"), ikp)
            if "targets" not in m:
                raise self.fail(ikp, "a policy needs targets: {P1: {first_response: 15m, …}}")
            when: dict[str, tuple[str, ...]] = {}
            for column, values in self.mapping(m.get("when") or {}, (*ikp, "when")).items():
                items = values if isinstance(values, list) else [values]
                when[normalise_name(str(column))] = tuple(str(v) for v in items)
            targets = {
                str(k): self.policy(v, (*ikp, "targets", k))
                for k, v in self.mapping(m["targets"], (*ikp, "targets")).items()
            }
            clock = str(m["clock"]) if m.get("clock") is not None else None
            name = str(m.get("name", f"policy {i + 1}"))
            out.append(PolicyRule(name, when, targets, clock))
        if not out:
            raise self.fail(kp, "expected at least one policy")
        return tuple(out)

    def statuses(self, value: Any, kp: tuple) -> tuple[str, ...]:
        """A list of canonical statuses (`[pending, on_hold]`, or `[]`: never paused)."""
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            found = normalise("status", str(item))
            if found not in STATUSES:
                raise self.fail(kp, f"{item!r} is not a status; expected {', '.join(STATUSES)}")
            out.append(found)
        return tuple(dict.fromkeys(out))

    def policy(self, value: Any, kp: tuple, partial: bool = False) -> Policy:
        m = self.mapping(value, kp)
        self.keys(m, (*SLA_TARGETS, "compliance"), kp)
        more = {
            name: self.duration(m[name], (*kp, name)) if name in m else None
            for name in ("requester_wait", "agent_work", "next_reply")
        }
        fr = (
            self.duration(m["first_response"], (*kp, "first_response"))
            if "first_response" in m
            else None
        )
        res = self.duration(m["resolution"], (*kp, "resolution")) if "resolution" in m else None
        comp = (
            self.percent(m["compliance"], (*kp, "compliance"), "a percentage")
            if "compliance" in m
            else None
        )
        if not partial and fr is None and res is None and not any(more.values()):
            raise self.fail(kp, "a policy needs first_response or resolution (or both)")
        given = {"first_response": fr, "resolution": res, **more}
        for name, v in given.items():
            if v is not None and v <= 0:
                raise self.fail((*kp, name), "expected a duration above zero")
        return Policy(fr, res, comp, **more)

    def kpi_name(self, name: str, kp: tuple) -> kpi_catalogue.Kpi:
        kpi = kpi_catalogue.get(str(name))
        if kpi is None:
            hint = closest(str(name), kpi_catalogue.names())
            extra = f"; did you mean '{hint}'?" if hint else "; `supportkpi kpis` lists them"
            raise self.fail(kp, f"unknown KPI{extra}")
        return kpi

    def targets(self, value: Any, definitions: dict[str, str]) -> dict[str, Target]:
        m = self.mapping(value, ("targets",))
        out = {}
        for name, spec in m.items():
            self.kpi_name(name, ("targets", name))
            kpi = kpi_catalogue.resolve(str(name), definitions)  # units follow the variant
            out[str(name)] = self.target(kpi, spec, ("targets", name), allow_by=True)
        return out

    def target_value(self, kpi: kpi_catalogue.Kpi, v: Any, kp: tuple) -> float:
        if kpi.unit == "seconds":
            return self.duration(v, kp)
        if kpi.unit == "percent":
            return self.percent(v, kp)
        if kpi.unit == "points":
            return self.number(v, kp, -100, 100, "a score")
        return self.number(v, kp)

    def target(self, kpi: kpi_catalogue.Kpi, spec: Any, kp: tuple, allow_by: bool) -> Target:
        m = self.mapping(spec, kp)
        allowed = ("min", "max", "between", "warn") + (("by",) if allow_by else ())
        self.keys(m, allowed, kp)
        lo = self.target_value(kpi, m["min"], (*kp, "min")) if "min" in m else None
        hi = self.target_value(kpi, m["max"], (*kp, "max")) if "max" in m else None
        between = None
        if "between" in m:
            b = m["between"]
            if not isinstance(b, list) or len(b) != 2:
                raise self.fail((*kp, "between"), f"expected [low, high], got {_show(b)}")
            b0 = self.target_value(kpi, b[0], (*kp, "between", 0))
            b1 = self.target_value(kpi, b[1], (*kp, "between", 1))
            if b1 < b0:
                raise self.fail((*kp, "between"), "expected [low, high] with low ≤ high")
            between = (b0, b1)
        if sum(x is not None for x in (lo, hi, between)) > 1 and between is not None:
            raise self.fail(kp, "use either between or min/max, not both")
        if lo is not None and hi is not None and hi < lo:
            raise self.fail(kp, "max is below min")
        warn: float | tuple[float, float] | None = None
        if "warn" in m:
            w = m["warn"]
            if between is not None:
                if not isinstance(w, list) or len(w) != 2:
                    raise self.fail((*kp, "warn"), "a between target takes warn: [low, high]")
                warn = (
                    self.target_value(kpi, w[0], (*kp, "warn", 0)),
                    self.target_value(kpi, w[1], (*kp, "warn", 1)),
                )
            else:
                if lo is not None and hi is not None:
                    raise self.fail((*kp, "warn"), "warn needs a single min or max target")
                warn = self.target_value(kpi, w, (*kp, "warn"))
        if lo is None and hi is None and between is None and "by" not in m:
            raise self.fail(kp, "expected min, max or between")
        by: dict[str, dict[str, Target]] = {}
        if "by" in m:
            bym = self.mapping(m["by"], (*kp, "by"))
            for dim, per_value in bym.items():
                dkp = (*kp, "by", dim)
                by[normalise_name(str(dim))] = {
                    str(val): self.target(kpi, t, (*dkp, val), allow_by=False)
                    for val, t in self.mapping(per_value, dkp).items()
                }
        return Target(lo, hi, between, warn, by)

    def staffing(self, value: Any) -> StaffingConfig:
        kp: tuple[str | int, ...] = ("staffing",)
        m = self.mapping(value, kp)
        goals = ("service_level", "answer_within", "handle_time")
        self.keys(m, (*goals, "max_occupancy", "shrinkage", "weeks", "channels"), kp)
        kw: dict[str, Any] = {"default": self.queue_goal(m, kp)}
        if "max_occupancy" in m:
            occ = self.percent(m["max_occupancy"], (*kp, "max_occupancy"), "a percentage")
            if occ <= 0:
                raise self.fail((*kp, "max_occupancy"), "expected a percentage above 0, got 0")
            kw["max_occupancy"] = occ
        if "shrinkage" in m:
            shrink = self.percent(m["shrinkage"], (*kp, "shrinkage"), "a percentage")
            if shrink >= 100:
                raise self.fail((*kp, "shrinkage"), "expected a percentage below 100")
            kw["shrinkage"] = shrink
        if "weeks" in m:
            weeks = m["weeks"]
            if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 520:
                raise self.fail(
                    (*kp, "weeks"), f"expected a whole number of weeks 1–520, got {_show(weeks)}"
                )
            kw["weeks"] = weeks
        if "channels" in m:
            per = self.mapping(m["channels"], (*kp, "channels"))
            channels = {}
            for name, goal in per.items():
                ckp = (*kp, "channels", name)
                g = self.mapping(goal, ckp)
                self.keys(g, goals, ckp)
                channels[normalise_name(str(name))] = self.queue_goal(g, ckp)
            kw["channels"] = channels
        return StaffingConfig(**kw)

    def queue_goal(self, m: dict[str, Any], kp: tuple[str | int, ...]) -> QueueGoal:
        level = within = handle = None
        if "service_level" in m:
            level = self.percent(m["service_level"], (*kp, "service_level"), "a percentage")
            if not 0 < level < 100:
                raise self.fail(
                    (*kp, "service_level"),
                    "expected a percentage above 0 and below 100 (no queue answers every"
                    f" contact at once), got {_show(m['service_level'])}",
                )
        if "answer_within" in m:
            within = self.duration(m["answer_within"], (*kp, "answer_within"))
        if "handle_time" in m:
            handle = self.duration(m["handle_time"], (*kp, "handle_time"))
            if handle <= 0:
                raise self.fail((*kp, "handle_time"), "expected a duration above 0, like 6m")
        return QueueGoal(level, within, handle)

    def costs(self, value: Any) -> dict[str, Any]:
        m = self.mapping(value, ("costs",))
        self.keys(m, ("agent_hourly", "currency", "daily_credit_budget", "rates"), ("costs",))
        out: dict[str, Any] = {}
        for k in ("agent_hourly", "daily_credit_budget"):
            if k in m:
                out[k] = self.number(m[k], ("costs", k), lo=0, what="an amount")
        if "currency" in m:
            cur = self.string(m["currency"], ("costs", "currency")).strip().upper()
            if len(cur) != 3 or not cur.isalpha():
                raise self.fail(
                    ("costs", "currency"),
                    f"expected a currency code like USD, got {_show(m['currency'])}",
                )
            out["currency"] = cur
        if "rates" in m:
            rates = self.mapping(m["rates"], ("costs", "rates"))
            out["rates"] = {
                str(k).upper(): self.number(v, ("costs", "rates", k), lo=0, what="an exchange rate")
                for k, v in rates.items()
            }
        return out


def _mirror(band: tuple[float, float] | None, lo: float, hi: float) -> tuple[float, float] | None:
    """The band as far from the bottom of the scale as `band` is from the top: the
    default dissatisfied band of CSAT (4–5 of 1–5 → 1–2)."""
    return None if band is None else (lo + hi - band[1], lo + hi - band[0])


def _overlap(a: tuple[float, float] | None, b: tuple[float, float] | None) -> bool:
    return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]


def _band_text(band: tuple[float, float] | None) -> str:
    return "none" if band is None else f"[{band[0]:g}, {band[1]:g}]"


SHOWN_CHARS = 60  # of a value quoted in a message: a 2 MB string is no message


def _show(value: Any) -> str:
    if isinstance(value, str):
        if len(value) > SHOWN_CHARS:
            return f"{value[:SHOWN_CHARS]!r}… ({len(value):,} characters)"
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    return repr(value)


def _range_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f" {lo:g}–{hi:g}"
    if lo is not None:
        return f" ≥ {lo:g}"
    if hi is not None:
        return f" ≤ {hi:g}"
    return ""
