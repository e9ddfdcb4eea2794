"""Sales per partner and account-time-zone day: what the forecast and its backtest read.

The forecast works in days (weekday index, a partner's level over its last weeks, the days left in the
period), so it needs the daily series; this small table saves every forecast step a pass over `sales`.
Money in kopecks and tickets as counts (BIGINT), so sums stay exact on every engine. Sales without a
partner form the partner_id NULL rows (Support).
"""

from __future__ import annotations

from datetime import date

import ibis

from salesglass.reports.base import BuildParams, Canon
from salesglass.reports.money import to_cents

EPOCH = date(1970, 1, 1)
METRICS = ("turnover", "revenue", "cost", "tickets")


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    s = canon.sales
    # grouped by the day's number, made a date once per group: cheaper than a date per sale
    g = s.group_by(partner_id=s.partner_id, n=params.local_day_number(s.sold_at)).agg(
        turnover=to_cents(s.turnover).sum(),
        revenue=to_cents(s.revenue).sum(),
        cost=to_cents(s.cost).sum(),
        tickets=s.tickets.cast("int64").sum(),
    )
    # (DuckDB adds days to a date as a timestamp: made a date again explicitly)
    day = (ibis.literal(EPOCH, type="date") + g.n.as_interval("D")).cast("timestamp").date()
    return g.mutate(day=day).select("partner_id", "day", *METRICS)
