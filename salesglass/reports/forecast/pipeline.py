"""The pipeline: open deals expected to make their first sale within the period, and what they will sell.

As of day u, from the account's own deals (nothing after u is seen):
- **conversion**: of the deals of client kind k that reached stage s between `pipeline_history_days` and
  `pipeline_horizon_days` ago, the share f(j) whose first sale came in week j after reaching s
  (j = 0 … horizon/7); a deal not selling within the horizon counts as not converted. Fewer than
  `MIN_DEALS` such deals of that kind: all kinds pooled.
- an **open deal** (not lost, no first sale, partner not yet selling) sits at its furthest stage s, reached
  a days ago. It has not sold in the weeks already gone, so the chance it sells in week j ≥ a/7 is
  f(j) / (1 − Σ_{i < a/7} f(i)): a deal stuck for long loses its chances by itself.
- a new partner of kind k sells, in its first D days, the mean of what the partners of that kind with a
  first sale in the history window sold in their first D days (zeros included: the cohort curve).
Pipeline = Σ over open deals and weeks j of chance × cohort curve(days from that week to the period end).
Deals of a development pipeline (`[amocrm] development_pipelines`) are left out of all of it: their partner
already sells, so they bring no new partner (and their "won" is no first sale the history should learn).
New partners = Σ of the chances. Money goes to the company row only (a new partner's development manager
is not known yet); new partners also go to the deal's sales manager.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join, union_all
from salesglass.reports.forecast.days import F64, I64, day_no, lit_day, numbers
from salesglass.reports.forecast.existing import COMPANY, METRICS

MIN_DEALS = 10
MAX_WEEK = 52  # the cohort curve is followed for a year
FIRST_SALE = 6


def _kind(col) -> ibis.Value:
    """organizer, operator, or `other` (unknown, NULL): a kind of its own, so that the pooled tables (`all`)
    count such a deal or partner once, not once as its kind and once more as everyone."""
    return ibis.ifelse(col.isin(["organizer", "operator"]), col, ibis.literal("other"))


def _deals(canon: Canon, params: BuildParams) -> ibis.Table:
    """The deals that may bring a new partner: a deal of a development pipeline (`[amocrm]
    development_pipelines`) grows a partner that already sells, so it is neither an open deal nor a case of
    the conversion / time-to-first-sale history, nor of the new deals' pace (default: every deal)."""
    # imported here: the derive package imports the forecast's steps (a cycle at module level)
    from salesglass.reports.derive.acquiring_deal import acquisition_deals

    d = acquisition_deals(canon.deals, params)
    lost_dn = ibis.ifelse(d.is_lost, day_no(params.local_date(d.closed_at)).fill_null(-1), ibis.null(I64))
    d = d.select(
        "deal_id",
        "partner_id",
        "sales_manager_id",
        kind=_kind(d.client_kind),
        created_dn=day_no(params.local_date(d.created_at)),
        lost_dn=lost_dn,
    )
    fs = canon.first_sales
    fs = fs.select("partner_id", pfs_dn=day_no(params.local_date(fs.first_sale_at)))
    st = canon.deal_stages
    sold = st.filter(st.stage_order == FIRST_SALE)
    sold = sold.group_by("deal_id").agg(sold_dn=day_no(params.local_date(sold.reached_at.min())))
    return left_join(left_join(d, fs, "partner_id"), sold, "deal_id")


def _stages(canon: Canon, params: BuildParams) -> ibis.Table:
    st = canon.deal_stages
    st = st.filter(st.stage_order < FIRST_SALE)
    return st.select("deal_id", s=st.stage_order.cast(I64), r_dn=day_no(params.local_date(st.reached_at)))


