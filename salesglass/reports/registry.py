"""The report tables of reports.md, in build order. One entry per published table.

`report_data_quality` is written by the platform/linking area (`reports/data_quality.py`, exposing
`build(canon, params) -> ibis.Table`). Its slot is here: the build picks it up as soon as that module
exists, and says it skipped it until then.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import ibis

from salesglass.reports import (
    bonus_lines,
    bonus_summary,
    cohorts,
    declining,
    funnel,
    monthly_deals,
    new_partners,
    plan_fact,
    sales_share,
    weekly,
)
from salesglass.reports.base import BuildParams, Canon

ReportFn = Callable[[Canon, BuildParams], ibis.Table]

REPORTS: dict[str, ReportFn] = {
    "report_weekly": weekly.build,
    "report_monthly_deals": monthly_deals.build,
    "report_funnel": funnel.build,
    "report_plan_fact": plan_fact.build,
    "report_new_partners": new_partners.build,
    "report_sales_share": sales_share.build,
    "report_cohorts": cohorts.build,
    "report_declining_partners": declining.build,
    "report_bonus_lines": bonus_lines.build,
    "report_bonus_summary": bonus_summary.build,
}

DATA_QUALITY = "report_data_quality"
DATA_QUALITY_MODULE = "salesglass.reports.data_quality"  # the lead wires it: build(canon, params)

DERIVED = ("partner_months", "first_sales", "deal_stages", "acquiring_deals")
"""Helper tables published next to the reports (drill-down: who is whose new partner, stage times)."""


def data_quality() -> ReportFn | None:
    """The data-quality report function if its module has landed, else None."""
    try:
        module = importlib.import_module(DATA_QUALITY_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != DATA_QUALITY_MODULE:
            raise
        return None
    return module.build


def all_reports() -> dict[str, ReportFn]:
    """Every report that can be built now (data quality included once it exists)."""
    dq = data_quality()
    return REPORTS | ({DATA_QUALITY: dq} if dq else {})
