"""report_forecast_backtest and report_forecast_accuracy: the forecast replayed on past days.

Every as-of day of the backtest (days.backtest_origins) is computed in one query, exactly as the build
would have computed it on that day: only sales, deals and stages dated up to it are seen. Each case is one
as-of day × period (month, quarter, year containing it, complete by as_of) × metric, company-wide, with
- the forecast and its parts, and its P10–P90 range from the errors of the *other* periods' cases at the
  same point of the period (so the coverage below is honest, not in-sample);
- two benchmarks: the naive run-rate (to date × days in period / days elapsed) and last year (to date +
  the rest of the same period a year ago × growth of the last 91 days against the same days a year ago;
  none while the history does not reach back to those 91 days a year ago);
- the actual.
"""

from __future__ import annotations

from statistics import NormalDist

import ibis
import ibis.expr.types as ir

from salesglass.reports.base import BuildParams, Canon, left_join, union_all
from salesglass.reports.forecast.days import F64, I64, day_no, lit_day, to_date, whole
from salesglass.reports.forecast.existing import COMPANY
from salesglass.reports.forecast.model import parts
from salesglass.reports.money import div_round, from_cents

METRICS = ("turnover", "revenue", "cost", "margin", "tickets", "new_partners")
METHODS = ("forecast", "run_rate", "last_year")
GROWTH_DAYS = 91


def _company_days(canon: Canon, params: BuildParams) -> ibis.Table:
    """Company facts per day number, in hundredths (money kopecks, counts × 100)."""
    pd = canon.partner_days
    money = pd.select(
        day=day_no(pd.day),
        turnover=pd.turnover,
        revenue=pd.revenue,
        cost=pd.cost,
        tickets=pd.tickets * 100,
        new_partners=ibis.literal(0, type=I64),
    )
    fs = canon.first_sales
    zero = ibis.literal(0, type=I64)
    new = fs.select(
        day=day_no(params.local_date(fs.first_sale_at)),
        turnover=zero,
        revenue=zero,
        cost=zero,
        tickets=zero,
        new_partners=ibis.literal(100, type=I64),
    )
    rows = union_all(money, new)
    cols = ("turnover", "revenue", "cost", "tickets", "new_partners")
    return rows.group_by("day").agg(**{m: rows[m].sum() for m in cols})


def _year_back(n):
    return day_no(to_date(n) - ibis.interval(years=1))


