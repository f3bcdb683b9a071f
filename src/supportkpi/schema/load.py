"""Load one input: find its files, map export columns to canonical names, read only
those columns, coerce types, and check rows — collecting every problem, dropping none.

load -> map -> coerce -> check: the result is a `Frame` whose columns follow the
conventions in `frame.py`, plus the list of `Problem`s found (by code, with counts and
the first row numbers). A row is removed only when it cannot be placed at all (no id,
no creation time, a superseded duplicate); a bad value elsewhere is marked in
`Frame.bad` and only the KPIs that read it leave the row out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from supportkpi import threads
from supportkpi.config.settings import Config, EventRules, SplitRule
from supportkpi.errors import InputError, Problem, scope
from supportkpi.io import progress
from supportkpi.io.arrownp import from_np, pc, strings, to_np, valid
from supportkpi.io.rowlines import RowLines
from supportkpi.io.sources import Malformed, Source, expand, open_source, read_columns
from supportkpi.io.timeparse import NAT, US, AmbiguousDates, DateOrder, from_arrow
from supportkpi.schema import coerce, eventlog, vocab
from supportkpi.schema.frame import Dim, Frame
from supportkpi.schema.inputs import INPUTS, TIME_DIMS, UNKNOWN, InputSpec, closest, normalise_name

FIRST_ROWS = 5
# the column that identifies a row of each input
OWN_ID = {
    "tickets": "ticket_id",
    "surveys": "survey_id",
    "credits": "credit_id",
    "customers": "customer_id",
}
# from this many rows, columns are typed two at a time
PARALLEL_TYPING_ROWS = 200_000
YEAR_SECONDS = 366 * 86400.0
# the largest value an export can mean, by unit: beyond it (talk_seconds 1e30, a 1e308
# refund) a value is a fault of the export, and sums of such values overflow to infinity
PLAUSIBLE: dict[str, tuple[float, str]] = {
    "seconds": (100 * YEAR_SECONDS, "100 years"),
    "minutes": (100 * YEAR_SECONDS / 60, "100 years"),
    "money": (1e15, "1e15"),
    "count": (1e9, "1e9"),
}


@dataclass
class Request:
    """What to read from an input: canonical columns wanted (None = all) and extra
    dimensions asked for with --by (names as the user wrote them)."""

    columns: set[str] | None = None
    dims: tuple[str, ...] = ()
    keep_rows: bool = False  # remember every problem row (validate --rejects)


def resolve_columns(
    spec: InputSpec, header: list[str], config: Config, src: Source
) -> dict[str, str]:
    """canonical name -> export column name, for the canonical columns present.

    A config mapping to one name must be found (else E004); a list of alternatives (as
    presets give) takes the first the export has, and nothing when it has none."""
    by_norm: dict[str, str] = {}
    for h in header:
        by_norm.setdefault(normalise_name(h), h)
    mapped = config.columns.get(spec.name, {})
    out: dict[str, str] = {}
    for canonical, source in mapped.items():
        found = next(
            (
                h if h in header else by_norm.get(normalise_name(h))
                for h in source.names
                if h in header or normalise_name(h) in by_norm
            ),
            None,
        )
        if found is not None:
            out[canonical] = found
        elif len(source.names) == 1:
            export = source.names[0]
            hint = closest(export, header)
            raise InputError(
                f"column '{export}' (mapped to {canonical} in the config) is not in the file",
                path=src.display,
                code="E004",
                hint=_found(header, hint, src),
            )
    taken = set(out.values())
    for col in spec.columns:
        # a canonical column the config maps (even to nothing: `[]`) is never guessed
        if col.name in out or col.name in mapped:
            continue
        found = by_norm.get(col.name)
        if found is not None and found not in taken:
            out[col.name] = found
    return out


def plan_columns(
    spec: InputSpec, header: list[str], config: Config, src: Source
) -> tuple[dict[str, str], EventRules | None, tuple[str, ...]]:
    """canonical name -> export column (`resolve_columns`), the event-log rules that
    apply to this header (None: none), and the canonical columns the event log derives
    where no column gives them (mapped to themselves)."""
    rules = config.events.get(spec.name)
    if rules is not None and not {rules.id, rules.time} <= set(header):
        rules = None  # the preset's event log rules do not apply to this export
    mapping = resolve_columns(spec, header, config, src)
    provided: tuple[str, ...] = ()
    if rules is not None:
        # the columns an event log is keyed by and tracks are the ticket's id and (its last
        # event's) status: `events: {tickets: {id: Ticket, …}}` needs no `columns:` besides
        mapping.setdefault(OWN_ID[spec.name], rules.id)
        if rules.status is not None and spec.column("status") is not None:
            mapping.setdefault("status", rules.status)
        # what the event log can supply, where no column does (a column mapped to the
        # event time itself, `created_at: Timestamp`, would read the last event's)
        derived = eventlog.provides(rules)
        for c in derived:
            if mapping.get(c) == rules.time:
                del mapping[c]
        provided = tuple(c for c in derived if c not in mapping)
        mapping.update({c: c for c in provided})
    return mapping, rules, provided


def _found(header: list[str], hint: str | None, src: Source | None = None) -> str:
    # all of a usual export's columns: the one to map is often past the first dozen
    shown = ", ".join(header[:30]) + (f" and {len(header) - 30} more" if len(header) > 30 else "")
    where = f" in sheet '{src.sheet_name}'" if src is not None and src.sheet_name else ""
    text = f"columns found{where}: {shown}"
    if src is not None and src.sheet_name:
        others = [f"'{name}'" for name in src.sheet_names if name != src.sheet_name]
        if others:  # the export is often on another sheet than the first
            text += f"; --sheet NAME reads another: {', '.join(others[:10])}"
    if hint:
        text += f"; closest match: '{hint}'"
    if len(header) == 1 and any(d in header[0] for d in ";\t|,"):
        text += "; the delimiter may be wrong"
    return text


def missing_required(spec: InputSpec, mapping: dict[str, str]) -> list[str]:
    """The required canonical columns this mapping does not find."""
    return [
        col.name
        for col in spec.columns
        if col.required
        and col.name not in mapping
        # a wide survey export has a score column per type instead
        and not (spec.name == "surveys" and col.name == "score" and _wide_types(mapping))
    ]


def _require(
    spec: InputSpec, mapping: dict[str, str], header: list[str], src: Source, config: Config
) -> None:
    missing = missing_required(spec, mapping)
    if not missing:
        return
    from supportkpi.schema import recognise  # the export is not read as given: what would read it?

    message = f"missing required column {missing[0]}"
    fit = recognise.fitting_preset(spec, header, src)
    if fit is not None:
        name, what = fit
        raise InputError(
            f"{message}: this looks like {what}: try `--preset {name}`",
            path=src.display,
            code="E004",
        )
    if spec.name == "tickets" and "tickets" not in config.events:
        log = recognise.event_log([src], mapping, config)
        if log is not None:
            raise InputError(f"{message}: {log.hint(config)}", path=src.display, code="E004")
    target, likely = missing[0], recognise.likely_column(missing[0], header)
    if spec.name == "surveys" and target == "score":
        question = recognise.nps_question(header)  # a wide export's NPS column
        target, likely = ("nps", question) if question else (target, likely)
    # every missing column in the one map, so that the next run gets past them all
    pairs = [(target, likely)] + [(m, recognise.likely_column(m, header)) for m in missing[1:]]
    unknown = '"Your column"'
    columns = ", ".join(
        f"{name}: {recognise.yaml_scalar(col) if col else unknown}" for name, col in pairs
    )
    hint = (
        _found(header, likely, src)
        + f"; map it in the config: columns: {{{spec.name}: {{{columns}}}}}"
    )
    if spec.name == "tickets":
        hint += recognise.as_surveys(header, mapping, config)
    raise InputError(message, path=src.display, code="E004", hint=hint)


def _wide_types(mapping: dict[str, str]) -> list[str]:
    return [t for t in vocab.SURVEY_TYPES if t in mapping]


def load_input(name: str, specs: list[str], config: Config, request: Request) -> Frame:
    spec = INPUTS[name]
    paths = expand(specs, name)
    progress.stage(
        f"reading {name}: {paths[0]}" + (f" and {len(paths) - 1} more" if len(paths) > 1 else "")
    )
    if name in config.events:
        # an event log's tickets may span files: read them all, then collapse once
        raws = [read_file(spec, path, config, request) for path in paths]
        frame = build_frame(spec, raws, config, request)
    else:  # one file at a time, so only one raw table is in memory
        parts = [
            build_frame(
                spec, [read_file(spec, path, config, request)], config, request, file_index=i
            )
            for i, path in enumerate(paths)
        ]
        frame = _concat(name, parts)
    if name == "tickets":
        check_tickets(frame, config)
    elif name == "surveys":
        check_surveys(frame, config)
    elif name == "credits":
        _check_credits(frame, config)
    elif name == "customers":
        _check_customers(frame)
    elif name == "events":
        _check_ticket_rows(frame, "changed_at", "status change")
    elif name == "comments":
        _check_ticket_rows(frame, "created_at", "comment")
    name_affected(frame, config)
    frame.problems.sort(key=lambda p: (p.code, p.path or "", p.column))
    if name == "tickets" and frame.events_read is None and _repeated_ids(frame):
        from supportkpi.schema import recognise  # ids repeat: an event log read as tickets?

        log = recognise.event_log_of(paths, frame.mapping, config)
        if log is not None:
            frame.hints.append(log.hint(config))
    return frame


def _repeated_ids(frame: Frame) -> bool:
    return any(p.code == "E019" and p.column == OWN_ID[frame.name] for p in frame.problems)


def name_affected(frame: Frame, config: Config) -> None:
    """Each problem of a column names the KPIs it affects: those whose value reads the
    column (with the config's definitions), from the KPI catalogue."""
    for p in frame.problems:
        if not p.kpis:
            p.kpis = config.readers(frame.name, p.column)


@dataclass
class _Raw:
    """One export file read into Arrow: the columns the request needs, before typing."""

    src: Source
    table: pa.Table
    mapping: dict[str, str]  # canonical -> export column
    wanted: list[str]  # canonical columns to type
    extra: dict[str, str]  # extra --by dimensions: key -> export column
    malformed: Malformed
    rules: EventRules | None  # event-log rules that apply to this file
    provided: tuple[str, ...]  # canonical columns the event log derives


def read_file(
    spec: InputSpec,
    path: str,
    config: Config,
    request: Request,
    row_groups: list[int] | None = None,
) -> _Raw:
    """Read one export file (only `row_groups` of a Parquet file, when given)."""
    src = open_source(path, config.limits, config.sheet_of(spec.name))
    splits = config.split.get(spec.name, ())
    header = list(src.header) + [name for rule in splits for name in rule.into]
    mapping, rules, provided = plan_columns(spec, header, config, src)
    _require(spec, mapping, header, src, config)
    wanted = [c for c in mapping if request.columns is None or c in request.columns]
    for col in spec.columns:
        if col.required and col.name in mapping and col.name not in wanted:
            wanted.append(col.name)
    # extra dimensions (any export column can be a --by dimension)
    extra: dict[str, str] = {}
    by_norm = {normalise_name(h): h for h in header}
    for dim in request.dims:
        key = normalise_name(dim)
        if key in TIME_DIMS or key in mapping or key == "period":
            continue
        if key in by_norm:
            extra[key] = by_norm[key]
    virtual = {name for rule in splits for name in rule.into} | set(provided)
    needed = [mapping[c] for c in wanted] + list(extra.values())
    needed += [rule.column for rule in splits]
    if rules is not None:
        needed += [c for c in (rules.id, rules.time, rules.order, rules.status) if c]
    export_cols = [c for c in dict.fromkeys(needed) if c not in virtual]
    missing = [c for c in export_cols if c not in src.header]
    if missing:
        raise InputError(
            f"column '{missing[0]}' named in the config is not in the file",
            path=src.display,
            code="E004",
            hint=_found(src.header, closest(missing[0], src.header), src),
        )
    dict_cols = [
        mapping[c]
        for c in wanted
        if (spec_col := spec.column(c)) is not None and spec_col.type in ("dim", "enum")
    ] + list(extra.values())
    table, malformed = read_columns(
        src, export_cols, dictionary=[c for c in dict_cols if c in export_cols],
        missing=config.missing_values, row_groups=row_groups,
    )  # fmt: skip
    for rule in splits:
        table = _split(table, rule)
    return _Raw(src, table, mapping, wanted, extra, malformed, rules, provided)


_FILE, _ROW = "__supportkpi_file", "__supportkpi_row"


def build_frame(
    spec: InputSpec,
    raws: list[_Raw],
    config: Config,
    request: Request,
    file_index: int = 0,
    row_offset: int = 0,
) -> Frame:
    """Type the columns of one file, or of every file of an event log collapsed together
    (`row_offset`: data rows of the file before these, when they are a part of it)."""
    first = raws[0]
    mapping, wanted, extra = first.mapping, list(first.wanted), first.extra
    rules = first.rules
    for raw in raws[1:]:
        if raw.mapping != mapping or raw.rules != rules:
            raise InputError(
                "the files of an event log must have the same columns"
                f" (this one differs from {first.src.display})",
                path=raw.src.display,
                code="E004",
            )
    if len(raws) == 1 and rules is None:
        table = first.table
    else:  # where each row came from survives the concatenation and the collapse
        tables = [
            raw.table.append_column(
                _FILE, from_np(np.full(raw.table.num_rows, i, np.int32), pa.int32())
            ).append_column(
                _ROW, from_np(np.arange(1, raw.table.num_rows + 1, dtype=np.int64), pa.int64())
            )
            for i, raw in enumerate(raws, start=file_index)
        ]
        table = (
            tables[0]
            if len(tables) == 1
            else pa.concat_tables(tables, promote_options="permissive")
        )
        del tables
    events = table.num_rows
    malformed_count = sum(raw.malformed.count for raw in raws)
    collapsed = None
    if rules is not None and eventlog.is_event_log(table, rules):
        event_file = to_np(table.column(_FILE), np.int32, 0)
        event_row = to_np(table.column(_ROW), np.int64, 0)
        order: DateOrder = config.date_order  # type: ignore[assignment]
        collapsed = eventlog.collapse(
            table, rules, config.timezone, order, first.provided, config.valid_span
        )
        table = collapsed.table
    elif rules is not None:
        # one row per ticket already: only the columns it has
        mapping = dict(mapping)
        for name in first.provided:
            mapping.pop(name, None)
            if name in wanted:
                wanted.remove(name)
    frame = Frame(spec.name, table.num_rows)
    frame.keep_rows = request.keep_rows
    frame.malformed_lines = [line for raw in raws for line in raw.malformed.all_lines]
    frame.rows_read = table.num_rows + malformed_count
    frame.events_read = events + malformed_count if collapsed is not None else None
    if collapsed is not None:
        frame.intervals = collapsed.intervals
    frame.paths = [raw.src.display for raw in raws]
    frame.row_lines = [
        RowLines(raw.src, raw.malformed, raw.table.num_rows)
        if raw.src.kind in ("csv", "json")
        else None
        for raw in raws
    ]
    frame.header = list(dict.fromkeys(h for raw in raws for h in raw.src.header))
    if _ROW in table.column_names:
        frame.origin_row = to_np(table.column(_ROW), np.int64, 0)
    else:
        frame.origin_row = np.arange(
            row_offset + 1, row_offset + table.num_rows + 1, dtype=np.int64
        )
    if len(raws) == 1 or _FILE not in table.column_names:  # recorded against this file
        frame.origin_file = np.zeros(table.num_rows, dtype=np.int32)
    else:
        frame.origin_file = to_np(table.column(_FILE), np.int32, 0)
    for raw in raws:
        _malformed_problem(frame, spec, raw)
        _same_name_problem(frame, spec, raw, table.num_rows, config)
    problem_events = (
        [
            ("E022", collapsed.bad_time, "cannot read the event time"),
            ("E030", collapsed.far_time, _outside_years(config)),
        ]
        if collapsed is not None
        else []
    )
    for code, events, why in problem_events:
        if not len(events):
            continue
        assert rules is not None
        for f in np.unique(event_file[events]):
            rows = event_row[events[event_file[events] == f]]
            frame.problems.append(
                Problem(code, spec.name, rules.time, f"{why} (the event is left out of the"
                        " ticket's history)", len(rows), [int(r) for r in rows[:FIRST_ROWS]],
                        frame.paths[int(f) - file_index],
                        tuple(dict.fromkeys(k for col in eventlog.provides(rules)
                                            for k in config.readers(spec.name, col))),
                        row_lines=_row_lines(frame, int(f) - file_index))
            )  # fmt: skip
    sources = config.columns.get(spec.name, {})

    def type_column(canonical: str) -> None:
        column_spec = spec.column(canonical)
        assert column_spec is not None
        scale = sources[canonical].scale if canonical in sources else 1.0
        arr = table.column(mapping[canonical])
        if column_spec.type == "id" and as_read and coerce.rounded_ids(arr):
            arr = _as_written(first.src, mapping[canonical], arr)
        _coerce_column(frame, canonical, column_spec.type, arr, config, first.src, scale)

    as_read = len(raws) == 1 and collapsed is None and first.src.kind == "csv"

    if table.num_rows >= PARALLEL_TYPING_ROWS and len(wanted) > 1:
        _in_two_threads(frame, wanted, type_column)
    else:
        for canonical in wanted:
            type_column(canonical)
    for canonical in wanted:
        frame.mapping[canonical] = mapping[canonical]
    for key, export in extra.items():
        frame.dims[key] = coerce.encode(table.column(export))
        frame.mapping[key] = export
    if collapsed is not None:
        _fill_from_events(frame, collapsed.fallback, rules)
    if spec.name == "surveys":
        _melt_wide_surveys(frame, mapping)
    return frame


def _as_written(src: Source, column: str, arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """A CSV id column read as floats, some too large for a float to hold exactly
    (9223372036854775813 and …814 are one float): the column again, as written, so no
    two ids become one. Its empty cells stay empty."""
    text, _ = read_columns(src, [column], [], text=True)
    written = text.column(0)
    if len(written) != len(arr):  # (the same parser skips the same lines)
        return arr
    return pa.chunked_array([pc.if_else(pc.is_valid(arr), written, None)])


def _in_two_threads(frame: Frame, columns: list[str], type_column: Callable[[str], None]) -> None:
    """Type the columns two at a time (Arrow and numpy let go of the GIL), leaving the
    frame as typing them in order would: the same column order. (Problems are sorted by
    code, file and column once typed; one column's come from one thread, in order.)"""
    threads.map2(type_column, columns)  # the first failing column raises
    rank = {c: i for i, c in enumerate(columns)}
    for name in ("cols", "bad", "dims", "ids"):
        typed: dict = getattr(frame, name)
        setattr(frame, name, {c: typed[c] for c in sorted(typed, key=lambda c: rank.get(c, -1))})


def _malformed_problem(frame: Frame, spec: InputSpec, raw: _Raw) -> None:
    malformed = raw.malformed
    if not malformed.count:
        return
    found = "/".join(str(x) for x in sorted(malformed.found))
    lines = ", ".join(str(x) for x in malformed.lines)
    where = f": lines {lines}" if lines else ""
    if set(malformed.found) <= {malformed.expected}:  # the count is right: lines swallowed
        message = (
            f"a quote opened on line {lines or '?'} is never closed: the lines after it are"
            " read into one cell"
        )
    else:
        message = (
            f"lines with {found} fields where the header has {malformed.expected}"
            f" (a stray delimiter or quote?){where}"
        )
    frame.problems.append(
        Problem(
            "E026",
            spec.name,
            "",
            message,
            malformed.count,
            [max(x - 1, 1) for x in malformed.lines],
            raw.src.display,
            ("all",),
            known_lines=list(malformed.lines),
        )
    )


def _same_name_problem(
    frame: Frame, spec: InputSpec, raw: _Raw, n_rows: int, config: Config
) -> None:
    """A column read that other header names stand for too ('agent' twice, or 'Agent'
    and 'agent '): the first is read (as every CSV reader does), and the report says so;
    which one the export meant cannot be told. A name the config maps exactly is no
    guess."""
    read = dict.fromkeys([*(raw.mapping[c] for c in raw.wanted), *raw.extra.values()])
    header = raw.src.header
    mapped = config.columns.get(spec.name, {})
    for name in read:
        canonical = next((c for c in raw.wanted if raw.mapping[c] == name), name)
        exact = header.count(name) > 1
        chosen = canonical in mapped and name in mapped[canonical].names
        alike = [i for i, h in enumerate(header) if normalise_name(h) == normalise_name(name)]
        if not exact and (chosen or len(alike) < 2):
            continue
        where = [i for i, h in enumerate(header) if h == name] if exact else alike
        at = [str(i + 1) if exact else f"{i + 1} ('{header[i]}')" for i in where]
        every = "both" if len(at) == 2 else "all"
        how = f"are {every} named '{name}'" if exact else f"{every} stand for {canonical}"
        frame.problems.append(
            Problem(
                "E008",
                spec.name,
                canonical,
                f"columns {', '.join(at[:-1])} and {at[-1]} {how}: column {where[0] + 1} is"
                " read (rename the other in the export if it is the one meant)",
                n_rows,
                [1] if n_rows else [],
                raw.src.display,
                config.readers(spec.name, canonical) or (f"breakdowns by {canonical}",),
                known_lines=[1] if raw.src.kind == "csv" else None,  # the header
            )
        )


def _fill_from_events(
    frame: Frame, fallback: dict[str, np.ndarray], rules: EventRules | None
) -> None:
    """Fill empty timestamp cells with the time the event history gives for them."""
    for name, derived in fallback.items():
        column = frame.cols.get(name)
        if column is None:
            continue
        empty = (column == NAT) & (derived != NAT)
        if name in frame.bad:  # an unreadable cell is not empty: it stays a problem
            empty &= ~frame.bad[name]
        if not empty.any():
            continue
        what = {
            "created_at": "first event",
            "resolved_at": "first event in a resolved status",
            "first_response_at": "first event in a responded status",
        }[name]
        if name == "resolved_at" and rules is not None and rules.resolution == "last":
            what = "last event in a resolved status"
        record(frame, "E027", name, empty, f"empty; taken from the ticket's {what}")
        frame.cols[name] = np.where(empty, derived, column)


def _split(table: pa.Table, rule: SplitRule) -> pa.Table:
    """Append the parts of a column holding several values (`C004734 / Sales / Ann`)."""
    parts = pc.split_pattern(pc.cast(table.column(rule.column), pa.string()), rule.separator)
    for i, name in enumerate(rule.into):
        piece = pc.list_element(
            pc.if_else(pc.greater(pc.list_value_length(parts), i), parts, None), i
        )
        table = table.append_column(name, pc.utf8_trim_whitespace(piece))
    return table


def _coerce_column(
    frame: Frame,
    name: str,
    ctype: str,
    arr: pa.ChunkedArray,
    config: Config,
    src: Source,
    scale: float = 1.0,
) -> None:
    if ctype == "id":
        frame.ids[name], unusable = coerce.ids(arr)
        if unusable.any():
            what = "not an id (a number with a fraction, or an infinity)"
            if name == OWN_ID.get(frame.name):
                record(frame, "E010", name, unusable, f"{what}: the row cannot be identified")
                frame.bad[name] = unusable  # for _check_ids, which drops the row
            else:  # a reference to another export's row: as if there were none
                record(frame, "E021", name, unusable, f"{what}: read as no {name}")
        return
    if ctype in ("timestamp", "date"):
        try:
            parsed = from_arrow(
                arr,
                config.timezone,
                config.date_order,  # type: ignore[arg-type]
                config.valid_span,
            )
        except AmbiguousDates as exc:
            raise InputError(
                f"{exc}",
                path=src.display,
                key=name,
                code="E005",
                hint="set date_order: day_first or month_first in targets.yaml",
            ) from exc
        frame.cols[name] = parsed.us
        if parsed.bad.any():
            code = "E011" if name == "created_at" and frame.name == "tickets" else "E022"
            record(frame, code, name, parsed.bad, "cannot read the timestamp")
            frame.bad[name] = parsed.bad
        if parsed.outside is not None:
            record(frame, "E030", name, parsed.outside, _outside_years(config))
            frame.bad[name] = frame.bad.get(name, np.zeros(frame.n, dtype=bool)) | parsed.outside
        if parsed.mixed_naive is not None:
            record(
                frame,
                "E023",
                name,
                parsed.mixed_naive,
                f"no UTC offset while other values have one; read in {config.timezone}",
            )
        return
    if ctype == "bool":
        vals, bad = coerce.to_bool(arr)
        frame.cols[name] = vals
        if bad.any():
            record(frame, "E021", name, bad, "expected yes/no, true/false or 1/0")
            frame.bad[name] = bad
        return
    if ctype in ("dim", "enum"):
        dim = coerce.encode(arr)
        if ctype == "enum":
            dim = _normalise_enum(frame, name, dim, config)
        frame.dims[name] = dim
        return
    if name == "score" and "score" in config.values:  # ratings given as words
        arr = coerce.replace_text(arr, config.values["score"])
    # a semicolon-separated file comes from a decimal-comma locale (the comma is taken)
    decimal_comma = src.kind == "csv" and src.delimiter == ";"
    if ctype in ("minutes", "seconds"):
        unit = 60.0 if ctype == "minutes" else 1.0
        vals, bad = coerce.to_duration(arr, unit, scale, decimal_comma)
    else:
        vals, bad = coerce.to_float(arr, decimal_comma)
    what = {
        "minutes": "a number of minutes",
        "seconds": "a number of seconds",
        "count": "a whole number",
        "money": "an amount",
        "percent": "a number 0–100",
        "number": "a number",
    }[ctype]
    with np.errstate(invalid="ignore"):
        if ctype in ("minutes", "seconds", "count", "money"):
            neg = vals < 0
            if neg.any():
                record(frame, "E014", name, neg, f"negative value, expected {what}")
                bad = bad | neg
            implausible = vals > PLAUSIBLE[ctype][0]
            if implausible.any():
                limit = PLAUSIBLE[ctype][1]
                record(frame, "E029", name, implausible, f"{what} over {limit}: not a real value")
                bad = bad | implausible
        if ctype == "count":
            frac = np.isfinite(vals) & (vals != np.floor(vals))
            if frac.any():
                record(frame, "E021", name, frac, f"expected {what}")
                bad = bad | frac
        if ctype == "percent":
            out = (vals < 0) | (vals > 100)
            if out.any():
                record(frame, "E021", name, out, "outside 0–100")
                bad = bad | out
    if bad.any():
        non_numeric = bad & np.isnan(vals)
        if non_numeric.any():
            hint = ""
            if coerce.decimal_commas(arr, non_numeric):
                hint = (
                    " (a decimal comma? It is read in semicolon-separated files only: in a"
                    " comma-separated one it cannot be told from a thousands separator)"
                )
            if ctype in ("minutes", "seconds"):
                what = f"{what} or a duration like {coerce.DURATION_FORMS}"
            record(frame, "E021", name, non_numeric, f"expected {what}{hint}")
        vals = np.where(bad, np.nan, vals)
        frame.bad[name] = bad
    if ctype == "minutes":
        with np.errstate(invalid="ignore"):
            absurd = vals * 60 > YEAR_SECONDS
        if absurd.any():
            record(frame, "E015", name, absurd, "duration over a year (kept; check the export)")
    frame.cols[name] = vals


def _outside_years(config: Config) -> str:
    first, last = config.valid_years
    return f"outside the years {first}–{last} (a typing error? valid_years in the config)"


def _normalise_enum(frame: Frame, name: str, dim: Dim, config: Config) -> Dim:
    overrides = config.values.get(name)
    labels: list[str] = []
    unknown: list[int] = []
    # a priority the SLA policies are named after is known, whatever the vocabulary says
    named = (
        {normalise_name(k) for k in config.sla.policies}
        if name == normalise_name(config.sla.key)
        else set()
    )
    for i, label in enumerate(dim.labels):  # distinct values only
        if label == UNKNOWN or normalise_name(label) in named:
            labels.append(label)
            continue
        canon = vocab.normalise(name, label, overrides)
        if canon is None:
            unknown.append(i)
            labels.append(label if name in ("priority", "status") else UNKNOWN)
        else:
            labels.append(canon)
    if unknown:
        code = vocab.ENUMS[name][2]
        mask = np.isin(dim.codes, np.array(unknown, dtype=np.int32))
        shown = ", ".join(repr(dim.labels[i]) for i in unknown[:5])
        if name == "priority":
            msg = (
                f"unknown priority {shown}: kept as written, no SLA policy applies; "
                "map it with values: {priority: {Name: P1}}"
            )
        elif name == "status":
            first = dim.labels[unknown[0]].replace("'", "")
            where = (
                "; time in it counts in no status of the history KPIs (requester wait,"
                " agent work, time in status…)"
                if frame.name == "events" or frame.intervals is not None
                else ""
            )
            msg = (
                f"unknown status {shown}: kept as written{where};"
                f" map it with values: {{status: {{'{first}': open}}}} (or pending, on_hold…)"
            )
        elif name == "type":
            msg = f"unknown survey type {shown}: expected csat, nps or ces"
        else:
            msg = f"unknown value {shown}"
        record(frame, code or "E021", name, mask, msg)
        if scope(code or "E021") != "warning":
            frame.bad[name] = mask
    return coerce.relabel(dim.codes, labels)


def _melt_wide_surveys(frame: Frame, mapping: dict[str, str]) -> None:
    """A wide survey export (one score column per type) -> one row per response."""
    wide = [t for t in _wide_types(mapping) if t in frame.cols]
    if not wide:
        return
    if "score" in frame.cols or "type" in frame.dims:
        raise InputError(
            "map either score and type, or one column per survey type (csat/nps/ces), not both",
            path=frame.paths[0],
            code="E004",
        )
    n = frame.n
    rows, types, scores, bads = [], [], [], []
    for t in wide:
        vals = frame.cols.pop(t)
        bad = frame.bad.pop(t, np.zeros(n, dtype=bool))
        present = ~np.isnan(vals) | bad
        idx = np.flatnonzero(present)
        rows.append(idx)
        types.append(np.full(len(idx), vocab.SURVEY_TYPES.index(t), dtype=np.int32))
        scores.append(vals[idx])
        bads.append(bad[idx])
    take = np.concatenate(rows)
    # keep response order by source row, then type
    order = np.argsort(take, kind="stable")
    take = take[order]
    type_codes = np.concatenate(types)[order]
    score = np.concatenate(scores)[order]
    bad = np.concatenate(bads)[order]
    frame.take(take)
    frame.cols["score"] = score
    if bad.any():
        frame.bad["score"] = bad
    frame.dims["type"] = Dim(type_codes, list(vocab.SURVEY_TYPES))


def _concat(name: str, parts: list[Frame]) -> Frame:
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    out = Frame(name, sum(p.n for p in parts))
    out.rows_read = sum(p.rows_read for p in parts)
    out.keep_rows = first.keep_rows
    out.problems = [pr for p in parts for pr in p.problems]
    out.mapping = dict(first.mapping)
    out.header = list(dict.fromkeys(h for p in parts for h in p.header))
    for p in parts[1:]:
        for k, v in p.mapping.items():
            out.mapping.setdefault(k, v)
    keys_cols = set().union(*(p.cols for p in parts))
    for k in keys_cols:
        arrays = []
        for p in parts:
            if k in p.cols:
                arrays.append(p.cols[k])
            else:  # column absent from this file: missing values
                template = next(q.cols[k] for q in parts if k in q.cols)
                fill = (
                    NAT
                    if template.dtype == np.int64
                    else (-1 if template.dtype == np.int8 else np.nan)
                )
                arrays.append(np.full(p.n, fill, dtype=template.dtype))
        out.cols[k] = np.concatenate(arrays)
    for k in set().union(*(p.dims for p in parts)):
        out.dims[k] = coerce.concat_dims(
            [p.dims[k] if k in p.dims else Dim.constant(p.n) for p in parts]
        )
    for k in set().union(*(p.ids for p in parts)):
        arrays_ids = [p.ids[k] if k in p.ids else pa.nulls(p.n) for p in parts]
        types = {a.type for a in arrays_ids if not pa.types.is_null(a.type)}
        target = types.pop() if len(types) == 1 else pa.string()
        out.ids[k] = pa.concat_arrays([a.cast(target) for a in arrays_ids])
    for k in set().union(*(p.bad for p in parts)):
        out.bad[k] = np.concatenate([p.bad.get(k, np.zeros(p.n, dtype=bool)) for p in parts])
    # each part is one file: its rows' file index becomes the part's place in `paths`
    out.origin_file = np.concatenate(
        [p.origin_file + i for i, p in enumerate(parts) if p.origin_file is not None]
    ).astype(np.int32)
    out.origin_row = np.concatenate([p.origin_row for p in parts if p.origin_row is not None])
    out.paths = [p.paths[0] for p in parts]
    out.row_lines = [p.row_lines[0] if p.row_lines else None for p in parts]
    return out


# --------------------------------------------------------------------------- problems


def record(
    frame: Frame,
    code: str,
    column: str,
    mask: np.ndarray,
    message: str,
    kpis: tuple[str, ...] | None = None,
) -> int:
    """Count the rows in `mask` as one problem (per file) and remember the first rows."""
    hits = np.flatnonzero(mask)
    if not len(hits):
        return 0
    affected = kpis or ()  # else named once loaded (`name_affected`)
    if scope(code) == "row":
        affected = ("all",)
    files = frame.origin_file[hits] if frame.origin_file is not None else np.zeros(len(hits), int)
    rows = frame.origin_row[hits] if frame.origin_row is not None else hits + 1
    for f in np.unique(files):
        sel = files == f
        path = frame.paths[int(f)] if int(f) < len(frame.paths) else None
        in_file = np.sort(rows[sel])  # in file order, however the rows were reordered
        frame.problems.append(
            Problem(
                code,
                frame.name,
                column,
                message,
                int(sel.sum()),
                [int(r) for r in in_file[:FIRST_ROWS]],
                path,
                tuple(affected),
                in_file.tolist() if frame.keep_rows else None,
                row_lines=_row_lines(frame, int(f)),
            )
        )
    return len(hits)


def _row_lines(frame: Frame, file: int) -> RowLines | None:
    return frame.row_lines[file] if file < len(frame.row_lines) else None


def _drop(frame: Frame, reject: np.ndarray) -> None:
    if reject.any():
        frame.take(np.flatnonzero(~reject))


def _check_ids(frame: Frame, id_col: str | None) -> None:
    if id_col is None or id_col not in frame.ids:
        return
    ids = frame.ids[id_col]
    absent = ~valid(ids)
    unusable = frame.bad.pop(id_col, None)  # recorded (E010) when typed
    missing = absent if unusable is None else absent & ~unusable
    record(frame, "E010", id_col, missing, f"no {id_col}: the row cannot be identified")
    dup = _superseded_duplicates(ids) & ~absent
    record(
        frame,
        "E019",
        id_col,
        dup,
        f"an earlier row of a repeated {id_col}; the id's last row is used",
    )
    _drop(frame, absent | dup)


def _superseded_duplicates(ids: pa.Array) -> np.ndarray:
    """True for every row whose id appears again further down (the last one wins)."""
    n = len(ids)
    if n < 2:
        return np.zeros(n, dtype=bool)
    if pa.types.is_integer(ids.type) and ids.null_count == 0:
        keys = to_np(ids, np.int64, 0)
        if bool(np.all(keys[1:] > keys[:-1])):
            return np.zeros(n, dtype=bool)  # strictly increasing: no duplicates
    else:
        keys = to_np(pc.dictionary_encode(ids).indices, np.int64, -1)
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    later_same = np.zeros(n, dtype=bool)
    later_same[order[:-1]] = sk[:-1] == sk[1:]
    return later_same


def check_tickets(frame: Frame, config: Config) -> None:
    created = frame.cols["created_at"]
    no_created = created == NAT
    bad_created = frame.bad.pop("created_at", np.zeros(frame.n, dtype=bool))
    # unreadable created_at was already recorded (E011, E030); missing ones are here
    record(
        frame,
        "E011",
        "created_at",
        no_created & ~bad_created,
        "no created_at: the ticket cannot be placed in a period",
    )
    _rejects_rows(frame, ("created_at",))
    _drop(frame, no_created)
    _check_ids(frame, OWN_ID["tickets"])
    created = frame.cols["created_at"]
    # a duration in minutes stands for the event it measures
    for minutes_col, event_col in (
        ("first_response_minutes", "first_response_at"),
        ("resolution_minutes", "resolved_at"),
    ):
        minutes = frame.cols.get(minutes_col)
        if minutes is None or event_col in frame.cols:
            continue
        has = ~np.isnan(minutes)
        # the event it stands for must fall in the valid years too (and a duration ending
        # after the year 9999 would overflow a timestamp)
        with np.errstate(invalid="ignore"):
            too_long = has & (minutes > (config.valid_span[1] - created) / 60e6)
        if too_long.any():
            last = config.valid_years[1]
            record(frame, "E030", minutes_col, too_long, f"a duration ending after the year {last}")
            has &= ~too_long
            frame.bad[minutes_col] = frame.bad.get(minutes_col, np.zeros(frame.n, bool)) | too_long
        frame.cols[event_col] = np.where(
            has, created + np.rint(np.where(has, minutes, 0) * 60e6).astype(np.int64), NAT
        )
        if minutes_col in frame.bad:  # an unreadable duration: the event is unknown, not absent
            frame.bad[event_col] = frame.bad[minutes_col]
    # comparisons into boolean arrays only: at 10M tickets an int64 difference and its
    # float copy were 160 MB of fresh pages per column
    year_later: np.ndarray | None = None
    for col, code, what in (
        ("first_response_at", "E012", "first response before creation"),
        ("resolved_at", "E013", "resolution before creation"),
        ("first_resolved_at", "E013", "first resolution before creation"),
    ):
        if col not in frame.cols:
            continue
        ts = frame.cols[col]
        present = ts != NAT
        before = ts < created
        before &= present
        if before.any():
            record(frame, code, col, before, what)
            frame.bad[col] = frame.bad.get(col, np.zeros(frame.n, dtype=bool)) | before
        if year_later is None:  # (created is never NAT here: those rows are dropped)
            year_later = created + int(YEAR_SECONDS * US)
        long = ts > year_later  # never before creation, so never `before`
        long &= present
        if long.any():
            record(frame, "E015", col, long, "more than a year after creation (kept; check it)")


def check_surveys(frame: Frame, config: Config) -> None:
    if "type" not in frame.dims and "score" in frame.cols and config.survey_type:
        frame.dims["type"] = Dim.constant(frame.n, config.survey_type)
    if "type" not in frame.dims:
        if "score" in frame.cols:
            raise InputError(
                "surveys need a type column (csat, nps or ces), or one score column per type",
                path=frame.paths[0],
                code="E004",
                hint="set survey_type: csat in the config when every answer is one kind, or map"
                ' one column per kind: columns: {surveys: {nps: "How likely…"}}',
            )
        return
    type_dim = frame.dims["type"]
    bad_type = frame.bad.pop("type", np.zeros(frame.n, dtype=bool))
    no_type = type_dim.codes == _code(type_dim, UNKNOWN)
    record(frame, "E018", "type", no_type & ~bad_type, "no survey type")
    score = frame.cols.get("score")
    no_score = np.zeros(frame.n, dtype=bool)
    if score is not None:
        no_score = np.isnan(score) & ~frame.bad.get("score", np.zeros(frame.n, dtype=bool))
        # an empty score, or an answer the values map to none (Zendesk's `Offered`): no
        # rating was given. Not a response, and no fault of the export: counted apart
        frame.no_rating = int((no_score & ~no_type & ~bad_type).sum())
        out_of_scale = np.zeros(frame.n, dtype=bool)
        for t, sc in config.scales.items():
            code = _code(type_dim, t)
            if code < 0:
                continue
            with np.errstate(invalid="ignore"):
                out = (type_dim.codes == code) & ((score < sc.min) | (score > sc.max))
            if out.any():
                record(
                    frame,
                    "E016",
                    "score",
                    out,
                    f"{t} score outside its scale {sc.min:g}–{sc.max:g}",
                )
                out_of_scale |= out
        no_score |= out_of_scale | frame.bad.pop("score", np.zeros(frame.n, dtype=bool))
    # a row that is not a readable response of a known type is of no use to any KPI
    _rejects_rows(frame, ("type", "score"))
    _drop(frame, no_type | bad_type | no_score)
    _unplaced(frame, "submitted_at", "response")
    if "survey_id" in frame.ids:
        _check_ids(frame, OWN_ID["surveys"])


def _unplaced(frame: Frame, column: str, what: str) -> None:
    """Rows whose anchor is empty cannot be placed in any period: counted (E011) and
    rejected, as tickets without created_at are — every survey KPI would leave them out
    without a word. (Without the column at all, rows are placed by their ticket.)"""
    anchor = frame.cols.get(column)
    if anchor is None:
        return
    missing = (anchor == NAT) & ~frame.bad.get(column, np.zeros(frame.n, dtype=bool))
    if record(frame, "E011", column, missing, f"no {column}: the {what} cannot be placed"):
        _drop(frame, missing)


def _check_ticket_rows(frame: Frame, column: str, what: str) -> None:
    """A status change or a message that cannot be placed in time (`column`) or tied to a
    ticket is of no use: counted and left out."""
    _unplaced(frame, column, what)
    if "ticket_id" in frame.ids:
        absent = ~valid(frame.ids["ticket_id"])
        record(frame, "E010", "ticket_id", absent, f"no ticket_id: the {what} has no ticket")
        _drop(frame, absent)


def _check_credits(frame: Frame, config: Config) -> None:
    _unplaced(frame, "created_at", "credit")
    _check_ids(frame, OWN_ID["credits"])
    cur = frame.dims.get("currency")
    if cur is None or "amount" not in frame.cols:
        return
    currencies = [c.upper() for c in cur.labels if c != UNKNOWN]
    home = config.currency
    foreign = sorted({c for c in currencies if c != home})
    if not foreign:
        return
    rates = config.costs.get("rates", {})
    missing = [c for c in foreign if c not in rates]
    if missing:
        raise InputError(
            f"amounts in several currencies ({', '.join(sorted({*currencies, home}))}) and no"
            f" exchange rate for {', '.join(missing)}",
            path=frame.paths[0],
            key="currency",
            code="E007",
            hint=f"add costs: {{rates: {{{missing[0]}: <value of 1 {missing[0]} in {home}>}}}}",
        )
    factor = np.array([rates.get(c.upper(), 1.0) if c != UNKNOWN else 1.0 for c in cur.labels])
    for col in ("amount", "recovered_amount"):
        if col in frame.cols:
            frame.cols[col] = frame.cols[col] * factor[cur.codes]


def _check_customers(frame: Frame) -> None:
    _check_ids(frame, OWN_ID["customers"])
    started = frame.cols.get("started_at")
    if started is None:
        return
    bad = frame.bad.pop("started_at", np.zeros(frame.n, dtype=bool))
    missing = (started == NAT) & ~bad
    record(frame, "E011", "started_at", missing, "no started_at: the customer cannot be placed")
    _rejects_rows(frame, ("started_at",))
    _drop(frame, started == NAT)
    ended = frame.cols.get("ended_at")
    if ended is not None:
        before = (ended != NAT) & (ended < frame.cols["started_at"])
        if before.any():
            record(frame, "E013", "ended_at", before, "ended before it started")
            frame.bad["ended_at"] = frame.bad.get("ended_at", np.zeros(frame.n, bool)) | before


def _rejects_rows(frame: Frame, columns: tuple[str, ...]) -> None:
    """The value problems of these columns now reject their rows: count them so."""
    for p in frame.problems:
        if p.column in columns and p.scope == "value":
            p.whole_row = True
            p.kpis = ("all",)


def _code(dim: Dim, label: str) -> int:
    try:
        return dim.labels.index(label)
    except ValueError:
        return -1


def lookup_rows(keys: pa.Array, ids: pa.Array) -> np.ndarray:
    """Row of each key in `ids` (-1 when absent), vectorised: a sorted-id search for
    integer ids, a hash lookup otherwise."""
    n = len(keys)
    if pa.types.is_integer(keys.type) and pa.types.is_integer(ids.type):
        t = to_np(ids, np.int64, np.iinfo(np.int64).max)
        k = to_np(keys, np.int64, np.iinfo(np.int64).min)
        if not len(t):
            return np.full(n, -1, dtype=np.int64)
        first = int(t[0])
        if int(t[-1]) - first + 1 == len(t) and bool(np.all(np.diff(t) == 1)):
            # consecutive ids (1, 2, 3…), as most helpdesks number tickets: row = id − first
            pos = k - first
            inside = (k != np.iinfo(np.int64).min) & (pos >= 0) & (pos < len(t))
            return np.where(inside, pos, -1).astype(np.int64)
        order = None if bool(np.all(t[1:] > t[:-1])) else np.argsort(t, kind="stable")
        ts = t if order is None else t[order]
        pos = np.minimum(np.searchsorted(ts, k), len(ts) - 1)
        found = ts[pos] == k
        rows = pos if order is None else order[pos]
        return np.where(found, rows, -1).astype(np.int64)
    idx = pc.index_in(pc.cast(keys, pa.string()), value_set=pc.cast(ids, pa.string()))
    return to_np(idx, np.int64, -1)


def attach_to_tickets(child: Frame, tickets: Frame) -> None:
    """Give each survey or credit the row of its ticket (`cols['ticket_row']`, -1 when
    none), so it can count in its ticket's groups."""
    if "ticket_id" not in child.ids or "ticket_id" not in tickets.ids:
        child.cols["ticket_row"] = np.full(child.n, -1, dtype=np.int64)
        return
    refs = child.ids["ticket_id"]
    ticket_row = lookup_rows(refs, tickets.ids["ticket_id"])
    child.cols["ticket_row"] = ticket_row
    has_ref = valid(refs)
    noun = child.name.rstrip("s")
    record(
        child,
        "E020",
        "ticket_id",
        has_ref & (ticket_row < 0),
        f"{noun} for a ticket that is not in the tickets export (counted; its ticket"
        " dimensions are (unknown))",
        ("ticket dimensions",),
    )


def attach_inputs(frames: dict[str, Frame]) -> None:
    """Link surveys and credits to their tickets, and customers' attributes to tickets."""
    if "tickets" not in frames:
        return
    for child in ("surveys", "credits", "events", "comments"):
        if child in frames:
            attach_to_tickets(frames[child], frames["tickets"])
    if "events" in frames:
        _changes_before_creation(frames["events"], frames["tickets"])
    if "customers" in frames:
        attach_customer_dims(frames["tickets"], frames["customers"])


def _changes_before_creation(events: Frame, tickets: Frame) -> None:
    row = events.cols["ticket_row"]
    created = tickets.cols["created_at"][np.maximum(row, 0)] if tickets.n else np.zeros(0)
    when = events.cols["changed_at"]
    early = (row >= 0) & (when != NAT) & (created != NAT) & (when < created)
    record(
        events,
        "E031",
        "changed_at",
        early,
        "status change before its ticket's created_at: counted from the creation",
        ("status history KPIs",),
    )


def attach_customer_dims(tickets: Frame, customers: Frame) -> None:
    """Customer attributes (segment, industry, and any other column read: a --by or an SLA
    policy's `when`) become ticket dimensions through customer_id, unless the tickets have
    their own; a ticket whose customer is unknown lands in `(unknown)`."""
    cdim = tickets.dims.get("customer_id")
    if cdim is None or "customer_id" not in customers.ids:
        return
    labels = strings(cdim.labels)
    row_of_label = lookup_rows(labels, pc.cast(customers.ids["customer_id"], pa.string()))
    row_of_label[np.asarray(cdim.labels, dtype=object) == UNKNOWN] = -1
    for name, attr in customers.dims.items():  # segment, industry, any column asked for
        if name == "customer_id" or name in tickets.dims:
            continue
        if not len(attr.codes):  # no usable customer: every ticket's is unknown
            row_of_label = np.full(len(row_of_label), -1)
        per_label = np.where(
            row_of_label >= 0,
            attr.codes[np.maximum(row_of_label, 0)] if len(attr.codes) else 0,
            attr.size,
        ).astype(np.int32)
        tickets.dims[name] = coerce.relabel(per_label[cdim.codes], [*attr.labels, UNKNOWN])
        tickets.mapping[name] = f"customers.{name}"


def reconcile(frame: Frame) -> dict[str, int]:
    """rows_rejected by reason (row-scope problems only): rows read = used + these."""
    out: dict[str, int] = {}
    for p in frame.problems:
        if p.scope == "row":
            key = f"{p.code} {p.column}: {p.title}" if p.column else f"{p.code}: {p.title}"
            out[key] = out.get(key, 0) + p.rows
    return out
