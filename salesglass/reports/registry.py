"""The report tables of docs/reports.md, in build order. One entry per published table.

`report_data_quality` (reports/data_quality.py) counts what could not be used or joined; it is built
last, like every other report from the canonical tables.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis

from salesglass.reports import (
    bonus_close,
    bonus_lines,
    bonus_rules,
    bonus_summary,
    cohorts,
    data_quality,
    declining,
    funnel,
    monthly_deals,
    new_partners,
    plan_fact,
    sales_share,
    weekly,
)
from salesglass.reports.base import BuildParams, Canon
from salesglass.reports.forecast import backtest as forecast_backtest

ReportFn = Callable[[Canon, BuildParams], ibis.Table]

REPORTS: dict[str, ReportFn] = {
    "report_weekly": weekly.build,
    "report_monthly_deals": monthly_deals.build,
    "report_funnel": funnel.build,
    # the backtest first: plan-fact's forecast range and chances read its published cases
    "report_forecast_backtest": forecast_backtest.build,
    "report_forecast_accuracy": forecast_backtest.accuracy,
    "report_plan_fact": plan_fact.build,
    "report_new_partners": new_partners.build,
    "report_sales_share": sales_share.build,
    "report_cohorts": cohorts.build,
    "report_declining_partners": declining.build,
    # what every month's bonus would be today; report_bonus_lines keeps approved months as approved
    "report_bonus_recomputed": bonus_lines.build,
    "report_bonus_rules": bonus_rules.build,
    "report_bonus_lines": bonus_close.build,
    "report_bonus_summary": bonus_summary.build,
    "report_bonus_reconciliation": bonus_close.reconciliation,
}

DATA_QUALITY = "report_data_quality"

DERIVED = (
    "partner_months",
    "partner_days",
    "first_sales",
    "deal_stages",
    "acquiring_deals",
    "forecast_weights",
    "forecast_base",
    "forecast_event_days",
    "forecast_event_cells",
    "forecast_event_index",
    "forecast_ladder",
    "forecast_events",
    "forecast_curve",
    "forecast_deal_history",
    "forecast_conversion",
    "forecast_past",
    "forecast_deals",
    "forecast_pipeline",
    "forecast_new_deals",
    "forecast_running",
    "forecast_wide",
    "forecast_cases",
)
"""Helper tables published next to the reports (drill-down: who is whose new partner, stage times)."""


def all_reports() -> dict[str, ReportFn]:
    """Every published report table, in build order."""
    return REPORTS | {DATA_QUALITY: data_quality.build}
