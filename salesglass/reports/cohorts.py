"""report_cohorts — partners grouped by the month of their first sale, followed month by month.

Offsets run from 0 (the cohort month) to the as_of month, also through months without sales (then
only `partners` is non-zero). Sales of a cohort's partners before their first sale (refunds, zero-ticket
rows) have no offset ≥ 0 and are not shown.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join
from salesglass.reports.money import MONEY
from salesglass.reports.periods import month_index


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    fs = canon.first_sales.join(canon.partners.select("partner_id", "kind"), "partner_id")
    cohort = fs.group_by(cohort_month=fs.first_sale_month, kind=fs.kind).agg(partners=fs.count().cast("int64"))
    last = ibis.literal(params.as_of_month.year * 12 + params.as_of_month.month - 1, type="int64")
    grid = cohort.mutate(month_offset=ibis.range(0, last - month_index(cohort.cohort_month) + 1).unnest())

    pm = canon.partner_months
    sales = pm.join(fs, "partner_id")
    sales = sales.mutate(month_offset=month_index(sales.month) - month_index(sales.first_sale_month))
    sales = sales.filter(sales.month_offset >= 0)
    per_offset = sales.group_by(
        cohort_month=sales.first_sale_month, kind=sales.kind, month_offset=sales.month_offset
    ).agg(
        active_partners=ibis.ifelse(sales.tickets > 0, 1, 0).sum(),
        turnover=sales.turnover.sum(),
        revenue=sales.revenue.sum(),
        tickets=sales.tickets.sum(),
    )
    out = left_join(grid, per_offset, ["cohort_month", "kind", "month_offset"])
    return out.select(
        "cohort_month",
        "kind",
        month_offset=out.month_offset.cast("int32"),
        partners=out.partners,
        active_partners=out.active_partners.fill_null(0).cast("int64"),
        turnover=out.turnover.fill_null(0).cast(MONEY),
        revenue=out.revenue.fill_null(0).cast(MONEY),
        tickets=out.tickets.fill_null(0).cast("int64"),
    ).order_by("cohort_month", "kind", "month_offset")
