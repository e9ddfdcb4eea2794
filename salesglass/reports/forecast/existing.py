"""The base: what partners already selling will sell in the rest of the period.

For each partner, as of day u:
- its **level** = its sales over the last `level_days` days (from its first sale if that is later, but
  over at least the last 14 days) ÷ the Σ of the day weights of those days — "sales per average day";
- expected remainder = level × Σ of the day weights of the days left in the period (u+1 … period end);
- a **stopped** partner (a steady seller silent for more than `stop_days` days and `stop_gaps` usual gaps
  between its sales, `stopped`) is expected to sell nothing more;
- a **declining** partner (last 28 days ≥ `decline_pct` % below its 84 days before, both seasonally
  adjusted, first sale at least 112 days ago) starts from its last 28 days instead, and keeps declining at
  the same pace: the remainder is multiplied by the mean of r^(h/28) over the h = 1 … H days left, r being
  its last-28-days ÷ previous-84-days ratio.
Every window reads a partner's sales without its refunds (`sold`), and the level is then × what the account
keeps of its sales after refunds over its last 52 weeks (`refund_keep`): a cancelled show refunded in one
day is a past event, not a pace — read as one, a single refund of 50 days' sales made a steady partner
"declining" at −78.60 ₽ a day, and its year −27 132 ₽; netted in the level window, it lowered its
partner's level for the window's 56 days.
Sales without a partner (Support) are one more "partner". Per manager: the partner's development manager.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salesglass.reports.base import BuildParams, Canon, left_join, union_all
from salesglass.reports.forecast.days import EPOCH, F64, I64, backtest_start, day_no, lit_day, numbers
from salesglass.reports.forecast.seasonality import OPEN

METRICS = ("turnover", "revenue", "cost", "tickets")
COMPANY = -1
RECENT, PRIOR_END = 28, 112
YOUNG_DAYS = 14  # a partner younger than this: its sales so far spread over this many days (see partner_levels)


def sold(pd: ibis.Table, m: str) -> ir.NumericValue:
    """A partner-day's sales as the forecast's windows read them: its sales without its refunds
    (partner_days.refund_<m>, ≤ 0). Refunds are expected at the account's rate instead (refund_keep)."""
    return pd[m] - pd[f"refund_{m}"]


REFUND_DAYS = 364  # the account's refund rate is read over its last 52 weeks


def refund_keep(canon: Canon, origins: ibis.Table) -> ibis.Table:
    """as_of × k_<metric>: what the account keeps of its sales after refunds over its last REFUND_DAYS days,
    1 + refunds ÷ sales (refunds ≤ 0), between 0 and 1; 1 without sales. A partner's level is read from its
    sales alone and × this: one big refund (a cancelled show) lowers the pace expected of the whole account
    by its share of a year's sales, instead of lowering its partner's level by all of it for the 56 days of
    the level window (and not at all once a day's refunds exceeded its sales, a day then reading 0)."""
    pd = canon.partner_days
    cd = pd.group_by(dn=day_no(pd.day)).agg(
        **{f"s_{m}": sold(pd, m).sum() for m in METRICS}, **{f"r_{m}": pd[f"refund_{m}"].sum() for m in METRICS}
    )
    x = origins.cross_join(cd)
    x = x.filter(x.dn > x.as_of - REFUND_DAYS, x.dn <= x.as_of)
    g = x.group_by("as_of").agg(
        **{f"s_{m}": x[f"s_{m}"].sum() for m in METRICS}, **{f"r_{m}": x[f"r_{m}"].sum() for m in METRICS}
    )
    keep = {
        f"k_{m}": ibis.ifelse(
            g[f"s_{m}"] > 0,
            ibis.greatest(ibis.least(1 + g[f"r_{m}"].cast(F64) / g[f"s_{m}"].cast(F64), 1.0), 0.0),
            1.0,
        )
        for m in METRICS
    }
    return g.select("as_of", **keep)


def _edges(canon: Canon, params: BuildParams, origins: ibis.Table) -> ibis.Table:
    """as_of × window edge: the day numbers b = as_of − off the window sums are read at."""
    offs = sorted({0, RECENT, params.rules.forecast.level_days, PRIOR_END})
    return union_all(*[origins.select("as_of", off=ibis.literal(o, type=I64), b=origins.as_of - o) for o in offs])


