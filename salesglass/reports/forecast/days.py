"""Days as numbers, the as-of days a forecast is made on, and the periods around them.

Every date of the forecast is a day number (days since 1970-01-01, account time zone): differences and
windows are plain integer arithmetic on every engine. A forecast is computed for a *set* of as-of days at
once — one day for the build, every backtest day for the backtest — so the same SQL serves both.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from salesglass.reports.base import BuildParams, Canon, union_all

I64 = "int64"
F64 = "float64"
EPOCH = date(1970, 1, 1)
PERIODS = (("month", "M", 1), ("quarter", "Q", 3), ("year", "Y", 12))
BACKTEST_DAYS = (1, 8, 15, 22)  # days of the month the backtest replays


def day_no(d: ir.DateValue) -> ir.IntegerValue:
    return d.epoch_days().cast(I64)


def to_date(n: ir.IntegerValue) -> ir.DateValue:
    return ibis.literal(EPOCH, type="date") + n.as_interval("D")


def lit_day(d: date) -> ir.IntegerValue:
    return ibis.literal((d - EPOCH).days, type=I64)


def whole(x: ir.FloatingValue) -> ir.IntegerValue:
    """Nearest integer, halves up, alike on every engine (ClickHouse rounds floats half to even). x is first
    snapped to hundredths, so a sum that one engine adds up to k + 0.4999999 and another to k + 0.5 lands on
    the same side."""
    snapped = (x * 100 + 0.5).floor() / 100
    return (snapped + 0.5).floor().cast(I64)


def one_row(canon: Canon) -> ibis.Table:
    m = canon.managers
    return m.aggregate(one_=m.count())


def numbers(canon: Canon, lo: int, hi: int, name: str = "k") -> ibis.Table:
    """A table of the integers lo..hi (inclusive) in column `name`."""
    return one_row(canon).select(**{name: ibis.range(lo, hi + 1).unnest().cast(I64)})


def dow(n: ir.IntegerValue) -> ir.IntegerValue:
    """Monday = 0 … Sunday = 6 (day 0, 1970-01-01, was a Thursday)."""
    return (n + 3) % 7


def production_origins(canon: Canon, params: BuildParams) -> ibis.Table:
    return one_row(canon).select(as_of=lit_day(params.as_of))


def backtest_start(params: BuildParams) -> date:
    """The first day the backtest may replay: the 1st of the month `backtest_months` before as_of's."""
    months = params.as_of.year * 12 + params.as_of.month - 1 - params.rules.forecast.backtest_months
    return date(months // 12, months % 12 + 1, 1)


def backtest_origins(canon: Canon, params: BuildParams) -> ibis.Table:
    """The 1st, 8th, 15th and 22nd of the last `backtest_months` months before as_of, each with at least
    `min_history_days` of sales history before it (up to as_of itself)."""
    rules = params.rules.forecast
    lo, hi = (backtest_start(params) - EPOCH).days, (params.as_of - EPOCH).days
    days = numbers(canon, lo, hi, "as_of")
    days = days.filter(to_date(days.as_of).day().isin(list(BACKTEST_DAYS)))
    pd = canon.partner_days
    start = pd.aggregate(first_day=day_no(pd.day).min())
    days = days.cross_join(start)
    return days.filter(days.as_of - days.first_day >= rules.min_history_days).select("as_of")


def all_origins(canon: Canon, params: BuildParams) -> ibis.Table:
    """The backtest's days and as_of itself: the forecast of every one of them is computed in one go."""
    return ibis.union(backtest_origins(canon, params), production_origins(canon, params), distinct=True)


def periods(origins: ibis.Table) -> ibis.Table:
    """The month, quarter and year around each as-of day: ps / pe (first / last day numbers), the point
    of the period the day is at (1..4: which week of a month, which quarter of a quarter or year)."""
    parts = []
    d = to_date(origins.as_of)
    for kind, unit, months in PERIODS:
        start = d.truncate(unit)
        ps = day_no(start)
        pe = day_no(start + ibis.interval(months=months)) - 1
        t = origins.mutate(period_type=ibis.literal(kind), period_start=start.cast("date"), ps=ps, pe=pe)
        elapsed = t.as_of - t.ps + 1
        total = t.pe - t.ps + 1
        point = (elapsed - 1) // 7 + 1 if kind == "month" else (elapsed - 1) * 4 // total + 1
        parts.append(t.mutate(days_elapsed=elapsed, days_total=total, point=ibis.least(point, 4).cast(I64)))
    return union_all(*parts)
