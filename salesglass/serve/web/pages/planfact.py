"""Plan vs fact: one period (month / quarter / year) against realistic and optimistic plans, with forecast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from salesglass.serve.web.context import Ctx, add_months, month_start
from salesglass.serve.web.pages import forecast_section
from salesglass.serve.web.pages.charts import bar, column_chart
from salesglass.serve.web.pages.common import drill, empty_notice
from salesglass.serve.web.palette import BLUE, GREEN, ORANGE
from salesglass.serve.web.view import Chart, Col, Kpi, PageView, TableView

METRICS = ("turnover", "revenue", "cost", "margin", "margin_pct", "tickets", "new_partners")
PERIOD_TYPES = ("month", "quarter", "year")
SPAN = {"month": 1, "quarter": 3, "year": 12}


def period_of(ptype: str, d: date) -> date:
    if ptype == "year":
        return date(d.year, 1, 1)
    if ptype == "quarter":
        return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return month_start(d)


def _at(ctx: Ctx, ptype: str) -> date:
    raw = ctx.params.get("at")
    try:
        chosen = date.fromisoformat(raw) if raw else ctx.snap.as_of
    except ValueError:
        chosen = ctx.snap.as_of
    return period_of(ptype, min(chosen, ctx.snap.as_of))


def _where_manager(manager: int | None) -> tuple[str, list[Any]]:
    return ("manager_id IS NULL", []) if manager is None else ("manager_id = ?", [manager])


def chosen_period(ctx: Ctx) -> tuple[str, date]:
    """The period type and the start of the period the page shows."""
    chosen = ctx.params.get("period")
    ptype = chosen if chosen is not None and chosen in PERIOD_TYPES else "month"
    return ptype, _at(ctx, ptype)


def file_period(ctx: Ctx) -> str:
    """The shown period in a download's name: 2026-03, 2026-Q1 or 2026."""
    ptype, at = chosen_period(ctx)
    if ptype == "year":
        return f"{at.year}"
    return f"{at.year}-Q{(at.month - 1) // 3 + 1}" if ptype == "quarter" else f"{at:%Y-%m}"


def build(ctx: Ctx) -> PageView:
    t, f = ctx.t, ctx.fmt
    ptype, at = chosen_period(ctx)
    view = PageView(t("page_planfact"), notice=empty_notice(ctx))
    man_sql, man_args = _where_manager(ctx.manager)
    end = add_months(at, SPAN[ptype])
    facts = read_plan_fact(ctx, ptype, at, man_sql, man_args)
    left_out = unplanned_months(ctx, ptype, at, end, facts, man_sql, man_args)
    if not facts and view.notice is None and ctx.manager is not None:  # a manager's row exists only with a
        # fact or a plan (docs/reports.md): say so rather than a page of dashes that reads as broken
        view.notice = t("planfact_nothing_of", manager=ctx.manager_name(ctx.manager), period=f.period(ptype, at))
    table = metric_rows(ctx, facts, at, end, left_out)
    by_metric = {r["metric"]: r for r in table}
    running = by_metric["turnover"].get("is_complete") is False
    if by_metric["turnover"].get("is_complete") is None:  # no row (a manager with no partner, no plan): by date,
        running = at <= ctx.snap.as_of < end - timedelta(days=1)  # not "complete period" for the running one
    view.kpis = kpis(ctx, by_metric, running, left_out.get("turnover"))
    view.extra = {"ptype": ptype, "period_at": at, "period_choices": period_choices(ctx, ptype) or [at]}
    view.scope = f"{t('period')}: {f.period(ptype, at)}; {t('manager')}: {ctx.manager_name(ctx.manager)}"
    view.charts = [_trend(ctx, ptype, at, man_sql, man_args)]
    forecast_charts, forecast_tables = forecast_section.section(ctx, ptype, at, man_sql, man_args, left_out)
    view.charts += forecast_charts
    # the months left out, of the metrics whose whole-period attainment is "—" for it
    gaps = {
        r["metric"]: left_out[r["metric"]]
        for r in table
        if left_out.get(r["metric"]) and r["forecast_attainment"] is None
    }
    view.tables = [
        TableView(
            "plan_fact",
            f"{t('page_planfact')}: {f.period(ptype, at)} — {ctx.manager_name(ctx.manager)}",
            _columns(t, running, f.day(ctx.snap.as_of)),
            table,
            note=" ".join(
                t(key, **args)
                for key, args, shown in (
                    ("note_plan_not_positive", {}, any(_not_positive_row(ctx, r) for r in table)),
                    ("note_plan_leaves_months", {"months": forecast_section.months_text(ctx, gaps)}, bool(gaps)),
                )
                if shown
            )
            or None,
        )
    ]
    view.tables += forecast_tables
    if ctx.viewer.is_admin and ctx.manager is None:
        view.tables.append(_managers(ctx, ptype, at, end))
    return view


