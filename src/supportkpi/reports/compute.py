"""The library entry points behind the commands: load → map → derive → aggregate →
judge → report. The CLI only parses options and renders what these return.

    from supportkpi.run import Options, compute
    report = compute(Options(tickets=["tickets.csv"], by=[["channel"]], period="2026-W46"))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from supportkpi.config.settings import Config, find_config, load_config, no_config_note
from supportkpi.engine.core import Engine, Query
from supportkpi.errors import InputError, SupportKpiError, UnknownDimension, UsageError
from supportkpi.io import progress
from supportkpi.io.periods import (
    GRAINS,
    Window,
    iso_us,
    parse_instant,
    relative_name,
    window_for_period,
)
from supportkpi.io.timeparse import NAT
from supportkpi.kpis import catalogue
from supportkpi.model import Result
from supportkpi.reports.report import InputSummary, Report, Uncovered, exclusions
from supportkpi.reports.targets import judge
from supportkpi.schema.frame import Frame
from supportkpi.schema.inputs import INPUTS, TIME_DIMS, UNKNOWN, closest, normalise_name
from supportkpi.schema.load import Request, attach_inputs, load_input, reconcile
from supportkpi.sla.clock import DAY_US

INPUT_NAMES = ("tickets", "surveys", "credits", "customers", "agents", "events", "comments")
# the ticket columns whose latest instant is the default as-of time (with the durations
# some exports give instead of the instants)
AS_OF_COLUMNS = (
    "created_at",
    "first_response_at",
    "resolved_at",
    "first_resolved_at",
    "first_response_minutes",
    "resolution_minutes",
)

# read whatever the KPIs: ids that link inputs, and columns that place or group rows
_ALWAYS = {
    "tickets": ("ticket_id", "created_at"),
    "surveys": (
        "ticket_id",
        "survey_id",
        "type",
        "score",
        "submitted_at",
        "agent",
        "csat",
        "nps",
        "ces",
    ),
    "credits": (
        "credit_id",
        "ticket_id",
        "customer_id",
        "agent",
        "kind",
        "amount",
        "currency",
        "approved_by",
        "created_at",
    ),
    "customers": ("customer_id", "started_at", "ended_at"),
    "agents": ("agent", "team", "role", "date"),
    "events": ("ticket_id", "changed_at", "status", "agent", "group"),
    "comments": ("ticket_id", "created_at", "author", "public"),
}


@dataclass
class Options:
    tickets: list[str] = field(default_factory=list)
    surveys: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # a status history (SPEC §4b)
    comments: list[str] = field(default_factory=list)  # the conversations (SPEC §4b)
    config: str | None = None
    kpis: list[str] = field(default_factory=list)
    by: list[list[str]] = field(default_factory=list)
    period: str | None = None
    from_: str | None = None
    to: str | None = None
    every: str | None = None
    as_of: str | None = None
    cohort: bool = False
    preset: str | None = None
    low_memory: bool | None = None  # read the tickets in parts; None: when they are large
    compare: str | None = None  # previous | last-year: each result beside the earlier period's
    sheet: str | None = None  # the sheet of the workbooks read (None: the config's, else the first)
    # a config built already (the Python API's config=): used as it is, no file looked up
    settings: Config | None = None


def resolve_config(options: Options) -> Config:
    if options.settings is not None:
        return options.settings
    check_preset(options.preset)
    config = load_config(find_config(options.config), options.preset)
    if options.sheet is None:
        return config
    return replace(config, sheet=options.sheet, sheets={})  # --sheet: for every input


def check_preset(name: str | None) -> None:
    if name is None:
        return
    from supportkpi.config.presets import PRESETS

    if name not in PRESETS:
        hint = closest(name, list(PRESETS))
        raise UsageError(
            f"--preset: unknown preset {name!r}",
            hint=(f"did you mean '{hint}'? " if hint else "") + "`supportkpi presets` lists them",
        )


def select_kpis(names: list[str]) -> list[str]:
    if not names:
        return catalogue.names()
    out = []
    for raw in names:
        for name in (p.strip() for p in raw.split(",")):
            if not name:
                continue
            if name not in catalogue.CATALOGUE:
                hint = closest(name, catalogue.names())
                raise UsageError(
                    f"--kpi: unknown KPI '{name}'",
                    hint=f"did you mean '{hint}'?" if hint else "`supportkpi kpis` lists them",
                )
            out.append(name)
    return list(dict.fromkeys(out))


def parse_by(by: list[list[str]] | list[str]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for item in by:
        parts = item if isinstance(item, list) else [item]
        dims = tuple(d.strip() for p in parts for d in p.split(",") if d.strip())
        if dims:
            out.append(dims)
    return list(dict.fromkeys(out))


def columns_needed(kpi_names: list[str], dims: list[str], config: Config) -> dict[str, set[str]]:
    from supportkpi.engine.core import expand

    need: dict[str, set[str]] = {name: set(_ALWAYS.get(name, ())) for name in INPUT_NAMES}
    for name in expand(kpi_names, config.definitions):
        kpi = catalogue.resolve(name, config.definitions)
        for source, cols in catalogue.reads(kpi, config.definitions, config.sla_columns).items():
            need[source].update(cols)
    for d in dims:
        key = normalise_name(d)
        for name in INPUT_NAMES:
            if key in INPUTS[name].names:
                need[name].add(key)
    return need


def input_paths(options: Options, config: Config) -> dict[str, list[str]]:
    # inputs named on the command line replace the config's `inputs:` as a whole: a
    # config's surveys never join tickets from another export
    named = {name: list(getattr(options, name)) for name in INPUT_NAMES if getattr(options, name)}
    out = named or {k: list(v) for k, v in config.inputs.items() if k in INPUT_NAMES and v}
    out = {name: out[name] for name in INPUT_NAMES if name in out}
    from_stdin = [name for name, paths in out.items() for p in paths if p == "-"]
    if len(from_stdin) > 1:  # the second would find it empty
        names = list(dict.fromkeys(from_stdin))
        given = f"for {' and '.join(names)}" if len(names) > 1 else f"twice for {names[0]}"
        raise UsageError(
            f"'-' (standard input) is given {given}: it can be read once",
            hint="give all but one of them as files",
        )
    return out


def load_all(
    options: Options,
    config: Config,
    kpi_names: list[str],
    breakdowns: list[tuple[str, ...]],
    only: tuple[str, ...] = INPUT_NAMES,
    also_read: tuple[str, ...] = (),
    sla_key: str | None = None,
    loaded: Loaded | None = None,
    dims_option: str = "--by",
) -> dict[str, Frame]:
    """Load the inputs; `also_read` names ticket columns wanted when present (listings);
    `sla_key` is a dimension the command adds itself (sla-check groups by it);
    `dims_option`: the option that named the breakdowns' dimensions, for messages;
    `loaded`: frames an earlier run of the same process read, reused where they hold
    what this run asks for (and this run's frames kept there)."""
    paths, requests = plan_reads(options, config, kpi_names, breakdowns, only, also_read)
    names = [name for name in INPUT_NAMES if name in paths]
    earlier = [loaded.reusable(n, paths[n], config, requests[n]) for n in names] if loaded else []
    frames: dict[str, Frame] = {}
    if earlier and all(f is not None for f in earlier):
        # all read (and linked to each other) before: linking again would record the
        # same problems twice
        frames = {n: f for n, f in zip(names, earlier, strict=True) if f is not None}
    else:
        for name in names:
            frames[name] = load_input(name, paths[name], config, requests[name])
            _some_rows_used(frames[name])
            if loaded is not None:
                loaded.keep(name, paths[name], config, requests[name], frames[name])
        attach_inputs(frames)
    check_dims(frames, sorted({d for b in breakdowns for d in b}), sla_key, dims_option)
    if asks_sla(kpi_names):
        check_policy_columns(frames, config)
    return frames


def asks_sla(kpi_names: list[str]) -> bool:
    """Whether an SLA KPI is asked for: the policies' columns are read, and checked."""
    return any(catalogue.CATALOGUE[k].section == "sla" for k in kpi_names)


def check_policy_columns(frames: dict[str, Frame], config: Config) -> None:
    """Every column an SLA policy's `when` names is a ticket column (or a customer's,
    through customer_id): a condition on a column nobody has would match no ticket, and
    every ticket would silently fall to a later policy."""
    tickets = frames.get("tickets")
    if tickets is None:
        return
    for rule in config.sla.rules:
        for column in rule.when:
            if tickets.find_dim(column) is not None:
                continue
            given = "customers" in frames
            raise UsageError(
                f"SLA policy {rule.name!r} matches on {column}, which the tickets export"
                + (" and the customers export have not" if given else " has not"),
                hint=(
                    f'map it in the config: columns: {{tickets: {{{column}: "Your column"}}}}'
                    + ("" if given else f"; or give --customers with a {column} column")
                ),
            )


@dataclass
class Loaded:
    """The frames one process has read, for its later runs over the same exports: the
    summary's series, its comparison period and its SLA check read the same tickets.
    Frames are read-only once loaded (the engine never writes into them)."""

    frames: dict[str, tuple[list[str], Config, Request, Frame]] = field(default_factory=dict)

    def keep(
        self, name: str, paths: list[str], config: Config, request: Request, frame: Frame
    ) -> None:
        self.frames[name] = (list(paths), config, request, frame)

    def frame(self, name: str) -> Frame | None:
        """The frame of an input read earlier (None: not read)."""
        kept = self.frames.get(name)
        return None if kept is None else kept[3]

    def reusable(
        self, name: str, paths: list[str], config: Config, request: Request
    ) -> Frame | None:
        """The frame read earlier when it is of the same files and config and holds every
        column and dimension asked for now."""
        if name not in self.frames:
            return None
        had_paths, had_config, had, frame = self.frames[name]
        if had_paths != list(paths) or had_config is not config or request.keep_rows:
            return None
        columns_ok = had.columns is None or (
            request.columns is not None and request.columns <= had.columns
        )
        return frame if columns_ok and set(request.dims) <= set(had.dims) else None


def plan_reads(
    options: Options,
    config: Config,
    kpi_names: list[str],
    breakdowns: list[tuple[str, ...]],
    only: tuple[str, ...] = INPUT_NAMES,
    also_read: tuple[str, ...] = (),
) -> tuple[dict[str, list[str]], dict[str, Request]]:
    """The files of each input to read, and what to read of them."""
    paths = {k: v for k, v in input_paths(options, config).items() if k in only}
    if not paths:
        raise UsageError(
            "no input to read",
            hint="give -t tickets.csv (and -s surveys.csv …), or name them under inputs: in"
            " targets.yaml",
        )
    dims = sorted({d for b in breakdowns for d in b})
    need = columns_needed(kpi_names, dims, config)
    need["tickets"].update(also_read)
    if options.as_of is None:  # the default as-of, the latest instant of the tickets
        need["tickets"].update(AS_OF_COLUMNS)  # export, whatever KPIs are asked
    if "customers" in paths:
        need["tickets"].add("customer_id")  # customer attributes become ticket dimensions
    read_dims = list(dims)
    if asks_sla(kpi_names):
        read_dims += list(config.sla_columns)  # what the SLA policies are looked up by
        # (a policy's condition on a customer column: read it, to become the tickets')
        need["customers"].update(c for c in config.sla_columns if c in INPUTS["customers"].names)
    requests = {name: Request(need[name], tuple(dict.fromkeys(read_dims))) for name in paths}
    return paths, requests


def _some_rows_used(frame: Frame) -> None:
    """An export whose every row was rejected is unusable: its KPIs would read as zeros
    (a CSV whose first quote is never closed showed 'Tickets created 0', exit 0)."""
    if frame.rows_read == 0 or frame.n > 0 or frame.rows_read == frame.no_rating:
        return  # (surveys none of which has a rating: no response, which KPIs say)
    worst = max(frame.problems, key=lambda p: p.rows, default=None)
    why = f": {worst.code} {worst.column or ''} {worst.message}".rstrip() if worst else ""
    raise InputError(
        f"every one of its {frame.rows_read:,} rows was rejected{why}",
        path=", ".join(frame.paths),
        code=worst.code if worst else "E003",
        hint=f"`supportkpi validate --{frame.name} …` shows each problem with its rows",
    )


def check_dims(
    frames: dict[str, Frame], dims: list[str], sla_key: str | None = None, option: str = "--by"
) -> None:
    primary = next(frames[n] for n in INPUT_NAMES if n in frames)
    for d in dims:
        key = normalise_name(d)
        if key in TIME_DIMS or primary.find_dim(key) is not None:
            continue
        if d == sla_key:
            raise InputError(
                f"no {d} column: SLA policies are set per {d} (sla.key)",
                path=", ".join(primary.paths),
                code="E004",
                hint=f'map the column in the config (columns: {{tickets: {{{d}: "Your column"}}}})'
                " or set sla.key to a column the export has",
            )
        spec = INPUTS[primary.name]
        hint = closest(d, [*primary.header, *spec.names, *TIME_DIMS])
        raise UnknownDimension(
            f"{option} {d}: the {primary.name} export has no such column",
            d,
            hint=(f"did you mean '{hint}'? " if hint and hint != d else "")
            + "any column of the export, or day/week/month/quarter/year, can be a dimension",
        )


def default_as_of(frames: dict[str, Frame]) -> int | None:
    """The latest timestamp in the tickets export (else in the first input that has one)."""
    for name in INPUT_NAMES:
        frame = frames.get(name)
        if frame is None or frame.n == 0:
            continue
        latest = frame.latest()
        if latest is not None:
            return latest
    return None


def parse_as_of(text: str, config: Config) -> int:
    """--as-of, within the valid years: a mistyped year would judge every open ticket
    thousands of years late and stretch every series to it."""
    as_of = parse_instant(text, config.timezone, "--as-of")
    first, last = config.valid_span
    if not first <= as_of <= last:
        years = "–".join(str(y) for y in config.valid_years)
        raise UsageError(
            f"--as-of {text}: outside the years {years}",
            hint="check the year; valid_years in the config sets the span",
        )
    return as_of


def make_window(options: Options, config: Config) -> Window:
    """The window asked, before the as-of time is known: a relative period (last-week)
    is open here, marked by its name, until `resolved_window` places it."""
    if options.period and (options.from_ or options.to):
        raise UsageError("give either --period or --from/--to, not both")
    if options.period:
        name = relative_name(options.period)
        if name is not None:
            return Window(None, None, None, name)
        return window_for_period(options.period, config.timezone)
    start = parse_instant(options.from_, config.timezone, "--from") if options.from_ else None
    end = parse_instant(options.to, config.timezone, "--to") if options.to else None
    if start is not None and end is not None and end <= start:
        raise UsageError("--to must be after --from (--to is exclusive)")
    return Window(start, end, None)


def resolved_window(options: Options, config: Config, as_of: int | None) -> Window:
    """The window asked, a relative period resolved at the as-of time."""
    if options.period and relative_name(options.period) is not None:
        make_window(options, config)  # the same checks
        return window_for_period(options.period, config.timezone, as_of)
    return make_window(options, config)


def _in_parts(options: Options, config: Config) -> str | None:
    """Why to read the exports in parts (None: read them whole): asked for; too large
    for memory; or large enough that parts are faster and give every KPI asked."""
    if options.low_memory is not None:
        return "asked" if options.low_memory else None
    paths = input_paths(options, config)
    if "tickets" not in paths or config.events:
        return None
    from supportkpi.reports import in_parts as stream

    return stream.worth_it(paths, select_kpis(options.kpis), config)


def summaries(frames: dict[str, Frame]) -> list[InputSummary]:
    return [
        InputSummary(
            name=f.name,
            paths=f.paths,
            rows_read=f.rows_read,
            rows_used=f.n,
            rows_rejected=reconcile(f),
            problems=f.problems,
            columns={k: v for k, v in f.mapping.items()},
            events_read=f.events_read,
            no_rating=f.no_rating if f.name == "surveys" else None,
            hints=list(f.hints),
        )
        for f in frames.values()
    ]


def compute(
    options: Options,
    config: Config | None = None,
    window_at: Callable[[int | None], Window] | None = None,
    loaded: Loaded | None = None,
) -> Report:
    """`window_at`: the period to compute, once the data's as-of time is known (the
    summary's trend ends with the last week before it); `loaded`: frames to reuse and
    keep (see `Loaded`). Both apply to runs that read the exports whole: a run read in
    parts for memory computes every period (the summary picks its own) and keeps none."""
    config = config if config is not None else resolve_config(options)
    if options.compare is not None:
        return _compared(options, config)
    why = _in_parts(options, config)
    if why == "speed" and (window_at is not None or loaded is not None):
        why = None  # parts only for speed, and these would not apply there
    if why is not None:
        from supportkpi.reports import in_parts as stream

        try:
            return stream.compute(options, config)
        except stream.NotInParts as exc:
            if why == "memory":  # reading whole could exhaust the machine: say so instead
                raise _too_large(exc) from exc
            if why == "asked":
                raise
            # chosen for speed, but these exports cannot be read in parts: read them whole
    kpi_names, breakdowns, window = asked(options, config)
    frames = load_all(options, config, kpi_names, breakdowns, loaded=loaded)
    as_of = parse_as_of(options.as_of, config) if options.as_of else default_as_of(frames)
    window = window_at(as_of) if window_at is not None else resolved_window(options, config, as_of)
    query = Query(
        kpi_names,
        breakdowns,
        window,
        options.every,
        as_of if as_of is not None else 0,
        options.cohort,
    )
    progress.stage("computing KPIs")
    engine = Engine(frames, query, config)
    results = engine.run()
    report = compute_report(
        options, config, window, breakdowns, as_of, summaries(frames), results, engine.unavailable
    )
    report.uncovered = sla_uncovered(frames, config, window, kpi_names, results)
    report.notes += empty_window_notes(frames, window)
    report.notes += unknown_status_notes(frames, results, config)
    report.notes += first_period_notes(frames, results, window, config)
    return report


def first_period_notes(
    frames: dict[str, Frame], results: list[Result], window: Window, config: Config
) -> list[str]:
    """An --every series whose first period begins well before the tickets' first row
    (an export from a Wednesday: its first week holds two days fewer): its counts look
    like a dip that is not one. The last period has "(to date)"; this says the first's.
    Well before: a day or more, and a tenth of the period or more."""
    tickets = frames.get("tickets")
    labels = {r.group["period"] for r in results if "period" in r.group}
    if tickets is None or not labels or not tickets.n:
        return []
    created = tickets.cols.get("created_at")
    known = created[created != NAT] if created is not None else None
    if known is None or not len(known):
        return []
    bounds = []
    for label in labels:
        try:
            w = window_for_period(label, config.timezone)
        except SupportKpiError:  # not a period label: (unknown)
            continue
        if w.start is not None and w.end is not None:
            bounds.append((w.start, w.end, label))
    if not bounds:
        return []
    start, end, label = min(bounds)
    covered_from = max(start, window.start if window.start is not None else start)
    first = int(known.min())
    gap = first - covered_from
    if gap < DAY_US or gap < (end - start) / 10:
        return []
    shown = iso_us(first, config.timezone)[:10]
    return [
        f"{label}, the series' first period, begins before the tickets' first row ({shown}):"
        " its counts and totals cover only part of it"
    ]


def unknown_status_notes(
    frames: dict[str, Frame], results: list[Result], config: Config
) -> list[str]:
    """A status the history cannot place (E024 on the events) holds time that is in no
    status: the times in statuses then fall short of the resolution time, with nothing
    on screen to say why. Said beside the figures, not only by `validate`."""
    import numpy as np

    from supportkpi.schema.history import status_codes

    events, tickets = frames.get("events"), frames.get("tickets")
    dim = events.dims.get("status") if events is not None else None
    if dim is not None:  # the events input
        source, labels, codes = "events", dim.labels, dim.codes
    elif tickets is not None and tickets.intervals is not None:  # an event-log export
        source, labels, codes = "tickets", tickets.intervals.labels, tickets.intervals.status
    else:
        return []
    shown = {r.kpi for r in results if r.value is not None}
    if not shown & set(config.readers("events", "status")):
        return []
    placed = status_codes(labels, config.values.get("status")) >= 0
    unknown = [i for i, label in enumerate(labels) if not placed[i] and label not in (UNKNOWN, "")]
    if not unknown:
        return []
    changes = int(np.isin(codes, unknown).sum())
    names = ", ".join(repr(labels[i]) for i in unknown[:5])
    return [
        f"{source}: unknown status {names} in {changes:,} status change(s): the time from"
        " each is in no status (so not in requester wait, pending, on-hold or time in"
        f" status); map it, e.g. values: {{status: {{{labels[unknown[0]]}: on_hold}}}}"
    ]


def _compared(options: Options, config: Config) -> Report:
    """`--compare`: the period asked, each result beside the same KPI and group in the
    earlier period (the one before, or the same a year before), judged at the same
    as-of time; the exports are read once."""
    from supportkpi.reports.change import compared_period

    if not options.period:
        raise UsageError(
            "--compare needs --period: the period to set beside an earlier one",
            hint="e.g. --period last-week --compare previous",
        )
    if options.every:
        raise UsageError(
            "--compare sets one period beside another; --every gives a series instead",
            hint="leave out one of them",
        )
    mode = options.compare
    assert mode is not None
    compared_period("2026", mode)  # an unknown mode stops before any reading
    loaded = Loaded()
    report = compute(replace(options, compare=None), config, loaded=loaded)
    assert report.window.label is not None  # a --period has one
    label = compared_period(report.window.label, mode)
    as_of = iso_us(report.as_of) if report.as_of is not None else options.as_of
    earlier = compute(
        replace(options, compare=None, period=label, as_of=as_of), config, loaded=loaded
    )
    tickets = loaded.frame("tickets")
    # no ticket at all in the earlier period (before the export began): its zeros are no
    # figures, and a count "271 vs 0" no change beyond noise
    empty = tickets is not None and bool(empty_window_notes({"tickets": tickets}, earlier.window))
    _beside(report.results, [] if empty else earlier.results, label, config)
    # what the earlier period's run noticed (no ticket in it: every "—" explained)
    report.notes += [n for n in earlier.notes if n not in report.notes]
    report.compare = mode
    report.compared_window = earlier.window
    return report


def _beside(results: list[Result], earlier: list[Result], label: str, config: Config) -> None:
    """Each result gets its KPI and group of the earlier period, the change, and whether
    the change is beyond noise (`change.noise_test`, as the summary's)."""
    from supportkpi.reports.change import Previous, Side, difference, noise_test

    before = {(r.kpi, tuple(r.group.items())): r for r in earlier}
    for r in results:
        b = before.get((r.kpi, tuple(r.group.items())))
        if b is None:  # a group with no row in the earlier period
            r.previous = Previous(label, None, 0, "no_data")
            continue
        spec = catalogue.resolve(r.kpi, config.definitions)
        change, pct, better = difference(r.value, b.value, r.unit, spec.direction)
        now, then = Side(r.value, r.n, r.margin, r.sd), Side(b.value, b.n, b.margin, b.sd)
        test = noise_test(spec, r.unit, now, then, config.min_sample, r.period_over, means=True)
        r.previous = Previous(
            label,
            b.value,
            b.n,
            b.status,
            b.ci_low,
            b.ci_high,
            b.margin,
            change,
            pct,
            better,
            *(test or (None, None)),
        )


def empty_window_notes(frames: dict[str, Frame], window: Window) -> list[str]:
    """A period with no ticket in it (a mistyped year) would show zeros that look like
    figures: say so, and what the data covers."""
    frame = frames.get("tickets")
    if frame is None or (window.start is None and window.end is None):
        return []
    created = frame.cols.get("created_at")
    if created is None or not frame.n:
        return []
    from supportkpi.io.periods import iso_us

    inside = created != NAT
    if window.start is not None:
        inside &= created >= window.start
    if window.end is not None:
        inside &= created < window.end
    if inside.any():
        return []
    known = created[created != NAT]
    if not len(known):
        return []
    first, last = iso_us(int(known.min()))[:10], iso_us(int(known.max()))[:10]
    shown = window.label or "this period"
    return [f"no ticket was created in {shown}: the tickets cover {first} to {last}"]


def name_exclusions(
    results: list[Result], inputs: list[InputSummary], unavailable: dict[str, str]
) -> None:
    """Each result names the value problems that left rows out of its KPI."""
    excluded = exclusions(inputs)
    for r in results:  # (a KPI the inputs cannot give left out no rows)
        r.excluded = [] if r.kpi in unavailable else excluded.get(r.kpi, [])


def sla_uncovered(
    frames: dict[str, Frame],
    config: Config,
    window: Window,
    kpi_names: list[str],
    results: list[Result],
) -> Uncovered | None:
    """The tickets of the window (by creation) that no SLA policy covers, when SLA KPIs
    were asked for; a result row with only such tickets says so as its reason."""
    for r in results:
        unmatched = r.extra.get("unmatched", 0) if r.kpi.startswith("sla_") else 0
        if unmatched and r.n == 0 and not r.extra.get("at_risk") and not r.extra.get("active"):
            what = "reply cycle(s)" if r.kpi == "sla_next_reply" else "ticket(s)"
            r.reason = f"no SLA policy covers these {unmatched:,} {what}"
    frame = frames.get("tickets")
    if frame is None or not asks_sla(kpi_names) or "created_at" not in frame.cols:
        return None
    from supportkpi.sla import policy as sla

    created = frame.cols["created_at"]
    scope = created != NAT
    if window.start is not None:
        scope &= created >= window.start
    if window.end is not None:
        scope &= created < window.end
    values = sla.uncovered(frame, config, scope)
    return Uncovered(config.sla.key, values) if values else None


def _too_large(exc: UsageError) -> UsageError:
    return UsageError(
        exc.message.replace(" (--low-memory)", "")
        + " (parts were chosen because the export would not fit in half the free memory)",
        hint="--in-memory reads it whole anyway",
    )


def unavailable(options: Options) -> dict[str, str]:
    """The KPIs `compute` with these options cannot give, each with why: asked of the
    reading compute does (preset, event-log collapse, derived columns, parts)."""
    config = resolve_config(options)
    if _in_parts(options, config) == "memory":
        from supportkpi.reports import in_parts as stream

        try:
            return stream.start(options, config).plan[2]
        except stream.NotInParts as exc:
            raise _too_large(exc) from exc
    kpi_names, breakdowns, window = asked(options, config)
    frames = load_all(options, config, kpi_names, breakdowns)
    query = Query(kpi_names, breakdowns, window, options.every, 0, options.cohort)
    return Engine(frames, query, config).plan()[2]


def asked(options: Options, config: Config) -> tuple[list[str], list[tuple[str, ...]], Window]:
    """The KPIs, breakdowns and period a compute asks for (checked)."""
    kpi_names = select_kpis(options.kpis)
    breakdowns = parse_by(options.by)
    if options.every is not None and options.every not in GRAINS:
        raise UsageError(
            f"--every: unknown grain {options.every!r}",
            hint="use day, week, month, quarter or year",
        )
    return kpi_names, breakdowns, make_window(options, config)


def compute_report(
    options: Options,
    config: Config,
    window: Window,
    breakdowns: list[tuple[str, ...]],
    as_of: int | None,
    inputs: list[InputSummary],
    results: list[Result],
    unavailable: dict[str, str],
) -> Report:
    judge(results, config, window, as_of)
    name_exclusions(results, inputs, unavailable)
    if options.every:  # each point of a series: outside its control limits, in a run
        from supportkpi.reports import signals

        signals.mark(results, catalogue.definition_set(config.definitions))
    return Report(
        notes=[note] if (note := no_config_note(config)) else [],
        command="compute",
        as_of=as_of,
        timezone=config.timezone,
        clock=config.clock,
        window=window,
        every=options.every,
        inputs=inputs,
        group_by=[list(b) for b in breakdowns],
        results=results,
        config_path=config.path,
        currency=config.currency,
    )