def wide(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_wide: one row per backtest as-of day × period (company), with per flow the fact to date
    (td_), the actual (ac_), last year's windows (ly_, gn_, gl_) and the model's parts (b_, p_, n_, v_)."""
    return _wide_cases(canon, params)


def cases(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_cases: the blended cases, one row per as-of day × period × metric (hundredths)."""
    w = canon.forecast_wide if canon.forecast_wide is not None else wide(canon, params)
    return _unpivot(blend(w, blend_weights(w, params), "td_{}"))


def _wide_cases(canon: Canon, params: BuildParams) -> ibis.Table:
    pt = parts(canon, params, "backtest")
    pt = pt.filter(pt.mkey == COMPANY, pt.pe <= lit_day(params.as_of))
    pt = pt.mutate(u_ly=_year_back(pt.as_of), pe_ly=_year_back(pt.pe))
    cd = _company_days(canon, params)
    # last year × growth needs the history to hold the growth window a year back: a window that starts before
    # the first sale reads a few days of a launch as a whole quarter (growth ×18, "last year" MAPE 656 %)
    first = cd.aggregate(first_day=cd.day.min())
    pt = pt.cross_join(first)
    pt = pt.mutate(ly_known=pt.first_day <= pt.u_ly - GROWTH_DAYS + 1).drop("first_day")
    j = pt.cross_join(cd.rename({f"d_{c}": c for c in cd.columns}))
    j = j.filter(j.d_day > j.u_ly - GROWTH_DAYS, j.d_day <= j.pe)
    flows = ("turnover", "revenue", "cost", "tickets", "new_partners")
    windows = {
        "td": (j.d_day >= j.ps) & (j.d_day <= j.as_of),
        "ac": (j.d_day >= j.ps) & (j.d_day <= j.pe),
        "ly": (j.d_day > j.u_ly) & (j.d_day <= j.pe_ly),
        "gn": (j.d_day > j.as_of - GROWTH_DAYS) & (j.d_day <= j.as_of),
        "gl": (j.d_day > j.u_ly - GROWTH_DAYS) & (j.d_day <= j.u_ly),
    }
    aggs = {f"{w}_{m}": j[f"d_{m}"].sum(where=cond) for w, cond in windows.items() for m in flows}
    keys = [c for c in pt.columns if c not in ("u_ly", "pe_ly")]
    g = j.group_by(keys).agg(**aggs)
    return g.mutate(**{c: g[c].fill_null(0) for c in aggs})


BLENDED = ("turnover", "revenue", "cost", "tickets")  # new partners: the pipeline alone (see blend)


def _rel_errors(t: ibis.Table, model, run_rate, actual):
    """Relative errors of the model and of the run-rate, per case with a non-zero actual."""
    a = ibis.ifelse(actual != 0, actual, 1).cast(F64)
    return t.filter(actual != 0).mutate(ef_=(model - actual).cast(F64) / a, er_=(run_rate - actual).cast(F64) / a)


def _weight(g: ibis.Table, n_min: int) -> ir.FloatingValue:
    """The least-squares weight of the model in w × model + (1 − w) × run-rate, from Σ ef², Σ er², Σ ef·er of
    the cases in `g` (clipped to 0 … 1); with fewer than n_min cases there is no evidence for either, and
    each counts half (on the simulated company of scale m the model alone was twice as far off as the
    run-rate in its first year, before it knew the months' seasonality; at scale s it was the better one)."""
    den = g.sff + g.srr - 2 * g.sfr
    w = ibis.greatest(ibis.least((g.srr - g.sfr) / ibis.ifelse(den > 0, den, 1.0), 1.0), 0.0)
    return ibis.ifelse((g.n.fill_null(0) >= n_min) & (den > 0), w, NO_EVIDENCE)


NO_EVIDENCE = 0.5  # the model's weight before the backtest has min_cases recent cases at that point
BLEND_DAYS = 365  # the weight is learnt from the periods that ended in the last year: the model gets better
# as the history grows (no month-of-year index in the first year), so its old errors must not decide today's w


def blend_weights(g: ibis.Table, params: BuildParams) -> ibis.Table:
    """as_of × period_type × point → w, for the backtest: chosen on the turnover cases of the periods that
    had ended before that as-of day only (so each case is forecast with a weight it could have known), in
    the last BLEND_DAYS."""
    model = g.td_turnover + g.b_turnover + g.p_turnover + g.n_turnover + g.v_turnover
    e = _rel_errors(g, model, _run_rate(g.td_turnover, g), g.ac_turnover)
    e = e.select(e_type="period_type", e_point="point", e_pe="pe", ef="ef_", er="er_")
    c = g.select("as_of", "period_type", "point").distinct()
    recent = e.e_pe >= c.as_of - BLEND_DAYS
    j = c.join(e, [c.period_type == e.e_type, c.point == e.e_point, e.e_pe < c.as_of, recent])
    s = j.group_by("as_of", "period_type", "point").agg(
        n=j.count(), sff=(j.ef * j.ef).sum(), srr=(j.er * j.er).sum(), sfr=(j.ef * j.er).sum()
    )
    s = left_join(c, s, ["as_of", "period_type", "point"])
    return s.select("as_of", "period_type", "point", w=_weight(s, params.rules.forecast.min_cases))


def running_weights(bt: ibis.Table, params: BuildParams) -> ibis.Table:
    """period_type × point → w for the running periods: from the complete turnover cases of the backtest
    whose period ended in the last BLEND_DAYS."""
    pe = day_no(bt.as_of) + bt.days_total - bt.days_elapsed
    t = bt.filter(bt.metric == "turnover", pe >= lit_day(params.as_of) - BLEND_DAYS)
    e = _rel_errors(t, t.forecast_model, t.run_rate, t.actual)
    s = e.group_by("period_type", "point").agg(
        n=e.count(), sff=(e.ef_ * e.ef_).sum(), srr=(e.er_ * e.er_).sum(), sfr=(e.ef_ * e.er_).sum()
    )
    return s.select("period_type", "point", w=_weight(s, params.rules.forecast.min_cases))


def _run_rate(td, t: ibis.Table):
    return div_round(td * t.days_total, t.days_elapsed)


def blend(x: ibis.Table, weights: ibis.Table, fact: str) -> ibis.Table:
    """Shrinks each case's base toward this period's own pace: the rest after as_of becomes
    w × (base + pipeline + new deals + events) + (1 − w) × (run-rate − fact to date), the pipeline, the new
    deals and the events on sale stay as they are and the base is what is left (never below 0 while the
    events part can give: base_and_events), so the parts still add up.
    x has fact.format(m) (the fact to date), b_<m>, p_<m>, n_<m>, v_<m> (events on sale), point, days_total
    and days_elapsed; the model's own base is kept as bm_<m>. New partners are not blended (their run-rate is
    far worse).

    A fact to date of 0 or below is no pace, and that metric's rest is the model's alone: nothing sold yet
    (a build on the morning of the 1st, before the first sale) made the run-rate's share expect nothing
    for the whole month — a steady account's month read 0 ₽ and its quarter half of what it sells — and
    refunds larger than the sales so far made it expect refunds every day left (one refund of 50 days'
    sales on the 5th made a steady account's year forecast −4 282 ₽)."""
    keys = [k for k in ("as_of", "period_type", "point") if k in weights.columns]
    x = left_join(x, weights, keys)
    w0 = x.w.fill_null(NO_EVIDENCE)
    out = {f"bm_{m}": x[f"b_{m}"] for m in (*BLENDED, "new_partners")}
    for m in BLENDED:
        td, b, p, n, e = x[fact.format(m)], x[f"b_{m}"], x[f"p_{m}"], x[f"n_{m}"], x[f"v_{m}"]
        w = ibis.ifelse(td <= 0, 1.0, w0)
        rest = w * (b + p + n + e).cast(F64) + (1 - w) * (_run_rate(td, x) - td).cast(F64)
        out[f"ex_{m}"] = whole(rest) - p - n  # a column of its own: base_and_events reads it three times
    x = x.mutate(**out)
    split = {}
    for m in BLENDED:
        split[f"b_{m}"], split[f"v_{m}"] = base_and_events(x[f"ex_{m}"], x[f"v_{m}"])
    return x.mutate(**split).drop("w", *[f"ex_{m}" for m in BLENDED])


def base_and_events(existing: ibis.Value, events: ibis.Value) -> tuple[ibis.Value, ibis.Value]:
    """What the existing partners bring after as_of (`existing` = the rest − pipeline − new deals) split into
    the base and the events on sale: the events keep their part and the base is what is left — unless that
    would be below zero, then the base is 0 and the events part is what is left. The blend with a slow pace
    (or the month's rest taken by its quarter, nest_running) had shown a manager's base at −16 824 ₽ beside
    61 810 ₽ of events on sale, of a rest of 44 986 ₽."""
    kept = ibis.ifelse(existing < events, ibis.greatest(existing, 0), events)
    return existing - kept, kept


KINDS = ("td", "ac", "ly", "gn", "gl", "b", "bm", "p", "n", "v")


def _unpivot(g: ibis.Table) -> ibis.Table:
    def metric(m):
        if m == "margin":
            return {k: g[f"{k}_revenue"] - g[f"{k}_cost"] for k in KINDS}
        return {k: g[f"{k}_{m}"] for k in KINDS}

    per = {m: metric(m) for m in METRICS}
    x = g.mutate(metric_no=ibis.range(0, len(METRICS)).unnest())

    def pick(k):
        return ibis.cases(*[(x.metric_no == n, per[m][k]) for n, m in enumerate(METRICS)])

    x = x.mutate(metric=x.metric_no.cases(*enumerate(METRICS)), **{k: pick(k) for k in KINDS})
    growth = ibis.ifelse(x.ly_known & (x.gl > 0), x.gn.cast(F64) / x.gl, ibis.null(F64))
    last_year = x.td + whole(x.ly.cast(F64) * growth)
    return x.select(
        "as_of",
        "period_type",
        "period_start",
        "ps",
        "pe",
        "point",
        "days_elapsed",
        "days_total",
        "metric",
        to_date="td",
        base="b",
        pipeline="p",
        new_deals="n",
        events="v",
        forecast=x.td + x.b + x.p + x.n + x.v,
        forecast_model=x.td + x.bm + x.p + x.n + x.v,
        run_rate=div_round(x.td * x.days_total, x.days_elapsed),
        last_year=last_year,
        actual="ac",
    )


def quantile(x: ibis.Table, group: list[str], value: str, q: float) -> ibis.Table:
    """The q-quantile of `value` per group, interpolated linearly between order statistics (as DuckDB's
    quantile_cont): written with row_number so every engine computes the same number."""
    win = ibis.window(group_by=[x[c] for c in group], order_by=x[value])
    x = x.mutate(rn_=ibis.row_number().over(win), n_=x[value].count().over(ibis.window(group_by=group)))
    pos = (x.n_ - 1).cast(F64) * q
    lo = pos.floor().cast(I64)
    frac = pos - lo
    weight = ibis.ifelse(x.rn_ == lo, 1 - frac, ibis.ifelse(x.rn_ == lo + 1, frac, 0.0))
    return x.group_by(group).agg(q_=(x[value] * weight).sum(), n_=x.n_.max())


def ratios(cases: ibis.Table) -> ibis.Table:
    """What happened after as_of ÷ what the forecast expected after as_of, per case (NULL when it expected 0)."""
    rest = cases.forecast - cases.to_date
    return cases.mutate(rho=ibis.ifelse(rest != 0, (cases.actual - cases.to_date).cast(F64) / rest, ibis.null(F64)))


MIN_PERIODS = 3  # cases from fewer periods give no range, no chance, and their errors are marked as anecdotes
FEW_PERIODS = 12  # fewer independent periods than this: the range is a t prediction interval (see spread)


def _t(q: float, df: ir.FloatingValue) -> ir.FloatingValue:
    """Student's t q-quantile with df degrees of freedom (Cornish–Fisher expansion around the normal one;
    within 1 % of the table from df = 2 on): plain arithmetic, so every engine computes it."""
    z = NormalDist().inv_cdf(q)
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df)