def read_plan_fact(ctx: Ctx, ptype: str, at: date, man_sql: str, man_args: list[Any]) -> dict[str, dict[str, Any]]:
    """Fact, plans and forecast of each metric for the period starting `at` (company or one manager)."""
    rows = ctx.q.rows(
        f"""SELECT metric, fact, plan_realistic, plan_optimistic, forecast, is_complete, plan_to_date,
                   attainment_to_date_pct, forecast_attainment_pct FROM report_plan_fact
            WHERE period_type = ? AND period_start = ? AND {man_sql}""",
        [ptype, at, *man_args],
    )
    return {r["metric"]: r for r in rows}


def unplanned_months(
    ctx: Ctx,
    ptype: str,
    at: date,
    end: date,
    facts: dict[str, dict[str, Any]],
    man_sql: str,
    man_args: list[Any],
) -> dict[str, list[date]]:
    """metric → the months of a quarter or year its plan leaves out, for the metrics that have a plan at all:
    report_plan_fact gives them no whole-period attainment and no chances (a year's forecast against its
    first quarter's plan read 465 %), and the page says which months are missing."""
    planned = [m for m, r in facts.items() if r.get("plan_realistic") is not None and m != "margin_pct"]
    if ptype == "month" or not planned:
        return {}
    rows = ctx.q.rows(
        f"""SELECT metric, period_start FROM report_plan_fact
            WHERE period_type = 'month' AND period_start >= ? AND period_start < ? AND plan_realistic IS NOT NULL
              AND {man_sql}""",
        [at, end, *man_args],
    )
    months = [add_months(at, i) for i in range(SPAN[ptype])]
    have: dict[str, set[date]] = {}
    for r in rows:
        have.setdefault(r["metric"], set()).add(r["period_start"])
    out = {m: [d for d in months if d not in have.get(m, set())] for m in planned}
    return {m: missing for m, missing in out.items() if missing}


def metric_rows(
    ctx: Ctx, by_metric: dict[str, dict[str, Any]], at: date, end: date, left_out: dict[str, list[date]] | None = None
) -> list[dict[str, Any]]:
    """Every metric in order (a metric without a row shows blanks), each fact linked to what it counts;
    `left_out`: the months each metric's plan leaves out (unplanned_months), said on hover."""
    table = []
    manager = ctx.manager
    left_out = left_out or {}
    for m in METRICS:
        r = dict(by_metric.get(m) or {"is_complete": None})
        r["metric"] = m
        # like with like, as report_plan_fact computes it: fact to date ÷ plan to date, forecast ÷ whole plan
        r["attainment"] = r.get("attainment_to_date_pct")
        r["forecast_attainment"] = r.get("forecast_attainment_pct")
        if m != "margin_pct":
            r |= why_no_attainment(ctx, r, left_out.get(m, []))
        else:  # no percentage of a percentage: the margin % is compared with the plan's in points
            r |= {f"_tip_{col}": ctx.t("tip_pct_of_pct") for col in ("attainment", "forecast_attainment")}
        r["_kind"] = {"margin_pct": "pct", "tickets": "int", "new_partners": "int"}.get(m)
        if r.get("fact") is not None:  # a plan's "—" beside a fact: no plan was entered (said on hover)
            r |= {f"_tip_{col}": ctx.t("tip_plan_not_entered") for col in PLAN_COLS if r.get(col) is None}
        if r.get("fact") is None or (m == "new_partners" and r["fact"] == 0):  # no link to an empty list: no row
            pass  # (a "—"), or no new partner (a manager's "0" opened an empty list)
        elif m in ("turnover", "revenue", "cost", "margin", "tickets"):
            r["_link_fact"] = drill(ctx, "partners", basis="sales", since=at, until=end, manager=manager)
        elif m == "new_partners":
            r["_link_fact"] = drill(
                ctx, "partners", basis="first_sale", by="acquirer", since=at, until=end, manager=manager
            )
        table.append(r)
    return table


