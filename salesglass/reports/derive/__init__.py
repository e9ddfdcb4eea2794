"""The canonical model as of the as_of day, plus the helpers every report needs.

Order matters: as_of view → partner months → first sales → completed deal stages (uses first sales)
→ acquiring deals (uses completed stages). `keep(name, expr)` lets the caller materialise each step
(DuckDB: a table in the build file) or leave it inline (ClickHouse SQL compiled for chdb).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import ibis

from salesglass.reports.base import BuildParams, Canon
from salesglass.reports.derive import acquiring_deal, as_of, deal_stages, first_sale, partner_days, partner_months
from salesglass.reports.forecast import backtest as forecast_backtest
from salesglass.reports.forecast import model as forecast

Keep = Callable[[str, ibis.Table], ibis.Table]


def inline(name: str, expr: ibis.Table) -> ibis.Table:
    return expr


def derive(canon: Canon, params: BuildParams, keep: Keep = inline) -> Canon:
    canon = as_of.visible(canon, params)
    canon = replace(canon, partner_months=keep("partner_months", partner_months.build(canon, params)))
    canon = replace(canon, partner_days=keep("partner_days", partner_days.build(canon, params)))
    canon = replace(canon, first_sales=keep("first_sales", first_sale.build(canon, params)))
    canon = replace(canon, deal_stages=keep("deal_stages", deal_stages.build(canon, params)))
    canon = replace(canon, acquiring_deals=keep("acquiring_deals", acquiring_deal.build(canon, params)))
    # the forecast of as_of and of every backtest day, in steps (one query would be too big for ClickHouse)
    canon = replace(canon, forecast_weights=keep("forecast_weights", forecast.weights(canon, params)))
    canon = replace(canon, forecast_base=keep("forecast_base", forecast.base(canon, params)))
    # the deals' part: the backtest days apart (forecast_past reads no table a deal moved today changes, so
    # the incremental build keeps it), then the build's own day next to them
    canon = replace(canon, forecast_deal_history=keep("forecast_deal_history", forecast.deal_history(canon, params)))
    canon = replace(canon, forecast_past=keep("forecast_past", forecast.past(canon, params)))
    canon = replace(canon, forecast_pipeline=keep("forecast_pipeline", forecast.pipe(canon, params)))
    canon = replace(canon, forecast_new_deals=keep("forecast_new_deals", forecast.new_deals(canon, params)))
    # the backtest's cases in two steps: ClickHouse expands a subquery at every use, and the blend reads
    # the cases three times (report_forecast_backtest reads them again)
    canon = replace(canon, forecast_wide=keep("forecast_wide", forecast_backtest.wide(canon, params)))
    return replace(canon, forecast_cases=keep("forecast_cases", forecast_backtest.cases(canon, params)))
