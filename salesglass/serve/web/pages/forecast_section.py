"""The forecast section of the plan-fact page: its parts, its range against both plans, the chance of
each plan, and how accurate the forecast has been (the backtest). Charts are ECharts options (data only:
no script in the page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.charts import bar
from salesglass.serve.web.palette import BLUE, GREEN, GREY, ORANGE
from salesglass.serve.web.view import Chart, Col, TableView

SHOWN = ("turnover", "revenue", "margin", "tickets", "new_partners")
POINTS = {
    "month": ("point_month_1", "point_month_2", "point_month_3", "point_month_4"),
    "quarter": ("point_share_1", "point_share_2", "point_share_3", "point_share_4"),
    "year": ("point_share_1", "point_share_2", "point_share_3", "point_share_4"),
}


def _kind(metric: str) -> str:
    """How a row's numbers read: counts as whole numbers (a forecast of 13.3 new partners is "13"), money
    in whole roubles (a forecast's kopecks are false precision, and they would push the table past its
    card). The export keeps the exact values."""
    return "int" if metric in ("tickets", "new_partners") else "money0"


FORECAST_COLUMNS = (
    "fact",
    "forecast_base",
    "forecast_pipeline",
    "forecast_new_deals",
    "forecast_events",
    "forecast",
    "forecast_low",
    "forecast_high",
    "run_rate",
    "plan_realistic",
    "chance_realistic_pct",
    "plan_optimistic",
    "chance_optimistic_pct",
)


def forecast_rows(ctx: Ctx, ptype: str, at: date, man_sql: str, man_args: list) -> list[dict]:
    # a file built by an older salesglass lacks the newer parts (forecast_new_deals): shown as "—" until the
    # next build, never a crash of the whole page
    cols = ", ".join(c if ctx.snap.has("report_plan_fact", c) else f"NULL AS {c}" for c in FORECAST_COLUMNS)
    rows = ctx.q.rows(
        f"""SELECT metric, {cols}
            FROM report_plan_fact
            WHERE period_type = ? AND period_start = ? AND is_complete = FALSE AND {man_sql}""",
        [ptype, at, *man_args],
    )
    by = {r["metric"]: r for r in rows}
    return [dict(by[m], metric=m, _kind=_kind(m)) for m in SHOWN if m in by]


def chart(ctx: Ctx, rows: list[dict]) -> Chart | None:
    """Turnover: to date + base + pipeline + new deals (+ events on sale) stacked, the P10–P90 range, and both
    plans as lines."""
    t = ctx.t
    r = next((x for x in rows if x["metric"] == "turnover"), None)
    if r is None:
        return None
    cat = [t("turnover")]
    plans = [{"key": k, "name": t(k), "xAxis": r[k]} for k in ("plan_realistic", "plan_optimistic") if r[k]]
    # the axis reaches the farthest of the plans and the range, so every mark is on the chart
    reach = max([float(v) for v in (r["forecast_high"], r["forecast"], *[p["xAxis"] for p in plans]) if v] or [0])
    return Chart(
        "forecast",
        t("chart_forecast"),
        {
            "tooltip": {"trigger": "item"},
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 24, "top": 36, "bottom": 8, "containLabel": True},
            "yAxis": {"type": "category", "data": cat},
            # room past the furthest plan or P90; that end is no round number, so it gets no label of its own
            # (it printed "1.6B" nearly on top of "1.5B")
            "xAxis": {
                "type": "value",
                "sgFormat": "money",
                "max": round(reach * 1.05) or None,
                "axisLabel": {"showMaxLabel": False},
            },
            "series": [
                _part_bar(t("fact_to_date"), r["fact"], BLUE),
                _part_bar(t("forecast_base"), r["forecast_base"], "rgba(59,111,212,0.45)"),
                _part_bar(t("forecast_pipeline"), r["forecast_pipeline"], GREEN),
                _part_bar(t("forecast_new_deals"), r["forecast_new_deals"], "rgba(46,158,106,0.45)"),
                *([_part_bar(t("forecast_events"), r["forecast_events"], EVENTS)] if has_events(ctx) else []),
                {
                    "name": t("forecast_range"),
                    "type": "scatter",
                    "symbol": "diamond",
                    "symbolSize": 14,
                    "data": [[v, cat[0]] for v in (r["forecast_low"], r["forecast_high"]) if v is not None],
                    "itemStyle": {"color": GREY},
                },
                *[_plan_line(p["name"], p["xAxis"], *PLAN_LOOK[p["key"]]) for p in plans],
            ],
        },
        height=180,
        wide=True,
    )


EVENTS = "#8a5cc7"  # the events on sale's part: apart from the plans' orange and green and the other parts


def has_events(ctx: Ctx) -> bool:
    """The build forecasts the events on sale (report_plan_fact.forecast_events): a file built before that part
    existed shows the forecast as it was, without an empty part."""
    return ctx.snap.has("report_plan_fact", "forecast_events")


# each plan's colour and line as the plan vs fact chart above draws it: realistic solid orange, optimistic dashed green
PLAN_LOOK = {"plan_realistic": (ORANGE, "solid"), "plan_optimistic": (GREEN, "dashed")}


def _plan_line(name: str, value: Any, color: str, dash: str) -> dict[str, Any]:
    """A plan as an upright line across the bar, named in the legend: its name written at the line's top ran
    over the legend and the P90 mark at 1 280 px and, turned upright on a phone, over the bar itself. (A series
    of no points of its own: the line is its mark.)"""
    style = {"color": color, "type": dash, "width": 2}
    return {
        "name": name,
        "type": "line",
        "data": [],
        "symbol": "none",
        "itemStyle": {"color": color},
        "lineStyle": style,
        "markLine": {
            "symbol": "none",
            "data": [{"name": name, "xAxis": value}],
            "label": {"show": False},
            "lineStyle": style,
        },
    }


def _part_bar(name: str, value: Any, color: str) -> dict[str, Any]:
    """One part of the forecast, stacked on the others in one horizontal bar."""
    return bar(name, [value], color, max_width=36, stack="f")


# the table's rows: forecast = fact + base + pipeline + new deals, its range, both plans with their chances,
# the run-rate
PARTS = (
    ("fact", "fact_to_date"),
    ("forecast_base", "forecast_base"),
    ("forecast_pipeline", "forecast_pipeline"),
    ("forecast_new_deals", "forecast_new_deals"),
    ("forecast_events", "forecast_events"),
    ("forecast", "forecast"),
    ("forecast_low", "forecast_low"),
    ("forecast_high", "forecast_high"),
    ("plan_realistic", "plan_realistic"),
    ("chance_realistic_pct", "chance_realistic"),
    ("plan_optimistic", "plan_optimistic"),
    ("chance_optimistic_pct", "chance_optimistic"),
    ("run_rate", "run_rate"),
)


# the plan a row of the table is, or is the chance of
PLAN_OF = {
    "plan_realistic": "plan_realistic",
    "chance_realistic_pct": "plan_realistic",
    "plan_optimistic": "plan_optimistic",
    "chance_optimistic_pct": "plan_optimistic",
}


def table(ctx: Ctx, rows: list[dict], ptype: str = "month", left_out: dict[str, list[date]] | None = None) -> TableView:
    """One column per metric, one row per part: it reads top-down like the sum it is (fact + base +
    pipeline + new deals = forecast) and stays as narrow as its card with any number of digits.
    `left_out`: the months each metric's plan leaves out (planfact.unplanned_months): no chance, said why."""
    t = ctx.t
    left_out = left_out or {}
    lines = []
    for key, label in PARTS:
        if key == "forecast_events" and not has_events(ctx):
            continue
        line: dict = {"part": t(label)}
        for r in rows:
            m = r["metric"]
            line[m] = r[key]
            line[f"_kind_{m}"] = "pct" if key.startswith("chance_") else _kind(m)
            plan = r["plan_realistic" if key == "chance_realistic_pct" else "plan_optimistic"]
            if key.startswith("chance_") and plan is not None and plan <= 0:  # none for a planned loss: say why
                line[f"_tip_{m}"] = t("tip_no_chance")
            elif key.startswith("chance_") and r[key] is None and plan is not None and left_out.get(m):
                line[f"_tip_{m}"] = t("tip_plan_leaves_months", months=months_text(ctx, {m: left_out[m]}))
            elif key in PLAN_OF and r[PLAN_OF[key]] is None:  # a "—" of no plan at all: say so
                line[f"_tip_{m}"] = t("tip_plan_not_entered")
        lines.append(line)
    no_range = no_range_note(ctx, ptype, rows)
    return TableView(
        "forecast",
        t("table_forecast"),
        [Col("part", ""), *[Col(r["metric"], t(r["metric"]), "money") for r in rows]],
        lines,
        note=t("forecast_note")
        + (" " + t("forecast_note_events") if has_events(ctx) else "")
        + (" " + no_range if no_range else ""),
    )


