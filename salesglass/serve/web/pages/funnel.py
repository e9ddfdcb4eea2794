"""Funnel: deals per stage for the chosen cohort months, conversions, mean days to reach, where deals leak."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from salesglass.model.schema import STAGES
from salesglass.serve.web.context import Ctx
from salesglass.serve.web.pages.charts import bar
from salesglass.serve.web.pages.common import drill, empty_notice, manager_condition, months, ratio
from salesglass.serve.web.palette import RED, STAGE_STEPS
from salesglass.serve.web.view import Chart, Col, Kpi, PageView, TableView


def build(ctx: Ctx) -> PageView:
    view = PageView(ctx.t("page_funnel"), notice=empty_notice(ctx))
    lo, hi = months(ctx)
    stages = stage_rows(ctx, read_stages(ctx, lo, hi), lo, hi)
    view.kpis = kpis(ctx, stages)
    view.charts = [funnel_chart(ctx, stages), leaks_chart(ctx, stages)]
    view.tables = [stages_table(ctx, stages)]
    if ctx.manager is None and ctx.viewer.is_admin:
        view.tables.append(_by_manager(ctx, lo, hi))
    return view


def read_stages(ctx: Ctx, lo: date, hi: date) -> dict[str, dict[str, Any]]:
    """Per stage, over the cohorts created in [lo, hi): deals that reached it, days to reach, lost there."""
    kind_sql, kind_args = ctx.kind_sql("client_kind")
    man_sql, man_args = manager_condition("sales_manager_id", ctx.manager)
    rows = ctx.q.rows(
        f"""SELECT stage, min(stage_order) AS stage_order, sum(deals) AS deals,
                   sum(days_to_reach_sum) AS days_sum, sum(lost_at_stage) AS lost
            FROM report_funnel
            WHERE cohort_month >= ? AND cohort_month < ? AND {kind_sql} AND {man_sql}
            GROUP BY stage""",
        [lo, hi, *kind_args, *man_args],
    )
    return {r["stage"]: r for r in rows}


def stage_rows(ctx: Ctx, by_stage: dict[str, dict[str, Any]], lo: date, hi: date) -> list[dict[str, Any]]:
    """Every stage in order (a stage nobody reached is a zero), with conversions from the previous stage
    and from the first, the mean days to reach it, and links to the deals behind each number."""
    stages: list[dict[str, Any]] = []
    first = (by_stage.get("lead") or {}).get("deals") or 0
    prev = None
    common = {"since": lo, "until": hi, "manager": ctx.manager}
    for i, stage in enumerate(STAGES, start=1):
        r = by_stage.get(stage, {})
        deals = int(r.get("deals") or 0)
        days = r.get("days_sum")
        stages.append(
            {
                "stage": stage,
                "stage_order": i,
                "deals": deals,
                "conv_prev": ratio(deals, prev) if prev is not None else None,
                "conv_first": ratio(deals, first),
                "mean_days": (Decimal(str(days)) / deals).quantize(Decimal("0.1"))
                if deals and days is not None
                else None,
                "lost": int(r.get("lost") or 0),
                # a 0 is no link to an empty list
                "_link_deals": drill(ctx, "deals", basis="cohort", stage=stage, **common) if deals else None,
                "_link_lost": drill(ctx, "deals", basis="lost", stage=stage, **common) if r.get("lost") else None,
            }
        )
        stages[-1] |= _why_no_figure(ctx, stages[-1], prev)
        prev = deals
    return stages


def _why_no_figure(ctx: Ctx, stage: dict[str, Any], prev: int | None) -> dict[str, str]:
    """`_tip_<col>` for each "—" of a stage's row: the first stage has none before it, a stage after one nobody
    reached has nothing to divide by, a stage nobody reached has no days to average (see TableView)."""
    tips = {}
    if stage["conv_prev"] is None:
        tips["conv_prev"] = "tip_first_stage" if prev is None else "tip_no_previous_stage"
    if stage["conv_first"] is None:
        tips["conv_first"] = "tip_no_leads"
    if stage["mean_days"] is None and not stage["deals"]:
        tips["mean_days"] = "tip_none_reached"
    return {f"_tip_{col}": ctx.t(key) for col, key in tips.items()}


def kpis(ctx: Ctx, stages: list[dict[str, Any]]) -> list[Kpi]:
    t, f = ctx.t, ctx.fmt
    first, sold = stages[0]["deals"], stages[-1]["deals"]
    lost_total = sum(s["lost"] for s in stages)
    return [
        Kpi(t("deals_in_cohorts"), f.number(first), link=stages[0]["_link_deals"]),
        Kpi(t("first_sale"), f.number(sold), link=stages[-1]["_link_deals"]),
        Kpi(t("lead_to_first_sale"), f.pct(ratio(sold, first)), tip=stages[-1].get("_tip_conv_first")),
        Kpi(
            t("mean_days_first_sale"),
            f.number(stages[-1]["mean_days"], 1) if stages[-1]["mean_days"] is not None else "—",
            tip=stages[-1].get("_tip_mean_days"),
        ),
        Kpi(t("lost_deals"), f.number(lost_total), tone="bad" if lost_total else ""),
    ]


def funnel_chart(ctx: Ctx, stages: list[dict[str, Any]]) -> Chart:
    t = ctx.t
    return Chart(
        "funnel",
        t("chart_funnel"),
        {
            "tooltip": {"trigger": "item"},
            "series": [
                {
                    "type": "funnel",
                    # labels right of the funnel, with a leader line: narrow stages cannot hold them
                    "left": "2%",
                    "width": "58%",
                    "top": 10,
                    "bottom": 10,
                    "sort": "none",
                    "minSize": "8%",
                    "gap": 2,
                    # "Лид: 4 595" as the table writes it (ECharts' own "{c}" printed 4595); app.js formats it
                    "label": {"show": True, "position": "right", "sgFormat": "int", "color": "#1d2433"},
                    "labelLine": {"show": True, "length": 12},
                    "data": [
                        {"name": t(s["stage"]), "value": s["deals"], "itemStyle": {"color": STAGE_STEPS[i]}}
                        for i, s in enumerate(stages)
                    ],
                }
            ],
        },
        height=320,
    )


def leaks_chart(ctx: Ctx, stages: list[dict[str, Any]]) -> Chart:
    """Where deals leak: the deals lost at each stage. Deals and none lost is no "nothing for these
    filters": the empty chart says that no deal was lost (app.js draws `sgEmpty` over a chart of zeros)."""
    t = ctx.t
    none_lost = stages[0]["deals"] > 0 and not any(s["lost"] for s in stages)
    return Chart(
        "leaks",
        t("chart_leaks"),
        {
            **({"sgEmpty": t("no_lost_deals")} if none_lost else {}),
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "value", "sgFormat": "int"},
            "yAxis": {"type": "category", "inverse": True, "data": [t(s["stage"]) for s in stages]},
            "series": [bar(t("lost_at_stage"), [s["lost"] for s in stages], RED, max_width=22)],
        },
        height=320,
    )


