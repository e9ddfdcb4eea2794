"""Sales per partner and account-time-zone month: the one pass over `sales` every build pays.

Plan-fact, sales share, cohorts and bonuses all read this small table instead of scanning the sales
again; it also carries each month's first positive sale, from which `first_sale_at` is taken, and its
number of sale rows, from which data quality counts the sales of partners the platform does not list
(a build that keeps this table after a moved deal then never reads the sales for it).
Sales without a partner form the partner_id NULL rows (Support).
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    s = canon.sales
    return s.group_by(partner_id=s.partner_id, month=params.month_of_many(s.sold_at)).agg(
        turnover=s.turnover.sum(),
        revenue=s.revenue.sum(),
        cost=s.cost.sum(),
        tickets=s.tickets.cast("int64").sum(),
        first_positive_sale_at=s.sold_at.min(where=s.tickets > 0),
        sale_rows=s.count().cast("int64"),
    )