def months_text(ctx: Ctx, left_out: dict[str, list[date]]) -> str:
    """The months left out, runs of consecutive months as "February 2025 – March 2025"."""
    months = sorted({d for missing in left_out.values() for d in missing})
    runs: list[list[date]] = []
    for d in months:
        if runs and add_months(runs[-1][-1], 1) == d:
            runs[-1].append(d)
        else:
            runs.append([d])
    month = ctx.fmt.month
    return ", ".join(month(r[0]) if len(r) == 1 else f"{month(r[0])} – {month(r[-1])}" for r in runs)


def no_range_note(ctx: Ctx, ptype: str, rows: list[dict]) -> str | None:
    """Why P10–P90 and the chances are "—" on a young account: the backtest has cases from fewer than
    backtest.MIN_PERIODS complete periods of this type (each replayed day needing `min_history_days` of
    sales before it, reports/forecast/days.py), so there is no range to read odds from."""
    from salesglass.reports.forecast.backtest import MIN_PERIODS

    if not any(r["forecast"] is not None and r["forecast_low"] is None for r in rows):
        return None
    have = 0
    if ctx.snap.has("report_forecast_accuracy", "periods"):
        got = ctx.q.rows(
            """SELECT max(periods) AS periods FROM report_forecast_accuracy
               WHERE period_type = ? AND method = 'forecast'""",
            [ptype],
        )
        have = int(got[0]["periods"] or 0) if got else 0
    if have >= MIN_PERIODS:  # a range exists at other points of the period: not a young account's "—"
        return None
    t = ctx.t
    return t(
        "forecast_no_range",
        need=MIN_PERIODS,
        periods=t(f"past_{ptype}"),
        days=ctx.cfg.reports.forecast.min_history_days,
        so_far=t("forecast_no_range_so_far", have=have) if have else "",
    )