def spread(j: ibis.Table, group: list[str], value: str, period: str, params: BuildParams) -> ibis.Table:
    """The low and high ends of the range of `value` (a ratio ρ) per group: lo_, hi_, and n_ (cases).

    With cases from at least FEW_PERIODS distinct periods: the empirical low / high quantiles. With fewer
    (a quarter or a year: four cases of the same period are one experience, not four), those quantiles
    are too narrow — the range is then the prediction interval mean ± t × sd × √(1 + 1/k) of a normal
    ρ, k being the number of periods, which widens as k shrinks. Fewer than 3 periods: no range (NULL).
    The low end is never below 0 when no case's ρ was: the interval is symmetric, and on an account closed
    every summer (cases expecting 50 ₽ after their day and getting 0 or 3 000) it reached −58 809 ₽ for a
    quarter with 5 800 ₽ sold and no refunds — a range below the fact to date, which nothing ever undid."""
    rules = params.rules.forecast
    lo = quantile(j, group, value, rules.low_quantile).rename(q_lo="q_")
    hi = quantile(j, group, value, rules.high_quantile).select(*group, q_hi="q_")
    st = j.group_by(group).agg(mu=j[value].mean(), sd=j[value].std(), k=j[period].nunique(), mn=j[value].min())
    x = left_join(left_join(lo, hi, group), st, group)
    k = x.k.cast(F64)
    df = ibis.greatest(k - 1, 1.0)
    half = x.sd.fill_null(0.0) * (1 + 1 / ibis.greatest(k, 1.0)).sqrt()
    few = x.k < FEW_PERIODS
    none = ibis.null(F64)
    lo = ibis.ifelse(few, x.mu + _t(rules.low_quantile, df) * half, x.q_lo)
    return x.select(
        *group,
        n_="n_",
        lo_=ibis.ifelse(x.k < MIN_PERIODS, none, ibis.ifelse((x.mn >= 0) & (lo < 0), 0.0, lo)),
        hi_=ibis.ifelse(x.k < MIN_PERIODS, none, ibis.ifelse(few, x.mu + _t(rules.high_quantile, df) * half, x.q_hi)),
    )