PLAN_COLS = ("plan_to_date", "plan_realistic", "plan_optimistic")


def _not_positive_row(ctx: Ctx, r: dict[str, Any]) -> bool:
    """The row has a "—" because its plan is 0 or below (why_no_attainment said so)."""
    said = ctx.t("tip_no_attainment")
    return r.get("_tip_attainment") == said or r.get("_tip_forecast_attainment") == said


def not_positive(plan: Any) -> bool:
    """A plan of 0 or below (a planned loss): no percentage of it and no chance of it (report_plan_fact)."""
    return plan is not None and plan <= 0


def why_no_attainment(ctx: Ctx, r: dict[str, Any], left_out: list[date]) -> dict[str, str]:
    """`_tip_attainment` / `_tip_forecast_attainment` for a "—" of a metric's row, its true reason first: no plan
    for any month of the period; a month of it (begun by as_of, for the attainment to date) that has no plan,
    named (report_plan_fact leaves the figure NULL; the plan to date of months without a plan reads 0, which
    is no planned loss); a plan of 0 or below."""
    tips: dict[str, str] = {}
    begun = [d for d in left_out if d <= ctx.snap.as_of]
    for col, plan, missing, key in (
        ("attainment", "plan_to_date", begun, "tip_plan_leaves_months_so_far"),
        ("forecast_attainment", "plan_realistic", left_out, "tip_plan_leaves_months"),
    ):
        if r.get(col) is not None:
            continue
        if r.get("plan_realistic") is None and r.get("fact") is not None:
            tips[f"_tip_{col}"] = ctx.t("tip_no_plan")
        elif missing:
            tips[f"_tip_{col}"] = ctx.t(key, months=forecast_section.months_text(ctx, {"m": missing}))
        elif not_positive(r.get(plan)):
            tips[f"_tip_{col}"] = ctx.t("tip_no_attainment")
    return tips


def no_attainment_tips(ctx: Ctx, row: dict[str, Any], **cols: str) -> dict[str, str]:
    """`_tip_<col>` for each percentage column whose plan column (the keyword) is 0 or below."""
    return {f"_tip_{col}": ctx.t("tip_no_attainment") for plan, col in cols.items() if not_positive(row.get(plan))}


def why_no_forecast_attainment(ctx: Ctx, row: dict[str, Any], left_out: list[date] | None) -> str | None:
    """Why a forecast has no attainment of the period's plan, in a few words (None: it has one, or there is
    no forecast to have one): no plan, a plan of 0 or below, a plan that leaves some months out."""
    if row.get("forecast_attainment") is not None or row.get("forecast") is None:
        return None
    plan = row.get("plan_realistic", row.get("plan"))
    if plan is None:
        return ctx.t("why_no_plan")
    if left_out:  # the truer reason: a plan of only some months can sum to 0 without being a planned loss
        return ctx.t("why_plan_leaves_months", months=forecast_section.months_text(ctx, {"m": left_out}))
    if plan <= 0:
        return ctx.t("why_plan_not_positive")
    return None


