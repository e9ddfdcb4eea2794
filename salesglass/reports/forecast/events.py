"""The events on sale: what each event already selling will still sell in the running month.

Needs the optional canonical table `events` (each event's show date). As of day u:
- an event **on sale** (a sale on or before u, its show after u) with k days to its show and a lead L
  (its first sale → its show) has sold S_m so far (each metric, sales without refunds);
- its **development factor** f is learnt from the events whose show was before the 1st of u's month
  (all their sales seen), of the same lead bin (LEAD_BINS): what they sold in the h days after k days
  before their show, h = the days left in the month (up to the show), ÷ what they had sold by then, both
  summed over the events that had a sale by then (big events weigh most) and pooled over k ± a fifth
  (at least ± 1 day): a chain ladder by days to show. A bin without such events: all bins pooled. Each
  sale is first ÷ the month index of its day and the events' sales so far too, the result × the running
  month's index: the same days before a show sell more in December than in July. The index is fitted
  *within events* (month_index: each event's daily sales ≈ its size × its curves × the month), as known on
  that 1st;
- the events part = Σ S_m × f × what the account keeps after refunds (existing.refund_keep), for the
  running month only (an event's sales in later months are the base's, as before);
- the rest of the running month by what is not yet on sale (the events not yet selling, sales without an
  event) replaces the base's running month (`cut_<metric>` = the base's month − it): for the company, over
  the months that ended in the last year, what the events then on sale did not sell after the same day of
  the month ÷ the account's sales of the PACE_DAYS days up to that day, × its sales of the PACE_DAYS days
  up to as_of (its recent pace; the share below until MIN_MONTHS of those months have their PACE_DAYS
  within the history); for a manager, the base's month × the share of a month's rest those
  months' events not on sale brought. Nothing is counted twice. With fewer than MIN_MONTHS such months (or
  no event learnt from), no events part and no cut: the base alone, as without an events table.
Day numbers are account-time-zone days since 1970-01-01; money in kopecks.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join, union_all
from salesglass.reports.forecast.days import F64, I64, all_origins, day_no, lit_day, numbers, periods, to_date, whole
from salesglass.reports.forecast.existing import COMPANY, METRICS, refund_keep, sold
from salesglass.reports.forecast.seasonality import OPEN
from salesglass.reports.money import to_cents

LEAD_BINS = (4, 8, 15, 22, 32, 46, 65, 91, 130, 180, 250)  # lead (first sale → show) bins' lower edges
D = 400  # days before a show kept apart (an earlier sale counts as D days before; a longer lead as D)
SMOOTH = 5  # factors pooled over k ± k / SMOOTH days to show
MIN_MONTHS = 3  # months of the last year needed to know the share of the month the events on sale sell
CELL_K = 60  # the index's days-to-show curve: days before a show kept apart (earlier: one level)
CELL_AGE = 15  # … its days-since-start curve: days after an event's start kept apart
BLEND_DAYS = 365
PACE_DAYS = 56  # the account's recent pace the events not yet on sale are read against
FIT_DAYS = 400  # the month index is fitted on the events' days of the last 400 days (a year and a month)


def _bin(lead: ibis.Value) -> ibis.Value:
    return ibis.cases(*[(lead < b, i) for i, b in enumerate(LEAD_BINS)], else_=len(LEAD_BINS)).cast(I64)


def _bin_edges(b: ibis.Value) -> tuple[ibis.Value, ibis.Value]:
    """The smallest and largest lead of bin b."""
    los = (0, *LEAD_BINS)
    his = (*[x - 1 for x in LEAD_BINS], D)
    lo = ibis.cases(*[(b == i, v) for i, v in enumerate(los)], else_=0).cast(I64)
    hi = ibis.cases(*[(b == i, v) for i, v in enumerate(his)], else_=D).cast(I64)
    return lo, hi


def event_days(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_event_days: event × partner × day (number) of its sales without refunds, for the events of
    the `events` table: show_dn (its show's day), first_dn (its first sale's day) and the metrics (money
    in kopecks, tickets). Empty without an events table."""
    s = canon.sales
    refund = (s.turnover < 0) | (s.tickets < 0)
    s = s.filter(~refund, s.event_id.notnull())
    g = s.group_by(event_id=s.event_id, partner_id=s.partner_id, dn=params.local_day_number(s.sold_at).cast(I64)).agg(
        turnover=to_cents(s.turnover).sum(),
        revenue=to_cents(s.revenue).sum(),
        cost=to_cents(s.cost).sum(),
        tickets=s.tickets.cast(I64).sum(),
    )
    ev = canon.events
    ev = ev.filter(ev.show_at.notnull()).select(ev_id="event_id", show_dn=params.local_day_number(ev.show_at).cast(I64))
    g = g.join(ev, g.event_id == ev.ev_id).drop("ev_id")
    first = ibis.window(group_by=g.event_id)
    return g.mutate(first_dn=g.dn.min().over(first))


