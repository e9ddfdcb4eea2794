"""Cohorts by first-sale month: retention heat-map and the declining partners whose manager should call."""

from __future__ import annotations

from decimal import Decimal

from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.common import drill, empty_notice, manager_condition, months, ratio
from salesglass.serve.web.palette import HEAT
from salesglass.serve.web.view import Chart, Col, Kpi, PageView, TableView

MEASURES = ("turnover", "active_partners")


def build(ctx: Ctx) -> PageView:
    t, _f = ctx.t, ctx.fmt
    view = PageView(t("page_cohorts"), notice=empty_notice(ctx))
    measure = ctx.params.get("measure") if ctx.params.get("measure") in MEASURES else "turnover"
    pct = ctx.params.get("mode") == "pct"
    if ctx.may_see_company:
        _heatmap(ctx, view, measure, pct)
    _declining(ctx, view)
    return view


def _heatmap(ctx: Ctx, view: PageView, measure: str, pct: bool) -> None:
    t, f = ctx.t, ctx.fmt
    lo, hi = months(ctx)
    kind_sql, kind_args = ctx.kind_sql("kind")
    rows = ctx.q.rows(
        f"""SELECT cohort_month, month_offset, sum(partners) AS partners, sum(active_partners) AS active_partners,
                   sum(turnover) AS turnover
            FROM report_cohorts WHERE cohort_month >= ? AND cohort_month < ? AND {kind_sql}
            GROUP BY cohort_month, month_offset ORDER BY cohort_month, month_offset""",
        [lo, hi, *kind_args],
    )
    cohorts: dict = {}
    for r in rows:
        cohorts.setdefault(r["cohort_month"], {})[r["month_offset"]] = r
    max_off = max((r["month_offset"] for r in rows), default=0)
    table, points = [], []
    for y, (cm, offs) in enumerate(sorted(cohorts.items())):
        base = (offs.get(0) or {}).get(measure)
        partners = max((o["partners"] or 0) for o in offs.values())
        line = {
            "cohort_month": cm,
            "partners": partners,
            "_link_partners": drill(ctx, "partners", basis="cohort", since=cm, until=add_months(cm, 1)),
        }
        for k in range(max_off + 1):
            v = (offs.get(k) or {}).get(measure)
            if v is None:
                continue
            shown = ratio(v, base) if pct else v
            line[f"m{k}"] = shown
            points.append([k, y, float(shown) if shown is not None else None])
        table.append(line)
    first_turnover = sum(((offs.get(0) or {}).get("turnover") or 0) for offs in cohorts.values())
    total_partners = sum(line["partners"] for line in table)
    view.kpis = [
        Kpi(t("cohorts"), f.number(len(table))),
        Kpi(t("partners_in_cohorts"), f.number(total_partners)),
        Kpi(t("turnover_month0"), f.money_short(first_turnover)),
    ]
    kind = "pct" if pct else ("money" if measure == "turnover" else "int")
    values = [p[2] for p in points if p[2] is not None]
    view.charts.append(
        Chart(
            "heatmap",
            t("chart_retention", measure=t(measure)),
            {
                "tooltip": {"position": "top", "sgFormat": kind},
                "grid": {"left": 8, "right": 12, "top": 10, "bottom": 64, "containLabel": True},
                "xAxis": {
                    "type": "category",
                    "name": t("month_offset"),
                    "nameLocation": "middle",
                    "nameGap": 26,
                    "data": [str(k) for k in range(max_off + 1)],
                    "splitArea": {"show": True},
                },
                "yAxis": {
                    "type": "category",
                    "inverse": True,
                    "data": [f.month(line["cohort_month"]) for line in table],
                    "splitArea": {"show": True},
                },
                "visualMap": {
                    "min": 0,
                    "max": _color_top(values),
                    "calculable": False,
                    "orient": "horizontal",
                    "left": "center",
                    "bottom": 0,
                    "itemHeight": 120,
                    "inRange": {"color": HEAT},
                    "show": True,
                    "sgFormat": kind,
                },
                "series": [
                    {
                        "type": "heatmap",
                        "data": points,
                        "label": {"show": len(points) <= 200, "fontSize": 10, "sgFormat": kind},
                    }
                ],
            },
            height=max(260, 28 * len(table) + 80),
            wide=True,
        )
    )
    cols = [Col("cohort_month", t("cohort_month"), "month"), Col("partners", t("partners"), "int")]
    cols += [Col(f"m{k}", f"{t('month_short')} {k}", kind) for k in range(max_off + 1)]
    view.tables.append(TableView("cohorts", t("table_cohorts", measure=t(measure)), cols, table))


def _declining(ctx: Ctx, view: PageView) -> None:
    t, f = ctx.t, ctx.fmt
    manager = ctx.row_manager
    man_sql, man_args = manager_condition("development_manager_id", manager)
    kind_sql, kind_args = ctx.kind_sql("kind")
    rows = ctx.q.rows(
        f"""SELECT partner_id, name, kind, development_manager_id, baseline_28d, recent_28d, decline_pct
            FROM report_declining_partners WHERE {man_sql} AND {kind_sql}
            ORDER BY baseline_28d - recent_28d DESC, partner_id LIMIT 500""",
        [*man_args, *kind_args],
    )
    for r in rows:
        r["manager"] = ctx.manager_label(r["development_manager_id"])
        r["loss"] = (r["baseline_28d"] or Decimal(0)) - (r["recent_28d"] or Decimal(0))
        r["_link_name"] = drill(ctx, "partners", partner=r["partner_id"], kind="")
    view.kpis.append(
        Kpi(
            t("declining_partners"),
            f.number(len(rows)),
            tone="bad" if rows else "",
            sub=f"{t('lost_per_28d')}: {f.money_short(sum(r['loss'] for r in rows))}",
        )
    )
    view.tables.append(
        TableView(
            "declining",
            t("table_declining", as_of=f.day(ctx.snap.as_of)),
            [
                Col("name", t("partner")),
                Col("kind", t("client_kind"), "label"),
                Col("manager", t("manager_to_call")),
                Col("baseline_28d", t("baseline_28d"), "money"),
                Col("recent_28d", t("recent_28d"), "money"),
                Col("decline_pct", t("decline_pct"), "pct"),
                Col("loss", t("loss_28d"), "money"),
            ],
            rows,
        )
    )


def _color_top(values: list[float]) -> float:
    """Top of the colour scale: the 95th percentile, so one huge cohort (a company's first month holds every
    partner that sold before) does not wash every other cell out to white; larger cells keep the top colour."""
    if not values:
        return 1
    ranked = sorted(values)
    return ranked[int(0.95 * (len(ranked) - 1))] or ranked[-1] or 1
