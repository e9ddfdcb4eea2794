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
from salesglass.reports.forecast import events as forecast_events
from salesglass.reports.forecast import model as forecast
from salesglass.reports.forecast import plan as forecast_plan

Keep = Callable[[str, ibis.Table], ibis.Table]


def inline(name: str, expr: ibis.Table) -> ibis.Table:
    return expr


# each step's table, in order: a step reads the canon with the tables of the steps before it
STEPS: tuple[tuple[str, Callable[[Canon, BuildParams], ibis.Table]], ...] = (
    ("partner_months", partner_months.build),
    ("partner_days", partner_days.build),
    ("first_sales", first_sale.build),
    ("deal_stages", deal_stages.build),
    ("acquiring_deals", acquiring_deal.build),
    # the forecast of as_of and of every backtest day, in steps (one query would be too big for ClickHouse)
    ("forecast_weights", forecast.weights),
    ("forecast_base", forecast.base),
    # the events on sale (the optional `events` table): their sales by day, the factors, the part and the
    # base's share it replaces
    ("forecast_event_days", forecast_events.event_days),
    ("forecast_event_cells", forecast_events.event_cells),
    ("forecast_event_index", forecast_events.month_index),
    ("forecast_ladder", forecast_events.factors),
    ("forecast_events", forecast_events.remainder),
    # the cohort curve every deals' part reads (once: ClickHouse plans a subquery again at every use)
    ("forecast_curve", forecast.curve),
    # the deals' part: the backtest days apart (forecast_past reads no table a deal moved today changes, so
    # the incremental build keeps it), then the build's own day next to them, from the deals as day numbers
    ("forecast_deal_history", forecast.deal_history),
    # their stage → first-sale conversion, once: the pipeline and the new deals of forecast_past both read it
    ("forecast_conversion", forecast.past_conversion),
    ("forecast_past", forecast.past),
    ("forecast_deals", forecast.deals_today),
    ("forecast_pipeline", forecast.pipe),
    ("forecast_new_deals", forecast.new_deals),
    # the running periods' parts, as plan-fact reads them (twice, and inside its largest statement)
    ("forecast_running", forecast_plan.running_parts),
    # the backtest's cases in two steps: ClickHouse expands a subquery at every use, and the blend reads
    # the cases three times (report_forecast_backtest reads them again)
    ("forecast_wide", forecast_backtest.wide),
    ("forecast_cases", forecast_backtest.cases),
)


def derive(canon: Canon, params: BuildParams, keep: Keep = inline) -> Canon:
    canon = as_of.visible(canon, params)
    for name, build in STEPS:
        canon = replace(canon, **{name: keep(name, build(canon, params))})
    return canon
