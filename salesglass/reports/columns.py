"""What every published report column means, in one place (from docs/reports.md).

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
    "report_plan_fact": "Plan vs fact with run-rate forecast (grain: period_type × period_start × manager_id × "
                        "metric; manager_id NULL = company).",
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
        "forecast": "complete period: = fact; running period: fact × days in period / days elapsed",
        "is_complete": "the period ended on or before as_of",
        "plan_to_date": "realistic plan asked for by as_of: months ended by then in full, the running month "
                        "× days elapsed / days in it (complete period: = plan_realistic)",
        "attainment_to_date_pct": "100 × fact / plan_to_date (NULL without a plan, and for margin_pct)",
        "forecast_attainment_pct": "100 × forecast / plan_realistic of the whole period (NULL without a plan, "
                                   "and for margin_pct)",
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
        "rows": "how many rows",
    },
    "build_info": {
        "as_of": "the date (account time zone) the reports were computed for",
        "built_at": "when the build finished (UTC)",
        "timezone": "account time zone the calendar periods were taken in",
        "timezone_source": "where that zone came from: `config` (a key set in the config), `amocrm` (the "
                           "account's own setting from the last sync) or `default` (Europe/Moscow)",
    },
}


# The header of every report column, (English, Russian): the dashboard's tables, the Excel and CSV
# exports all take it from here, so a column is called the same wherever it is shown.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "active_partners": ("Active partners", "Активные партнёры"),
    "amount": ("Amount", "Сумма"),
    "annual_budget_won": ("Annual budget won", "Годовой бюджет выигранных"),
    "as_of": ("Data as of", "Данные на"),
    "base": ("Base", "База"),
    "baseline_28d": ("Usual 28 days", "Обычно за 28 дней"),
    "bucket": ("Bucket", "Группа"),
    "built_at": ("built", "собраны"),
    "client_kind": ("Client kind", "Тип клиента"),
    "cohort_month": ("Cohort", "Когорта"),
    "contracts_signed": ("Contracts signed", "Подписано договоров"),
    "created_reached_first_sale": ("…of them reached first sale", "…из них дошли до первой продажи"),
    "days_to_reach_sum": ("Days to reach (sum)", "Дней до этапа (сумма)"),
    "deal_id": ("Deal #", "Сделка №"),
    "deals": ("Deals", "Сделки"),
    "deals_created": ("Deals created", "Создано сделок"),
    "deals_won": ("Deals won", "Выиграно сделок"),
    "decline_pct": ("Decline", "Падение"),
    "development_bonus": ("Development bonus", "За развитие"),
    "development_manager_id": ("Development manager", "Менеджер по развитию"),
    "entity": ("Table", "Таблица"),
    "fact": ("Fact", "Факт"),
    "first_sale": ("First sale", "Первая продажа"),
    "first_sales": ("First sales", "Первые продажи"),
    "forecast": ("Forecast", "Прогноз"),
    "is_complete": ("Complete", "Завершён"),
    "kind": ("Kind", "Тип"),
    "lines": ("Lines", "Строк"),
    "lost_at_stage": ("Lost at this stage", "Потеряно на этапе"),
    "manager_id": ("Manager", "Менеджер"),
    "metric": ("Metric", "Показатель"),
    "month": ("Month", "Месяц"),
    "month_offset": ("Months since first sale", "Месяцев с первой продажи"),
    "multiplier": ("Multiplier", "Множитель"),
    "name": ("Name", "Название"),
    "partner_id": ("Account", "Аккаунт"),
    "partners": ("Partners", "Партнёры"),
    "period_start": ("Period start", "Начало периода"),
    "period_type": ("Period", "Период"),
    "plan_optimistic": ("Plan (optimistic)", "План (оптим.)"),
    "plan_realistic": ("Plan (realistic)", "План (реалист.)"),
    "rate": ("Rate", "Ставка"),
    "reason": ("Reason", "Причина"),
    "recent_28d": ("Last 28 days", "Последние 28 дней"),
    "revenue": ("Revenue", "Выручка"),
    "role": ("Role", "Роль"),
    "rows": ("Rows", "Строк"),
    "rule": ("Rule", "Правило"),
    "sales_bonus": ("Sales bonus", "За продажи"),
    "sales_manager_id": ("Sales manager", "Менеджер по продажам"),
    "signed_then_selling": ("Signed, now selling", "Подписали и продают"),
    "source": ("Source", "Источник"),
    "stage": ("Stage", "Этап"),
    "stage_order": ("Stage #", "Этап №"),
    "tickets": ("Tickets", "Билеты"),
    "timezone": ("Time zone", "Часовой пояс"),
    "timezone_source": ("Time zone from", "Откуда часовой пояс"),
    "total": ("Total", "Итого"),
    "turnover": ("Turnover", "Оборот"),
    "week_start": ("Week start", "Начало недели"),
    "widget_installed": ("Widget installed", "Виджет установлен"),
    "widgets_installed": ("Widgets installed", "Установлено виджетов"),
}
