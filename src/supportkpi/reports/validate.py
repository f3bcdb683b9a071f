"""`supportkpi validate`: check exports before trusting a number from them.

Per input: rows read, used and rejected; the columns found and how they were mapped;
every problem by code with counts, the first rows and the KPIs it affects. Exit code:
0 clean (warnings at most), 1 problems that exclude rows from some KPIs, 2 an input is
unusable. `--rejects PATH` writes every affected row, as it was in the export, with the
reason, so it can be fixed at the source.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from typing import Any

from supportkpi import __version__
from supportkpi.config.settings import Config
from supportkpi.errors import Problem, SupportKpiError, grouped, printable
from supportkpi.io.sources import expand
from supportkpi.reports.compute import (
    INPUT_NAMES,
    Options,
    check_policy_columns,
    input_paths,
    resolve_config,
)
from supportkpi.schema.frame import Frame
from supportkpi.schema.inputs import INPUTS, normalise_name
from supportkpi.schema.load import Request, attach_inputs, load_input, reconcile


@dataclass
class InputCheck:
    name: str
    specs: list[str]
    frame: Frame | None = None
    fatal: str | None = None

    @property
    def problems(self) -> list[Problem]:
        return self.frame.problems if self.frame is not None else []

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"input": self.name, "paths": [printable(p) for p in self.specs]}
        if self.fatal is not None:
            out["usable"] = False
            out["error"] = self.fatal
            return out
        f = self.frame
        assert f is not None
        mapped = set(f.mapping.values())
        out.update(
            {
                "usable": True,
                "paths": f.paths,
                "rows_read": f.rows_read,
                "rows_used": f.n,
                "rows_rejected": reconcile(f),
                "columns": dict(f.mapping),
                "other_columns": [h for h in f.header if h not in mapped],
                "problems": [p.to_dict() for p in f.problems],
            }
        )
        if f.name == "surveys":
            out["no_rating"] = f.no_rating
        if f.events_read is not None:
            out["events_read"] = f.events_read
        if f.hints:
            out["hints"] = list(f.hints)
        return out


@dataclass
class Validation:
    checks: list[InputCheck] = field(default_factory=list)
    config_path: str | None = None
    no_rating_words: list[str] = field(default_factory=list)  # values.score's answers of none
    config: Config | None = None  # where the workbooks' sheets are named

    @property
    def exit_code(self) -> int:
        if any(c.fatal for c in self.checks):
            return 2
        if any(p.scope in ("row", "value") for c in self.checks for p in c.problems):
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": "supportkpi",
            "version": __version__,
            "command": "validate",
            "config": printable(self.config_path) if self.config_path else None,
            "exit_code": self.exit_code,
            "inputs": [c.to_dict() for c in self.checks],
        }


def validate(options: Options, keep_rows: bool = False) -> Validation:
    config: Config = resolve_config(options)
    paths = input_paths(options, config)
    if not paths:
        from supportkpi.errors import UsageError

        raise UsageError(
            "nothing to validate", hint="give -t tickets.csv (or -s, -c, --customers, --agents)"
        )
    no_rating = [word for word, score in config.values.get("score", {}).items() if score == ""]
    result = Validation(config_path=config.path, no_rating_words=no_rating, config=config)
    frames: dict[str, Frame] = {}
    for name in INPUT_NAMES:
        if name not in paths:
            continue
        check = InputCheck(name, paths[name])
        try:
            # the columns SLA policies are looked up by are read as dimensions (a
            # clock_by column is no canonical column: else it would not be read)
            dims = config.sla_columns if name in ("tickets", "customers") else ()
            check.frame = load_input(name, paths[name], config, Request(None, dims, keep_rows))
            frames[name] = check.frame
        except SupportKpiError as exc:
            check.fatal = str(exc)
        result.checks.append(check)
    attach_inputs(frames)
    if "tickets" in frames:
        _uncovered_problem(frames["tickets"], config)
        _unknown_clock_problem(frames["tickets"], config)
        try:  # a policy's condition on a column neither export has: every SLA run stops
            check_policy_columns(frames, config)
        except SupportKpiError as exc:
            next(c for c in result.checks if c.name == "tickets").fatal = str(exc)
    return result


def _unknown_clock_problem(frame: Frame, config: Config) -> None:
    """Values of `sla.clock_by` that name no clock under `clocks:` (E032): their
    tickets' SLAs run on the config's own clock, which the user should know."""
    import numpy as np

    from supportkpi.schema.inputs import UNKNOWN
    from supportkpi.schema.load import record
    from supportkpi.sla import policy as sla

    column = config.sla.clock_by
    dim = frame.find_dim(column) if column else None
    if column is None or dim is None:
        return
    named = {normalise_name(n) for n in config.clocks}
    strays = [
        i for i, lb in enumerate(dim.labels) if lb != UNKNOWN and normalise_name(lb) not in named
    ]
    mask = np.isin(dim.codes, np.array(strays, dtype=dim.codes.dtype))
    shown = ", ".join(f"'{dim.labels[i]}'" for i in strays[:5])
    clocks = ", ".join(config.clocks) or "none"
    record(
        frame,
        "E032",
        column,
        mask,
        f"{column} {shown} names no clock (clocks: {clocks}): these tickets' SLAs run on"
        " the config's clock",
        tuple(f"sla_{target}" for target in sla.TARGETS),
    )


def _uncovered_problem(frame: Frame, config: Config) -> None:
    """Values of the SLA policy key that no policy names (E028), beside those already
    reported as an unknown priority (E017): their tickets are never judged."""
    import numpy as np

    from supportkpi.schema.load import record
    from supportkpi.sla import policy as sla

    key = sla.key_dim(frame, config)
    values = sla.uncovered(frame, config, np.ones(frame.n, dtype=bool))
    told = {p.column for p in frame.problems if p.code == "E017"}
    if key is None or not values or normalise_name(config.sla.key) in told:
        return
    codes = [key.labels.index(v) for v in values]
    policies = ", ".join(config.sla.policies) or "none"
    shown = ", ".join(f"'{v}'" for v in list(values)[:5])
    record(
        frame,
        "E028",
        normalise_name(config.sla.key),
        np.isin(key.codes, np.array(codes, dtype=key.codes.dtype)),
        f"no SLA policy for {config.sla.key} {shown} (policies: {policies}): these tickets"
        f" are not judged; map them (values: {{{config.sla.key}: {{{next(iter(values))}:"
        " P1}}) or add policies for them",
        ("sla_first_response", "sla_resolution"),
    )


# ----------------------------------------------------------------- rendering
def render_text(v: Validation) -> str:
    out: list[str] = []
    for c in v.checks:
        if c.fatal:
            out.append(f"{c.name}: UNUSABLE — {c.fatal}")
            continue
        f = c.frame
        assert f is not None
        rejected = sum(reconcile(f).values())
        events = f"{f.events_read:,} events → " if f.events_read is not None else ""
        out.append(
            f"{c.name}: {', '.join(f.paths)} — {events}{f.rows_read:,}"
            f" {'row' if f.rows_read == 1 else 'rows'} read, {f.n:,} used"
            + (f", {rejected:,} rejected" if rejected else "")
            + (f", {f.no_rating:,} without a rating" if f.no_rating else "")
        )
        spec = INPUTS[c.name]
        mapped = ", ".join(
            f"{k} ← {v!r}" if v != k else k for k, v in f.mapping.items() if k in spec.names
        )
        out.append(f"  columns: {mapped}")
        other = [h for h in f.header if h not in set(f.mapping.values())]
        if other:
            shown = ", ".join(repr(h) for h in other[:10]) + (", …" if len(other) > 10 else "")
            out.append(f"  other columns (usable with --by): {shown}")
        missing = [col.name for col in spec.columns if col.name not in f.mapping]
        unread = f.left_unread(missing)  # there, but not what the KPI means by it
        absent = [m for m in missing if m not in unread]
        if absent:
            out.append(f"  not in the export: {', '.join(absent)}")
        if unread:
            out.append(
                f"  not read (the config or preset maps it to no column): {', '.join(unread)}"
            )
        if f.no_rating:
            words = ", ".join(repr(w) for w in v.no_rating_words)
            also = f", or an answer that is none: {words}" if words else ""
            out.append(
                f"  no rating: {f.no_rating:,} {'row' if f.no_rating == 1 else 'rows'} (an"
                f" empty score{also}): not responses, left out of every KPI"
            )
        if not f.problems:
            out.append("  no problems")
        names = _file_names(f.paths)
        for group in grouped(f.problems):
            out.append("  " + _problem_line(group, names))
        out += [f"  hint: {hint}" for hint in f.hints]
    verdict = {0: "clean", 1: "problems exclude some rows from some KPIs", 2: "unusable input"}
    out.append(f"result: {verdict[v.exit_code]} (exit {v.exit_code})")
    # an export's text (a column name, a quoted line) must not drive the terminal
    return "\n".join(printable(line) for line in out) + "\n"


# files named in one problem's line; more are counted
FILES_SHOWN = 3


def _problem_line(group: list[Problem], names: dict[str, str]) -> str:
    """One line for one problem, however many files of the input have it: the rows in
    all, then each file with its rows and its first rows."""
    p = group[0]
    rows = sum(q.rows for q in group)
    noun = "row" if rows == 1 else "rows"
    col = f"{p.column}: " if p.column else ""
    if p.scope == "row":
        effect = "rows excluded from every KPI"
    elif p.scope == "value":
        effect = "excluded from " + _kpi_list(p.kpis) if p.kpis else "no KPI reads it"
    else:
        effect = "warning: kept"
    files = [_in_file(q, names, len(group) > 1) for q in group[:FILES_SHOWN]]
    if len(group) > FILES_SHOWN:
        files.append(f"{len(group) - FILES_SHOWN} more files")
    where = f" in {len(group)} files" if len(group) > 1 else ""
    return f"{p.code} {col}{p.message}: {rows:,} {noun}{where} ({'; '.join(files)}) — {effect}"


def _in_file(p: Problem, names: dict[str, str], count: bool) -> str:
    """`input_02.csv: 881, lines 2, 3, 5, …`: where one file has the problem."""
    name = names.get(p.path, p.path) if p.path else p.input
    parts = [f"{p.rows:,}"] if count else []
    if at := p.where():
        parts.append(at)
    return f"{name}: {', '.join(parts)}" if parts else name


def _file_names(paths: list[str]) -> dict[str, str]:
    """Each file of an input as a problem names it: its base name, unless two files of
    the input share one (exports/2026-01/tickets.csv, exports/2026-02/tickets.csv)."""
    base = {p: os.path.basename(p) or p for p in paths}
    values = list(base.values())
    return base if len(set(values)) == len(values) else {p: p for p in paths}


def _kpi_list(kpis: tuple[str, ...]) -> str:
    """`first_response_time*` for the mean, median and p90 of one duration."""
    out: list[str] = []
    for name in kpis:
        if name.endswith(("_median", "_p90")) and name.rsplit("_", 1)[0] + "*" in out:
            continue
        family = {name, f"{name}_median", f"{name}_p90"}
        out.append(name + "*" if family <= set(kpis) else name)
    return ", ".join(out)


def render_json(v: Validation) -> str:
    import json

    return json.dumps(v.to_dict(), indent=2, ensure_ascii=False) + "\n"


def rejects_csv(v: Validation) -> str:
    """Every row a problem touches, as it was in the export, with the reason."""
    from supportkpi.render.text import safe_text

    records: list[dict[str, str]] = []
    columns: list[str] = []
    for c in v.checks:
        f = c.frame
        if f is None:
            continue
        by_path: dict[str | None, list[Problem]] = {}
        for p in f.problems:
            if p.scope == "warning" and p.code != "E020":
                continue
            by_path.setdefault(p.path, []).append(p)
        # problems name files as shown (caf\xe9.csv): the file itself is read again
        files = {printable(p): p for p in expand(c.specs, c.name)}
        for path, problems in by_path.items():
            sheet = v.config.sheet_of(c.name) if v.config is not None else None
            raw = _raw_rows(files.get(path, path), sheet) if path else None
            if raw is not None:
                for h in raw[0]:
                    if h not in columns:
                        columns.append(h)
            for p in problems:
                if p.code == "E026":  # lines that are no row
                    for line, text in f.malformed_lines:
                        records.append(_record(c.name, path, None, line, p, {"_line": text}))
                    continue
                rows = p.all_rows or p.first_rows
                known = p.lines_of(rows)
                starts: list[int | None] = list(known) if known else [None] * len(rows)
                for row, start in zip(rows, starts, strict=True):
                    values = {}
                    if raw is not None and 0 < row <= len(raw[1]):
                        values = dict(zip(raw[0], raw[1][row - 1], strict=False))
                    records.append(_record(c.name, path, row, start, p, values))
    head = ["input", "file", "line", "row", "code", "column", "reason", *columns]
    if any("_line" in r for r in records):
        head.append("_line")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([safe_text(h) for h in head])  # the export's column names are text too
    for r in records:
        w.writerow([safe_text(str(r.get(h, ""))) for h in head])
    return buf.getvalue()


def _record(
    name: str,
    path: str | None,
    row: int | None,
    line: int | None,
    p: Problem,
    values: dict[str, str],
) -> dict[str, str]:
    """One rejected row: `line` in the file (the header is line 1; none in Parquet),
    `row` among the data rows (none for a line that is no row)."""
    return {
        "input": name,
        "file": path or "",
        "line": "" if line is None else str(line),
        "row": "" if row is None else str(row),
        "code": p.code,
        "column": p.column,
        "reason": p.message,
        **values,
    }


def _raw_rows(path: str, sheet: str | None) -> tuple[list[str], list[list[str]]] | None:
    """Every column of an export, as text, for the rejects file (not of a pipe: it was
    read once, and opening a FIFO again would wait for a writer for ever)."""
    import pyarrow as pa

    from supportkpi.io.sources import arrow_file, is_pipe, open_source, read_columns

    if path == "<stdin>" or is_pipe(path):
        return None

    try:
        src = open_source(path, sheet=sheet)
        if src.kind == "parquet":
            import pyarrow.parquet as pq

            table = pq.ParquetFile(arrow_file(path)).read()
        else:  # as the loader reads it, so row numbers agree: every column, as text
            table, _ = read_columns(src, [], [], text=True)
    except Exception:  # the rejects file is a help: without raw values it still lists rows
        return None
    names = table.column_names
    cols = [c.cast(pa.string()).to_pylist() for c in table.columns]  # names may repeat
    rows = [["" if v is None else v for v in r] for r in zip(*cols, strict=True)]
    return names, rows
