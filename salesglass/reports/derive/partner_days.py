"""Sales per partner and account-time-zone day: what the forecast and its backtest read.

The forecast works in days (weekday index, a partner's level over its last weeks, the days left in the
period), so it needs the daily series; this small table saves every forecast step a pass over `sales`.
Each metric is the day's net (sales and refunds); `refund_<metric>` is the refunds' part of it (≤ 0, a row
with negative turnover or tickets), so that the forecast can read a partner's pace from its sales alone
and expect refunds at the account's own rate (reports/forecast/existing.py).
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
    refund = (s.turnover < 0) | (s.tickets < 0)
    values = {
        "turnover": to_cents(s.turnover),
        "revenue": to_cents(s.revenue),
        "cost": to_cents(s.cost),
        "tickets": s.tickets.cast("int64"),
    }
    # grouped by the day's number, made a date once per group: cheaper than a date per sale
    g = s.group_by(partner_id=s.partner_id, n=params.local_day_number(s.sold_at)).agg(
        **{m: v.sum() for m, v in values.items()},
        **{f"refund_{m}": ibis.ifelse(refund, v, 0).sum() for m, v in values.items()},
    )
    # (DuckDB adds days to a date as a timestamp: made a date again explicitly)
    day = (ibis.literal(EPOCH, type="date") + g.n.as_interval("D")).cast("timestamp").date()
    return g.mutate(day=day).select("partner_id", "day", *METRICS, *[f"refund_{m}" for m in METRICS])
