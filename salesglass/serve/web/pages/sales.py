"""Sales: weekly widget installs and first sales, operators vs organizers, budget won, created vs selling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.charts import bar, column_chart
from salesglass.serve.web.pages.common import drill, month_axis, months, ratio
from salesglass.serve.web.palette import BLUE, GREEN, GREY, ORANGE
from salesglass.serve.web.view import Chart, Col, Kpi, PageView, TableView


@dataclass
class SalesFigures:
    """The published figures the page shows, for the month filter and the client kind."""

    weekly: list[dict[str, Any]]  # per week: deals created, widgets installed, first sales
    monthly: list[dict[str, Any]]  # per month: deals created and won, budget won, created that reached a sale
    # per client kind: deals created, widgets installed and first sales in the months themselves
    # (report_monthly_deals, report_new_partners): a week runs into the next month (Mon 28 Dec – Sun 3 Jan),
    # so the weeks that start in the months do not count the months' own deals
    by_kind: list[dict[str, Any]]


@dataclass
class SalesTotals:
    created: int
    won: int
    widgets: int  # reached in the months (the KPIs)
    first_sales: int
    budget: Any  # money (Decimal) or 0
    reached: int  # deals created in the range that reached a first sale


def build(ctx: Ctx) -> PageView:
    view = PageView(ctx.t("page_sales"))
    if not ctx.may_see_company:
        view.notice = ctx.t("company_only")
        return view
    lo, hi = months(ctx)
    figures = read_figures(ctx, lo, hi)
    link_drills(ctx, figures)
    totals = sum_up(figures)
    view.kpis = kpis(ctx, totals, lo, hi)
    if not ctx.viewer.is_admin:  # company-wide figures; a manager's drill-downs would list only their own deals
        for k in view.kpis:
            k.link = None
    view.charts = charts(ctx, figures, lo, hi)
    view.tables = tables(ctx, figures, totals, week_axis(ctx, lo, hi))
    view.tables[0].note = weeks_note(ctx, figures, totals, lo, hi)
    return view


def weeks_note(ctx: Ctx, figures: SalesFigures, tot: SalesTotals, lo: date, hi: date) -> str | None:
    """Why the weekly table's totals differ from the cards' (the demo's July–December: 395 deals created a week
    against 404 in the card): its weeks start on the Mondays of the months and run Monday to Sunday, the cards
    count the calendar months. Said only when they differ."""
    weekly = (_total(figures.weekly, k) for k in ("deals_created", "widget_installed", "first_sale"))
    if not figures.weekly or tuple(weekly) == (tot.created, tot.widgets, tot.first_sales):
        return None
    f = ctx.fmt
    first, last = figures.weekly[0]["week_start"], figures.weekly[-1]["week_start"]
    end = min(hi - timedelta(days=1), ctx.snap.as_of)  # nothing after as_of is counted, in either
    return ctx.t(
        "note_weeks_vs_months",
        first=f.day(first),
        last=f.day(min(last + timedelta(days=6), ctx.snap.as_of)),
        lo=f.day(lo),
        hi=f.day(end),
    )


def read_figures(ctx: Ctx, lo: date, hi: date) -> SalesFigures:
    kind_sql, kind_args = ctx.kind_sql("client_kind")
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
            FROM (SELECT month, client_kind, deals_created, 0 AS widget_installed, 0 AS first_sale
                  FROM report_monthly_deals
                  UNION ALL
                  SELECT month, client_kind, 0, widgets_installed, first_sales FROM report_new_partners) r
            WHERE month >= ? AND month < ? AND {kind_sql}
            GROUP BY client_kind ORDER BY client_kind""",
        [lo, hi, *kind_args],
    )
    return SalesFigures(weekly=_weekly_sums(ctx, lo, hi), monthly=monthly, by_kind=by_kind)