def _month_rows(origins: ibis.Table) -> ibis.Table:
    """as_of → lo (its month's first day), me (last day), h (days left in the month)."""
    per = periods(origins)
    m = per.filter(per.period_type == "month")
    return m.select("as_of", lo="ps", me="pe", h=m.pe - m.as_of)


def factors(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_ladder: lo (a month's first day) × h (days left) × bin (−1: all bins) × k (days to show,
    1 … D) → the running sums over k of the development factor's numerator and denominator (pn, pd)."""
    origins = all_origins(canon, params)
    pairs = _month_rows(origins).select("lo", "h").distinct()
    los = pairs.select("lo").distinct()
    ed = canon.forecast_event_days
    shown = ed.filter(ed.dn <= ed.show_dn)
    shown = shown.mutate(
        sm=day_no(to_date(shown.show_dn).truncate("M")),
        L=ibis.least(shown.show_dn - shown.first_dn, D),
        d=ibis.least(shown.show_dn - shown.dn, D),
    )
    shown = shown.mutate(moy=to_date(shown.dn).month().cast(I64))
    cells = shown.group_by("sm", "L", "d", "moy").agg(s=shown.turnover.sum())
    # what the events shown before each month had sold, by lead L and days before the show d, each sale
    # ÷ the month index of its day (as known on that 1st): the same days before a show sell more in December
    x = los.join(cells, los.lo > cells.sm)
    x = left_join(x, canon.forecast_event_index, ["lo", "moy"])
    # (in whole kopecks: the factors are differences of running sums, and a difference of float sums that
    # should be 0 came out 1e-9 on one engine and 0 on another — a factor of 0.25 read from nothing)
    s_lo = x.group_by("lo", "L", "d").agg(s=whole(_deseason(x.s, x.m).sum()))
    # the grid (L, j ≤ L) per month: T = Σ_{d ≥ j} of lead L, then C = Σ over leads ≥ L of the same bin
    grid = numbers(canon, 0, D, "L").cross_join(numbers(canon, 0, D, "j"))
    grid = grid.filter(grid.j <= grid.L)
    # …only for the months and lead bins that have shown events (none without an events table: no cost)
    have = s_lo.select("lo", b=_bin(s_lo.L)).distinct()
    g = grid.mutate(b=_bin(grid.L)).join(have, "b")
    g = left_join(g, s_lo.rename(j="d"), ["lo", "L", "j"])
    g = g.mutate(s=g.s.fill_null(0))
    t = ibis.window(group_by=[g.lo, g.L], order_by=ibis.desc(g.j), preceding=None, following=0)
    g = g.mutate(t=g.s.sum().over(t))
    c = ibis.window(group_by=[g.lo, g.b, g.j], order_by=ibis.desc(g.L), preceding=None, following=0)
    g = g.select("lo", "L", "j", c=g.t.sum().over(c))
    # per month, days left and bin: at k days to show, what the events of the bin that had sold by then
    # (lead ≥ k) had sold by k (c1) and by k − h (c2)
    pts = pairs.cross_join(numbers(canon, 0, len(LEAD_BINS), "b")).cross_join(numbers(canon, 1, D, "k"))
    pts = pts.join(have, ["lo", "b"])  # (no shown events: no factor, no rows)
    b_lo, b_hi = _bin_edges(pts.b)
    # every k of a bin (past its longest lead: 0), so that k ± a fifth always finds its running sums
    pts = pts.mutate(inside=pts.k <= b_hi, Ls=ibis.greatest(pts.k, b_lo), j2=ibis.greatest(pts.k - pts.h, 0))
    c1 = g.rename(c1="c")
    c2 = g.rename(c2="c", j2="j")
    pts = left_join(pts, c1.rename(Ls="L", k="j"), ["lo", "Ls", "k"])
    pts = left_join(pts, c2.rename(Ls="L"), ["lo", "Ls", "j2"])
    zero = ibis.literal(0, type=I64)
    pts = pts.select(
        "lo",
        "h",
        "b",
        "k",
        num=ibis.ifelse(pts.inside, (pts.c2 - pts.c1).fill_null(0), zero),
        den=ibis.ifelse(pts.inside, pts.c1.fill_null(0), zero),
    )
    # all bins pooled, as bin −1 (a bin without shown events at that many days to show falls back on it)
    al = pts.group_by("lo", "h", "k").agg(num=pts.num.sum(), den=pts.den.sum())
    pts = union_all(pts, al.select("lo", "h", b=ibis.literal(-1, type=I64), k="k", num="num", den="den"))
    run = ibis.window(group_by=[pts.lo, pts.h, pts.b], order_by=pts.k, preceding=None, following=0)
    return pts.select("lo", "h", "b", "k", pn=pts.num.sum().over(run), pd=pts.den.sum().over(run))


def event_cells(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_event_cells: every event that sold × every day from its start (its creation, or its first
    sale if that came first) to its show (or its last sale, if later): ev (a number), dn, y (its turnover
    that day, 0 on a day without a sale), first_dn, kb (lead bin × days to show, up to CELL_K), ab (lead
    bin × days since its start, up to CELL_AGE) and moy (month of the year): what month_index fits. (An
    event created before the account's first sale starts on that day: no sale is known before.) Above
    `index_cells` cells, every n-th event only (a dozen numbers need no more). Empty without events."""
    ed = canon.forecast_event_days
    ev = ed.group_by("event_id").agg(show_dn=ed.show_dn.max(), first_dn=ed.first_dn.min(), last_dn=ed.dn.max())
    e = canon.events.filter(canon.events.created_at.notnull())
    created = e.select(c_id="event_id", created_dn=params.local_day_number(e.created_at).cast(I64))
    ev = ev.left_join(created, ev.event_id == created.c_id).drop("c_id")
    # no sale is known before the account's first one: an event created earlier starts there
    ev = ev.cross_join(ev.aggregate(day0=ev.first_dn.min()))
    start = ibis.greatest(ibis.least(ev.first_dn, ev.created_dn.fill_null(ev.first_dn)), ev.day0)
    ev = ev.mutate(
        start=start, end=ibis.greatest(ev.show_dn, ev.last_dn), ev=ibis.row_number().over(order_by=ev.event_id)
    )
    total = ev.aggregate(n_cells=(ev.end - ev.start + 1).sum())
    ev = ev.cross_join(total)
    every = ibis.greatest(ev.n_cells // params.rules.forecast.index_cells, 0) + 1
    ev = ev.filter(ev.ev % every == 0)
    days = ev.select(
        "event_id",
        "ev",
        "first_dn",
        "show_dn",
        "start",
        b=_bin(ibis.least(ev.show_dn - ev.first_dn, D)),
        dn=ibis.range(ev.start, ev.end + 1).unnest().cast(I64),
    )
    sold = ed.group_by(s_id="event_id", s_dn="dn").agg(y=ed.turnover.sum())
    x = days.left_join(sold, [days.event_id == sold.s_id, days.dn == sold.s_dn])
    return x.select(
        ev=x.ev.cast(I64),
        dn="dn",
        y=x.y.fill_null(0).cast(F64),
        first_dn="first_dn",
        kb=x.b * (CELL_K + 1) + ibis.least(ibis.greatest(x.show_dn - x.dn, 0), CELL_K),
        ab=x.b * (CELL_AGE + 1) + ibis.least(x.dn - x.start, CELL_AGE),
        moy=to_date(x.dn).month().cast(I64),
    )


def month_index(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_event_index: lo (a month's 1st) × moy → m, the month-of-year index *within events*, as known
    on each month's 1st: each event's daily sales in the FIT_DAYS before lo ≈ its size × a days-to-show
    curve × a days-since-start curve (both by lead bin) × the month of the day, fitted as a Poisson model
    by `index_sweeps` passes of iterative proportional fitting over forecast_event_cells (each factor in
    turn × Σ sales ÷ Σ fitted over its cells: one window sum). The event's own factor takes out its size,
    the account's growth and how many events are on sale; what is left is how the calendar tilts an
    event's sales over its days, which the ladder divides out and puts back. Mean 1 over the months seen;
    a month not seen yet, or no events: 1. (FIT_DAYS: 365 would cut off last year's running month, the
    one ratio the ladder needs; 400 is as good as all the history.)"""
    los = _month_rows(all_origins(canon, params)).select("lo").distinct()
    c = canon.forecast_event_cells
    x = los.join(c, [c.dn < los.lo, c.dn >= los.lo - FIT_DAYS, c.first_dn < los.lo])
    x = x.select("lo", "ev", "kb", "ab", "moy", "y", mu=ibis.literal(1.0, type=F64), m=ibis.literal(1.0, type=F64))
    for _ in range(params.rules.forecast.index_sweeps):
        for key in ("ev", "kb", "ab", "moy"):
            w = ibis.window(group_by=[x.lo, x[key]])
            num, den = x.y.sum().over(w), x.mu.sum().over(w)
            r = ibis.ifelse(den > 0, num / ibis.ifelse(den > 0, den, 1.0), 1.0)
            x = x.mutate(mu=x.mu * r, **({"m": x.m * r} if key == "moy" else {}))
    m = x.group_by("lo", "moy").agg(m=x.m.max())
    m = m.mutate(mean=m.m.mean().over(ibis.window(group_by=m.lo)))
    grid = los.cross_join(numbers(canon, 1, 12, "moy"))
    out = left_join(grid, m.select("lo", "moy", m_fit=ibis.ifelse(m.mean > 0, m.m / m.mean, 1.0)), ["lo", "moy"])
    return out.select("lo", "moy", m=out.m_fit.fill_null(1.0))


def _deseason(x: ibis.Value, m: ibis.Value) -> ibis.Value:
    """x ÷ its month's index (a month that never sells, index 0: its sales read as they are)."""
    m = m.fill_null(1.0)
    return ibis.ifelse(m > OPEN, x.cast(F64) / ibis.ifelse(m > OPEN, m, 1.0), x.cast(F64))


def _on_sale(canon: Canon, params: BuildParams, origins: ibis.Table) -> ibis.Table:
    """as_of × event × partner on sale that day: k, bin, lo, h, and its sales so far s_<metric>, each day's
    ÷ its month's index and × the running month's (the factors are learnt on sales without the season)."""
    ed = canon.forecast_event_days
    o = _month_rows(origins)
    x = o.join(ed, [ed.dn <= o.as_of, ed.show_dn > o.as_of])
    mi = canon.forecast_event_index  # a step of its own: inlined twice, ClickHouse could not plan the query
    x = x.mutate(moy=to_date(x.dn).month().cast(I64))
    x = left_join(x, mi, ["lo", "moy"])
    g = x.group_by("as_of", "lo", "h", "event_id", "partner_id", "show_dn", "first_dn").agg(
        **{f"s_{m}": _deseason(x[m], x.m).sum() for m in METRICS}
    )
    now = mi.rename(m_now="m", moy_now="moy")
    g = g.mutate(moy_now=to_date(g.as_of).month().cast(I64))
    g = left_join(g, now, ["lo", "moy_now"])
    g = g.mutate(**{f"s_{m}": g[f"s_{m}"] * g.m_now.fill_null(1.0) for m in METRICS}).drop("moy_now", "m_now")
    return g.mutate(k=ibis.least(g.show_dn - g.as_of, D), b=_bin(ibis.least(g.show_dn - g.first_dn, D)))


def _pooled(x: ibis.Table, lad: ibis.Table) -> ibis.Table:
    """x (lo, h, b, k) → f: the development factor pooled over k ± max(1, k // SMOOTH) days to show."""
    w = ibis.greatest(x.k // SMOOTH, 1)
    x = x.mutate(k_hi=ibis.least(x.k + w, D), k_lo=ibis.greatest(x.k - w, 1) - 1)
    x = x.mutate(b_all=ibis.literal(-1, type=I64))
    for end in ("hi", "lo"):
        k = f"k_{end}"
        mine = lad.select("lo", "h", "b", **{k: "k", f"pn_{end}": "pn", f"pd_{end}": "pd"})
        pooled = lad.select("lo", "h", b_all="b", **{k: "k", f"an_{end}": "pn", f"ad_{end}": "pd"})
        x = left_join(left_join(x, mine, ["lo", "h", "b", k]), pooled, ["lo", "h", "b_all", k])

    def span(a, b):
        return (x[a].fill_null(0) - x[b].fill_null(0)).cast(F64)

    num, den = span("pn_hi", "pn_lo"), span("pd_hi", "pd_lo")
    anum, aden = span("an_hi", "an_lo"), span("ad_hi", "ad_lo")
    f = ibis.ifelse(den > 0, num / ibis.ifelse(den > 0, den, 1.0), anum / ibis.ifelse(aden > 0, aden, 1.0))
    return x.mutate(f=ibis.ifelse((den > 0) | (aden > 0), f, 0.0))


def _share(canon: Canon, params: BuildParams, origins: ibis.Table) -> ibis.Table:
    """as_of → over the months that ended in the last year, at the same day of the month: q_<metric>, the
    share of a month's rest that the events then on sale did not sell (NULL with fewer than MIN_MONTHS),
    and a_<metric>, what they did not sell ÷ the account's sales of the PACE_DAYS days up to that day, × the
    same PACE_DAYS up to as_of: the rest of this month's sales of the events not yet on sale (and of sales
    without an event) at the account's recent pace (only months whose PACE_DAYS lie within the history)."""
    o = _month_rows(origins)
    o = o.mutate(off=o.as_of - o.lo)
    offs = o.select("off").distinct()
    pd = canon.partner_days
    cd = pd.group_by(dn=day_no(pd.day)).agg(**{m: sold(pd, m).sum() for m in METRICS})
    ms = to_date(cd.dn).truncate("M")
    cd = cd.mutate(ms=day_no(ms), me=day_no(ms + ibis.interval(months=1)) - 1)
    r = offs.cross_join(cd)
    r = r.filter(r.dn > ibis.least(r.ms + r.off, r.me))
    r = r.group_by("ms", "me", "off").agg(**{f"r_{m}": r[m].sum() for m in METRICS})
    ed = canon.forecast_event_days
    ms_e = to_date(ed.dn).truncate("M")
    e = offs.cross_join(ed.mutate(ms=day_no(ms_e), me=day_no(ms_e + ibis.interval(months=1)) - 1))
    u_m = ibis.least(e.ms + e.off, e.me)
    e = e.filter(e.dn > u_m, e.first_dn <= u_m, e.show_dn > u_m)
    e = e.group_by("ms", "off").agg(**{f"o_{m}": e[m].sum() for m in METRICS})
    months = left_join(r, e, ["ms", "off"])
    # the account's sales of the PACE_DAYS days up to that day of each month (and up to each as_of)
    day = cd.select(p_dn="dn", **{f"d_{m}": cd[m] for m in METRICS})
    u = months.mutate(u=ibis.least(months.ms + months.off, months.me)).cross_join(cd.aggregate(day0=cd.dn.min()))
    u = u.filter(u.u - PACE_DAYS + 1 >= u.day0)
    pace = u.join(day, [day.p_dn <= u.u, day.p_dn > u.u - PACE_DAYS])
    pace = pace.group_by("ms", "off").agg(**{f"p_{m}": pace[f"d_{m}"].sum() for m in METRICS})
    months = left_join(months, pace, ["ms", "off"])
    now = o.join(day, [day.p_dn <= o.as_of, day.p_dn > o.as_of - PACE_DAYS])
    now = now.group_by("as_of").agg(**{f"pn_{m}": now[f"d_{m}"].sum() for m in METRICS})
    mo = months.rename(m_off="off")
    j = o.join(mo, [o.off == mo.m_off, mo.me < o.as_of, mo.me >= o.as_of - BLEND_DAYS])
    paced = j.p_turnover.notnull()
    g = j.group_by("as_of").agg(
        n=j.count(),
        n_paced=paced.sum(),
        **{f"r_{m}": j[f"r_{m}"].sum() for m in METRICS},
        **{f"o_{m}": j[f"o_{m}"].fill_null(0).sum() for m in METRICS},
        **{f"l_{m}": (j[f"r_{m}"] - j[f"o_{m}"].fill_null(0)).sum(where=paced) for m in METRICS},
        **{f"p_{m}": j[f"p_{m}"].sum(where=paced) for m in METRICS},
    )
    g = left_join(g, now, "as_of")
    enough = g.n >= MIN_MONTHS
    none = ibis.null(F64)
    out = {}
    for m in METRICS:
        r_, p_ = g[f"r_{m}"].cast(F64), g[f"p_{m}"].fill_null(0).cast(F64)
        out[f"q_{m}"] = ibis.ifelse(enough & (r_ > 0), 1 - g[f"o_{m}"].cast(F64) / ibis.ifelse(r_ > 0, r_, 1.0), none)
        pace_now = g[f"pn_{m}"].fill_null(0).cast(F64)
        left = g[f"l_{m}"].fill_null(0).cast(F64)
        out[f"a_{m}"] = ibis.ifelse(
            (g.n_paced >= MIN_MONTHS) & (p_ > 0), left / ibis.ifelse(p_ > 0, p_, 1.0) * pace_now, none
        )
    return g.select("as_of", **out)


def remainder(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_events: as_of × period_type × mkey → v_<metric> (the events on sale's sales in the rest of
    the running month) and cut_<metric> (what the base's running month loses to them), floats in kopecks /
    tickets. Only the as-of days with a share (_share) and a factor learnt; none without events."""
    origins = all_origins(canon, params)
    on = _pooled(_on_sale(canon, params, origins), canon.forecast_ladder)
    keep = refund_keep(canon, origins.select("as_of"))
    on = left_join(on, keep, "as_of")
    on = on.mutate(**{f"v_{m}": on[f"s_{m}"].cast(F64) * on.f * on[f"k_{m}"].fill_null(1.0) for m in METRICS})
    dev = canon.partners.select("partner_id", mgr="development_manager_id")
    on = left_join(on, dev, "partner_id")
    managed = on.filter(on.mgr.notnull(), on.as_of == lit_day(params.as_of))  # the backtest is company-wide
    cols = [f"v_{m}" for m in METRICS]
    ev = union_all(
        on.select("as_of", *cols, mkey=ibis.literal(COMPANY, type=I64)),
        managed.select("as_of", *cols, mkey=managed.mgr.cast(I64)),
    )
    ev = ev.group_by("as_of", "mkey").agg(**{c: ev[c].sum() for c in cols})
    # the base's running month, cut by the share the events on sale took of it
    b = canon.forecast_base
    bm = b.filter(b.period_type == "month").select("as_of", "mkey", *[b[m].name(f"bm_{m}") for m in METRICS])
    q = _share(canon, params, origins)
    keys = union_all(bm.select("as_of", "mkey"), ev.select("as_of", "mkey"), distinct=True)
    x = left_join(left_join(left_join(keys, bm, ["as_of", "mkey"]), ev, ["as_of", "mkey"]), q, "as_of")
    learnt = on.group_by("as_of").agg(any_f=(on.f > 0).any())
    x = left_join(x, learnt, "as_of")
    x = x.filter(x.q_turnover.notnull(), x.any_f.fill_null(False))
    # what the events not yet on sale will sell in the rest of the month: the company's at the recent pace
    # (a_), × what the account keeps after refunds; a manager's the base's share (q_)
    x = left_join(x, keep, "as_of")
    rest = {
        m: ibis.ifelse(
            (x.mkey == COMPANY) & x[f"a_{m}"].notnull(),
            x[f"a_{m}"] * x[f"k_{m}"].fill_null(1.0),
            x[f"bm_{m}"].fill_null(0.0) * x[f"q_{m}"].fill_null(1.0),
        )
        for m in METRICS
    }
    out = {f"v_{m}": x[f"v_{m}"].fill_null(0.0) for m in METRICS}
    out |= {f"cut_{m}": x[f"bm_{m}"].fill_null(0.0) - rest[m] for m in METRICS}
    x = x.select("as_of", "mkey", **out)
    kinds = union_all(*[origins.select("as_of", period_type=ibis.literal(p)) for p in ("month", "quarter", "year")])
    return x.join(kinds, "as_of")
