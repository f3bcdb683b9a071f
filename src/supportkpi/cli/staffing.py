"""`supportkpi staffing`: agents needed per hour of the week and channel (Erlang C).

Registered on the main app when imported (the cli package imports it). Heavy modules
are imported inside the command body, so `--help` stays instant.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from supportkpi.cli.app import (
    AgentsOpt,
    AsOfOpt,
    ConfigOpt,
    DebugOpt,
    OutputOpt,
    PresetOpt,
    QuietOpt,
    SheetOpt,
    TicketsOpt,
    _guard,
    app,
    emit,
    input_options,
    note,
)


class StaffingFormat(str, Enum):  # noqa: UP042 - typer needs str mix-in enums
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@app.command("staffing")
def staffing_cmd(
    tickets: TicketsOpt = None,
    agents: AgentsOpt = None,
    weeks: Annotated[
        int | None,
        typer.Option(
            "--weeks",
            min=1,
            max=520,
            metavar="N",
            help="Average the arrivals over the last N full weeks before the as-of time"
            " (default: the config's staffing.weeks, else 4).",
        ),
    ] = None,
    service_level: Annotated[
        list[str] | None,
        typer.Option(
            "--service-level",
            metavar="[CHANNEL=]PCT",
            help="Share to answer within --answer-within: 80% for every channel, or"
            " email=90% for one (repeatable). Default: the config's staffing:, else 80%"
            " (email: the SLA's P3 compliance goal).",
        ),
    ] = None,
    answer_within: Annotated[
        list[str] | None,
        typer.Option(
            "--answer-within",
            metavar="[CHANNEL=]TIME",
            help="Answer within this time: 20s, or email=4h for one channel (repeatable)."
            " Default: the config's staffing:, else 20s (email, web, form, social: the"
            " SLA's P3 first-response target).",
        ),
    ] = None,
    handle_time: Annotated[
        list[str] | None,
        typer.Option(
            "--handle-time",
            metavar="[CHANNEL=]TIME",
            help="Handle time per contact: 6m, or email=8m for one channel (repeatable);"
            " wins over the tickets' own (talk + hold + after-call work).",
        ),
    ] = None,
    max_occupancy: Annotated[
        str | None,
        typer.Option(
            "--max-occupancy",
            metavar="PCT",
            help="Busiest share of an agent's time allowed (default: config, else 85%).",
        ),
    ] = None,
    shrinkage: Annotated[
        str | None,
        typer.Option(
            "--shrinkage",
            metavar="PCT",
            help="Share of rostered time not on contacts: breaks, training, absence"
            " (default: config, else 30%).",
        ),
    ] = None,
    channel: Annotated[
        list[str] | None,
        typer.Option(
            "--channel",
            metavar="NAME",
            help="Staff only these channels (repeatable or comma-separated).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    sheet: SheetOpt = None,
    fmt: Annotated[
        StaffingFormat, typer.Option("--format", "-f", help="Output format.")
    ] = StaffingFormat.table,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Agents needed per hour of the week and channel to meet a service level (Erlang C).

    \b
    Examples:
      supportkpi staffing -t tickets.csv --handle-time email=8m --handle-time social=10m
      supportkpi staffing -t tickets.csv --channel phone,chat --service-level 90% \\
          --answer-within 30s
      supportkpi staffing -t tickets.csv --agents agents.csv --channel chat,phone -f markdown
      supportkpi staffing -t tickets.csv --channel chat --weeks 2 --shrinkage 35% -f json

    Arrivals are the tickets created in each hour of the week (config time zone),
    averaged over the last --weeks full weeks; the traffic in Erlangs is arrivals x
    handle time / 1 h. Each hour gets the fewest agents that answer the service level
    with occupancy at most --max-occupancy, rostered up for --shrinkage. With --agents,
    each weekday's scheduled hours are spread over its hours in proportion to the need,
    and the gap (scheduled - rostered) shows the under-staffed days and hours.
    """

    def body() -> int:
        from supportkpi.render.staffing import renderer
        from supportkpi.reports import staffing as run

        opts = input_options(
            (tickets, None, None, None, agents, None, None),
            config=config,
            preset=preset,
            sheet=sheet,
            as_of=as_of,
        )
        settings = run.Settings(
            weeks=weeks,
            service_level=run.parse_per_channel(
                service_level,
                "--service-level",
                lambda v: run.parse_percent(v, "--service-level"),
            ),
            answer_within=run.parse_per_channel(
                answer_within,
                "--answer-within",
                lambda v: run.parse_duration_option(v, "--answer-within"),
            ),
            handle_time=run.parse_per_channel(
                handle_time,
                "--handle-time",
                lambda v: run.parse_duration_option(v, "--handle-time", positive=True),
            ),
            max_occupancy=run.parse_percent(max_occupancy, "--max-occupancy", hundred_ok=True)
            if max_occupancy is not None
            else None,
            shrinkage=run.parse_percent(shrinkage, "--shrinkage", zero_ok=True)
            if shrinkage is not None
            else None,
            channels=[c.strip() for v in channel or [] for c in v.split(",") if c.strip()],
        )
        report = run.staffing(opts, settings)
        inputs = [p for p in report.input_paths() if p != "-"]
        inputs += [p for g in (tickets, agents) if g for p in g]
        emit(renderer(fmt.value)(report), output, inputs)
        if output is not None and output != "-":
            note(f"wrote {output}", quiet)
        return 0

    _guard(debug, body, quiet, output)
