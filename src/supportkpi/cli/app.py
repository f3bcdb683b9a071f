"""Command line: parse options, call the library, render, map errors to exit codes.

Exit codes: 0 done; 1 a check failed (`--strict`, `sla-check`); 2 bad usage or bad
input — one clear line on stderr, never a traceback (`--debug` shows one).
Heavy modules (numpy, pyarrow, rich) are imported inside the commands, so `--help` and
`supportkpi kpis` start instantly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, NoReturn

import typer

from supportkpi import __version__, runtime

runtime.arrow_frees_at_once()  # before pyarrow loads, which the commands do lazily

# `--format text`, the human format's name in validate and presets before it was
# `table` in every command, still reads (not shown in --help)
FORMAT_ALIASES = {"text": "table"}


def _format_alias(token: str) -> str:
    return FORMAT_ALIASES.get(token, token)


def _new_app() -> typer.Typer:
    return typer.Typer(
        name="supportkpi",
        help="Trustworthy support KPIs, SLA checks and weekly summaries from helpdesk exports.\n\n"
        "\b\nGet started:\n"
        "  supportkpi demo --out demo/          # example exports\n"
        "  supportkpi compute -t demo/tickets.csv -s demo/surveys.csv --by channel\n"
        "  supportkpi kpis                      # what each KPI means\n"
        "  supportkpi init                      # a starter targets.yaml",
        no_args_is_help=True,
        # --install-completion / --show-completion: two options on the root, built in
        # well under a millisecond (typer imports its completion module anyway)
        add_completion=True,
        rich_markup_mode=None,
        context_settings={
            "help_option_names": ["-h", "--help"],
            "token_normalize_func": _format_alias,
        },
    )


app = _new_app()


class Format(str, Enum):  # noqa: UP042 - typer needs str mix-in enums
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class ReportFormat(str, Enum):  # noqa: UP042
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"  # one self-contained page, to mail


class HumanFormat(str, Enum):  # noqa: UP042
    """A report for people or for programs (validate, presets)."""

    table = "table"
    json = "json"


class DemoFormat(str, Enum):  # noqa: UP042
    csv = "csv"
    parquet = "parquet"


class Profile(str, Enum):  # noqa: UP042 - the profiles of starter.py
    general = "general"
    cost_support = "cost-support"


class Grain(str, Enum):  # noqa: UP042
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


# ----------------------------------------------------------------- shared options
TicketsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tickets",
        "-t",
        metavar="PATH",
        help="Tickets export: CSV/CSV.gz/Parquet/xlsx file, folder, glob or - (stdin). Repeatable.",
    ),
]
SurveysOpt = Annotated[
    list[str] | None,
    typer.Option("--surveys", "-s", metavar="PATH", help="Survey responses export (csat/nps/ces)."),
]
CreditsOpt = Annotated[
    list[str] | None,
    typer.Option("--credits", "-c", metavar="PATH", help="Credits/refunds export."),
]
CustomersOpt = Annotated[
    list[str] | None, typer.Option("--customers", metavar="PATH", help="Customers export.")
]
AgentsOpt = Annotated[
    list[str] | None, typer.Option("--agents", metavar="PATH", help="Agent schedule/time export.")
]
EventsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--events",
        "-e",
        metavar="PATH",
        help="Status history: one row per status change (ticket_id, changed_at, status).",
    ),
]
CommentsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--comments",
        metavar="PATH",
        help="Conversations: one row per message (ticket_id, created_at, author, public).",
    ),
]
PresetOpt = Annotated[
    str | None,
    typer.Option(
        "--preset",
        metavar="NAME",
        help="Read a known helpdesk export (zendesk, freshdesk, servicenow, helpscout…);"
        " see `supportkpi presets`.",
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        metavar="NAME",
        help="The sheet to read of Excel workbooks (.xlsx) given (default: the config's"
        " sheet:, else the first sheet).",
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="PATH",
        help="Config file (default: $SUPPORTKPI_CONFIG, else ./targets.yaml when present)."
        " Inputs named on the command line (-t, …) replace its inputs: as a whole.",
    ),
]
PERIOD_HELP = (
    "2026-W46, 2026-11, 2026-Q4, 2026 or 2026-11-23; or today, yesterday, this-week,"
    " last-week, this-month, last-month, this-quarter, last-quarter, this-year, last-year"
    " (at the as-of time, in the config's time zone)."
)
# a list, so that a second --period is an error instead of silently winning (see `single`)
PeriodOpt = Annotated[
    list[str] | None,
    typer.Option("--period", "-p", metavar="PERIOD", help=PERIOD_HELP),
]
FromOpt = Annotated[
    str | None, typer.Option("--from", metavar="WHEN", help="Start (date or instant, inclusive).")
]
ToOpt = Annotated[
    str | None, typer.Option("--to", metavar="WHEN", help="End (date or instant, exclusive).")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="WHEN",
        help="Instant at which open tickets are judged (default: latest timestamp in the export).",
    ),
]
FormatOpt = Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="PATH",
        help="Write to this file (atomically) instead of stdout; without --format, its"
        " extension picks the format (.json, .csv, .md, .html, .prom) where the command has it.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or notes on stderr.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")]


class Compare(str, Enum):  # noqa: UP042
    previous = "previous"
    last_year = "last-year"


def single(values: list[str] | None, option: str, hint: str = "give it once") -> str | None:
    """The value of an option given at most once (a second one would silently win)."""
    if not values:
        return None
    if len(values) > 1:
        from supportkpi.errors import UsageError

        shown = ", ".join(repr(v) for v in values)
        raise UsageError(f"{option} is given {len(values)} times ({shown})", hint=hint)
    return values[0]


# what a second --period usually means
COMPARE_HINT = (
    "one period per run; to set it beside the one before, keep one and add --compare"
    " previous (or --compare last-year)"
)


def _say_error(message: str) -> None:
    from supportkpi.errors import printable  # messages quote exports, paths and values

    sys.stderr.write(f"supportkpi: error: {printable(message)}\n")


def _fail(message: str, code: int = 2) -> NoReturn:
    _say_error(message)
    raise typer.Exit(code)


def _guard(
    debug: bool, body: Callable[[], int | None], quiet: bool = False, output: str | None = None
) -> None:
    """Run a command body; map our errors to exit 2 with one line, no traceback.
    A run that lasts shows what it is doing on stderr (a terminal, not --quiet).
    `output`: where the report goes (None: stdout), so it is rendered for that."""
    from supportkpi.errors import SupportKpiError
    from supportkpi.io.outputs import forget_reads
    from supportkpi.render.terminal import set_destination

    set_destination(output)

    forget_reads()  # each command protects the files it reads itself
    from supportkpi.io.progress import shown

    try:
        with (
            _signals_raise(),
            shown(not quiet and sys.stderr.isatty()),
            runtime.no_cycle_collection(),
        ):
            runtime.workers()  # a bad $SUPPORTKPI_THREADS is said before any work
            code = body()
    except typer.Exit:
        raise
    except Signalled as exc:  # every `finally` ran: no temporary file left, cursor back
        _fail(f"stopped by {exc.name}", 128 + exc.signum)
    except SupportKpiError as exc:
        if debug:
            raise
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except MemoryError:
        if debug:
            raise
        _fail("out of memory: try --kpi to compute fewer KPIs, or split the export")
    except Exception as exc:  # a bug: still one line, and how to report it
        if debug:
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for details)")
    raise typer.Exit(code or 0)


class Signalled(BaseException):
    """SIGTERM (what `timeout` and cron's kill send) or SIGHUP while a command runs."""

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Signalled` in the command instead of ending the
    process on the spot, so a report half written is removed and the previous one
    stays (the default action would leave the temporary file behind)."""
    import signal

    def raise_signalled(signum: int, frame: Any) -> None:
        raise Signalled(signum)

    before = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            before[sig] = signal.signal(sig, raise_signalled)
        except ValueError:  # not the main thread (an in-process caller): leave them
            continue
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def emit(
    text: str | bytes, output: str | None, inputs: list[str], option: str = "--output"
) -> None:
    """Print, or write `output` atomically (never over an input)."""
    from supportkpi.io.progress import finish

    finish()
    if output is None or output == "-":
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
        return
    from supportkpi.io.outputs import write_atomic

    write_atomic(output, text, inputs, option)


def note(text: str, quiet: bool = False) -> None:
    """A word for the person at the terminal ("wrote week.html"): on stderr, and only
    when stderr is a terminal — cron mails whatever a job prints."""
    if not quiet and sys.stderr.isatty():
        from supportkpi.errors import printable
        from supportkpi.io.progress import finish

        finish()  # the progress line off the terminal first
        sys.stderr.write(printable(text) + "\n")


def input_options(inputs: tuple[list[str] | None, ...], **settings: Any) -> Any:
    """The library's `Options` from a command's input options (tickets, surveys,
    credits, customers, agents, events, comments; None when not given) and its other
    settings."""
    from supportkpi.reports.compute import Options

    tickets, surveys, credits, customers, agents, events, comments = (list(i or []) for i in inputs)
    return Options(
        tickets=tickets,
        surveys=surveys,
        credits=credits,
        customers=customers,
        agents=agents,
        events=events,
        comments=comments,
        **settings,
    )


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _all_inputs(*groups: list[str] | None) -> list[str]:
    return [p for g in groups if g for p in g]


# ----------------------------------------------------------------- compute
@app.command()
def compute(
    tickets: TicketsOpt = None,
    surveys: SurveysOpt = None,
    credits: CreditsOpt = None,
    customers: CustomersOpt = None,
    agents: AgentsOpt = None,
    events: EventsOpt = None,
    comments: CommentsOpt = None,
    kpi: Annotated[
        list[str] | None,
        typer.Option(
            "--kpi",
            "-k",
            metavar="KPI",
            help="KPI to compute (repeatable or comma-separated; default: all).",
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            "-b",
            metavar="DIMS",
            help="Dimension(s) to group by: 'channel', or 'channel,priority' crossed."
            " Repeat for several breakdowns.",
        ),
    ] = None,
    period: PeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    every: Annotated[
        Grain | None,
        typer.Option(
            "--every",
            help="A series: one period per day/week/month/quarter/year; each point outside"
            " its control limits or in a run of 8 is marked (JSON `signal`).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    compare: Annotated[
        Compare | None,
        typer.Option(
            "--compare",
            help="Beside each value, the previous period's (or the same period a year"
            " before), the change, and whether it is beyond statistical noise. Needs --period.",
        ),
    ] = None,
    cohort: Annotated[
        bool,
        typer.Option(
            "--cohort",
            help="Place every KPI by its ticket's creation time (the resolutions, surveys"
            " and credits of the tickets opened in the period), as Intercom reports.",
        ),
    ] = False,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    sheet: SheetOpt = None,
    fmt: FormatOpt = ReportFormat.table,
    output: OutputOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any KPI misses its target.")
    ] = False,
    low_memory: Annotated[
        bool | None,
        typer.Option(
            "--low-memory/--in-memory",
            help="Read the tickets a part at a time (Parquet row groups, or one file of"
            " a folder) and merge partial results: exports larger than memory, exact"
            " results. Default: on when the export would not fit in half the free memory.",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Compute KPIs from exports: overall, by any dimension, for any period, against targets.

    \b
    Examples:
      supportkpi compute -t tickets.csv -s surveys.parquet
      supportkpi compute -t tickets.csv -s surveys.csv --by channel --period 2026-W46
      supportkpi compute --period last-week --compare previous     # vs the week before
      supportkpi compute -t exports/ --by agent --by channel,priority -f csv -o kpis.csv
      supportkpi compute -t tickets.csv --kpi first_response_time_median --every week
      supportkpi compute            # inputs and targets from ./targets.yaml
      supportkpi compute -t lake/tickets/ -s lake/surveys/ --low-memory   # 100M rows

    Every value comes with its n; rates carry a 95% interval; rows with bad values are
    counted (see `supportkpi validate`), never silently dropped.
    """

    def body() -> int:
        from supportkpi.render import renderer
        from supportkpi.reports.compute import compute as run_compute

        opts = input_options(
            (tickets, surveys, credits, customers, agents, events, comments),
            config=config,
            kpis=kpi or [],
            by=[[b] for b in (by or [])],
            period=single(period, "--period", COMPARE_HINT),
            from_=from_,
            to=to,
            every=every.value if every else None,
            as_of=as_of,
            cohort=cohort,
            preset=preset,
            sheet=sheet,
            low_memory=low_memory,
            compare=compare.value if compare else None,
        )
        report = run_compute(opts)
        emit(
            renderer(fmt.value)(report),
            output,
            _all_inputs(tickets, surveys, credits, customers, agents, events, comments),
        )
        if output not in (None, "-"):
            note(f"wrote {output}", quiet)
        if strict and any(r.status == "missed" for r in report.results):
            return 1
        return 0

    _guard(debug, body, quiet, output)


# ----------------------------------------------------------------- sla-check
class SlaFormat(str, Enum):  # noqa: UP042
    table = "table"
    json = "json"
    csv = "csv"
    prometheus = "prometheus"


class ListChoice(str, Enum):  # noqa: UP042
    breached = "breached"
    at_risk = "at_risk"
    all = "all"


class FailOn(str, Enum):  # noqa: UP042
    compliance = "compliance"
    breach = "breach"


@app.command("sla-check")
def sla_check_cmd(
    tickets: TicketsOpt = None,
    events: EventsOpt = None,
    comments: CommentsOpt = None,
    customers: CustomersOpt = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by", "-b", metavar="DIMS", help="Also break compliance down by agent, team, channel…"
        ),
    ] = None,
    list_: Annotated[
        ListChoice | None,
        typer.Option("--list", help="List the tickets behind the numbers (all includes n/a)."),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a priority misses its compliance target, or on any breach.",
        ),
    ] = FailOn.compliance,
    period: PeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="WHEN", help="Judge at this instant (default: now)."),
    ] = None,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    sheet: SheetOpt = None,
    fmt: Annotated[
        SlaFormat, typer.Option("--format", "-f", help="Output format.")
    ] = SlaFormat.table,
    output: OutputOpt = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print nothing unless the exit code is not 0 (for cron); with --output,"
            " nothing at all: the file and the exit code carry the result.",
        ),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Check SLA compliance by priority now: met, breached, at-risk tickets; exit 1 on a miss.

    \b
    Examples:
      supportkpi sla-check -t open_tickets.csv
      supportkpi sla-check -t export.csv --list breached
      supportkpi sla-check -t export.csv --by agent --format json
      supportkpi sla-check -t export.csv -e status_changes.csv   # clocks stop in pending
      supportkpi sla-check -t export.csv --comments comments.csv # next_reply targets
      */10 * * * * SUPPORTKPI_CONFIG=/etc/supportkpi/targets.yaml supportkpi sla-check \\
          -t /exports/open.csv --quiet --format prometheus --output /var/lib/node_exporter/sla.prom

    Policies (first response and resolution targets per priority, compliance goals,
    business hours, holidays) come from the config (--config, $SUPPORTKPI_CONFIG, or
    ./targets.yaml); without one, seed 002's table applies (P1 15m/4h 99%, P2 1h/8h
    95%, P3 4h/24h 90%, P4 8h/72h 85%). Tickets no policy covers are counted as
    unmatched; when no ticket at all is covered, the exit code is 2.
    Exit codes: 0 all priorities meet their goal, 1 one does not (or, with
    --fail-on breach, any ticket is breached), 2 bad usage or input.
    """

    def body() -> int:
        from supportkpi.render.json import render as render_json
        from supportkpi.render.prometheus import render as render_prom
        from supportkpi.render.sla import render_table, render_tickets_csv
        from supportkpi.reports.compute import Options
        from supportkpi.reports.sla_check import miss_lines, sla_check

        opts = Options(
            tickets=tickets or [],
            events=events or [],
            comments=comments or [],
            customers=customers or [],
            config=config,
            preset=preset,
            sheet=sheet,
            by=[[b] for b in (by or [])],
            period=single(period, "--period"),
            from_=from_,
            to=to,
            as_of=as_of,
        )
        check = sla_check(opts, fail_on.value, list_.value if list_ else None)
        report = check.report
        key = report.group_by[0][0] if report.group_by else "priority"
        if fmt == SlaFormat.json:
            text = render_json(report)
        elif fmt == SlaFormat.prometheus:
            text = render_prom(report, ok=check.exit_code == 0)
        elif fmt == SlaFormat.csv:
            from supportkpi.render.csv import render as render_csv

            text = render_tickets_csv(report, key) if list_ else render_csv(report)
        else:
            text = render_table(report, key)
        if output is not None:
            # the file and the exit code carry the result; --quiet: nothing for cron to mail
            emit(text, output, _all_inputs(tickets, events, comments, customers))
            if output != "-":
                note(f"wrote {output}", quiet)
            if check.exit_code and not quiet:
                sys.stdout.write("\n".join(miss_lines(check)) + "\n")
        elif check.exit_code or not quiet:
            emit(text, None, [])
        return check.exit_code

    _guard(debug, body, quiet, output)


# ----------------------------------------------------------------- validate
@app.command()
def validate(
    tickets: TicketsOpt = None,
    surveys: SurveysOpt = None,
    credits: CreditsOpt = None,
    customers: CustomersOpt = None,
    agents: AgentsOpt = None,
    events: EventsOpt = None,
    comments: CommentsOpt = None,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    sheet: SheetOpt = None,
    fmt: Annotated[
        HumanFormat, typer.Option("--format", "-f", help="Output format.")
    ] = HumanFormat.table,
    rejects: Annotated[
        str | None,
        typer.Option(
            "--rejects",
            metavar="PATH",
            help="Write every affected row, with the reason, to this CSV.",
        ),
    ] = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Check exports: columns found and mapped, every problem by code, lines affected.

    \b
    Examples:
      supportkpi validate -t tickets.csv -s surveys.csv
      supportkpi validate -t tickets.csv --rejects rejected.csv
      supportkpi validate --format json          # inputs from ./targets.yaml

    Exit codes: 0 clean (warnings at most), 1 problems that exclude rows from some
    KPIs, 2 an input is unusable (missing required column, unreadable file…).
    """

    def body() -> int:
        from supportkpi.reports.validate import rejects_csv, render_json, render_text
        from supportkpi.reports.validate import validate as run_validate

        opts = input_options(
            (tickets, surveys, credits, customers, agents, events, comments),
            config=config,
            preset=preset,
            sheet=sheet,
        )
        result = run_validate(opts, keep_rows=rejects is not None)
        inputs = _all_inputs(tickets, surveys, credits, customers, agents, events, comments)
        inputs += [p for c in result.checks for p in c.specs]
        if rejects is not None:
            if output is not None and output != "-" and _same_file(output, rejects):
                _fail(f"--rejects {rejects} and --output {output} name the same file")
            emit(rejects_csv(result), rejects, inputs, "--rejects")
        text = render_json(result) if fmt == HumanFormat.json else render_text(result)
        emit(text, output, inputs)
        if output not in (None, "-"):
            note(f"wrote {output}", quiet)
        return result.exit_code

    _guard(debug, body, quiet, output)


def _codes_help() -> str:
    """The codes `validate` reports, each with its name (`E019 duplicate-id`), by what
    they do: appended to `validate --help` (as the docstring's lines, indented so)."""
    import textwrap

    from supportkpi.errors import CODES

    out = ["", "Problem codes, explained in docs/errors.md (python -m supportkpi.errors):"]
    for kind, what in (
        ("row", "rows excluded from every KPI"),
        ("value", "rows excluded from the KPIs reading the column"),
        ("warning", "warnings, nothing excluded"),
        ("fatal", "the input is unusable (exit 2)"),
    ):
        # a code and its name stay on one line (a no-break space while wrapping)
        names = ", ".join(f"{c.code}\xa0{c.name}" for c in CODES.values() if c.kind == kind)
        out += ["", "\b", f"{what}:"]
        out += [
            line.replace("\xa0", " ")
            for line in textwrap.wrap(
                names, 74, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
            )
        ]
    return "\n".join(f"    {line}" if line else "" for line in out) + "\n"


validate.__doc__ = (validate.__doc__ or "").rstrip() + "\n" + _codes_help()


# ----------------------------------------------------------------- explain
@app.command("explain")
def explain_cmd(
    kpi: Annotated[str, typer.Argument(metavar="KPI", help="The KPI whose rows to show.")],
    tickets: TicketsOpt = None,
    surveys: SurveysOpt = None,
    credits: CreditsOpt = None,
    customers: CustomersOpt = None,
    agents: AgentsOpt = None,
    events: EventsOpt = None,
    comments: CommentsOpt = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where", "-w", metavar="DIM=VALUE", help="Only the rows of one group (repeatable)."
        ),
    ] = None,
    period: PeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    as_of: AsOfOpt = None,
    cohort: Annotated[bool, typer.Option("--cohort", help="As compute --cohort.")] = False,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    sheet: SheetOpt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="rows.csv or rows.parquet (default: CSV on stdout).",
        ),
    ] = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """The rows behind one number: every ticket (or survey, credit…) a KPI counted.

    \b
    Examples:
      supportkpi explain fcr_rate -t tickets.csv --where 'agent=Priya B.' --period 2026-W46 \\
          -o rows.csv
      supportkpi explain first_response_time_p90 -t tickets.csv --where channel=email
      supportkpi explain csat -t tickets.csv -s surveys.csv --where week=2026-W46 -o rows.parquet

    Rates get in_denominator / in_numerator (rows in the denominator = n; numerator
    rows x 100 / n = the value); durations and means get the per-row value in seconds.
    """

    def body() -> int:
        from supportkpi.reports.explain import explain, parse_where, write

        opts = input_options(
            (tickets, surveys, credits, customers, agents, events, comments),
            config=config,
            preset=preset,
            sheet=sheet,
            period=single(period, "--period"),
            from_=from_,
            to=to,
            as_of=as_of,
            cohort=cohort,
        )
        table = explain(opts, kpi, parse_where(where or []))
        data = write(table, output)
        inputs = _all_inputs(tickets, surveys, credits, customers, agents, events, comments)
        emit(data, output, inputs)
        if output is not None and output != "-":
            note(f"wrote {output} ({table.num_rows:,} rows)", quiet)
        return 0

    _guard(debug, body, quiet, output)


# ----------------------------------------------------------------- kpis
@app.command("kpis")
def kpis_cmd(
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            metavar="KPI",
            help="How one KPI is defined, and how other helpdesks define it.",
        ),
    ] = None,
    docs: Annotated[
        bool, typer.Option("--docs", help="Print docs/definitions.md (Markdown).")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    tickets: TicketsOpt = None,
    surveys: SurveysOpt = None,
    credits: CreditsOpt = None,
    customers: CustomersOpt = None,
    agents: AgentsOpt = None,
    events: EventsOpt = None,
    comments: CommentsOpt = None,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    sheet: SheetOpt = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the KPI catalogue: name, unit, direction, formula, the columns each needs.

    With exports (-t, -s, -c, --customers, --agents), also say which KPIs `compute`
    can give from them, and why not: the exports are read as compute reads them.

    \b
    Examples:
      supportkpi kpis
      supportkpi kpis --explain fcr_rate
      supportkpi kpis -t tickets.csv -s surveys.csv
      supportkpi kpis --format json
      supportkpi kpis --docs > docs/definitions.md
    """

    def body() -> int:
        from supportkpi.kpis.catalogue_view import render_catalogue

        if explain is not None:
            from supportkpi.kpis.catalogue import CATALOGUE
            from supportkpi.kpis.definitions import explain_text
            from supportkpi.schema.inputs import closest

            if explain not in CATALOGUE:
                hint = closest(explain, list(CATALOGUE))
                _fail(
                    f"--explain: unknown KPI {explain!r}"
                    + (f"; did you mean '{hint}'?" if hint else "")
                )
            sys.stdout.write(explain_text(explain))
            return 0
        if docs:
            from supportkpi.kpis.definitions import markdown

            sys.stdout.write(markdown())
            return 0
        options = None
        if any((tickets, surveys, credits, customers, agents, events, comments)):
            options = input_options(
                (tickets, surveys, credits, customers, agents, events, comments),
                config=config,
                preset=preset,
                sheet=sheet,
            )
        sys.stdout.write(render_catalogue(fmt.value, options))
        return 0

    _guard(debug, body, quiet)


# ----------------------------------------------------------------- presets
@app.command("presets")
def presets_cmd(
    fmt: Annotated[
        HumanFormat, typer.Option("--format", "-f", help="Output format.")
    ] = HumanFormat.table,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the presets for known helpdesk exports and the columns each reads.

    \b
    Examples:
      supportkpi presets
      supportkpi compute -t incident_event_log.csv --preset servicenow --by priority
      supportkpi sla-check -t zendesk_tickets.csv --preset zendesk --format json

    A preset maps the vendor's column names, vocabularies (priorities, statuses,
    channels), date order, event logs and its own KPI definitions; your targets.yaml
    laid over it wins (its columns: override the preset's).
    """

    def body() -> int:
        from supportkpi.config.presets import describe

        sys.stdout.write(describe(fmt.value))
        return 0

    _guard(debug, body, quiet)


# ----------------------------------------------------------------- init
@app.command()
def init(
    path: Annotated[
        str, typer.Argument(help="Where to write the starter config.")
    ] = "targets.yaml",
    profile: Annotated[
        Profile,
        typer.Option("--profile", help="general (seed 002) or cost-support (seed 000)."),
    ] = Profile.general,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write a commented starter targets.yaml with the targets of the seed documents.

    \b
    Examples:
      supportkpi init                    # ./targets.yaml, general profile (seed 002)
      supportkpi init team/targets.yaml --profile cost-support   # seed 000
    """

    def body() -> int:
        from supportkpi.config.starter import starter

        if os.path.exists(path) and not force:
            _fail(f"{path} exists; use --force to overwrite it")
        from supportkpi.io.outputs import write_atomic

        write_atomic(path, starter(profile.value), [], option="")
        note(f"wrote {path}", quiet)
        return 0

    _guard(debug, body, quiet)


# ----------------------------------------------------------------- demo
@app.command()
def demo(
    out: Annotated[str, typer.Option("--out", help="Folder for the example exports.")] = "demo",
    tickets: Annotated[
        int, typer.Option("--tickets", "-n", min=1, help="Number of tickets.")
    ] = 3000,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="Weeks of history.")] = 9,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 7,
    end: Annotated[
        str, typer.Option("--end", help="Last day of the data (YYYY-MM-DD).")
    ] = "2026-11-24",
    fmt: Annotated[
        DemoFormat, typer.Option("--format", "-f", help="File format.")
    ] = DemoFormat.csv,
    clean: Annotated[bool, typer.Option("--clean", help="No deliberately messy values.")] = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write realistic example exports (tickets, surveys, credits, customers, agents, events,
    comments).

    \b
    Examples:
      supportkpi demo --out demo/
      supportkpi demo --out big/ --tickets 1000000 --format parquet

    The data is seeded: the same options give byte-identical files. Unless --clean, a
    few messy values are planted (bad timestamps, a duplicate id, "Urgent" priorities…)
    so `supportkpi validate` has something to show.
    """

    def body() -> int:
        from supportkpi.cli.demo import write_demo

        written = write_demo(out, tickets, weeks, seed, end, fmt.value, messy=not clean)
        for path, rows in written:
            note(f"wrote {path} ({rows:,} rows)", quiet)
        return 0

    _guard(debug, body, quiet)


@app.callback(invoke_without_command=True)
def main_callback(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        sys.stdout.write(f"supportkpi {__version__}\n")
        raise typer.Exit(0)


def main(argv: list[str] | None = None) -> Any:
    """The console script: the command line's command, then the process ends."""
    runtime.tune_process()  # before numpy loads (runtime.py: what, and why)
    try:
        return _dispatch(sys.argv[1:] if argv is None else list(argv))
    finally:
        runtime.skip_final_collection()


_INPUT_FLAGS = (
    *("-t", "--tickets", "-s", "--surveys", "-c", "--credits", "--customers", "--agents"),
    *("-e", "--events", "--comments"),
)


def _expanded_glob(args: list[str]) -> None:
    """`-t exports/*.csv` unquoted: the shell gives the files one by one, and all but
    the first are extra arguments, which click calls only 'unexpected'. Say why and
    how to give them all."""
    for i, arg in enumerate(args[:-2]):
        if arg not in _INPUT_FLAGS:
            continue
        extra = []
        for more in args[i + 2 :]:
            if more.startswith("-") or not os.path.isfile(more):
                break
            extra.append(more)
        if extra:
            names = [os.path.basename(e) for e in extra]
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            _say_error(
                f"{arg} takes one file each time, and {len(extra)} more files follow"
                f" {os.path.basename(args[i + 1])} ({shown}): was a glob expanded by the shell?"
                f" Quote it ({arg} 'exports/*.csv'), give the folder, or give {arg} before"
                " each file"
            )
            raise SystemExit(2)  # (before any command runs: typer.Exit is not caught here)


def _dispatch(args: list[str]) -> Any:
    _expanded_glob(args)
    asked = [c for c in app.registered_commands if args and _command_name(c) == args[0]]
    if not asked:  # --help, --version, a mistyped command: the whole app answers
        return app(args=args, prog_name="supportkpi")
    # typer inspects every command's signature to build the app (~10 ms a run): build
    # only the one asked for, with the same settings and callback
    one = _new_app()
    one.registered_callback = app.registered_callback
    one.registered_commands = asked
    choices = _choice_options(asked[0].callback)
    args = _checked_choices(choices, args)
    args, note = _format_from_output(choices, args)
    try:
        return one(args=args, prog_name="supportkpi")
    except SystemExit as done:
        if note and done.code in (0, 1, None):  # (after the report; not beside an error)
            sys.stderr.write(note)
        raise


# an --output's extension -> the --format it asks for, when --format is not given
_EXTENSION_FORMATS = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".prom": "prometheus",
}


@dataclass
class _Choice:
    flags: tuple[str, ...]  # e.g. ("--format", "-f")
    choices: list[str]
    default: str | None


def _choice_options(callback: Any) -> dict[str, _Choice]:
    """The command's options that take one of an Enum's values, by flag, read from its
    signature's annotations (building the click command for that costs what building
    only the command asked for saves)."""
    import enum
    import inspect
    import typing

    out: dict[str, _Choice] = {}
    hints = typing.get_type_hints(callback, include_extras=True)
    signature = inspect.signature(callback)
    for name, hint in hints.items():
        if typing.get_origin(hint) is not typing.Annotated:
            continue
        base, *meta = typing.get_args(hint)
        kinds = [base, *typing.get_args(base)]  # (an Enum, or an Enum | None)
        kind = next((k for k in kinds if isinstance(k, type) and issubclass(k, enum.Enum)), None)
        info = next((m for m in meta if hasattr(m, "param_decls")), None)
        if kind is None or info is None:
            continue
        first = [info.default] if isinstance(info.default, str) and info.default[:1] == "-" else []
        flags = (*first, *info.param_decls)
        default = signature.parameters[name].default if name in signature.parameters else None
        choice = _Choice(flags, [str(e.value) for e in kind], getattr(default, "value", None))
        out.update(dict.fromkeys(flags, choice))
    return out


def _option_values(args: list[str]) -> Iterator[tuple[str, int, str, bool]]:
    """Each token of a command's arguments with a value that may be its option's:
    (the token, where the value is, the value, whether written `--option=value`)."""
    for i, arg in enumerate(args[1:], start=1):
        opt, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if eq:
            yield opt, i, inline, True
        elif i + 1 < len(args):
            yield opt, i + 1, args[i + 1], False


def _checked_choices(chooses: dict[str, _Choice], args: list[str]) -> list[str]:
    """An option's value that is none of its choices, said in one line as every other
    usage error (the parser's own takes three), with the choices; a value written with
    a dash for an underscore (`--list at-risk`) is taken as the choice it names."""
    out = list(args)
    for opt, at, value, inline in _option_values(args):
        if opt not in chooses:
            continue
        choices = chooses[opt].choices
        if _format_alias(value) in choices:  # (the context's own normalising: `text`)
            continue
        alike = [c for c in choices if c == value.lower().replace("-", "_")]
        if alike:
            out[at] = f"{opt}={alike[0]}" if inline else alike[0]
            continue
        from supportkpi.schema.inputs import closest

        hint = closest(value, choices)
        _say_error(
            f"{opt} {value}: expected one of {', '.join(choices)}"
            + (f" (did you mean {hint}?)" if hint else "")
        )
        raise SystemExit(2)
    return out


def _format_from_output(chooses: dict[str, _Choice], args: list[str]) -> tuple[list[str], str]:
    """`summary -o week.html` means HTML: without -f/--format, the output's extension
    picks the format, when the command offers it; else the default stands, with a note
    to print once the report is written."""
    if any(a in ("-f", "--format") or a.startswith(("--format=", "-f")) for a in args[1:]):
        return args, ""
    target = None
    for opt, _, value, _inline in _option_values(args):
        if opt in ("-o", "--output"):
            target = value
    if target is None:
        return args, ""
    wanted = _EXTENSION_FORMATS.get(os.path.splitext(target)[1].lower())
    if wanted is None:
        return args, ""
    formats = chooses.get("--format")
    if formats is None:
        return args, ""
    if wanted in formats.choices:
        return [*args, "--format", wanted], ""
    if {"-q", "--quiet"} & set(args):
        return args, ""
    return args, (
        f"supportkpi: note: {args[0]} has no {wanted} format, so {target} holds"
        f" the {formats.default} report (--format lists the formats it has)\n"
    )


def _command_name(info: Any) -> str:
    from typer.main import get_command_name

    return info.name or get_command_name(info.callback.__name__)


if __name__ == "__main__":  # pragma: no cover
    main()