def kpis(ctx: Ctx, tm: dict[str, dict[str, Any]], running: bool, left_out: list[date] | None = None) -> list[Kpi]:
    """Turnover against plan (to date while the period runs), its forecast, margin, new partners.
    `left_out`: the months the turnover plan leaves out (unplanned_months), named when they are why the
    forecast has no attainment."""
    t, f = ctx.t, ctx.fmt
    to = {"day": f.day(ctx.snap.as_of)}
    turnover = tm["turnover"]
    why = why_no_forecast_attainment(ctx, turnover, left_out)
    return [
        Kpi(
            t("turnover"),
            f.money_short(turnover.get("fact")),
            link=turnover.get("_link_fact"),
            sub=f"{t('plan_to', **to) if running else t('plan_realistic')}: "
            f"{f.money_short(turnover.get('plan_to_date') if running else turnover.get('plan_realistic'))}",
        ),
        Kpi(
            t("attainment_to", **to) if running else t("attainment"),
            f.pct(turnover.get("attainment")),
            tone=_tone(turnover.get("attainment")),
            tip=turnover.get("_tip_attainment"),  # why a "—" (the table cell's reason)
        ),
        Kpi(
            t("forecast_period") if running else t("forecast"),
            f.money_short(turnover.get("forecast")),
            sub=f"{t('forecast_attainment_period')}: {f.pct(turnover.get('forecast_attainment'))}"
            + (f" ({why})" if why else "")
            if running
            else t("complete_period"),
        ),
        Kpi(
            t("margin"),
            f.money_short(tm["margin"].get("fact")),
            sub=f"{t('margin_pct')}: {f.pct(tm['margin_pct'].get('fact'))}",  # as the table writes it (66.7 %)
        ),
        Kpi(t("new_partners"), f.number(tm["new_partners"].get("fact")), link=tm["new_partners"].get("_link_fact")),
    ]


def _columns(t: Callable[..., str], running: bool, day: str) -> list[Col]:
    """A running period shows both comparisons, each header saying which; a complete one needs only one."""
    to = {"day": day}
    if not running:
        return [
            Col("metric", t("metric"), "label"),
            Col("fact", t("fact"), "money"),
            Col("plan_realistic", t("plan_realistic"), "money"),
            Col("plan_optimistic", t("plan_optimistic"), "money"),
            Col("attainment", t("attainment"), "pct"),
        ]
    return [
        Col("metric", t("metric"), "label"),
        Col("fact", t("fact_to", **to), "money"),
        Col("plan_to_date", t("plan_to", **to), "money", hint=t("hint_plan_to")),
        Col("attainment", t("attainment_to", **to), "pct", hint=t("hint_attainment_to")),
        Col("plan_realistic", t("plan_period"), "money"),
        Col("plan_optimistic", t("plan_optimistic"), "money"),
        Col("forecast", t("forecast_period"), "money"),
        Col("forecast_attainment", t("forecast_attainment_period"), "pct", hint=t("hint_forecast_attainment")),
    ]


def _tone(value: Decimal | None) -> str:
    if value is None:
        return ""
    return "good" if value >= 100 else ("bad" if value < 80 else "")


def _trend(ctx: Ctx, ptype: str, at: date, man_sql: str, man_args: list[Any]) -> Chart:
    t, f = ctx.t, ctx.fmt
    lo = date(at.year, 1, 1) if ptype != "year" else date(1900, 1, 1)
    rows = ctx.q.rows(
        f"""SELECT period_start, fact, plan_realistic, plan_optimistic, forecast, is_complete FROM report_plan_fact
            WHERE period_type = ? AND metric = 'turnover' AND period_start >= ? AND period_start <= ? AND {man_sql}
            ORDER BY period_start""",
        [ptype, lo, ctx.snap.as_of, *man_args],
    )
    cats = [f.period(ptype, r["period_start"]) for r in rows]
    return Chart(
        "trend",
        t("chart_turnover_plan"),
        column_chart(
            cats,
            [
                bar(t("fact"), [r["fact"] for r in rows], BLUE, max_width=30),
                # the open period's forecast, drawn behind its fact in the same column
                bar(
                    t("forecast"),
                    [r["forecast"] if r["is_complete"] is False else None for r in rows],
                    "rgba(59,111,212,0.25)",
                    max_width=30,
                    barGap="-100%",
                    z=1,
                ),
                {
                    "name": t("plan_realistic"),
                    "type": "line",
                    "data": [r["plan_realistic"] for r in rows],
                    "itemStyle": {"color": ORANGE},
                },
                {
                    "name": t("plan_optimistic"),
                    "type": "line",
                    "lineStyle": {"type": "dashed"},
                    "data": [r["plan_optimistic"] for r in rows],
                    "itemStyle": {"color": GREEN},
                },
            ],
            "money",
        ),
        wide=True,
    )