def _weekly_sums(ctx: Ctx, lo: date, hi: date) -> list[dict[str, Any]]:
    """Deals created, widgets installed and first sales of the weeks starting in [lo, hi)."""
    kind_sql, kind_args = ctx.kind_sql("client_kind")
    return ctx.q.rows(
        f"""SELECT week_start, sum(deals_created) AS deals_created, sum(widget_installed) AS widget_installed,
                   sum(first_sale) AS first_sale
            FROM report_weekly WHERE week_start >= ? AND week_start < ? AND {kind_sql}
            GROUP BY week_start ORDER BY week_start""",
        [lo, hi, *kind_args],
    )


def link_drills(ctx: Ctx, figures: SalesFigures) -> None:
    """Each weekly and monthly number opens the deals behind it; the month's conversion is added. The page is
    company-wide: a manager (allowed company totals) lists only their own deals, so their numbers link nowhere."""
    for r in figures.monthly:
        r["conversion"] = ratio(r["created_reached_first_sale"], r["deals_created"])
    if not ctx.viewer.is_admin:
        return
    for r in figures.weekly:
        ws, we = r["week_start"], r["week_start"] + timedelta(days=7)
        r["_link_deals_created"] = drill(ctx, "deals", basis="created", since=ws, until=we)
        r["_link_widget_installed"] = drill(ctx, "deals", basis="reached", stage="widget_installed", since=ws, until=we)
        r["_link_first_sale"] = drill(ctx, "deals", basis="reached", stage="first_sale", since=ws, until=we)
    for r in figures.monthly:
        ms, me = r["month"], add_months(r["month"], 1)
        r["_link_deals_created"] = drill(ctx, "deals", basis="created", since=ms, until=me)
        r["_link_deals_won"] = drill(ctx, "deals", basis="won", since=ms, until=me)
        r["_link_annual_budget_won"] = r["_link_deals_won"]
        r["_link_created_reached_first_sale"] = drill(
            ctx, "deals", basis="cohort", stage="first_sale", since=ms, until=me
        )


def _total(rows: list[dict[str, Any]], key: str) -> int:
    return sum((r[key] or 0) for r in rows)


def sum_up(figures: SalesFigures) -> SalesTotals:
    """Deals created, won, budget, conversion, widgets and first sales reached: all by month."""
    return SalesTotals(
        created=_total(figures.monthly, "deals_created"),
        won=_total(figures.monthly, "deals_won"),
        widgets=_total(figures.by_kind, "widget_installed"),
        first_sales=_total(figures.by_kind, "first_sale"),
        budget=sum((r["annual_budget_won"] or 0) for r in figures.monthly),
        reached=_total(figures.monthly, "created_reached_first_sale"),
    )


def kpis(ctx: Ctx, tot: SalesTotals, lo: date, hi: date) -> list[Kpi]:
    t, f = ctx.t, ctx.fmt
    return [
        Kpi(t("deals_created"), f.number(tot.created), link=drill(ctx, "deals", basis="created", since=lo, until=hi)),
        Kpi(
            t("widget_installed"),
            f.number(tot.widgets),
            sub=t("kpi_reached_in_period"),
            link=drill(ctx, "deals", basis="reached", stage="widget_installed", since=lo, until=hi),
        ),
        Kpi(
            t("first_sale"),
            f.number(tot.first_sales),
            sub=t("kpi_reached_in_period"),
            link=drill(ctx, "deals", basis="reached", stage="first_sale", since=lo, until=hi),
        ),
        Kpi(t("annual_budget_won"), f.money_short(tot.budget), sub=f"{t('deals_won')}: {f.number(tot.won)}"),
        Kpi(
            t("created_to_first_sale"),
            f.pct(ratio(tot.reached, tot.created)),
            sub=t(
                "kpi_reached_of_created_one" if tot.created == 1 else "kpi_reached_of_created",
                reached=f.number(tot.reached),
                created=f.number(tot.created),
            ),
        ),
    ]


