"""`supportkpi summary`: the manager's weekly (daily, monthly…) summary.

Registered on the main app when imported (the cli package imports it).
Heavy modules are imported inside the command body, so `--help` stays instant.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from supportkpi.cli.app import (
    COMPARE_HINT,
    PERIOD_HELP,
    AgentsOpt,
    AsOfOpt,
    CommentsOpt,
    Compare,
    ConfigOpt,
    CreditsOpt,
    CustomersOpt,
    DebugOpt,
    EventsOpt,
    OutputOpt,
    PresetOpt,
    QuietOpt,
    SheetOpt,
    SurveysOpt,
    TicketsOpt,
    _guard,
    app,
    emit,
    input_options,
    note,
    single,
)


class SummaryFormat(str, Enum):  # noqa: UP042 - typer needs str mix-in enums
    table = "table"
    markdown = "markdown"
    html = "html"
    json = "json"


@app.command("summary")
def summary_cmd(
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
    period: Annotated[
        list[str] | None,
        typer.Option(
            "--period",
            "-p",
            metavar="PERIOD",
            help=PERIOD_HELP.removesuffix(".")
            + "; a day gives the daily report. Default: last-week, the last complete ISO"
            " week before the as-of time.",
        ),
    ] = None,
    compare: Annotated[
        Compare,
        typer.Option(
            "--compare",
            help="Compare with the previous period, or the same period a year before.",
        ),
    ] = Compare.previous,
    agent: Annotated[
        str | None,
        typer.Option(
            "--agent",
            metavar="NAME",
            help="One person's KPIs beside the team's (seed 000 dashboard 2).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    min_tickets: Annotated[
        int,
        typer.Option(
            "--min-tickets",
            min=1,
            metavar="N",
            help="Top performers (and the FCR coaching trigger, with min_sample) need at least"
            " N resolved tickets.",
        ),
    ] = 10,
    min_surveys: Annotated[
        int,
        typer.Option(
            "--min-surveys",
            min=1,
            metavar="N",
            help="Top performers (and the CSAT coaching trigger, with min_sample) need at least"
            " N CSAT responses.",
        ),
    ] = 5,
    fmt: Annotated[
        SummaryFormat, typer.Option("--format", "-f", help="Output format.")
    ] = SummaryFormat.table,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """A manager's summary: this period vs the last, SLA, team, actions, money, changes.

    \b
    Examples:
      supportkpi summary -t tickets.csv -s surveys.csv -c credits.csv
      supportkpi summary -t tickets.csv -s surveys.csv --period 2026-11 --compare last-year
      supportkpi summary --period 2026-11-23            # the daily report
      supportkpi summary --agent "Ana A."               # one person beside the team
      supportkpi summary -f html -o weekly.html         # one self-contained file to mail
      supportkpi summary -f markdown | pbcopy           # paste into chat or a wiki

    Sections: three lines at a glance (targets missed, changes beyond noise, SLA);
    headline KPIs with the change and an 8-period trend; the headline by channel; SLA
    compliance by priority and the worst tickets; team bars against target, top
    performers (score: the mean of the lower ends of the CSAT and FCR 95 % intervals)
    and who needs coaching (seed 002 triggers, or coaching: in the config; flagged only
    when the 95 % interval lies past the trigger, from at least min_sample responses);
    action items for every missed KPI (the config's actions:, else seed 000's, else
    defaults); financial impact; and the changes larger than their statistical noise.
    """

    def body() -> int:
        from supportkpi.render.summary import renderer
        from supportkpi.reports.summary import build_summary

        opts = input_options(
            (tickets, surveys, credits, customers, agents, events, comments),
            config=config,
            preset=preset,
            sheet=sheet,
        )
        summary = build_summary(
            opts,
            single(period, "--period", COMPARE_HINT),
            compare.value,
            agent,
            as_of,
            min_tickets=min_tickets,
            min_surveys=min_surveys,
        )
        text = renderer(fmt.value)(summary)
        inputs = [p for p in summary.input_paths() if p != "-"]
        inputs += [
            p
            for g in (tickets, surveys, credits, customers, agents, events, comments)
            if g
            for p in g
        ]
        emit(text, output, inputs)
        if output is not None and output != "-":
            note(f"wrote {output}", quiet)
        return 0

    _guard(debug, body, quiet, output)