def _loo_range(cases: ibis.Table, params: BuildParams) -> ibis.Table:
    """Each case's range from the ratios of the other periods' cases (same point, else all points)."""
    rules = params.rules.forecast
    r = ratios(cases)
    other = r.filter(r.rho.notnull()).select(
        o_type="period_type", o_metric="metric", o_point="point", o_start="period_start", o_rho="rho"
    )
    case_keys = ["as_of", "period_type", "metric"]
    out = {}
    for name, same_point in (("pt", True), ("all", False)):
        cond = [r.period_type == other.o_type, r.metric == other.o_metric, r.period_start != other.o_start]
        if same_point:
            cond.append(r.point == other.o_point)
        j = r.select(*case_keys, "point", "period_start").join(other, cond)
        out[name] = spread(j, case_keys, "o_rho", "o_start", params).rename(
            {f"lo_{name}": "lo_", f"hi_{name}": "hi_", f"n_{name}": "n_"}
        )
    x = left_join(left_join(r, out["pt"], case_keys), out["all"], case_keys)
    use_pt = x.n_pt.fill_null(0) >= rules.min_cases
    lo = ibis.ifelse(use_pt, x.lo_pt, x.lo_all)
    hi = ibis.ifelse(use_pt, x.hi_pt, x.hi_all)
    rest = (x.forecast - x.to_date).cast(F64)
    return x.mutate(low=x.to_date + whole(rest * lo), high=x.to_date + whole(rest * hi))


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    """report_forecast_backtest: one row per backtest case (as_of × period × metric), money as DECIMAL."""
    c = canon.forecast_cases if canon.forecast_cases is not None else cases(canon, params)
    x = _loo_range(c, params)
    money = (
        "to_date",
        "base",
        "pipeline",
        "new_deals",
        "events",
        "forecast",
        "forecast_model",
        "forecast_low",
        "forecast_high",
        "run_rate",
        "last_year",
        "actual",
    )
    # as in plan-fact, the range holds the forecast (so the coverage below is that of the range shown)
    # (engines differ on least/greatest of a NULL: DuckDB skips it, ClickHouse returns it; no range stays NULL)
    none = ibis.null(x.forecast.type())
    x = x.mutate(
        forecast_low=ibis.ifelse(x.low.isnull(), none, ibis.least(x.low, x.high, x.forecast)),
        forecast_high=ibis.ifelse(x.high.isnull(), none, ibis.greatest(x.low, x.high, x.forecast)),
    )
    return x.select(
        as_of=to_date(x.as_of),
        period_type=x.period_type,
        period_start=x.period_start,
        point=x.point,
        days_elapsed=x.days_elapsed,
        days_total=x.days_total,
        metric=x.metric,
        **{m: from_cents(x[m]) for m in money},
    ).order_by("period_type", "metric", "as_of")