def week_axis(ctx: Ctx, lo: date, hi: date) -> list[date]:
    """Every Monday of the range up to as_of: a week without rows is a zero week (reports.md)."""
    first = lo + timedelta(days=(7 - lo.weekday()) % 7)  # first Monday in the range
    last = min(hi, ctx.snap.as_of + timedelta(days=1))  # no weeks after as_of
    return [first + timedelta(weeks=i) for i in range(max(0, (last - first).days + 6) // 7)]


def charts(ctx: Ctx, figures: SalesFigures, lo: date, hi: date) -> list[Chart]:
    t, f = ctx.t, ctx.fmt
    by_week = {r["week_start"]: r for r in figures.weekly}
    axis = week_axis(ctx, lo, hi)
    weeks = [by_week.get(w, {"widget_installed": 0, "first_sale": 0}) for w in axis]
    by_kind = figures.by_kind
    by_month = {r["month"]: r for r in figures.monthly}
    zero = {"deals_created": 0, "annual_budget_won": 0, "created_reached_first_sale": 0}
    monthly = [by_month.get(m, zero) for m in month_axis(lo, hi)]
    month_names = [f.month(m) for m in month_axis(lo, hi)]
    return [
        Chart(
            "weekly",
            t("chart_weekly"),
            _bars(
                [f.day(w) for w in axis],
                [
                    (t("widget_installed"), [r["widget_installed"] for r in weeks], BLUE),
                    (t("first_sale"), [r["first_sale"] for r in weeks], GREEN),
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
                month_names,
                [(t("annual_budget_won"), [str(r["annual_budget_won"] or 0) for r in monthly], ORANGE)],
                money=True,
            ),
        ),
        Chart(
            "created",
            t("chart_created_vs_first"),
            _bars(
                month_names,
                [
                    (t("deals_created"), [r["deals_created"] for r in monthly], GREY),
                    (t("created_reached_first_sale"), [r["created_reached_first_sale"] for r in monthly], GREEN),
                ],
            ),
        ),
    ]


def tables(ctx: Ctx, figures: SalesFigures, tot: SalesTotals, weeks: list[date]) -> list[TableView]:
    """`weeks`: every Monday the chart has; a week without a row is a row of zeros, as in the chart (the table
    skipped it, and a dead week read as no week at all)."""
    t = ctx.t
    by_week = {r["week_start"]: r for r in figures.weekly}
    zero = {"deals_created": 0, "widget_installed": 0, "first_sale": 0}
    every_week = [by_week.get(w) or {"week_start": w, **zero} for w in weeks]
    weekly = TableView(
        "weekly",
        t("table_weekly"),
        [
            Col("week_start", t("week"), "date"),
            Col("deals_created", t("deals_created"), "int", hint=t("hint_deals_created")),
            Col("widget_installed", t("widget_installed"), "int", hint=t("hint_reached_in_week")),
            Col("first_sale", t("first_sale"), "int", hint=t("hint_reached_in_week")),
        ],
        every_week,
        total={
            "week_start": None,
            "deals_created": _total(figures.weekly, "deals_created"),
            "widget_installed": _total(figures.weekly, "widget_installed"),
            "first_sale": _total(figures.weekly, "first_sale"),
            "_label": t("total"),
        },
    )
    monthly = TableView(
        "monthly",
        t("table_monthly"),
        [
            Col("month", t("month"), "month"),
            Col("deals_created", t("deals_created"), "int", hint=t("hint_deals_created")),
            Col("deals_won", t("deals_won"), "int", hint=t("hint_deals_won")),
            Col("annual_budget_won", t("annual_budget_won"), "money"),
            Col("created_reached_first_sale", t("created_reached_first_sale"), "int", hint=t("hint_created_reached")),
            Col("conversion", t("conversion_pct"), "pct"),
        ],
        figures.monthly,
        total={
            "deals_created": tot.created,
            "deals_won": tot.won,
            "annual_budget_won": tot.budget,
            "created_reached_first_sale": tot.reached,
            "conversion": ratio(tot.reached, tot.created),
            "_label": t("total"),
        },
    )
    return [weekly, monthly]


def _bars(categories: list[str], series: list[tuple[str, list[Any], str]], money: bool = False) -> dict[str, Any]:
    """Side-by-side bars, one (name, values, colour) series each."""
    bars = [bar(n, d, c, max_width=28) for n, d, c in series]
    return column_chart(categories, bars, "money" if money else "int")