def _managers(ctx: Ctx, ptype: str, at: date, end: date) -> TableView:
    t = ctx.t
    rows = ctx.q.rows(
        """SELECT manager_id,
                  max(fact) FILTER (WHERE metric = 'turnover') AS turnover,
                  max(plan_realistic) FILTER (WHERE metric = 'turnover') AS plan,
                  max(plan_to_date) FILTER (WHERE metric = 'turnover') AS plan_to_date,
                  max(attainment_to_date_pct) FILTER (WHERE metric = 'turnover') AS attainment,
                  max(forecast) FILTER (WHERE metric = 'turnover') AS forecast,
                  max(forecast_attainment_pct) FILTER (WHERE metric = 'turnover') AS forecast_attainment,
                  bool_and(is_complete) AS is_complete,
                  max(fact) FILTER (WHERE metric = 'revenue') AS revenue,
                  max(fact) FILTER (WHERE metric = 'margin') AS margin,
                  max(fact) FILTER (WHERE metric = 'margin_pct') AS margin_pct,
                  max(fact) FILTER (WHERE metric = 'new_partners') AS new_partners
           FROM report_plan_fact WHERE period_type = ? AND period_start = ? AND manager_id IN (
               SELECT development_manager_id FROM partners
               UNION SELECT manager_id FROM managers WHERE role IN ('development', 'both'))
           GROUP BY manager_id ORDER BY turnover DESC NULLS LAST""",
        [ptype, at],
    )
    for r in rows:
        r["manager"] = ctx.manager_name(r["manager_id"])
        r["_link_manager"] = ctx.here(manager=r["manager_id"])
        r |= no_attainment_tips(ctx, r, plan_to_date="attainment", plan="forecast_attainment")
    _why_managers_have_no_attainment(ctx, rows, ptype, at, end)
    for r in rows:
        r |= _why_manager_cells_are_empty(ctx, r)
        # whole currency units on screen (the exports keep kopecks): ten columns of kopecks were wider than the
        # card at 1 280 px, and the new partners' column was out of view
        r["_kind"] = "money0"
    running = any(r["is_complete"] is False for r in rows)
    to = {"day": ctx.fmt.day(ctx.snap.as_of)}
    if running:
        cols = [
            Col("manager", t("manager")),
            Col("turnover", t("fact_to", **to), "money"),
            Col("plan_to_date", t("plan_to", **to), "money", hint=t("hint_plan_to")),
            Col("attainment", t("attainment_to", **to), "pct", hint=t("hint_attainment_to")),
            Col("plan", t("plan_period"), "money"),
            Col("forecast", t("forecast_period"), "money"),
            Col("forecast_attainment", t("forecast_attainment_period"), "pct", hint=t("hint_forecast_attainment")),
        ]
    else:
        cols = [
            Col("manager", t("manager")),
            Col("turnover", t("turnover"), "money"),
            Col("plan", t("plan_realistic"), "money"),
            Col("attainment", t("attainment"), "pct"),
        ]
    cols += [
        Col("margin", t("margin"), "money"),
        Col("margin_pct", t("margin_pct"), "pct"),
        Col("new_partners", t("new_partners"), "int"),
    ]
    return TableView("managers", t("table_plan_managers"), cols, rows, empty=_no_development_managers(ctx))


