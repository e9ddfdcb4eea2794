"""report_forecast_backtest and report_forecast_accuracy: the forecast replayed on past days.

Every as-of day of the backtest (days.backtest_origins) is computed in one query, exactly as the build
would have computed it on that day: only sales, deals and stages dated up to it are seen. Each case is one
as-of day × period (month, quarter, year containing it, complete by as_of) × metric, company-wide, with
- the forecast and its parts, and its P10–P90 range from the errors of the *other* periods' cases at the
  same point of the period (so the coverage below is honest, not in-sample);
- two benchmarks: the naive run-rate (to date × days in period / days elapsed) and last year (to date +
  the rest of the same period a year ago × growth of the last 91 days against the same days a year ago);
- the actual.
"""

from __future__ import annotations

import ibis

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


def _wide_cases(canon: Canon, params: BuildParams) -> ibis.Table:
    pt = parts(canon, params, "backtest")
    pt = pt.filter(pt.mkey == COMPANY, pt.pe <= lit_day(params.as_of))
    pt = pt.mutate(u_ly=_year_back(pt.as_of), pe_ly=_year_back(pt.pe))
    cd = _company_days(canon, params)
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


def _unpivot(g: ibis.Table) -> ibis.Table:
    def metric(m):
        if m == "margin":
            return {k: g[f"{k}_revenue"] - g[f"{k}_cost"] for k in ("td", "ac", "ly", "gn", "gl", "b", "p")}
        return {k: g[f"{k}_{m}"] for k in ("td", "ac", "ly", "gn", "gl", "b", "p")}

    per = {m: metric(m) for m in METRICS}
    x = g.mutate(metric_no=ibis.range(0, len(METRICS)).unnest())

    def pick(k):
        return ibis.cases(*[(x.metric_no == n, per[m][k]) for n, m in enumerate(METRICS)])

    x = x.mutate(
        metric=x.metric_no.cases(*enumerate(METRICS)), **{k: pick(k) for k in ("td", "ac", "ly", "gn", "gl", "b", "p")}
    )
    growth = ibis.ifelse(x.gl > 0, x.gn.cast(F64) / x.gl, ibis.null(F64))
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
        forecast=x.td + x.b + x.p,
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
        lo = quantile(j, case_keys, "o_rho", rules.low_quantile).rename({f"lo_{name}": "q_", f"n_{name}": "n_"})
        hi = quantile(j, case_keys, "o_rho", rules.high_quantile).select(*case_keys, **{f"hi_{name}": "q_"})
        out[name] = left_join(lo, hi, case_keys)
    x = left_join(left_join(r, out["pt"], case_keys), out["all"], case_keys)
    use_pt = x.n_pt.fill_null(0) >= rules.min_cases
    lo = ibis.ifelse(use_pt, x.lo_pt, x.lo_all)
    hi = ibis.ifelse(use_pt, x.hi_pt, x.hi_all)
    rest = (x.forecast - x.to_date).cast(F64)
    return x.mutate(low=x.to_date + whole(rest * lo), high=x.to_date + whole(rest * hi))


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    """report_forecast_backtest: one row per backtest case (as_of × period × metric), money as DECIMAL."""
    cases = _loo_range(_unpivot(_wide_cases(canon, params)), params)
    money = (
        "to_date",
        "base",
        "pipeline",
        "forecast",
        "forecast_low",
        "forecast_high",
        "run_rate",
        "last_year",
        "actual",
    )
    cases = cases.mutate(
        forecast_low=ibis.least(cases.low, cases.high), forecast_high=ibis.greatest(cases.low, cases.high)
    )
    return cases.select(
        as_of=to_date(cases.as_of),
        period_type=cases.period_type,
        period_start=cases.period_start,
        point=cases.point,
        days_elapsed=cases.days_elapsed,
        days_total=cases.days_total,
        metric=cases.metric,
        **{m: from_cents(cases[m]) for m in money},
    ).order_by("period_type", "metric", "as_of")


def mean(x, where=None):
    """Mean that is NULL over no rows on every engine (ClickHouse's avgIf gives nan there)."""
    n = x.count(where=where)
    return ibis.ifelse(n > 0, x.sum(where=where).cast(F64) / ibis.ifelse(n > 0, n, 1), ibis.null(F64))


def _share(num, den):
    return ibis.ifelse(den > 0, num / ibis.ifelse(den > 0, den, 1.0) * 100, ibis.null(F64))


def accuracy(canon: Canon, params: BuildParams) -> ibis.Table:
    """report_forecast_accuracy: per period type × metric × point × method, MAPE, WAPE, bias and the
    P10–P90 coverage, from the published backtest cases."""
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
        mape_pct=mean(x.ape) * 100,
        wape_pct=_share(x.err.abs().sum(), x.act.sum()),
        bias_pct=_share(x.err.sum(), x.act.sum()),
        coverage_pct=mean(x.inside) * 100,
    )
    return g.order_by("period_type", "metric", "point", "method")
