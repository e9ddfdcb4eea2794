"""The forecast inside report_plan_fact: its parts for the running periods, its range and the chance of
reaching each plan.

The range and the chances come from the backtest (report_forecast_backtest): for the same period type,
metric and point of the period, the ratios ρ = (what came after as_of) ÷ (what the forecast expected after
as_of) of the past cases. forecast_low / forecast_high = fact + expected rest × the low / high end of ρ's
range (backtest.spread: its quantiles, or a t prediction interval when the cases come from few periods),
widened to hold the forecast itself; the chance of a plan = the share of past cases whose ρ would have
reached it, and none (NULL) where there is no range (cases from fewer than 3 periods) or the plan is 0 or
below. Fewer than `min_cases`
cases at this point: all points of the period type pooled. Manager rows use the company's ratios.

Before that, the base is blended with the period's own pace (blend_running) with the weights the
backtest's complete cases favour (backtest.running_weights).
"""

from __future__ import annotations

from datetime import date

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join
from salesglass.reports.forecast import backtest
from salesglass.reports.forecast.days import F64, I64, whole
from salesglass.reports.forecast.model import parts
from salesglass.reports.money import to_cents

FLOWS = ("turnover", "revenue", "cost", "tickets", "new_partners")


def running_parts(canon: Canon, params: BuildParams) -> ibis.Table:
    """period_type × period_start × mkey of the periods containing as_of: b_<metric>, p_<metric>,
    n_<metric> and v_<metric> (events on sale) after as_of (hundredths), and the point of the period as_of is at."""
    pt = parts(canon, params, "as_of")
    return pt.select("period_type", "period_start", "mkey", "point", *[f"{p}_{m}" for p in "bpnv" for m in FLOWS])


def blend_running(w: ibis.Table, canon: Canon, params: BuildParams) -> ibis.Table:
    """The running periods' base shrunk toward the period's own pace, with the weights the backtest chose
    (backtest.blend; half and half, backtest.NO_EVIDENCE, while the backtest has fewer than `min_cases` recent
    cases at that point)."""
    bt = canon.forecast_backtest if canon.forecast_backtest is not None else backtest.build(canon, params)
    out = backtest.blend(w, backtest.running_weights(bt, params), "{}")
    return out.drop(*[c for c in out.columns if c.startswith("bm_")])


NESTED = (("quarter", "month"), ("year", "quarter"))  # (longer period, the running period inside it)


def nest_running(w: ibis.Table, ends: dict[str, date]) -> ibis.Table:
    """Makes the running month, quarter and year agree, as a head of sales reads them: the rest of a quarter
    holds the rest of its month, so it is never expected below it (nor the year's below its quarter's); and
    when both end on the same day (the last month of a quarter, the last quarter of a year) they have the
    same days left, so the longer one takes the shorter one's rest. Each period type is blended with its own
    weights (blend_running), which is how they came to disagree: on the scale-m company as of 27 November
    the year (same days left as the fourth quarter) expected up to 6 % less than the quarter in some
    managers' rows. The shorter period's figure wins because its blend is learnt on its own point of the
    period. Only the base moves (rest = base + pipeline + new deals + events; the events part only when the
    base would go below 0: backtest.base_and_events), so the parts still add up.
    w: period_type, mkey, running, b_/p_/n_/v_<metric>; ends: the running periods' last days."""
    # the shorter period's rest reaches the longer one's row through a window over the running rows of one
    # manager, not a self-join: ClickHouse inlines each reference to `w` (the whole forecast), and two
    # self-joins gave it a query plan past its optimisation limit
    per = ibis.window(group_by=[w.mkey, w.running])
    for longer, shorter in NESTED:
        cols = w.columns
        same_end = ends[longer] == ends[shorter]
        out = {}
        for m in backtest.BLENDED:
            rest = w[f"b_{m}"] + w[f"p_{m}"] + w[f"n_{m}"] + w[f"v_{m}"]
            inside = rest.max(where=w.period_type == shorter).over(per)
            target = inside if same_end else ibis.greatest(rest, inside)
            use = w.running & (w.period_type == longer) & inside.notnull()
            # columns of their own: base_and_events reads the rest three times (inlined, ClickHouse's query
            # text went past its max_query_size)
            out[f"use_{m}"], out[f"ex_{m}"] = use, target - w[f"p_{m}"] - w[f"n_{m}"]
        w = w.mutate(**out)
        split = {}
        for m in backtest.BLENDED:
            b, v = backtest.base_and_events(w[f"ex_{m}"], w[f"v_{m}"])
            split[f"b_{m}"] = ibis.ifelse(w[f"use_{m}"], b, w[f"b_{m}"])
            split[f"v_{m}"] = ibis.ifelse(w[f"use_{m}"], v, w[f"v_{m}"])
        w = w.mutate(**split).select(*cols)
    return w


