"""Running the backtest outside a build: `salesglass forecast backtest` and bench/forecast.py.

The canonical tables are read from the working warehouse (read-only), the forecast of every backtest day
is computed in one pass of queries inside an in-memory DuckDB, and the accuracy table is returned.
Nothing is published: `salesglass build` publishes the same tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from salesglass.errors import SalesglassError
from salesglass.sql import quote_ident, quote_lit

if TYPE_CHECKING:
    from salesglass.config import Config

METRIC_ORDER = ("turnover", "revenue", "margin", "cost", "tickets", "new_partners")


@dataclass
class BacktestResult:
    as_of: date
    seconds: float
    cases: int
    accuracy: list[dict]  # rows of report_forecast_accuracy
    first_day: date | None = None  # the account's first and last day with sales (account time zone)
    last_day: date | None = None


def run_backtest(
    cfg: Config,
    as_of: date | None = None,
    *,
    months: int | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> BacktestResult:
    import duckdb
    import ibis

    from salesglass.account_zone import resolve_zone
    from salesglass.model.schema import CANONICAL
    from salesglass.reports import derive
    from salesglass.reports.base import BuildParams, nullable
    from salesglass.reports.build import canon_of, require_canonical
    from salesglass.reports.development import from_connection
    from salesglass.reports.forecast import backtest
    from salesglass.warehouse import add_missing_canonical

    if not cfg.warehouse_path.exists():
        raise SalesglassError(f"no warehouse at {cfg.warehouse_path}: run `salesglass init` and load data first")
    rules = cfg.reports
    if months is not None:
        rules = rules.model_copy(update={"forecast": rules.forecast.model_copy(update={"backtest_months": months})})
    zone = resolve_zone(cfg)
    as_of = as_of or zone.today()
    params = BuildParams(as_of=as_of, timezone=zone.name, rules=rules)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    add_missing_canonical(cfg.warehouse_path)  # a warehouse of an older version: as the build does
    con.execute(f"ATTACH {quote_lit(str(cfg.warehouse_path))} AS wh (READ_ONLY)")
    try:
        require_canonical(con.execute, cfg.warehouse_path)
    except SalesglassError:
        con.close()
        raise
    for t in CANONICAL:
        con.execute(f"CREATE VIEW {quote_ident(t.name)} AS SELECT * FROM wh.{quote_ident(t.name)}")
    try:  # [amocrm] development_pipelines as the build resolves it (a wrong name: the key, before any work)
        params = replace(params, development_pipelines=from_connection(cfg.amocrm.development_pipelines, con))
    except SalesglassError:
        con.close()
        raise
    backend = ibis.duckdb.from_connection(con)

    def keep(name: str, expr):
        step = time.perf_counter()
        table = backend.create_table(name, nullable(expr), temp=True, overwrite=True)
        say(f"{name:<26} {time.perf_counter() - step:6.2f} s")
        return table

    canon = derive.derive(canon_of(backend), params, keep)
    bt = keep("report_forecast_backtest", backtest.build(canon, params))
    acc = keep("report_forecast_accuracy", backtest.accuracy(replace(canon, forecast_backtest=bt), params))
    cur = con.execute(f"SELECT * FROM {acc.get_name()}")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    counted = con.execute(f"SELECT count(DISTINCT as_of) FROM {bt.get_name()}").fetchone()
    cases = int(counted[0]) if counted else 0
    # the whole history's first and last day (partner_days stops at as_of)
    local = f"CAST(timezone({quote_lit(zone.name)}, sold_at) AS DATE)"
    span = con.execute(f"SELECT min({local}), max({local}) FROM sales").fetchone()
    first, last = span if span else (None, None)
    con.close()
    seconds = time.perf_counter() - started
    return BacktestResult(as_of, seconds, cases, rows, first_day=first, last_day=last)


def why_no_cases(result: BacktestResult, cfg: Config, months: int | None) -> str:
    """What to tell a user whose backtest replayed no day: no sales at all, --as-of before the history had
    enough days, or --as-of so late that the replayed months hold no sales."""
    rules = cfg.reports.forecast
    if result.first_day is None:
        return "no backtest cases: the warehouse has no sales yet (run `salesglass load`)"
    need = rules.min_history_days
    if result.as_of < result.first_day + timedelta(days=need):
        return (
            f"no backtest cases: the history before {result.as_of} is too short — the first sale is on "
            f"{result.first_day}, and a replayed day needs {need} days of sales before it "
            "([reports.forecast] min_history_days)"
        )
    return (
        f"no backtest cases: the {months or rules.backtest_months} months before {result.as_of} hold no sales "
        f"(the last sale is on {result.last_day}); choose an --as-of within the history"
    )


POINT_LABELS = {
    "month": {1: "day 1–7", 2: "day 8–14", 3: "day 15–21", 4: "day 22+"},
    "quarter": {1: "0–25 %", 2: "25–50 %", 3: "50–75 %", 4: "75–100 %"},
    "year": {1: "0–25 %", 2: "25–50 %", 3: "50–75 %", 4: "75–100 %"},
}


def accuracy_table(rows: list[dict], period_type: str, metrics: tuple[str, ...]):
    """A rich table: per metric and point of the period, MAPE and bias of each method, and coverage."""
    from rich.table import Table

    def pct(v):
        return "—" if v is None else f"{v:.1f}"

    from salesglass.reports.forecast.backtest import MIN_PERIODS

    t = Table(title=f"{period_type}: MAPE and bias, % (lower is better); P10–P90: % of cases inside the range")
    cols = ("metric", "as of", "cases", "periods", "forecast", "run-rate", "last year", "bias", "bias rr", "P10–P90")
    for col in cols:
        t.add_column(col, justify="left" if col in ("metric", "as of") else "right")
    by = {(r["period_type"], r["metric"], r["point"], r["method"]): r for r in rows}
    for metric in metrics:
        for point in (1, 2, 3, 4):
            f = by.get((period_type, metric, point, "forecast"))
            if f is None:
                continue
            rr = by.get((period_type, metric, point, "run_rate"), {})
            ly = by.get((period_type, metric, point, "last_year"), {})
            few = (f.get("periods") or 0) < MIN_PERIODS  # one or two periods: dimmed, see few_periods_note
            t.add_row(
                metric,
                POINT_LABELS[period_type][point],
                str(f["cases"]),
                str(f.get("periods", "—")),
                pct(f["mape_pct"]),
                pct(rr.get("mape_pct")),
                pct(ly.get("mape_pct")),
                pct(f["bias_pct"]),
                pct(rr.get("bias_pct")),
                pct(f["coverage_pct"]),
                style="dim" if few else None,
            )
    return t


def few_periods_note(rows: list[dict], periods: tuple[str, ...]) -> str | None:
    """A line under the tables when some figures come from fewer than MIN_PERIODS periods."""
    from salesglass.reports.forecast.backtest import MIN_PERIODS

    if not any((r.get("periods") or 0) < MIN_PERIODS for r in rows if r["period_type"] in periods):
        return None
    return (
        f"Dim rows come from fewer than {MIN_PERIODS} periods (e.g. a year's cases all from one year): "
        "an anecdote, not a measure of accuracy."
    )