def _segments(canon: Canon, params: BuildParams, edges: ibis.Table) -> ibis.Table:
    """partner × segment: Σ of each metric over the days of a segment, the days after one window edge up
    to the next (b, the segment's last day). No window of any as-of day cuts a segment, so summing
    segments instead of days gives the same sums with fewer rows to join to the as-of days."""
    rules = params.rules.forecast
    lo = (backtest_start(params) - EPOCH).days - max(rules.level_days, PRIOR_END)  # no edge is earlier
    hi = (params.as_of - EPOCH).days
    bs = edges.select("b").distinct()
    # each day → its segment: the first edge on or after it (days before every edge: the first edge)
    days = left_join(numbers(canon, lo, hi, "dn"), bs.select(dn="b", edge="b"), "dn")
    after = ibis.window(order_by=days.dn, preceding=0, following=None)
    days = days.select("dn", seg=days.edge.min().over(after))
    pd = canon.partner_days
    pd = pd.mutate(dn=ibis.greatest(day_no(pd.day), lo))
    pd = pd.join(days, "dn")
    selling = sold(pd, "turnover") > 0
    return pd.group_by(partner_id=pd.partner_id, b=pd.seg).agg(
        **{m: sold(pd, m).sum() for m in METRICS},
        sold_days=pd.dn.count(where=selling),
        last_dn=pd.dn.max(where=selling),
    )


def _before_first_sale(canon: Canon, params: BuildParams, origins: ibis.Table, days: int) -> ibis.Table:
    """as_of × partner: Σ per metric of its days in the last `days` that came before its first positive
    sale (refunds, sales without tickets): the level window starts at the first sale."""
    pd = canon.partner_days
    pd = pd.mutate(dn=day_no(pd.day))
    fs = canon.first_sales
    fs = fs.select("partner_id", fs_dn=day_no(params.local_date(fs.first_sale_at)))
    pre = pd.join(fs, "partner_id")
    pre = pre.filter(pre.dn < pre.fs_dn).select("partner_id", "dn", **{m: sold(pre, m) for m in METRICS})
    x = origins.cross_join(pre)
    x = x.filter(x.dn > x.as_of - days, x.dn <= x.as_of)
    return x.group_by("as_of", "partner_id").agg(**{f"x_{m}": x[m].sum() for m in METRICS})


def window_sums(canon: Canon, params: BuildParams, origins: ibis.Table) -> ibis.Table:
    """as_of × partner with a sale in the last max(level_days, 112) days: l_<metric> (its level window,
    from its first sale if later), r_<metric> (the last 28 days), p_turnover (the 84 days before)."""
    L = params.rules.forecast.level_days
    wide = max(L, PRIOR_END)
    edges = _edges(canon, params, origins)
    seg = _segments(canon, params, edges)
    # the segments each as-of day's windows hold: segment end b in (as_of − window, as_of]
    held = origins.cross_join(edges.select("b").distinct())
    held = held.filter(held.b <= held.as_of, held.b > held.as_of - wide)
    x = seg.join(held, "b")
    in_level = x.b > x.as_of - L
    recent = x.b > x.as_of - RECENT
    prior = (x.b > x.as_of - PRIOR_END) & (x.b <= x.as_of - RECENT)
    aggs = {f"l_{m}": x[m].sum(where=in_level) for m in METRICS}
    aggs |= {f"r_{m}": x[m].sum(where=recent) for m in METRICS}
    aggs |= {f"w_{m}": x[m].sum() for m in METRICS}  # the whole wide window: a level's fallback
    aggs["p_turnover"] = x.turnover.sum(where=prior)
    aggs["sold_days"] = x.sold_days.sum(where=x.b > x.as_of - PRIOR_END)  # selling days of the last 112
    aggs["last_dn"] = x.last_dn.max()  # its last selling day (each segment ends on or before as_of)
    g = x.group_by("as_of", "partner_id").agg(**aggs)
    pre = _before_first_sale(canon, params, origins, L)
    g = left_join(g, pre, ["as_of", "partner_id"])
    level = {f"l_{m}": g[f"l_{m}"].fill_null(0) - g[f"x_{m}"].fill_null(0) for m in METRICS}
    return g.select(
        "as_of",
        "partner_id",
        *[f"r_{m}" for m in METRICS],
        *[f"w_{m}" for m in METRICS],
        "p_turnover",
        "sold_days",
        "last_dn",
        **level,
    )


