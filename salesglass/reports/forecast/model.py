"""The forecast's parts for a set of as-of days: base, pipeline and new-deal remainders per period and manager.

forecast = to date (the fact so far) + base (existing partners, existing.py) + pipeline (open deals,
pipeline.py) + new deals (deals not created yet, pipeline.future); this module puts the parts side by side,
rounded to hundredths like the report money.
"""

from __future__ import annotations

import ibis

from salesglass.reports.base import BuildParams, Canon, left_join, union_all
from salesglass.reports.forecast import existing, pipeline
from salesglass.reports.forecast.days import I64, all_origins, lit_day, periods, production_origins, whole
from salesglass.reports.forecast.existing import METRICS, PRIOR_END
from salesglass.reports.forecast.seasonality import day_weights

PART_METRICS = (*METRICS, "new_partners")
_HUNDRED = {"turnover": 1, "revenue": 1, "cost": 1, "tickets": 100, "new_partners": 100}  # → hundredths


def weights(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_weights: as-of day × day → seasonal weight (derived helper, materialised by the build)."""
    rules = params.rules.forecast
    return day_weights(canon, all_origins(canon, params), -max(rules.level_days, PRIOR_END), 366, rules.weekday_days)


def base(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_base: as-of day × period type × mkey → the base after the as-of day (float)."""
    return existing.remainder(canon, params, canon.forecast_weights, periods(all_origins(canon, params)))


def curve(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_curve: the cohort curve (pipeline.cohort_curve) of the build's day and every backtest day,
    computed once: the pipeline and the new deals of both read it (on ClickHouse, where a subquery is planned
    again at every use, each planned it anew)."""
    return pipeline.cohort_curve(canon, params, all_origins(canon, params))


def deal_history(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_deal_history: the deals and stages as the backtest days see them (pipeline.history)."""
    return pipeline.history(canon, params)


def _past_origins(canon: Canon, params: BuildParams) -> ibis.Table:
    o = all_origins(canon, params)
    return o.filter(o.as_of < lit_day(params.as_of))


def past_conversion(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_conversion: the stage → first-sale conversion (pipeline.conversion) of the backtest days
    before the build's day, from forecast_deal_history. A table of its own so that it is computed once:
    forecast_past's pipeline and new deals both read it (in one query, ClickHouse computes a shared
    subquery at each use)."""
    return pipeline.conversion(
        canon, params, _past_origins(canon, params), *pipeline.from_history(canon.forecast_deal_history)
    )


def past(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_past: the pipeline and the new deals of the backtest days before the build's day, from
    forecast_deal_history only — so a deal moved today (a webhook) leaves it as it was, and the incremental
    build keeps it; `part` says which."""
    o = _past_origins(canon, params)
    per = periods(o)
    seen = pipeline.from_history(canon.forecast_deal_history)
    conv, curve = canon.forecast_conversion, canon.forecast_curve
    return union_all(
        pipeline.remainder(canon, params, o, per, seen, curve, conv).mutate(part=ibis.literal("pipeline")),
        pipeline.future(canon, params, o, per, seen, curve, conv).mutate(part=ibis.literal("new_deals")),
    )


def _today_and_past(today: ibis.Table, canon: Canon, part: str) -> ibis.Table:
    p = canon.forecast_past
    return union_all(today, p.filter(p.part == part).select(*today.columns))


def deals_today(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_deals: the deals and stages as the build's day sees them (pipeline.today)."""
    return pipeline.today(canon, params)


def pipe(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_pipeline: as-of day × period type × mkey → the pipeline after the as-of day (float): the
    build's day from the deals as they are (forecast_deals), the backtest days from forecast_past."""
    o = production_origins(canon, params)
    seen = pipeline.from_history(canon.forecast_deals)
    today = pipeline.remainder(canon, params, o, periods(o), seen, canon.forecast_curve)
    return _today_and_past(today, canon, "pipeline")


def new_deals(canon: Canon, params: BuildParams) -> ibis.Table:
    """forecast_new_deals: as-of day × period type × company row → the deals not created yet (float): the
    build's day from the deals as they are (forecast_deals), the backtest days from forecast_past."""
    o = production_origins(canon, params)
    seen = pipeline.from_history(canon.forecast_deals)
    today = pipeline.future(canon, params, o, periods(o), seen, canon.forecast_curve)
    return _today_and_past(today, canon, "new_deals")


def parts(canon: Canon, params: BuildParams, which: str) -> ibis.Table:
    """as_of × period × mkey: b_<metric> (base), p_<metric> (pipeline), n_<metric> (new deals) and v_<metric>
    (the events on sale: e_ is the plans' in plan-fact) after as_of, in hundredths.
    which = "backtest" (the past days) or "as_of" (the build's day)."""
    o = all_origins(canon, params)
    today = lit_day(params.as_of)
    o = o.filter(o.as_of < today) if which == "backtest" else o.filter(o.as_of == today)
    per = periods(o)
    b, p, n = canon.forecast_base, canon.forecast_pipeline, canon.forecast_new_deals
    e = canon.forecast_events
    keys = ["as_of", "period_type", "mkey"]
    allkeys = ibis.union(b.select(*keys), p.select(*keys), n.select(*keys), e.select(*keys), distinct=True)
    x = left_join(allkeys, b.rename({f"b_{m}": m for m in METRICS}), keys)
    x = left_join(x, p.rename({f"p_{m}": m for m in PART_METRICS}), keys)
    x = left_join(x, n.rename({f"n_{m}": m for m in PART_METRICS}), keys)
    x = left_join(x, e, keys)
    x = left_join(per, x, ["as_of", "period_type"])

    def cents(col, m):
        return whole(col.fill_null(0.0) * _HUNDRED[m])

    # the base less the share of the running month the events on sale take (events.remainder; 0 without it)
    out = {f"b_{m}": cents(x[f"b_{m}"].fill_null(0.0) - x[f"cut_{m}"].fill_null(0.0), m) for m in METRICS}
    out["b_new_partners"] = ibis.literal(0, type=I64)
    out |= {f"p_{m}": cents(x[f"p_{m}"], m) for m in PART_METRICS}
    out |= {f"n_{m}": cents(x[f"n_{m}"], m) for m in PART_METRICS}
    out |= {f"v_{m}": cents(x[f"v_{m}"], m) for m in METRICS}
    out["v_new_partners"] = ibis.literal(0, type=I64)
    return x.select(*per.columns, mkey=x.mkey.fill_null(-1), **out)