def history(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_deal_history: the deals as the backtest days see them — one row per deal × stage reached
    before the build's day, with the deal's facts; a date on or after that day (a first sale, a loss) is
    NULL. Every backtest day u is before the build's day, so it sees exactly what it would see in the deals
    themselves (a date ≥ the build's day is > u, as NULL is "not yet"), and a deal moved, lost, won or created
    today leaves this table as it was: the incremental build then keeps the backtest days' pipeline."""
    today = lit_day(params.as_of)

    def before(col):
        return ibis.ifelse(col < today, col, ibis.null(I64))

    d = _deals(canon, params)
    d = d.select(
        "deal_id",
        "kind",
        "created_dn",
        lost_dn=before(d.lost_dn),
        sold_dn=before(d.sold_dn),
        pfs_dn=before(d.pfs_dn),
    )
    st = _stages(canon, params)
    return d.join(st.filter(st.r_dn < today), "deal_id")  # a deal has reached `lead` once it exists


def today(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_deals: the deals as the build's day sees them, in forecast_deal_history's shape (one row per
    deal × stage before the first sale, the deal's facts as day numbers) with the sales manager. Kept as a
    table so that ClickHouse reads plain day numbers: it substitutes a day-number expression (the account
    zone's DST transitions) at every use, and planned the build's day of the pipeline ~4× longer. Every use
    of the deals joins them to their stages, so a deal without a stage row is missed by none."""
    d = _deals(canon, params)
    d = d.select("deal_id", "kind", "sales_manager_id", "created_dn", "lost_dn", "sold_dn", "pfs_dn")
    return d.join(_stages(canon, params), "deal_id")


def from_history(h: ibis.Table) -> tuple[ibis.Table, ibis.Table]:
    """(deals, stages) as _deals / _stages give them, from forecast_deal_history (no sales manager: the
    backtest is company-wide) or forecast_deals."""
    facts = ["deal_id", "kind", "created_dn", "lost_dn", "sold_dn", "pfs_dn"]
    if "sales_manager_id" in h.columns:
        deals = h.select(*facts, "sales_manager_id").distinct()
    else:
        deals = h.select(*facts).distinct().mutate(sales_manager_id=ibis.null(I64))
    return deals, h.select("deal_id", "s", "r_dn")


def conversion(
    canon: Canon, params: BuildParams, origins: ibis.Table, deals: ibis.Table, stages: ibis.Table
) -> ibis.Table:
    """as_of × stage × kind × week j: f = share of the deals that sold in week j after reaching the stage."""
    rules = params.rules.forecast
    horizon, history = rules.pipeline_horizon_days, rules.pipeline_history_days
    # development deals (the partner sold before the deal existed) never make a first sale: left out
    dd = deals.filter(deals.pfs_dn.isnull() | (deals.pfs_dn >= deals.created_dn))
    ev = stages.join(dd.select("deal_id", "kind", "sold_dn"), "deal_id")
    lag = ev.sold_dn - ev.r_dn
    j = ibis.ifelse(lag.notnull() & (lag <= horizon), lag // 7, -1)
    ev = ev.mutate(rw=ev.r_dn // 7, j=j.cast(I64))
    ev = union_all(ev.select("s", "kind", "rw", "j"), ev.select("s", kind=ibis.literal("all"), rw=ev.rw, j=ev.j))
    agg = ev.group_by("s", "kind", "rw", "j").agg(n=ev.count())
    x = origins.cross_join(agg)
    # the whole week reached the stage at least `horizon` days before as_of: its outcome is known
    x = x.filter(x.rw * 7 + 6 + horizon <= x.as_of, x.rw * 7 >= x.as_of - history)
    x = x.group_by("as_of", "s", "kind", "j").agg(n=x.n.sum())
    tot = x.n.sum().over(ibis.window(group_by=[x.as_of, x.s, x.kind]))
    x = x.mutate(tot=tot, f=x.n.cast(F64) / tot)
    return x.filter(x.j >= 0).select("as_of", "s", "kind", "j", "tot", "f")


def cohort_curve(canon: Canon, params: BuildParams, origins: ibis.Table) -> ibis.Table:
    """as_of × kind × week w: mean Σ sales of a new partner of that kind in its first 7(w+1) days."""
    history = params.rules.forecast.pipeline_history_days
    p = canon.partners.select("partner_id", pkind=_kind(canon.partners.kind))
    fs = canon.first_sales
    fs = fs.select("partner_id", fs_dn=day_no(params.local_date(fs.first_sale_at))).join(p, "partner_id")
    fs = union_all(
        fs.select("partner_id", "fs_dn", kind="pkind"), fs.select("partner_id", "fs_dn", kind=ibis.literal("all"))
    )
    fs = fs.mutate(fw=fs.fs_dn // 7)
    pd = canon.partner_days
    pd = pd.filter(pd.partner_id.notnull())
    pd = pd.join(fs, "partner_id")
    off = day_no(pd.day) - pd.fs_dn
    pd = pd.filter(off >= 0, off < 7 * (MAX_WEEK + 1)).mutate(w=(off // 7).cast(I64))
    weekly = pd.group_by("kind", "fw", "w").agg(**{m: pd[m].sum() for m in METRICS})
    counts = fs.group_by("kind", "fw").agg(partners=fs.count())
    dense = counts.cross_join(numbers(canon, 0, MAX_WEEK, "w"))
    dense = left_join(dense, weekly, ["kind", "fw", "w"])
    run = ibis.window(group_by=[dense.kind, dense.fw], order_by=dense.w, preceding=None, following=0)
    dense = dense.mutate(**{m: dense[m].fill_null(0).sum().over(run) for m in METRICS})
    x = origins.cross_join(dense)
    x = x.filter(x.fw * 7 + 6 + 7 * (x.w + 1) <= x.as_of, x.fw * 7 >= x.as_of - history)
    g = x.group_by("as_of", "kind", "w").agg(partners=x.partners.sum(), **{m: x[m].sum() for m in METRICS})
    return g.select("as_of", "kind", "w", **{m: g[m].cast(F64) / g.partners for m in METRICS})


def remainder(
    canon: Canon,
    params: BuildParams,
    origins: ibis.Table,
    periods: ibis.Table,
    deals_stages: tuple[ibis.Table, ibis.Table] | None = None,
    curve: ibis.Table | None = None,
    conv: ibis.Table | None = None,
) -> ibis.Table:
    """as_of × period_type × mkey: expected sales (float; kopecks, tickets) and new partners after as_of.
    deals_stages: the deals and their stages (default: from the canonical tables; from_history for the
    backtest days and forecast_deals); curve: the cohort curve of these as-of days or more (default:
    computed here; forecast_curve in the build); conv: their conversion table (default: computed here;
    forecast_past gives both parts one, see model.past)."""
    deals, stages = deals_stages or (_deals(canon, params), _stages(canon, params))
    conv = conversion(canon, params, origins, deals, stages) if conv is None else conv
    curve = cohort_curve(canon, params, origins) if curve is None else curve
    d = origins.cross_join(deals)
    u = d.as_of
    d = d.filter(
        d.created_dn <= u,
        d.lost_dn.isnull() | (d.lost_dn > u),
        d.sold_dn.isnull() | (d.sold_dn > u),
        d.pfs_dn.isnull() | (d.pfs_dn > u),
    )
    at = d.select("as_of", "deal_id", "kind", "sales_manager_id").join(stages, "deal_id")
    at = at.filter(at.r_dn <= at.as_of)
    at = at.group_by("as_of", "deal_id", "kind", "sales_manager_id").agg(s=at.s.max(), r_dn=at.r_dn.max())
    # a deal whose weeks at its stage are past the last week anyone ever converted in has no chance left
    at = at.mutate(aw=(at.as_of - at.r_dn) // 7)
    at = at.filter(at.aw <= params.rules.forecast.pipeline_horizon_days // 7)
    # the conversion table of the deal's kind, or all kinds pooled when that kind has too few deals
    tots = conv.select("as_of", "s", "kind", "tot").distinct()
    at = left_join(at, tots, ["as_of", "s", "kind"])
    at = at.mutate(ck=ibis.ifelse(at.tot.fill_null(0) >= MIN_DEALS, at.kind, ibis.literal("all")))
    # deals alike in everything the chances and the curve depend on are counted once, with their number
    # n (per sales manager on the build's own day only: the backtest is company-wide)
    mgr = ibis.ifelse(at.as_of == lit_day(params.as_of), at.sales_manager_id, ibis.null(at.sales_manager_id.type()))
    at = at.mutate(mgr=mgr)
    at = at.group_by("as_of", "kind", "mgr", "s", "r_dn", "ck", "aw").agg(n=at.count())
    x = at.join(conv.select("as_of", "s", ck="kind", j="j", f="f"), ["as_of", "s", "ck"])
    alike = ibis.window(group_by=[x.as_of, x.kind, x.mgr, x.s, x.r_dn])
    # the weeks gone, and the days gone of the week the deal is in (1 … 7 of them, as_of included): its
    # chance of that week is only what the days left of it hold (the whole week's share, counted as still
    # to come, ran the month's new partners 10–14 % high late in the month at scale m)
    passed = ((x.as_of - x.r_dn) - 7 * x.aw + 1).cast(F64) / 7
    gone = x.f.sum(where=x.j < x.aw).over(alike).fill_null(0)
    now = x.f.sum(where=x.j == x.aw).over(alike).fill_null(0)
    x = x.mutate(left=1 - gone - now * passed, f=ibis.ifelse(x.j == x.aw, x.f * (1 - passed), x.f))
    x = x.filter(x.j >= x.aw, x.left > 1e-9)
    x = x.mutate(p=x.f / x.left, xd=ibis.greatest(x.r_dn + 7 * x.j + 3, x.as_of + 1))
    x = x.join(periods.select("as_of", "period_type", "pe"), "as_of")
    x = x.filter(x.xd <= x.pe)
    x = x.mutate(w=ibis.least(ibis.greatest((x.pe - x.xd + 1 + 3) // 7 - 1, 0), MAX_WEEK).cast(I64))
    c_own = curve.select("as_of", "w", kind="kind", **{f"o_{m}": curve[m] for m in METRICS})
    c_all = curve.filter(curve.kind == "all").select("as_of", "w", **{f"a_{m}": curve[m] for m in METRICS})
    x = left_join(left_join(x, c_own, ["as_of", "w", "kind"]), c_all, ["as_of", "w"])
    vals = {m: x.n * x.p * x[f"o_{m}"].coalesce(x[f"a_{m}"]).fill_null(0.0) for m in METRICS}
    x = x.mutate(**vals, new_partners=x.n * x.p)
    zero = ibis.literal(0.0, type=F64)
    managed = x.filter(x.mgr.notnull())
    rows = union_all(
        x.select("as_of", "period_type", *METRICS, "new_partners", mkey=ibis.literal(COMPANY, type=I64)),
        managed.select(
            "as_of",
            "period_type",
            **{m: zero for m in METRICS},
            new_partners=managed.new_partners,
            mkey=managed.mgr.cast(I64),
        ),
    )
    return rows.group_by("as_of", "period_type", "mkey").agg(**{m: rows[m].sum() for m in (*METRICS, "new_partners")})


LEAD = 1  # the first stage: a deal reaches `lead` when it is created


def future(
    canon: Canon,
    params: BuildParams,
    origins: ibis.Table,
    periods: ibis.Table,
    deals_stages: tuple[ibis.Table, ibis.Table] | None = None,
    curve: ibis.Table | None = None,
    conv: ibis.Table | None = None,
) -> ibis.Table:
    """as_of × period_type × mkey (company row only): what the deals not created yet by as_of are expected
    to bring before the period ends (float; kopecks, tickets), and how many new partners.

    - **rate**: the deals of kind k created in the last `new_deals_days` up to as_of (development deals of
      partners already selling left out, as in the conversion table) ÷ `new_deals_days`: deals a day;
    - each is expected to be created on each day c after as_of, and to make its first sale in week j after
      creation with the conversion table's share f(j) from `lead` (the creation stage), on day c + 7j + 3;
    - what it sells by the period end: the cohort curve of its kind, as for open deals.
    The days c only matter through t = period end − first-sale day, so Σ over c is a running sum over t
    (cum below): a few thousand rows per as-of day, not one per creation day × week."""
    rules = params.rules.forecast
    window = rules.new_deals_days
    deals, stages = deals_stages or (_deals(canon, params), _stages(canon, params))
    conv = conversion(canon, params, origins, deals, stages) if conv is None else conv
    curve = cohort_curve(canon, params, origins) if curve is None else curve
    dd = deals.filter(deals.pfs_dn.isnull() | (deals.pfs_dn >= deals.created_dn))
    made = stages.filter(stages.s == LEAD).join(dd.select("deal_id", "kind"), "deal_id")
    made = made.group_by("kind", "r_dn").agg(n=made.count())
    x = origins.cross_join(made)
    x = x.filter(x.r_dn <= x.as_of, x.r_dn > x.as_of - window, ibis.literal(window > 0))  # 0: the part is off
    rate = x.group_by("as_of", "kind").agg(rate=x.n.sum().cast(F64) / max(window, 1))
    # the conversion from creation of the deal's kind, or all kinds pooled when that kind has too few deals
    lead = conv.filter(conv.s == LEAD)
    tots = lead.select("as_of", "kind", "tot").distinct()
    rate = left_join(rate, tots, ["as_of", "kind"])
    rate = rate.mutate(ck=ibis.ifelse(rate.tot.fill_null(0) >= MIN_DEALS, rate.kind, ibis.literal("all")))
    # cum(t) = Σ over t' = 0 … t of the cohort curve after t' + 1 days (weeks rounded as for open deals):
    # a deal selling first on any of the t + 1 last days of the period, summed over those days
    t = rate.select("as_of", "kind").cross_join(numbers(canon, 0, 365, "t"))
    t = t.mutate(w=ibis.least(ibis.greatest((t.t + 1 + 3) // 7 - 1, 0), MAX_WEEK).cast(I64))
    c_own = curve.select("as_of", "w", "kind", **{f"o_{m}": curve[m] for m in METRICS})
    c_all = curve.filter(curve.kind == "all").select("as_of", "w", **{f"a_{m}": curve[m] for m in METRICS})
    t = left_join(left_join(t, c_own, ["as_of", "w", "kind"]), c_all, ["as_of", "w"])
    upto = ibis.window(group_by=[t.as_of, t.kind], order_by=t.t, preceding=None, following=0)
    cum = t.select(
        "as_of", "kind", "t", **{m: t[f"o_{m}"].coalesce(t[f"a_{m}"]).fill_null(0.0).sum().over(upto) for m in METRICS}
    )
    x = rate.join(lead.select("as_of", ck="kind", j="j", f="f"), ["as_of", "ck"])
    x = x.join(periods.select("as_of", "period_type", "pe"), "as_of")
    # created on as_of + 1 … pe, first sale 7j + 3 days later: t = pe − that day runs from 0 to last
    x = x.mutate(last=x.pe - x.as_of - 1 - 7 * x.j - 3)
    x = x.filter(x.last >= 0)
    x = x.join(cum.rename(last="t"), ["as_of", "kind", "last"])
    x = x.mutate(**{m: x.rate * x.f * x[m] for m in METRICS}, new_partners=x.rate * x.f * (x["last"] + 1).cast(F64))
    rows = x.select("as_of", "period_type", *METRICS, "new_partners", mkey=ibis.literal(COMPANY, type=I64))
    return rows.group_by("as_of", "period_type", "mkey").agg(**{m: rows[m].sum() for m in (*METRICS, "new_partners")})
