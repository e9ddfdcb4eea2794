"""`salesglass forecast backtest`: how accurate the forecast has been on this account's own history."""

from __future__ import annotations

from typing import Annotated

import typer

from salesglass.cli_options import ConfigOption, parse_day, require_as_of_in_data, require_warehouse

forecast_app = typer.Typer(
    help="The forecast of the running month, quarter and year (docs/forecast.md).",
    no_args_is_help=True,
    suggest_commands=False,
)


def register(app: typer.Typer) -> None:
    app.add_typer(forecast_app, name="forecast")


@forecast_app.command("backtest")
def backtest_command(
    config: ConfigOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Replay the history before this date (YYYY-MM-DD). Default: today.")
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(
            "--months",
            min=3,
            max=60,
            help="Months replayed (the 1st, 8th, 15th and 22nd of each). Default: [reports.forecast] backtest_months.",
        ),
    ] = None,
    period: Annotated[
        list[str] | None,
        typer.Option("--period", "-p", help="month, quarter or year; repeat for several. Default: all three."),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            "-m",
            help="turnover, revenue, margin, cost, tickets or new_partners; repeat for several. Default: all.",
        ),
    ] = None,
) -> None:
    """Replay past days, forecast each as it was then, and print the errors next to the naive run-rate
    and last year × growth: MAPE and bias by point of the period, and how often P10–P90 held the actual.

    Changes: nothing (how far to trust the dashboard's forecast on this account's own history).

    \b
    Examples:
      salesglass forecast backtest -c demo/salesglass.toml
      salesglass forecast backtest -c demo/salesglass.toml --as-of 2026-11-30 --months 6 --period month
      salesglass forecast backtest -c demo/salesglass.toml -m turnover -m revenue
    """
    from rich.console import Console

    from salesglass.config import load_config
    from salesglass.errors import SalesglassError
    from salesglass.reports.forecast.run import (
        METRIC_ORDER,
        accuracy_table,
        few_periods_note,
        run_backtest,
        why_no_cases,
    )

    periods = tuple(period or ("month", "quarter", "year"))
    metrics = tuple(metric or METRIC_ORDER)
    for p in periods:
        if p not in ("month", "quarter", "year"):
            raise SalesglassError(f"--period must be month, quarter or year, got {p!r}")
    for m in metrics:
        if m not in METRIC_ORDER:
            raise SalesglassError(f"--metric must be one of {', '.join(METRIC_ORDER)}, got {m!r}")
    day = parse_day("--as-of", as_of)
    cfg = load_config(config)
    require_warehouse(cfg, config)  # before "replaying …" is printed, naming the step this config needs
    require_as_of_in_data(cfg, day)
    console = Console()
    console = Console(width=max(console.width, 110))  # the table needs ~105 columns
    console.print("backtest: replaying the 1st, 8th, 15th and 22nd of each month …")
    result = run_backtest(cfg, day, months=months, say=lambda m: console.print(f"  {m}"))
    console.print(f"as of {result.as_of}")
    if not result.accuracy:
        console.print(why_no_cases(result, cfg, months), markup=False)  # "[reports.forecast]" is no markup tag
        return
    for p in periods:
        console.print(accuracy_table(result.accuracy, p, metrics))
    note = few_periods_note(result.accuracy, periods)
    if note:
        console.print(note, markup=False)
    console.print(
        f"{result.cases} as-of days replayed in {result.seconds:.1f} s. MAPE = mean |forecast − actual| "
        "/ actual; bias = Σ (forecast − actual) / Σ actual; P10–P90 ranges come from the other periods' "
        "cases."
    )