def _ratios(canon: Canon, params: BuildParams) -> ibis.Table:
    bt = canon.forecast_backtest if canon.forecast_backtest is not None else backtest.build(canon, params)
    cases = bt.select(
        "period_type",
        "period_start",
        "metric",
        "point",
        to_date=to_cents(bt.to_date),
        forecast=to_cents(bt.forecast),
        actual=to_cents(bt.actual),
    )
    r = backtest.ratios(cases)
    return r.filter(r.rho.notnull()).select("period_type", "period_start", "metric", "point", "rho")


def with_range(x: ibis.Table, canon: Canon, params: BuildParams) -> ibis.Table:
    """x: plan-fact rows in hundredths (fact, real, opt, fc, point, running, whole: every month of the
    period has a plan). Adds lo, hi (hundredths) and chance_real, chance_opt (percent, 0–100) for the
    running rows."""
    rules = params.rules.forecast
    r = _ratios(canon, params)
    key = ["period_type", "metric", "point"]
    pooled = r.mutate(point=ibis.literal(0, type=I64))
    stats = {}
    for name, src in (("pt", r), ("all", pooled)):
        stats[name] = backtest.spread(src, key, "rho", "period_start", params).rename(
            {f"lo_{name}": "lo_", f"hi_{name}": "hi_", f"n_{name}": "n_"}
        )
    x = x.mutate(point0=ibis.literal(0, type=I64))
    row = ["period_type", "period_start", "mkey", "metric"]
    x = left_join(x, stats["pt"], key)
    x = left_join(x, stats["all"].rename(point0="point"), ["period_type", "metric", "point0"])
    use_pt = x.n_pt.fill_null(0) >= rules.min_cases
    x = x.mutate(
        use_pt=use_pt, q_lo=ibis.ifelse(use_pt, x.lo_pt, x.lo_all), q_hi=ibis.ifelse(use_pt, x.hi_pt, x.hi_all)
    )
    rest = (x.fc - x.fact).cast(F64)
    lo = x.fact + whole(rest * x.q_lo)
    hi = x.fact + whole(rest * x.q_hi)
    # the range holds the forecast itself: when the past ratios all lie on one side of 1 (a model that ran
    # low every time), their P10–P90 alone would put the range beside the forecast it is the range of
    # (engines differ on least/greatest of a NULL: DuckDB skips it, ClickHouse returns it; no range stays NULL)
    none = ibis.null(x.fc.type())
    x = x.mutate(
        lo=ibis.ifelse(x.running, ibis.ifelse(x.q_lo.isnull(), none, ibis.least(lo, hi, x.fc)), x.fc),
        hi=ibis.ifelse(x.running, ibis.ifelse(x.q_hi.isnull(), none, ibis.greatest(lo, hi, x.fc)), x.fc),
    )
    # chances: the share of the past ratios (same point, or pooled) that would have reached the plan — none
    # where there is no range (cases from fewer than 3 periods): 100 % from one or two periods is no odds
    run = x.filter(x.running, x.fc.notnull(), x.q_lo.notnull())
    pr = r.select(r_type="period_type", r_metric="metric", r_point="point", rho="rho")
    j = run.select(*row, "point", "use_pt", "fact", "fc", "real", "opt", "whole").join(
        pr, [run.period_type == pr.r_type, run.metric == pr.r_metric]
    )
    j = j.filter(~j.use_pt | (j.point == j.r_point))
    got = j.fact.cast(F64) + (j.fc - j.fact).cast(F64) * j.rho
    # …and none for a plan of 0 or below, like its attainment (plan_fact._attainment): the backtest's ratios
    # are of what came against what was expected, and read against a planned loss they give odds of nothing
    # — and none when some month of the period has no plan (`whole` false): 100 % of beating a year's plan
    # that holds only its first quarter is no odds of anything
    ch = j.group_by(row).agg(
        chance_real=backtest.mean(ibis.ifelse(got >= j.real.cast(F64), 100.0, 0.0), (j.real > 0) & j.whole),
        chance_opt=backtest.mean(ibis.ifelse(got >= j.opt.cast(F64), 100.0, 0.0), (j.opt > 0) & j.whole),
    )
    return left_join(x, ch, row)
