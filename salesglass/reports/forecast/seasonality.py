"""The account's seasonality as of each as-of day: a weekday index and a month-of-year index.

Both come from the company's own daily turnover before the as-of day (nothing later is seen):
- weekday index w(k) = (mean turnover of weekday k) / (mean turnover of a day), over the last
  `weekday_days` days — Σ over days ÷ number of days, never a mean of daily ratios;
- month index m(M) = mean over past years of (turnover per day in month M) / (turnover per day over the
  12 months centred on it), which takes the growth trend out. A month of year with no centred ratio yet
  falls back to its ratio against the last 12 complete months, each brought to today's level by the
  year-over-year growth of the last 3 months (when a year before them is known); with less than 12
  months of history, 1.
  The first month with sales is left out (it is usually partial). A month without sales counts as 0 (a
  business closed every summer: its summer months weigh 0, so nothing is expected of them).
The weight of a day is w(weekday) × m(month): "how much this day sells compared with an average day".
Only ratios of weights matter (a partner's level is divided by the weights of its own recent days), so
the indexes need no normalisation.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import Canon, left_join
from salesglass.reports.forecast.days import F64, I64, day_no, dow, numbers, to_date
from salesglass.reports.periods import month_index

OPEN = 1e-9  # a day weighing no more than this is a closed day (its month or weekday never sells)


def company_days(canon: Canon) -> ibis.Table:
    """Company turnover per day number (days without sales are absent), its sales without its refunds as
    the base reads them (existing.sold: one refund of 50 days' sales on a Sunday had made every later Sunday
    weigh 0.04 of an average day)."""
    pd = canon.partner_days
    pd = pd.mutate(n=day_no(pd.day))
    return pd.group_by(day="n").agg(turnover=(pd.turnover - pd.refund_turnover).sum())


def weekday_index(canon: Canon, origins: ibis.Table, cdays: ibis.Table, days: int) -> ibis.Table:
    span = origins.cross_join(numbers(canon, -(days - 1), 0))
    span = span.mutate(day=span.as_of + span.k)
    j = left_join(span, cdays, "day")
    j = j.mutate(t=j.turnover.fill_null(0).cast(F64), dow=dow(j.day))
    g = j.group_by("as_of", "dow").agg(s=j.t.sum(), n=j.t.count())
    whole = ibis.window(group_by=g.as_of)
    total, count = g.s.sum().over(whole), g.n.sum().over(whole)
    w = ibis.ifelse(total > 0, (g.s / g.n) / (total / count), 1.0)
    return g.select("as_of", "dow", w=w)


def _months(cdays: ibis.Table) -> ibis.Table:
    """Turnover per day of each complete calendar month after the first, with its centred ratio. Every day
    from the first sale to the last counts, days without sales as 0: a month the business is closed every
    year (no sales June–August) is learnt as a month that sells nothing, index 0 — read from the months
    with sales only, it had an average month's index, and its absence left no 12 months in a row to take
    any month's centred ratio from."""
    span = cdays.aggregate(lo=cdays.day.min(), hi=cdays.day.max())
    every = span.select(day=ibis.range(span.lo, span.hi + 1).unnest().cast(I64))
    every = left_join(every, cdays, "day")
    every = every.select("day", turnover=every.turnover.fill_null(0))
    start = to_date(every.day).truncate("M")
    m = every.mutate(mi=month_index(start), mdays=day_no(start + ibis.interval(months=1)) - day_no(start))
    m = m.group_by("mi", "mdays").agg(s=m.turnover.sum())
    first = m.aggregate(first_mi=m.mi.min())
    m = m.cross_join(first)
    m = m.filter(m.mi > m.first_mi)
    m = m.mutate(avg=m.s.cast(F64) / m.mdays)
    around = ibis.window(order_by=m.mi, preceding=6, following=5)
    ma, n = m.avg.mean().over(around), m.avg.count().over(around)
    span = m.mi.max().over(around) - m.mi.min().over(around)
    centred = ibis.ifelse((n == 12) & (span == 11) & (ma > 0), m.avg / ma, ibis.null(F64))
    return m.select("mi", "avg", centred=centred)


def month_index_as_of(canon: Canon, origins: ibis.Table, cdays: ibis.Table) -> ibis.Table:
    months = _months(cdays)
    o = origins.mutate(umi=month_index(to_date(origins.as_of).truncate("M")))
    j = o.cross_join(months)
    j = j.mutate(moy=(j.mi % 12 + 1).cast(I64))
    cen = j.filter(j.centred.notnull(), j.mi + 5 <= j.umi - 1)
    cen = cen.group_by("as_of", "moy").agg(rc=cen.centred.mean())
    # growth over a year: the last 3 complete months against the same months a year before (1 without them)
    recent = j.filter(j.mi >= j.umi - 3, j.mi <= j.umi - 1).select("as_of", "mi", now="avg")
    ago = j.filter(j.mi >= j.umi - 15, j.mi <= j.umi - 13).select("as_of", mi=j.mi + 12, then="avg")
    pairs = recent.join(ago, ["as_of", "mi"])
    growth = pairs.group_by("as_of").agg(g_n=pairs.count(), g_now=pairs.now.sum(), g_then=pairs.then.sum())
    growth = growth.select(
        "as_of",
        g=ibis.ifelse((growth.g_n == 3) & (growth.g_then > 0) & (growth.g_now > 0), growth.g_now / growth.g_then, 1.0),
    )
    tr = left_join(j.filter(j.mi >= j.umi - 12, j.mi <= j.umi - 1), growth, "as_of")
    # each month brought to today's level by that growth, so the trend is not read as seasonality
    tr = tr.mutate(avg=tr.avg * tr.g.fill_null(1.0) ** ((tr.umi - 1 - tr.mi).cast(F64) / 12))
    year = ibis.window(group_by=tr.as_of)
    tr = tr.mutate(ym=tr.avg.mean().over(year), yn=tr.avg.count().over(year))
    tr = tr.filter(tr.yn == 12, tr.ym > 0)
    tr = tr.group_by("as_of", "moy").agg(rt=(tr.avg / tr.ym).mean())
    grid = origins.cross_join(numbers(canon, 1, 12, "moy"))
    out = left_join(left_join(grid, cen, ["as_of", "moy"]), tr, ["as_of", "moy"])
    return out.select("as_of", "moy", m=out.rc.coalesce(out.rt, ibis.literal(1.0, type=F64)))


def day_weights(canon: Canon, origins: ibis.Table, lo: int, hi: int, weekday_days: int) -> ibis.Table:
    """as_of × day (as_of + lo … as_of + hi): the day's weight, the running Σ of weights from lo, and the
    running count of open days (weight above 0: not in a month or on a weekday the account never sells)."""
    cdays = company_days(canon)
    widx = weekday_index(canon, origins, cdays, weekday_days)
    midx = month_index_as_of(canon, origins, cdays)
    od = origins.cross_join(numbers(canon, lo, hi))
    od = od.mutate(day=od.as_of + od.k)
    od = od.mutate(dow=dow(od.day), moy=to_date(od.day).month().cast(I64))
    od = left_join(left_join(od, widx, ["as_of", "dow"]), midx, ["as_of", "moy"])
    od = od.mutate(wt=od.w.fill_null(1.0) * od.m.fill_null(1.0))
    running = ibis.window(group_by=od.as_of, order_by=od.day, preceding=None, following=0)
    is_open = ibis.ifelse(od.wt > OPEN, 1, 0).cast(I64)
    return od.select("as_of", "day", "k", "wt", cum=od.wt.sum().over(running), open_cum=is_open.sum().over(running))
