"""What every published report column means, in one place (from spec/reports.md).

Used for `COMMENT ON COLUMN` when publishing to PostgreSQL (BI tools show them as field
descriptions), and reusable by the dashboard and the docs. A report table may gain columns; a
column missing here simply gets no description.
"""

from __future__ import annotations

_KIND = "client kind: `organizer`, `operator` or `unknown`"
_MONTH = "first day of the month (account time zone)"

REPORT_TABLES: dict[str, str] = {
    "report_weekly": "Weekly deals: created, widget installed, first sale (grain: week_start × client_kind).",
    "report_monthly_deals": "Budget and throughput by month (grain: month × client_kind).",
    "report_funnel": "Cohort funnel (grain: cohort_month × sales_manager_id × client_kind × stage). "
                     "Conversion k→k+1 = deals(k+1) / deals(k), computed on read.",
    "report_plan_fact": "Plan vs fact with run-rate and forecast (grain: period_type × period_start × manager_id × "
                        "metric; manager_id NULL = company).",
    "report_forecast_backtest": "The forecast replayed on past days (grain: as_of × period_type × metric, company).",
    "report_forecast_accuracy": "Backtest errors (grain: period_type × metric × point × method).",
    "report_new_partners": "New partners by sales manager (grain: month × sales_manager_id × client_kind).",
    "report_sales_share": "Who the sales belong to (grain: month × bucket × manager_id); buckets add up to all sales.",
    "report_cohorts": "First-sale cohorts (grain: cohort_month × kind × month_offset).",
    "report_declining_partners": "Partners whose sales are falling, whom to call; one row per flagged partner.",
    "report_bonus_lines": "Manager bonus lines: every amount with the partner, rule and rate behind it.",
    "report_bonus_summary": "Manager bonus per month; each total equals the sum of its lines.",
    "report_data_quality": "Counts of rows not used or not linked, by source, entity and reason.",
    "build_info": "When and for which as_of date the published reports were built.",
}