def mean(x, where=None):
    """Mean that is NULL over no rows on every engine (ClickHouse's avgIf gives nan there)."""
    n = x.count(where=where)
    return ibis.ifelse(n > 0, x.sum(where=where).cast(F64) / ibis.ifelse(n > 0, n, 1), ibis.null(F64))


def _share(num, den):
    return ibis.ifelse(den > 0, num / ibis.ifelse(den > 0, den, 1.0) * 100, ibis.null(F64))


def accuracy(canon: Canon, params: BuildParams) -> ibis.Table:
    """report_forecast_accuracy: per period type × metric × point × method, MAPE, WAPE, bias and the
    P10–P90 coverage, from the published backtest cases, and how many periods those cases come from (the
    four cases of one quarter are one experience: a year's figures in its first years come from one year)."""
    bt = canon.forecast_backtest if canon.forecast_backtest is not None else build(canon, params)
    rows = []
    for method in METHODS:
        b = bt.filter(bt[method].notnull())
        f = b[method]
        err = (f - b.actual).cast(F64)
        rows.append(
            b.select(
                "period_type",
                "metric",
                "point",
                "period_start",
                method=ibis.literal(method),
                err=err,
                ape=ibis.ifelse(b.actual != 0, (err / b.actual.cast(F64)).abs(), ibis.null(F64)),
                act=b.actual.cast(F64).abs(),
                inside=ibis.ifelse(
                    ibis.literal(method == "forecast") & b.forecast_low.notnull(),
                    ibis.ifelse((b.actual >= b.forecast_low) & (b.actual <= b.forecast_high), 1.0, 0.0),
                    ibis.null(F64),
                ),
            )
        )
    x = union_all(*rows)
    g = x.group_by("period_type", "metric", "point", "method").agg(
        cases=x.count(),
        periods=x.period_start.nunique(),
        mape_pct=mean(x.ape) * 100,
        wape_pct=_share(x.err.abs().sum(), x.act.sum()),
        bias_pct=_share(x.err.sum(), x.act.sum()),
        coverage_pct=mean(x.inside) * 100,
    )
    return g.order_by("period_type", "metric", "point", "method")
