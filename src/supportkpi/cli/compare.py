"""`supportkpi compare`: A/B tests and before/after (SPEC §6b).

Registered on the main app when imported (the cli package imports it). Heavy modules
(numpy, scipy) are imported inside the command body, so `--help` stays instant.
"""

from __future__ import annotations

from typing import Annotated

import typer

from supportkpi.cli.app import (
    AgentsOpt,
    AsOfOpt,
    CommentsOpt,
    ConfigOpt,
    CreditsOpt,
    CustomersOpt,
    DebugOpt,
    EventsOpt,
    Format,
    FromOpt,
    OutputOpt,
    PeriodOpt,
    PresetOpt,
    QuietOpt,
    SheetOpt,
    SurveysOpt,
    TicketsOpt,
    ToOpt,
    _all_inputs,
    _guard,
    app,
    emit,
    input_options,
    note,
    single,
)


@app.command("compare")
def compare_cmd(
    tickets: TicketsOpt = None,
    surveys: SurveysOpt = None,
    credits: CreditsOpt = None,
    customers: CustomersOpt = None,
    agents: AgentsOpt = None,
    events: EventsOpt = None,
    comments: CommentsOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            "-b",
            metavar="COLUMN",
            help="Compare the two values of this column (any ticket, customer or survey"
            " column: an A/B variant, a channel, a team).",
        ),
    ] = None,
    a: Annotated[
        str | None,
        typer.Option("--a", metavar="VALUE", help="Group A: a value of --by (when it has more)."),
    ] = None,
    b: Annotated[
        str | None,
        typer.Option("--b", metavar="VALUE", help="Group B: a value of --by (when it has more)."),
    ] = None,
    period: PeriodOpt = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    vs: Annotated[
        str | None,
        typer.Option(
            "--vs",
            metavar="PERIOD",
            help="With --period: the period to compare it with (A, the 'before'; --period is B).",
        ),
    ] = None,
    kpi: Annotated[
        list[str] | None,
        typer.Option(
            "--kpi",
            "-k",
            metavar="KPI",
            help="KPI to compare (repeatable or comma-separated; default: all). Fewer"
            " KPIs: a smaller Holm adjustment.",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    cohort: Annotated[
        bool,
        typer.Option("--cohort", help="Place every KPI by its ticket's creation time."),
    ] = False,
    config: ConfigOpt = None,
    preset: PresetOpt = None,
    sheet: SheetOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: OutputOpt = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Exit 1 when a KPI is significantly worse in B (after Holm)."
        ),
    ] = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Compare two groups KPI by KPI: an A/B test, or before/after.

    \b
    Examples:
      supportkpi compare -t tickets.csv -s surveys.csv --by channel --a email --b chat
      supportkpi compare -t tickets.csv --by channel --a email --b chat --period 2026-11
      supportkpi compare -t tickets.csv -s surveys.csv --period 2026-11 --vs 2026-10
      supportkpi compare -t tickets.csv --by channel --a email --b chat -k fcr_rate --strict
      supportkpi compare -t tickets.csv --by priority --a P1 --b P2 -k fcr_rate -f json -o ab.json

    For each KPI: A's and B's value with n, the difference B − A with its 95 % interval,
    a p-value from the test that fits the statistic (rates: two-proportion z test with a
    Newcombe interval; means: Welch t; NPS: the +1/0/−1 scores; medians and p90:
    bootstrap over rows, seeded; totals: compound Poisson; counts: exact Poisson),
    adjusted for the number of KPIs (Holm), and a verdict: A better, B better, no
    detectable difference (with the smallest difference the data could detect, power
    80 %), or too few to tell (n below min_sample). --by: the two groups in one window
    (all the data, or --period / --from / --to). --period P --vs Q: A is Q, B is P.
    """

    def body() -> int:
        from supportkpi.render.compare import renderer
        from supportkpi.reports.compare import Spec, compare

        opts = input_options(
            (tickets, surveys, credits, customers, agents, events, comments),
            config=config,
            kpis=kpi or [],
            as_of=as_of,
            from_=from_,
            to=to,
            cohort=cohort,
            preset=preset,
            sheet=sheet,
        )
        spec = Spec(
            by=by,
            a=a,
            b=b,
            period=single(period, "--period", "one period per run; --vs names the other"),
            vs=vs,
        )
        result = compare(opts, spec)
        emit(
            renderer(fmt.value)(result),
            output,
            _all_inputs(tickets, surveys, credits, customers, agents, events, comments),
        )
        if output is not None and output != "-":
            note(f"wrote {output}", quiet)
        worse = result.worse_in_b()
        if strict and worse:
            note(f"worse in B: {', '.join(r.kpi for r in worse)}", quiet)
            return 1
        return 0

    _guard(debug, body, quiet, output)