def stages_table(ctx: Ctx, stages: list[dict[str, Any]]) -> TableView:
    t = ctx.t
    return TableView(
        "funnel",
        t("table_funnel"),
        [
            Col("stage", t("stage"), "label"),
            Col("deals", t("deals"), "int"),
            Col("conv_prev", t("conv_prev"), "pct"),
            Col("conv_first", t("conv_first"), "pct"),
            Col("mean_days", t("mean_days"), "num"),
            Col("lost", t("lost_at_stage"), "int"),
        ],
        stages,
    )


def _by_manager(ctx: Ctx, lo: date, hi: date) -> TableView:
    """Admins, whole company: leads, contracts and first sales of each sales manager's cohorts."""
    t = ctx.t
    kind_sql, kind_args = ctx.kind_sql("client_kind")
    rows = ctx.q.rows(
        f"""SELECT sales_manager_id,
                   coalesce(sum(deals) FILTER (WHERE stage = 'lead'), 0) AS leads,
                   coalesce(sum(deals) FILTER (WHERE stage = 'contract_signed'), 0) AS contracts,
                   coalesce(sum(deals) FILTER (WHERE stage = 'first_sale'), 0) AS first_sales,
                   coalesce(sum(lost_at_stage), 0) AS lost
            FROM report_funnel WHERE cohort_month >= ? AND cohort_month < ? AND {kind_sql}
            GROUP BY sales_manager_id ORDER BY leads DESC NULLS LAST, sales_manager_id""",
        [lo, hi, *kind_args],
    )
    for r in rows:
        r["manager"] = ctx.manager_name(r["sales_manager_id"]) if r["sales_manager_id"] is not None else t("no_manager")
        r["conversion"] = ratio(r["first_sales"], r["leads"])
        if r["conversion"] is None:
            r["_tip_conversion"] = t("tip_no_leads")
        if r["sales_manager_id"] is not None:
            r["_link_manager"] = ctx.here(manager=r["sales_manager_id"])
            for col, stage in (("leads", "lead"), ("first_sales", "first_sale")):
                if r[col]:  # a 0 is no link to an empty list
                    r[f"_link_{col}"] = drill(
                        ctx, "deals", basis="cohort", stage=stage, since=lo, until=hi, manager=r["sales_manager_id"]
                    )
    return TableView(
        "by_manager",
        t("table_funnel_managers"),
        [
            Col("manager", t("manager")),
            Col("leads", t("lead"), "int"),
            Col("contracts", t("contract_signed"), "int"),
            Col("first_sales", t("first_sale"), "int"),
            Col("conversion", t("lead_to_first_sale"), "pct"),
            Col("lost", t("lost_deals"), "int"),
        ],
        rows,
    )
