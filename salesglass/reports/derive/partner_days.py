"""Sales per partner and account-time-zone day: what the forecast and its backtest read.

The forecast works in days (weekday index, a partner's level over its last weeks, the days left in the
period), so it needs the daily series; this small table saves every forecast step a pass over `sales`.
Money in kopecks and tickets as counts (BIGINT), so sums stay exact on every engine. Sales without a
partner form the partner_id NULL rows (Support).
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon
from salesglass.reports.money import to_cents


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    s = canon.sales
    s = s.mutate(day=params.local_date(s.sold_at))
    return s.group_by("partner_id", "day").agg(
        turnover=to_cents(s.turnover).sum(),
        revenue=to_cents(s.revenue).sum(),
        cost=to_cents(s.cost).sum(),
        tickets=s.tickets.cast("int64").sum(),
    )
