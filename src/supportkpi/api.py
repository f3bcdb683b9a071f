"""The Python API: the commands as functions, for notebooks, scripts and pipelines.

    import supportkpi

    report = supportkpi.compute(tickets="tickets.csv", surveys="surveys.csv", by=["channel"])
    df = report.to_pandas()  # one row per KPI × group
    df[df.status == "missed"]

Each function takes the command line's inputs as keyword arguments: `tickets=`,
`surveys=`, `credits=`, `customers=`, `agents=`, `events=` (a status history),
`comments=` (the conversations), each a path, a list of paths (files, folders, globs:
read as one input, as the CLI reads them), a pandas DataFrame, a pyarrow Table, or any
object with `__arrow_c_stream__` (a Polars DataFrame, a DuckDB relation). An in-memory
table is read as a file is: the same column mapping, typing, presets and row problems
(which name its rows: `row 12` of `<tickets table>`).

`config=` is a path to a targets.yaml, a dict of the same content, or None: no config.
Unlike the CLI, nothing is looked up: not ./targets.yaml, not $SUPPORTKPI_CONFIG, so a
result depends only on what the call names.

Bad input raises `InputError` (an unreadable export, a missing required column),
`ConfigError` (a config that does not validate) or `UsageError` (an unknown KPI, preset
or dimension), all `SupportKpiError`s, whose `str()` is the line the CLI prints after
`supportkpi: error:`. A value of the wrong kind (a number where a path or a table is
expected) raises TypeError.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from supportkpi.errors import InputError, UsageError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from supportkpi.config.settings import Config
    from supportkpi.reports.compare import Comparison
    from supportkpi.reports.compute import Options
    from supportkpi.reports.report import Report
    from supportkpi.reports.sla_check import SlaCheck
    from supportkpi.reports.staffing import StaffingReport
    from supportkpi.reports.summary import Summary
    from supportkpi.reports.validate import Validation

__all__ = [
    "Explanation",
    "compare",
    "compute",
    "explain",
    "sla_check",
    "staffing",
    "summary",
    "validate",
]

# what an input may be: a path, a table, or a list of them (read as one input)
Input = Any
ConfigArg = str | os.PathLike[str] | Mapping[str, Any] | None
By = Sequence[str | Sequence[str]] | str | None


# --------------------------------------------------------------------------- compute
def compute(
    *,
    tickets: Input = None,
    surveys: Input = None,
    credits: Input = None,
    customers: Input = None,
    agents: Input = None,
    events: Input = None,
    comments: Input = None,
    config: ConfigArg = None,
    preset: str | None = None,
    kpis: Sequence[str] | str | None = None,
    by: By = None,
    period: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    every: str | None = None,
    as_of: str | None = None,
    cohort: bool = False,
) -> Report:
    """`supportkpi compute`: every KPI the inputs allow (or `kpis=`), overall and by
    each breakdown of `by=` (`["channel", "agent"]`: two breakdowns;
    `[["channel", "priority"]]`: one, crossed), for `period=` (`2026-W46`, `2026-11`,
    `last-week` …) or `from_`/`to`, as a series with `every=` (day, week, month,
    quarter, year). Returns a `Report`: `.results`, `.to_dict()` (the JSON of
    `compute -f json`), `.to_pandas()`, `.to_arrow()`."""
    from supportkpi.reports.compute import compute as run_compute

    options = _options(
        dict(
            tickets=tickets,
            surveys=surveys,
            credits=credits,
            customers=customers,
            agents=agents,
            events=events,
            comments=comments,
        ),
        config,
        preset,
        kpis=_names(kpis, "kpis"),
        by=_by(by),
        period=period,
        from_=from_,
        to=to,
        every=every,
        as_of=as_of,
        cohort=cohort,
    )
    return run_compute(options)


# --------------------------------------------------------------------------- sla-check
def sla_check(
    *,
    tickets: Input = None,
    events: Input = None,
    comments: Input = None,
    customers: Input = None,
    config: ConfigArg = None,
    preset: str | None = None,
    by: By = None,
    period: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    as_of: str | None = None,
    fail_on: str = "compliance",
    list: str | None = None,
) -> SlaCheck:
    """`supportkpi sla-check`: SLA compliance by priority (and by each of `by=`) at
    `as_of` (default: now). `events=` stops the clocks in pausing statuses, `comments=`
    gives next_reply targets their reply cycles, `customers=` the customer columns a
    policy's `when` may name. `list=` ("breached", "at_risk" or "all") adds the tickets
    behind the numbers (`.tickets`). Returns an `SlaCheck`: `.results`, `.report`,
    `.exit_code` (what the CLI exits with under `fail_on=`), `.failing`, `.to_dict()`,
    `.to_pandas()`, `.to_arrow()`."""
    from supportkpi.reports.sla_check import sla_check as run_sla_check

    options = _options(
        dict(tickets=tickets, events=events, comments=comments, customers=customers),
        config,
        preset,
        by=_by(by),
        period=period,
        from_=from_,
        to=to,
        as_of=as_of,
    )
    return run_sla_check(options, fail_on, list)


# --------------------------------------------------------------------------- staffing
def staffing(
    *,
    tickets: Input = None,
    agents: Input = None,
    config: ConfigArg = None,
    preset: str | None = None,
    as_of: str | None = None,
    weeks: int | None = None,
    service_level: str | Sequence[str] | Mapping[str, str] | None = None,
    answer_within: str | Sequence[str] | Mapping[str, str] | None = None,
    handle_time: str | Sequence[str] | Mapping[str, str] | None = None,
    max_occupancy: str | None = None,
    shrinkage: str | None = None,
    channels: Sequence[str] | str | None = None,
) -> StaffingReport:
    """`supportkpi staffing`: agents needed per hour of the week and channel (Erlang C).
    The goals take the CLI's text: `service_level="80%"` or `["80%", "email=90%"]` (or
    a dict by channel, `{"email": "90%"}`), `answer_within="20s"`, `handle_time="email=8m"`
    or `{"email": "8m"}`, `max_occupancy="85%"`,
    `shrinkage="30%"`. Returns a `StaffingReport`: `.results` (the rows of SPEC §6b),
    `.days`, `.queues`, `.to_dict()`."""
    from supportkpi.reports import staffing as run

    def listed(value: str | Sequence[str] | Mapping[str, str] | None) -> list[str]:
        if isinstance(value, Mapping):  # {"email": "8m"}: the CLI's "email=8m"
            return [f"{channel}={v}" for channel, v in value.items()]
        return [value] if isinstance(value, str) else list(value or [])

    options = _options(dict(tickets=tickets, agents=agents), config, preset, as_of=as_of)
    settings = run.Settings(
        weeks=weeks,
        service_level=run.parse_per_channel(
            listed(service_level), "service_level", lambda v: run.parse_percent(v, "service_level")
        ),
        answer_within=run.parse_per_channel(
            listed(answer_within),
            "answer_within",
            lambda v: run.parse_duration_option(v, "answer_within"),
        ),
        handle_time=run.parse_per_channel(
            listed(handle_time),
            "handle_time",
            lambda v: run.parse_duration_option(v, "handle_time", positive=True),
        ),
        max_occupancy=None
        if max_occupancy is None
        else run.parse_percent(max_occupancy, "max_occupancy", hundred_ok=True),
        shrinkage=None
        if shrinkage is None
        else run.parse_percent(shrinkage, "shrinkage", zero_ok=True),
        channels=_names(channels, "channels"),
    )
    return run.staffing(options, settings)


# --------------------------------------------------------------------------- summary
def summary(
    *,
    tickets: Input = None,
    surveys: Input = None,
    credits: Input = None,
    customers: Input = None,
    agents: Input = None,
    events: Input = None,
    comments: Input = None,
    config: ConfigArg = None,
    preset: str | None = None,
    period: str | None = None,
    compare: str = "previous",
    agent: str | None = None,
    as_of: str | None = None,
    min_tickets: int = 10,
    min_surveys: int = 5,
) -> Summary:
    """`supportkpi summary`: a manager's summary of `period=` (default: the last complete
    ISO week before the as-of time) beside the previous period (`compare="previous"`) or
    the same one a year before (`"last-year"`), for the team or one `agent=`. Returns a
    `Summary` (its sections as attributes: `.headline`, `.sla`, `.team`, `.actions`,
    `.notable` …) with `.to_dict()`, the JSON of `summary -f json`."""
    from supportkpi.reports.summary import build_summary

    options = _options(
        dict(
            tickets=tickets,
            surveys=surveys,
            credits=credits,
            customers=customers,
            agents=agents,
            events=events,
            comments=comments,
        ),
        config,
        preset,
    )
    return build_summary(
        options,
        period,
        compare,
        agent,
        _instant_text("as_of", as_of),
        min_tickets=min_tickets,
        min_surveys=min_surveys,
    )


# --------------------------------------------------------------------------- validate
def validate(
    *,
    tickets: Input = None,
    surveys: Input = None,
    credits: Input = None,
    customers: Input = None,
    agents: Input = None,
    events: Input = None,
    comments: Input = None,
    config: ConfigArg = None,
    preset: str | None = None,
) -> Validation:
    """`supportkpi validate`: each input's columns as mapped and its problems by code.
    An unusable input does not raise: its check says why (`.checks[i].fatal`), as the
    CLI's report does. Returns a `Validation`: `.checks`, `.exit_code` (0 clean, 1
    rows excluded from some KPIs, 2 an input unusable), `.to_dict()` (the JSON of
    `validate -f json`)."""
    from supportkpi.reports.validate import validate as run_validate

    options = _options(
        dict(
            tickets=tickets,
            surveys=surveys,
            credits=credits,
            customers=customers,
            agents=agents,
            events=events,
            comments=comments,
        ),
        config,
        preset,
    )
    return run_validate(options)


# --------------------------------------------------------------------------- explain
@dataclass
class Explanation:
    """The rows behind one number (`supportkpi explain`): every ticket (survey,
    credit…) the KPI counted, with `in_denominator`/`in_numerator` for rates and the
    per-row value (seconds) for durations and means."""

    kpi: str
    where: dict[str, str]
    table: pa.Table

    @property
    def rows(self) -> int:
        return int(self.table.num_rows)

    def to_arrow(self) -> pa.Table:
        return self.table

    def to_pandas(self) -> pd.DataFrame:
        return self.table.to_pandas()

    def to_dict(self) -> dict[str, Any]:
        """The KPI, the group asked, and the rows as dicts (timestamps as datetimes)."""
        return {"kpi": self.kpi, "where": dict(self.where), "rows": self.table.to_pylist()}


def explain(
    kpi: str,
    *,
    tickets: Input = None,
    surveys: Input = None,
    credits: Input = None,
    customers: Input = None,
    agents: Input = None,
    events: Input = None,
    comments: Input = None,
    where: Mapping[str, str] | Sequence[str] | None = None,
    config: ConfigArg = None,
    preset: str | None = None,
    period: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    as_of: str | None = None,
    cohort: bool = False,
) -> Explanation:
    """`supportkpi explain KPI`: the rows behind one number, of one group with `where=`
    (`{"agent": "Priya B."}`, or `["agent=Priya B."]` as --where takes it)."""
    from supportkpi.reports.explain import explain as run_explain
    from supportkpi.reports.explain import parse_where

    options = _options(
        dict(
            tickets=tickets,
            surveys=surveys,
            credits=credits,
            customers=customers,
            agents=agents,
            events=events,
            comments=comments,
        ),
        config,
        preset,
        period=period,
        from_=from_,
        to=to,
        as_of=as_of,
        cohort=cohort,
    )
    if where is None:
        pairs: list[tuple[str, str]] = []
    elif isinstance(where, Mapping):
        pairs = [(str(k), str(v)) for k, v in where.items()]
    else:
        pairs = parse_where(_names(where, "where"))
    table = run_explain(options, kpi, pairs)
    return Explanation(kpi, dict(pairs), table)


# --------------------------------------------------------------------------- compare
def compare(
    *,
    tickets: Input = None,
    surveys: Input = None,
    credits: Input = None,
    customers: Input = None,
    agents: Input = None,
    events: Input = None,
    comments: Input = None,
    by: str | None = None,
    a: str | None = None,
    b: str | None = None,
    period: str | None = None,
    vs: str | None = None,
    config: ConfigArg = None,
    preset: str | None = None,
    kpis: Sequence[str] | str | None = None,
    as_of: str | None = None,
    cohort: bool = False,
) -> Comparison:
    """`supportkpi compare`: each KPI of group A beside group B, the difference B − A
    tested (SPEC §6b). `by="variant"` (its two values, or `a=`/`b=` among more), or
    `period="2026-W47", vs="2026-W46"` (A is `vs`). `.to_dict()` is the JSON document;
    `.rows` its results; `.worse_in_b()` the KPIs significantly worse in B."""
    from supportkpi.reports.compare import Spec
    from supportkpi.reports.compare import compare as run_compare

    options = _options(
        dict(
            tickets=tickets,
            surveys=surveys,
            credits=credits,
            customers=customers,
            agents=agents,
            events=events,
            comments=comments,
        ),
        config,
        preset,
        kpis=_names(kpis, "kpis"),
        as_of=as_of,
        cohort=cohort,
    )
    return run_compare(options, Spec(by=by, a=a, b=b, period=period, vs=vs))


# --------------------------------------------------------------------------- arguments
def _options(
    inputs: dict[str, Input], config: ConfigArg, preset: str | None, **settings: Any
) -> Options:
    """The library's Options: each input as paths (an in-memory table as a named
    `InMemory`), the config built here (none looked up), and what else was given."""
    from supportkpi.reports.compute import Options

    paths: dict[str, Any] = {name: _paths(name, value) for name, value in inputs.items()}
    in_memory = any(_is_table(p) for ps in paths.values() for p in ps)
    for key in ("as_of", "from_", "to"):
        if key in settings:
            settings[key] = _instant_text(key, settings[key])
    return Options(
        **paths,
        config=os.fspath(config) if isinstance(config, (str, os.PathLike)) else None,
        preset=preset,
        settings=_config(config, preset),
        # a table handed in memory is whole already: no reading in parts
        low_memory=False if in_memory else None,
        **settings,
    )


def _instant_text(name: str, value: Any) -> str | None:
    """An instant given to the API as the command line takes it: ISO text as it is, a
    `datetime` / pandas `Timestamp` / `date` in ISO form (a naive one is read in the
    config's time zone, as naive text is)."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    raise UsageError(
        f"{name}=: give ISO text ('2026-11-24T23:30:00Z'), a datetime or a date,"
        f" not {type(value).__name__}"
    )


