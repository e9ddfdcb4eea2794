"""Sales: weekly widget installs and first sales, operators vs organizers, budget won, created vs selling."""

from __future__ import annotations

from datetime import timedelta

from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.common import drill, months, ratio
from salesglass.serve.web.palette import BLUE, GREEN, GREY, ORANGE
from salesglass.serve.web.view import Chart, Col, Kpi, PageView, TableView


def build(ctx: Ctx) -> PageView:
    t, f = ctx.t, ctx.fmt
    view = PageView(t("page_sales"))
    if not ctx.may_see_company:
        view.notice = t("company_only")
        return view
    lo, hi = months(ctx)
    kind_sql, kind_args = ctx.kind_sql("client_kind")
    weekly = ctx.q.rows(
        f"""SELECT week_start, sum(deals_created) AS deals_created, sum(widget_installed) AS widget_installed,
                   sum(first_sale) AS first_sale
            FROM report_weekly WHERE week_start >= ? AND week_start < ? AND {kind_sql}
            GROUP BY week_start ORDER BY week_start""",
        [lo, hi, *kind_args],
    )
    monthly = ctx.q.rows(
        f"""SELECT month, sum(deals_created) AS deals_created, sum(deals_won) AS deals_won,
                   sum(annual_budget_won) AS annual_budget_won,
                   sum(created_reached_first_sale) AS created_reached_first_sale
            FROM report_monthly_deals WHERE month >= ? AND month < ? AND {kind_sql}
            GROUP BY month ORDER BY month""",
        [lo, hi, *kind_args],
    )
    by_kind = ctx.q.rows(
        f"""SELECT client_kind, sum(deals_created) AS deals_created, sum(widget_installed) AS widget_installed,
                   sum(first_sale) AS first_sale
            FROM report_weekly WHERE week_start >= ? AND week_start < ? AND {kind_sql}
            GROUP BY client_kind ORDER BY client_kind""",
        [lo, hi, *kind_args],
    )

    for r in weekly:
        ws, we = r["week_start"], r["week_start"] + timedelta(days=7)
        r["_link_deals_created"] = drill(ctx, "deals", basis="created", since=ws, until=we)
        r["_link_widget_installed"] = drill(ctx, "deals", basis="reached", stage="widget_installed", since=ws, until=we)
        r["_link_first_sale"] = drill(ctx, "deals", basis="reached", stage="first_sale", since=ws, until=we)
    for r in monthly:
        ms, me = r["month"], add_months(r["month"], 1)
        r["conversion"] = ratio(r["created_reached_first_sale"], r["deals_created"])
        r["_link_deals_created"] = drill(ctx, "deals", basis="created", since=ms, until=me)
        r["_link_deals_won"] = drill(ctx, "deals", basis="won", since=ms, until=me)
        r["_link_annual_budget_won"] = r["_link_deals_won"]
        r["_link_created_reached_first_sale"] = drill(
            ctx, "deals", basis="cohort", stage="first_sale", since=ms, until=me
        )

    def total(rows: list[dict], key: str) -> int:
        return sum((r[key] or 0) for r in rows)

    created, widgets, firsts = (
        total(monthly, "deals_created"),
        total(weekly, "widget_installed"),
        total(weekly, "first_sale"),
    )
    budget = sum((r["annual_budget_won"] or 0) for r in monthly)
    reached = total(monthly, "created_reached_first_sale")
    view.kpis = [
        Kpi(t("deals_created"), f.number(created), link=drill(ctx, "deals", basis="created", since=lo, until=hi)),
        Kpi(t("widget_installed"), f.number(widgets), sub=t("kpi_reached_in_period")),
        Kpi(t("first_sale"), f.number(firsts), sub=t("kpi_reached_in_period")),
        Kpi(
            t("annual_budget_won"),
            f.money_short(budget),
            sub=f"{t('deals_won')}: {f.number(total(monthly, 'deals_won'))}",
        ),
        Kpi(
            t("created_to_first_sale"),
            f.pct(ratio(reached, created)),
            sub=t("kpi_reached_of_created", reached=f.number(reached), created=f.number(created)),
        ),
    ]
    # every week of the range on the axis (a week without rows is a zero week, reports.md)
    by_week = {r["week_start"]: r for r in weekly}
    first = lo + timedelta(days=(7 - lo.weekday()) % 7)  # first Monday in the range
    last = min(hi, ctx.snap.as_of + timedelta(days=1))  # no weeks after as_of
    axis = [first + timedelta(weeks=i) for i in range(max(0, (last - first).days + 6) // 7)]
    chart_weeks = [by_week.get(w, {"widget_installed": 0, "first_sale": 0}) for w in axis]
    weeks = [f.day(w) for w in axis]
    view.charts = [
        Chart(
            "weekly",
            t("chart_weekly"),
            _bars(
                weeks,
                [
                    (t("widget_installed"), [r["widget_installed"] for r in chart_weeks], BLUE),
                    (t("first_sale"), [r["first_sale"] for r in chart_weeks], GREEN),
                ],
            ),
            wide=True,
        ),
        Chart(
            "kinds",
            t("chart_kinds"),
            _bars(
                [t(r["client_kind"]) for r in by_kind],
                [
                    (t("deals_created"), [r["deals_created"] for r in by_kind], GREY),
                    (t("widget_installed"), [r["widget_installed"] for r in by_kind], BLUE),
                    (t("first_sale"), [r["first_sale"] for r in by_kind], GREEN),
                ],
            ),
        ),
        Chart(
            "budget",
            t("chart_budget"),
            _bars(
                [f.month(r["month"]) for r in monthly],
                [(t("annual_budget_won"), [str(r["annual_budget_won"] or 0) for r in monthly], ORANGE)],
                money=True,
            ),
        ),
        Chart(
            "created",
            t("chart_created_vs_first"),
            _bars(
                [f.month(r["month"]) for r in monthly],
                [
                    (t("deals_created"), [r["deals_created"] for r in monthly], GREY),
                    (t("created_reached_first_sale"), [r["created_reached_first_sale"] for r in monthly], GREEN),
                ],
            ),
        ),
    ]
    view.tables = [
        TableView(
            "weekly",
            t("table_weekly"),
            [
                Col("week_start", t("week"), "date"),
                Col("deals_created", t("deals_created"), "int", hint=t("hint_deals_created")),
                Col("widget_installed", t("widget_installed"), "int", hint=t("hint_reached_in_week")),
                Col("first_sale", t("first_sale"), "int", hint=t("hint_reached_in_week")),
            ],
            weekly,
            total={
                "week_start": None,
                "deals_created": total(weekly, "deals_created"),
                "widget_installed": widgets,
                "first_sale": firsts,
                "_label": t("total"),
            },
        ),
        TableView(
            "monthly",
            t("table_monthly"),
            [
                Col("month", t("month"), "month"),
                Col("deals_created", t("deals_created"), "int", hint=t("hint_deals_created")),
                Col("deals_won", t("deals_won"), "int", hint=t("hint_deals_won")),
                Col("annual_budget_won", t("annual_budget_won"), "money"),
                Col(
                    "created_reached_first_sale", t("created_reached_first_sale"), "int", hint=t("hint_created_reached")
                ),
                Col("conversion", t("conversion_pct"), "pct"),
            ],
            monthly,
            total={
                "deals_created": created,
                "deals_won": total(monthly, "deals_won"),
                "annual_budget_won": budget,
                "created_reached_first_sale": reached,
                "conversion": ratio(reached, created),
                "_label": t("total"),
            },
        ),
    ]
    return view


def _bars(categories: list, series: list[tuple[str, list, str]], money: bool = False) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 12, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": categories},
        "yAxis": {"type": "value", "sgFormat": "money" if money else "int"},
        "series": [
            {"name": n, "type": "bar", "data": d, "itemStyle": {"color": c}, "barMaxWidth": 28} for n, d, c in series
        ],
    }