def accuracy(ctx: Ctx, ptype: str) -> TableView:
    t = ctx.t
    # a file built before the column existed: shown as "—" until the next build
    periods = "max(periods) FILTER (WHERE method = 'forecast')"
    periods = periods if ctx.snap.has("report_forecast_accuracy", "periods") else "NULL"
    rows = ctx.q.rows(
        f"""SELECT metric, point,
                  max(cases) FILTER (WHERE method = 'forecast') AS cases,
                  {periods} AS periods,
                  max(mape_pct) FILTER (WHERE method = 'forecast') AS mape_forecast,
                  max(mape_pct) FILTER (WHERE method = 'run_rate') AS mape_run_rate,
                  max(mape_pct) FILTER (WHERE method = 'last_year') AS mape_last_year,
                  max(bias_pct) FILTER (WHERE method = 'forecast') AS bias_forecast,
                  max(coverage_pct) FILTER (WHERE method = 'forecast') AS coverage
           FROM report_forecast_accuracy WHERE period_type = ? AND metric IN ('turnover', 'new_partners')
           GROUP BY metric, point ORDER BY metric DESC, point""",
        [ptype],
    )
    for r in rows:
        r["point"] = t(POINTS[ptype][int(r["point"]) - 1])
    return TableView(
        "forecast_accuracy",
        t("table_forecast_accuracy"),
        [
            Col("metric", t("metric"), "label"),
            Col("point", t("point_of_period")),
            Col("cases", t("cases"), "int"),
            Col("periods", t("periods"), "int"),
            Col("mape_forecast", t("mape_forecast"), "pct"),
            Col("mape_run_rate", t("mape_run_rate"), "pct"),
            Col("mape_last_year", t("mape_last_year"), "pct"),
            Col("bias_forecast", t("bias_forecast"), "pct"),
            Col("coverage", t("coverage"), "pct"),
        ],
        rows,
        note=t("forecast_accuracy_note"),
        empty=t("forecast_accuracy_empty"),
    )


def section(
    ctx: Ctx, ptype: str, at: date, man_sql: str, man_args: list, left_out: dict[str, list[date]] | None = None
) -> tuple[list[Chart], list[TableView]]:
    """Charts and tables of the forecast for the chosen period (the parts only while it is running);
    `left_out`: the months each metric's plan leaves out (planfact.unplanned_months)."""
    if "report_forecast_accuracy" not in ctx.snap.tables:
        return [], []
    rows = forecast_rows(ctx, ptype, at, man_sql, man_args)
    charts = [c for c in (chart(ctx, rows),) if c is not None]
    tables = [table(ctx, rows, ptype, left_out)] if rows else []
    return charts, [*tables, accuracy(ctx, ptype)]