def _config(config: ConfigArg, preset: str | None) -> Config:
    from supportkpi.config.settings import config_from_dict, find_config, load_config
    from supportkpi.reports.compute import check_preset

    check_preset(preset)
    if config is None:
        return dataclasses.replace(load_config(None, preset), none_given=True)
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        return load_config(find_config(path) if path else None, preset)
    if isinstance(config, Mapping):
        import copy

        return config_from_dict(copy.deepcopy(dict(config)), preset)
    raise TypeError(f"config= takes a path, a dict or None, not {type(config).__name__}")


def _by(by: By) -> list[list[str]]:
    """`by=` as Options.by: each item one breakdown, as each --by of the CLI is (a name,
    `"channel,priority"`, or a list of names crossed)."""
    if by is None:
        return []
    if isinstance(by, str):
        return [[by]]
    out: list[list[str]] = []
    for item in by:
        if isinstance(item, str):
            out.append([item])
        elif isinstance(item, Sequence) and all(isinstance(d, str) for d in item):
            out.append(list(item))
        else:
            raise TypeError(
                f"by= takes dimension names or lists of them, not {type(item).__name__}"
            )
    return out


def _names(value: Sequence[str] | str | None, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not all(isinstance(v, str) for v in value):
        raise TypeError(f"{what}= takes a name or a list of names")
    return list(value)


def _is_table(path: str) -> bool:
    from supportkpi.io.sources import InMemory

    return isinstance(path, InMemory)


def _paths(name: str, value: Input) -> list[str]:
    """One input as the loader's list of paths: paths as given, each table as an
    `InMemory` named `<tickets table>` (`<tickets table 2>` for a list's second)."""
    if value is None:
        return []
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    tables = sum(not isinstance(v, (str, os.PathLike)) for v in items)
    out: list[str] = []
    count = 0
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            out.append(os.fspath(item))
            continue
        count += 1
        label = f"<{name} table{f' {count}' if tables > 1 else ''}>"
        out.append(_in_memory(label, item, name))
    return out


def _mixed_as_text(frame: Any) -> Any:
    """A DataFrame whose object columns each hold one kind of value, as Arrow needs: a
    column mixing kinds (text typed into a float column: "abc" beside NaN; a Timestamp
    beside "garbage") becomes its values as text, missing ones kept missing, so its bad
    values are counted (E021) as a CSV's would be, instead of the conversion raising."""
    import pyarrow as pa

    mixed = []
    for i, dtype in enumerate(frame.dtypes):
        if dtype.kind != "O":  # (text, mixed: an object column)
            continue
        try:
            pa.array(frame.iloc[:, i], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            mixed.append(i)
    if not mixed:
        return frame
    out = frame.copy(deep=False)
    for i in mixed:
        column = frame.iloc[:, i]
        out.isetitem(i, column.astype(str).where(column.notna(), None))
    return out


def _in_memory(label: str, obj: Any, name: str) -> str:
    """A pandas DataFrame, pyarrow Table or RecordBatch, or an Arrow C stream (Polars,
    DuckDB…) as an `InMemory` input. pandas is imported only for a DataFrame."""
    from supportkpi.io.sources import InMemory

    module = type(obj).__module__ or ""
    if module.startswith("pandas"):
        import pyarrow as pa

        if not hasattr(obj, "columns"):  # a Series, an Index
            raise TypeError(f"{name}= takes a DataFrame, not a {type(obj).__name__}")
        if any(name is not None for name in obj.index.names):
            obj = obj.reset_index()  # a named index (set_index("ticket_id")) is a column
        try:
            table = pa.Table.from_pandas(_mixed_as_text(obj), preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise InputError(
                f"cannot convert the DataFrame to Arrow: {exc}",
                path=label,
                code="E003",
                hint="give each column values of one kind (text, numbers or timestamps)",
            ) from exc
        return InMemory(label, table)
    if module.startswith("pyarrow"):
        import pyarrow as pa

        if isinstance(obj, pa.Table):
            return InMemory(label, obj)
        if isinstance(obj, pa.RecordBatch):
            return InMemory(label, pa.Table.from_batches([obj]))
        if isinstance(obj, pa.RecordBatchReader):
            return InMemory(label, obj.read_all())
    if hasattr(obj, "__arrow_c_stream__"):
        import pyarrow as pa

        try:
            return InMemory(label, pa.table(obj))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise InputError(
                f"cannot read the table's Arrow stream: {exc}", path=label, code="E003"
            ) from exc
    raise TypeError(
        f"{name}= takes a path, a list of paths, a pandas DataFrame, a pyarrow Table or"
        f" an object with __arrow_c_stream__ (Polars, DuckDB), not {type(obj).__name__}"
    )
