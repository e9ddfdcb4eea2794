"""report_bonus_lines — every line of every manager's bonus statement, month by month up to as_of.

- first_sale (sales): a partner's first sale in the month → the acquiring deal's sales manager earns
  first_sale_fixed × cold_multiplier (cold deal) or × 1; base and rate NULL.
- acquisition_share (sales): in the partner's months 0 … acquisition_months−1 (0 = first-sale month) with
  revenue > 0 → round(acquisition_rate × revenue, 2) to the acquiring deal's sales manager.
- growth (development): from month acquisition_months on → baseline = mean revenue of the 3 previous
  months (months without sales = 0, months before the first sale included as they are), rounded to
  kopecks so the line explains itself (`baseline` column); growth = revenue − baseline; if > 0,
  round(growth_rate × growth, 2) to the partner's development manager (active or not: the bonus is
  earned for the month, whoever still works here). `base` = growth.
A line whose manager would be NULL is not produced (data quality counts such partners).

The numbers are those in force for the line's month (reports/bonus_rules.py: `valid_from` changes, and
the rules an approved month was approved with). This is the *recomputed* truth of every month;
reports/bonus_close.py keeps approved months as they were approved and turns differences into
adjustment lines.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join, union_all
from salesglass.reports.money import MONEY, RATE, div_round, from_cents, rate_lit, to_cents
from salesglass.reports.periods import month_index

_I64 = "int64"


def _first_sale_lines(canon: Canon, params: BuildParams) -> ibis.Table:
    rules = params.bonus_schedule
    fs = canon.first_sales.join(canon.acquiring_deals, "partner_id")
    fs = fs.filter(fs.sales_manager_id.notnull())
    cold = fs.is_cold.fill_null(False)
    month = fs.first_sale_month
    return fs.select(
        month=month,
        manager_id=fs.sales_manager_id.cast(_I64),
        role=ibis.literal("sales"),
        rule=ibis.literal("first_sale"),
        partner_id=fs.partner_id,
        deal_id=fs.deal_id.cast(_I64),
        base=ibis.null(MONEY),
        rate=ibis.null(RATE),
        multiplier=ibis.ifelse(cold, rules.rate(month, "cold_multiplier"), rate_lit(1)),
        amount=ibis.ifelse(
            cold,
            rules.money(month, "first_sale_fixed", times="cold_multiplier"),
            rules.money(month, "first_sale_fixed"),
        ),
        baseline=ibis.null(MONEY),
    )


def _partner_month_grid(canon: Canon, params: BuildParams) -> ibis.Table:
    """Every partner that has sold × every month from 3 before its first sale to the as_of month."""
    fs = canon.first_sales.join(canon.partners.select("partner_id", "development_manager_id"), "partner_id")
    fs = left_join(fs, canon.acquiring_deals.select("partner_id", "deal_id", "sales_manager_id"), "partner_id")
    last = ibis.literal(params.as_of_month.year * 12 + params.as_of_month.month - 1, type=_I64)
    grid = fs.mutate(k=ibis.range(-3, last - month_index(fs.first_sale_month) + 1).unnest())
    grid = grid.mutate(month=(grid.first_sale_month + grid.k.as_interval("M")).cast("date"))
    grid = grid.mutate(month_no=month_index(grid.first_sale_month) + grid.k)
    pm = canon.partner_months
    rev = pm.filter(pm.partner_id.notnull()).select(
        "partner_id", month_no=month_index(pm.month), revenue=to_cents(pm.revenue)
    )
    grid = left_join(grid, rev, ["partner_id", "month_no"])
    grid = grid.mutate(revenue=grid.revenue.fill_null(0))
    w = ibis.window(group_by=grid.partner_id, order_by=grid.k)
    prev = [grid.revenue.lag(n).over(w).fill_null(0) for n in (1, 2, 3)]
    return grid.mutate(baseline=div_round(prev[0] + prev[1] + prev[2], 3))


def _share_and_growth_lines(canon: Canon, params: BuildParams) -> tuple[ibis.Table, ibis.Table]:
    rules = params.bonus_schedule
    g = _partner_month_grid(canon, params)
    g = g.mutate(acquisition_months=rules.integer(g.month, "acquisition_months"))
    share = g.filter(g.k >= 0, g.k < g.acquisition_months, g.revenue > 0, g.sales_manager_id.notnull())
    num, den = rules.rational(share.month, "acquisition_rate")
    share = share.select(
        month=share.month,
        manager_id=share.sales_manager_id.cast(_I64),
        role=ibis.literal("sales"),
        rule=ibis.literal("acquisition_share"),
        partner_id=share.partner_id,
        deal_id=share.deal_id.cast(_I64),
        base=from_cents(share.revenue),
        rate=rules.rate(share.month, "acquisition_rate"),
        multiplier=rate_lit(1),
        amount=from_cents(div_round(share.revenue * num, den)),
        baseline=ibis.null(MONEY),
    )
    growth = g.mutate(growth=g.revenue - g.baseline)
    growth = growth.filter(
        growth.k >= growth.acquisition_months, growth.growth > 0, growth.development_manager_id.notnull()
    )
    num, den = rules.rational(growth.month, "growth_rate")
    growth = growth.select(
        month=growth.month,
        manager_id=growth.development_manager_id.cast(_I64),
        role=ibis.literal("development"),
        rule=ibis.literal("growth"),
        partner_id=growth.partner_id,
        deal_id=ibis.null(_I64),
        base=from_cents(growth.growth),
        rate=rules.rate(growth.month, "growth_rate"),
        multiplier=rate_lit(1),
        amount=from_cents(div_round(growth.growth * num, den)),
        baseline=from_cents(growth.baseline),
    )
    return share, growth


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    share, growth = _share_and_growth_lines(canon, params)
    lines = union_all(_first_sale_lines(canon, params), share, growth)
    return lines.order_by("month", "manager_id", "rule", "partner_id")