REPORT_COLUMNS: dict[str, dict[str, str]] = {
    "report_weekly": {
        "week_start": "Monday of the week (account time zone)",
        "client_kind": _KIND,
        "deals_created": "deals created in the week",
        "widget_installed": "deals that reached stage widget_installed in the week",
        "first_sale": "deals that reached stage first_sale in the week (the client started selling)",
    },
    "report_monthly_deals": {
        "month": _MONTH,
        "client_kind": _KIND,
        "deals_created": "deals created in the month",
        "deals_won": "deals won (status 142) with closed_at in the month",
        "annual_budget_won": "sum of the price (expected annual turnover) of the deals won in the month",
        "created_reached_first_sale": "of the deals created in the month, those that reached first_sale by as_of",
    },
    "report_funnel": {
        "cohort_month": "month the deals were created (account time zone)",
        "sales_manager_id": "amoCRM responsible user of the deals",
        "client_kind": _KIND,
        "stage": "canonical funnel stage",
        "stage_order": "position of the stage in the funnel, 1 (lead) .. 6 (first_sale)",
        "deals": "deals of the cell that reached the stage by as_of",
        "days_to_reach_sum": "sum over those deals of days from creation to reaching the stage; "
                             "mean = days_to_reach_sum / deals",
        "lost_at_stage": "lost deals of the cell whose furthest reached stage is this one",
    },
    "report_plan_fact": {
        "period_type": "`month`, `quarter` or `year`",
        "period_start": "first day of the period (account time zone)",
        "manager_id": "manager the figures are attributed to; NULL = the whole company",
        "metric": "`turnover`, `revenue`, `cost`, `margin`, `margin_pct`, `tickets` or `new_partners`",
        "fact": "actual value in the period (refunds included); margin_pct = 100 × margin / revenue",
        "plan_realistic": "realistic plan (quarter/year: sum of its months; NULL if none)",
        "plan_optimistic": "optimistic plan (quarter/year: sum of its months; NULL if none)",
        "run_rate": "complete period: = fact; running period: fact × days in period / days elapsed",
        "forecast": "complete period: = fact; running period: fact + forecast_base + forecast_pipeline",
        "forecast_base": "expected sales of partners already selling, after as_of to the period end",
        "forecast_pipeline": "expected sales (company row) and new partners of open deals, after as_of",
        "forecast_low": "P10 of the forecast, from the backtest errors at the same point of the period",
        "forecast_high": "P90 of the forecast, from the backtest errors at the same point of the period",
        "chance_realistic_pct": "chance (%) of reaching the realistic plan, from the backtest",
        "chance_optimistic_pct": "chance (%) of reaching the optimistic plan, from the backtest",
        "is_complete": "the period ended on or before as_of",
    },
    "report_forecast_backtest": {
        "as_of": "the past day the forecast was made on",
        "period_type": "`month`, `quarter` or `year`",
        "period_start": "first day of the period",
        "point": "how far into the period: month 1 = day 1–7 … 4 = day 22+; quarter/year 1..4 = quarters elapsed",
        "days_elapsed": "days from the period start through as_of",
        "days_total": "days in the period",
        "metric": "`turnover`, `revenue`, `cost`, `margin`, `tickets` or `new_partners`",
        "to_date": "fact from the period start through as_of",
        "base": "the forecast's base part after as_of",
        "pipeline": "the forecast's pipeline part after as_of",
        "forecast": "to_date + base + pipeline",
        "forecast_low": "P10, from the other periods' cases at the same point",
        "forecast_high": "P90, from the other periods' cases at the same point",
        "run_rate": "to_date × days_total / days_elapsed",
        "last_year": "to_date + the rest of the period a year before × growth of the last 91 days",
        "actual": "what the whole period turned out to be",
    },
    "report_forecast_accuracy": {
        "period_type": "`month`, `quarter` or `year`",
        "metric": "the metric",
        "point": "how far into the period (as in report_forecast_backtest)",
        "method": "`forecast`, `run_rate` or `last_year`",
        "cases": "backtest cases",
        "mape_pct": "mean of |forecast − actual| / |actual|, %",
        "wape_pct": "Σ |forecast − actual| / Σ |actual|, %",
        "bias_pct": "Σ (forecast − actual) / Σ |actual|, % (negative: too low)",
        "coverage_pct": "forecast only: % of cases whose actual fell inside P10–P90",
    },
    "report_new_partners": {
        "month": _MONTH,
        "sales_manager_id": "amoCRM responsible user of the deals",
        "client_kind": _KIND,
        "contracts_signed": "deals that reached stage contract_signed in the month",
        "widgets_installed": "deals that reached stage widget_installed in the month",
        "first_sales": "deals that reached stage first_sale in the month",
        "signed_then_selling": "of the deals counted in contracts_signed, those that reached first_sale by as_of",
    },
    "report_sales_share": {
        "month": _MONTH,
        "bucket": "`manager` (active development manager), `empty` (manager NULL or gone), `support` "
                  "(no partner or support partner), `unknown` (partner not on the platform)",
        "manager_id": "the development manager for bucket `manager`, else NULL",
        "turnover": "gross ticket money of the sales",
        "revenue": "platform commission of the sales",
        "tickets": "tickets sold (refunds negative)",
    },
    "report_cohorts": {
        "cohort_month": "month of the partners' first ticket sale",
        "kind": "partner kind: `organizer` or `operator`",
        "month_offset": "months since the cohort month (0 = the cohort month)",
        "partners": "partners in the cohort (the same on every offset)",
        "active_partners": "partners of the cohort that sold tickets in that month",
        "turnover": "gross ticket money of the cohort in that month",
        "revenue": "platform commission of the cohort in that month",
        "tickets": "tickets the cohort sold in that month",
    },
    "report_declining_partners": {
        "as_of": "the date the reports were computed for",
        "partner_id": "platform account id",
        "name": "partner name",
        "kind": "partner kind: `organizer` or `operator`",
        "development_manager_id": "manager who should call the partner",
        "baseline_28d": "turnover of the 84 days before the recent window / 3",
        "recent_28d": "turnover in the 28 days ending on as_of",
        "decline_pct": "100 × (1 − recent_28d / baseline_28d)",
    },
    "report_bonus_lines": {
        "month": _MONTH,
        "manager_id": "manager who earns the line",
        "role": "`sales` or `development`",
        "rule": "`first_sale`, `acquisition_share` or `growth`",
        "partner_id": "partner the line is for",
        "deal_id": "acquiring deal (sales rules), NULL for growth",
        "base": "money the rate applies to (NULL for the fixed first_sale rule)",
        "rate": "rate applied to base (or the fixed amount for first_sale)",
        "multiplier": "cold-deal multiplier (1 unless the deal is cold)",
        "amount": "bonus of the line",
    },
    "report_bonus_summary": {
        "month": _MONTH,
        "manager_id": "manager",
        "sales_bonus": "sum of the manager's sales lines",
        "development_bonus": "sum of the manager's development lines",
        "total": "sales_bonus + development_bonus",
        "lines": "number of lines behind the total",
    },
    "report_data_quality": {
        "source": "where the rows came from, e.g. `amocrm`, `platform`, `plans`",
        "entity": "what they were meant to become (canonical table or check)",
        "reason": "why they were not used or not linked",
        "count": "how many rows",
        "rows": "how many rows",
    },
    "build_info": {
        "as_of": "the date (account time zone) the reports were computed for",
        "built_at": "when the build finished (UTC)",
        "timezone": "account time zone the calendar periods were taken in",
    },
}