def partner_levels(canon: Canon, params: BuildParams, weights: ibis.Table) -> ibis.Table:
    """as_of × partner: level per metric (per unit of day weight), decline ratio r and flag."""
    rules = params.rules.forecast
    L = rules.level_days
    fs = canon.first_sales
    fs = fs.select("partner_id", fs_dn=day_no(params.local_date(fs.first_sale_at)))
    g = left_join(window_sums(canon, params, weights.filter(weights.k == 0).select("as_of")), fs, "partner_id")
    # weights: Σ over the level window from its start a, over the last 28 days, over the 84 before, over
    # the whole wide window; open days up to as_of (and up to the last selling day, below)
    wide = max(L, PRIOR_END)
    wu = weights.filter(weights.k == 0).select("as_of", cum_u="cum", open_u="open_cum")
    w28 = weights.filter(weights.k == -RECENT).select("as_of", cum_28="cum")
    w112 = weights.filter(weights.k == -PRIOR_END).select("as_of", cum_112="cum")
    ww = weights.filter(weights.k == -wide).select("as_of", cum_wide="cum")
    g = left_join(left_join(left_join(left_join(g, wu, "as_of"), w28, "as_of"), w112, "as_of"), ww, "as_of")
    g = left_join(g, weights.select("as_of", last_dn="day", open_last="open_cum"), ["as_of", "last_dn"])
    # the window starts at the first sale, but spans at least YOUNG_DAYS: a partner whose first day was its
    # launch (one day of 50 000) is not expected to sell 50 000 every day of the year
    start = ibis.least(g.fs_dn.fill_null(g.as_of - L + 1), g.as_of - YOUNG_DAYS + 1)
    g = g.mutate(a=ibis.greatest(g.as_of - L + 1, start))
    wa = weights.select("as_of", a="day", cum_a="cum", wt_a="wt")
    g = left_join(g, wa, ["as_of", "a"])
    k_level = g.cum_u - g.cum_a + g.wt_a
    k_recent = g.cum_u - g.cum_28
    k_prior = g.cum_28 - g.cum_112
    k_wide = g.cum_u - g.cum_wide
    # (a window of closed days only weighs 0: no pace to read from it)
    r_level = ibis.ifelse(k_recent > OPEN, g.r_turnover.fill_null(0).cast(F64) / k_recent, 0.0)
    p_level = ibis.ifelse(k_prior > OPEN, g.p_turnover.fill_null(0).cast(F64) / k_prior, 0.0)
    established = g.fs_dn.notnull() & (g.fs_dn <= g.as_of - PRIOR_END) & (k_recent > OPEN)
    share = 1 - float(rules.decline_pct) / 100
    declining = established & (p_level > 0) & (r_level < p_level * share)
    stop = stopped(g, params)
    levels = {
        m: ibis.ifelse(
            stop,
            0.0,
            ibis.ifelse(
                declining,
                g[f"r_{m}"].fill_null(0).cast(F64) / k_recent,
                ibis.ifelse(
                    k_level > OPEN,
                    g[f"l_{m}"].fill_null(0).cast(F64) / k_level,
                    # its whole level window fell in closed months (a business closed every summer, as of
                    # late August): the pace of its open days of the wide window, before the closing
                    ibis.ifelse(k_wide > OPEN, g[f"w_{m}"].fill_null(0).cast(F64) / k_wide, 0.0),
                ),
            ),
        )
        for m in METRICS
    }
    ratio = ibis.ifelse(declining, r_level / p_level, 1.0)
    g = g.select("as_of", "partner_id", declining=declining, ratio=ratio, **levels)
    # read from sales alone, each level is net of refunds at the account's rate of its last 52 weeks
    g = left_join(g, refund_keep(canon, weights.filter(weights.k == 0).select("as_of")), "as_of")
    return g.select(
        "as_of", "partner_id", "declining", "ratio", **{m: g[m] * g[f"k_{m}"].fill_null(1.0) for m in METRICS}
    )