def _no_development_managers(ctx: Ctx) -> str | None:
    """The table lists the development managers — of a partner, or by their amoCRM role — and not the sales
    managers the report also has rows of (their new partners; it listed them under "By development manager").
    With none in the data it says so, rather than "nothing for these filters"."""
    none = not ctx.q.scalar(
        "SELECT count(*) FROM (SELECT development_manager_id FROM partners WHERE development_manager_id IS NOT NULL "
        "UNION ALL SELECT manager_id FROM managers WHERE role IN ('development', 'both'))"
    )
    return ctx.t("no_development_managers") if none else None


# a manager's figures of the table (the plan-fact row of each metric), and the plan columns
MANAGER_FIGURES = ("turnover", "forecast", "margin", "margin_pct", "new_partners")
MANAGER_PLANS = ("plan_to_date", "plan")


def _why_manager_cells_are_empty(ctx: Ctx, r: dict[str, Any]) -> dict[str, str]:
    """`_tip_<col>` for each other "—" of a manager's row (the attainments say theirs above): no plan entered;
    a margin % of a period without revenue (nothing to divide by); a figure the build has no row of for the
    manager (they sold nothing, had no plan and nothing forecast of that measure)."""
    tips = {f"_tip_{c}": ctx.t("tip_plan_not_entered") for c in MANAGER_PLANS if r.get(c) is None}
    for c in MANAGER_FIGURES:
        if r.get(c) is not None:
            continue
        no_revenue = c == "margin_pct" and r.get("revenue") is not None and r["revenue"] == 0
        tips[f"_tip_{c}"] = ctx.t("tip_no_revenue" if no_revenue else "tip_manager_no_figure")
    return {k: v for k, v in tips.items() if k not in r}


def _why_managers_have_no_attainment(ctx: Ctx, rows: list[dict[str, Any]], ptype: str, at: date, end: date) -> None:
    """A manager's "—" in attainment (to date) and in the forecast's attainment says why on hover: no turnover
    plan at all, or one that leaves some months of the period out (a plan of 0 or below: no_attainment_tips)."""
    planned = ctx.q.rows(
        """SELECT manager_id, period_start FROM report_plan_fact
           WHERE period_type = 'month' AND metric = 'turnover' AND period_start >= ? AND period_start < ?
             AND plan_realistic IS NOT NULL AND manager_id IS NOT NULL""",
        [at, end],
    )
    have: dict[int, set[date]] = {}
    for p in planned:
        have.setdefault(p["manager_id"], set()).add(p["period_start"])
    months = [add_months(at, i) for i in range(SPAN[ptype])]
    for r in rows:
        if r.get("plan") is None:
            for col in ("attainment", "forecast_attainment"):
                if r.get(col) is None:
                    r.setdefault(f"_tip_{col}", ctx.t("tip_no_plan"))
            continue
        missing = [d for d in months if d not in have.get(r["manager_id"], set())]
        begun = [d for d in missing if d <= ctx.snap.as_of]  # why the attainment to date is "—" (report_plan_fact)
        # the months without a plan before a plan of 0 or below: the plan to date of unplanned months reads 0
        if begun and r.get("attainment") is None:
            r["_tip_attainment"] = ctx.t(
                "tip_plan_leaves_months_so_far", months=forecast_section.months_text(ctx, {"m": begun})
            )
        if missing and r.get("forecast_attainment") is None:
            r["_tip_forecast_attainment"] = ctx.t(
                "tip_plan_leaves_months", months=forecast_section.months_text(ctx, {"m": missing})
            )


def period_choices(ctx: Ctx, ptype: str) -> list[date]:
    """The periods of this type the build has figures for, newest first (read once per published version)."""

    def read() -> list[date]:
        rows = ctx.q.rows(
            "SELECT DISTINCT period_start FROM report_plan_fact WHERE period_type = ? AND period_start <= ? "
            "ORDER BY 1 DESC",
            [ptype, ctx.snap.as_of],
        )
        return [r["period_start"] for r in rows]

    return list(ctx.snap.once(f"periods:{ptype}", read))