STOP_MIN_SOLD_DAYS = (
    56  # a steady seller: it sold on at least half of its last 112 days (backtest: fewer judged too many)
)


def stopped(g: ibis.Table, params: BuildParams) -> ir.BooleanValue:
    """A steady seller that stopped dead: it sold on at least half of its last 112 days, and has been silent
    (no sale since its last selling day) for more than `stop_days` days and more than `stop_gaps` times its
    usual gap between selling days. Its usual gap: the days from the start of its last 112 days (or its
    first sale, if later) to its last selling day ÷ its selling days in them — 1 for a partner that sold
    every day. (With the defaults the 21 days decide: a steady seller's gap is at most 2. Judging partners
    that sell less often made the simulated company's forecast worse: their silences were mostly the
    gap between two events, docs/forecast.md.) g: as_of, fs_dn, sold_days, last_dn (window_sums), open_u,
    open_last (the open days up to as_of and up to last_dn, seasonality.day_weights)."""
    rules = params.rules.forecast
    if rules.stop_gaps <= 0:
        return ibis.literal(False)
    start = ibis.greatest(g.as_of - PRIOR_END + 1, g.fs_dn.fill_null(g.as_of - PRIOR_END + 1))
    gap = (g.last_dn - start + 1).cast(F64) / ibis.greatest(g.sold_days, 1).cast(F64)
    # silent days are the account's open days since its last sale: a summer the business is closed (month
    # index 0) is no silence of the partner's
    quiet = g.open_u - g.open_last
    steady = g.sold_days.fill_null(0) >= STOP_MIN_SOLD_DAYS
    return steady & (quiet > rules.stop_days) & (quiet.cast(F64) > gap * float(rules.stop_gaps))


def _decay(ratio, days_left):
    """Mean over h = 1 … H of ratio^(h/28): how much of its level a declining partner keeps on average."""
    q = ratio ** (1.0 / RECENT)
    h = days_left.cast(F64)
    mean = q * (1 - q**h) / (h * (1 - q))
    return ibis.ifelse((ratio >= 1) | (ratio <= 0) | (days_left <= 0) | (1 - q < 1e-9), 1.0, mean)


def rules_decay(params: BuildParams) -> bool:
    return params.rules.forecast.decline_keeps_falling


def remainder(canon: Canon, params: BuildParams, weights: ibis.Table, periods: ibis.Table) -> ibis.Table:
    """as_of × period_type × mkey: the base's expected sales after as_of to the period end (float, in
    kopecks / tickets)."""
    lv = partner_levels(canon, params, weights)
    wu = weights.filter(weights.k == 0).select("as_of", cum_u="cum")
    we = weights.select("as_of", pe="day", cum_e="cum")
    per = left_join(left_join(periods.select("as_of", "period_type", "pe"), wu, "as_of"), we, ["as_of", "pe"])
    per = per.mutate(k_rest=(per.cum_e - per.cum_u).fill_null(0), left=per.pe - per.as_of)
    x = lv.join(per, "as_of")
    factor = ibis.ifelse(x.declining & ibis.literal(rules_decay(params)), x.k_rest * _decay(x.ratio, x.left), x.k_rest)
    x = x.mutate(**{m: x[m] * factor for m in METRICS})
    dev = canon.partners.select("partner_id", mgr="development_manager_id")
    x = left_join(x, dev, "partner_id")
    managed = x.filter(x.mgr.notnull(), x.as_of == lit_day(params.as_of))  # the backtest is company-wide
    rows = union_all(
        x.select("as_of", "period_type", *METRICS, mkey=ibis.literal(COMPANY, type=I64)),
        managed.select("as_of", "period_type", *METRICS, mkey=managed.mgr.cast(I64)),
    )
    return rows.group_by("as_of", "period_type", "mkey").agg(**{m: rows[m].sum() for m in METRICS})
