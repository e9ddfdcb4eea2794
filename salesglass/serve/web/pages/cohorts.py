"""Cohorts by first-sale month: retention heat-map and the declining partners whose manager should call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.common import drill, empty_notice, manager_condition, months, ratio
from salesglass.serve.web.palette import HEAT
from salesglass.serve.web.view import Chart, Col, Kpi, PageView, TableView

MEASURES = ("turnover", "active_partners")


def build(ctx: Ctx) -> PageView:
    view = PageView(ctx.t("page_cohorts"), notice=empty_notice(ctx))
    chosen = ctx.params.get("measure")
    measure = chosen if chosen is not None and chosen in MEASURES else "turnover"
    pct = ctx.params.get("mode") == "pct"
    if ctx.may_see_company:
        _heatmap(ctx, view, measure, pct)
    _declining(ctx, view)
    return view


@dataclass
class Retention:
    """The cohort grid: one line per first-sale month, `m<k>` = the measure k months later."""

    lines: list[dict[str, Any]]
    points: list[list[Any]]  # [k, line index, value] for the heat-map
    max_offset: int
    first_turnover: Any  # turnover of every cohort in its own first month


def read_cohorts(ctx: Ctx) -> list[dict[str, Any]]:
    """Partners, active partners and turnover per cohort month and month offset, for the month filter."""
    lo, hi = months(ctx)
    kind_sql, kind_args = ctx.kind_sql("kind")
    return ctx.q.rows(
        f"""SELECT cohort_month, month_offset, sum(partners) AS partners, sum(active_partners) AS active_partners,
                   sum(turnover) AS turnover
            FROM report_cohorts WHERE cohort_month >= ? AND cohort_month < ? AND {kind_sql}
            GROUP BY cohort_month, month_offset ORDER BY cohort_month, month_offset""",
        [lo, hi, *kind_args],
    )


def retention(ctx: Ctx, rows: list[dict[str, Any]], measure: str, pct: bool) -> Retention:
    """The grid of `measure` (or its % of month 0 when `pct`), each cohort's size linked to its partners."""
    cohorts: dict[date, dict[int, dict[str, Any]]] = {}
    for r in rows:
        cohorts.setdefault(r["cohort_month"], {})[r["month_offset"]] = r
    max_off = max((r["month_offset"] for r in rows), default=0)
    lines, points = [], []
    for y, (cm, offs) in enumerate(sorted(cohorts.items())):
        base = (offs.get(0) or {}).get(measure)
        line: dict[str, Any] = {
            "cohort_month": cm,
            "partners": max((o["partners"] or 0) for o in offs.values()),
            "_link_partners": drill(ctx, "partners", basis="cohort", since=cm, until=add_months(cm, 1)),
        }
        for k in range(max_off + 1):
            v = (offs.get(k) or {}).get(measure)
            if v is None:
                # why the cell is a "—" (on hover): a young cohort has not lived that month yet
                if add_months(cm, k) > ctx.snap.as_of:
                    line[f"_tip_m{k}"] = ctx.t("tip_cohort_not_yet")
                continue
            shown = ratio(v, base) if pct else v
            line[f"m{k}"] = shown
            if shown is None:
                line[f"_tip_m{k}"] = ctx.t("tip_no_month0")
            points.append([k, y, float(shown) if shown is not None else None])
        lines.append(line)
    first_turnover = sum(((offs.get(0) or {}).get("turnover") or 0) for offs in cohorts.values())
    return Retention(lines, points, max_off, first_turnover)


def _heatmap(ctx: Ctx, view: PageView, measure: str, pct: bool) -> None:
    t, f = ctx.t, ctx.fmt
    grid = retention(ctx, read_cohorts(ctx), measure, pct)
    view.kpis = [
        Kpi(t("cohorts"), f.number(len(grid.lines))),
        Kpi(t("partners_in_cohorts"), f.number(sum(line["partners"] for line in grid.lines))),
        Kpi(t("turnover_month0"), f.money_short(grid.first_turnover)),
    ]
    kind = "pct" if pct else ("money" if measure == "turnover" else "int")
    view.charts.append(heatmap_chart(ctx, grid, measure, kind))
    cols = [Col("cohort_month", t("cohort_month"), "month"), Col("partners", t("partners"), "int")]
    cols += [Col(f"m{k}", f"{t('month_short')} {k}", kind) for k in range(grid.max_offset + 1)]
    view.tables.append(TableView("cohorts", t("table_cohorts", measure=t(measure)), cols, grid.lines))


def heatmap_chart(ctx: Ctx, grid: Retention, measure: str, kind: str) -> Chart:
    t, f = ctx.t, ctx.fmt
    values = [p[2] for p in grid.points if p[2] is not None]
    top = _color_top(values)
    # the colour scale says what its ends mean (a bare blue bar did not), written by app.js as the cells are
    # ("≥ 17,7 млн" when larger cells share the top colour)
    ends = {"top": top, "above": bool(values) and max(values) > top}
    return Chart(
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
                "data": [str(k) for k in range(grid.max_offset + 1)],
                # every month of life labelled (two digits fit even 25 months at 1440 px); a narrow
                # screen still drops the labels that would overlap (app.js hideOverlap)
                "axisLabel": {"interval": 0},
                "splitArea": {"show": True},
            },
            "yAxis": {
                "type": "category",
                "inverse": True,
                "data": [f.month(line["cohort_month"]) for line in grid.lines],
                "splitArea": {"show": True},
            },
            "visualMap": {
                "min": 0,
                "max": top,
                "sgEnds": ends,
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
                    "data": grid.points,
                    "label": {"show": len(grid.points) <= 200, "fontSize": 10, "sgFormat": kind},
                }
            ],
        },
        height=max(260, 28 * len(grid.lines) + 80),
        wide=True,
    )


DECLINING_SHOWN = 500  # rows of the declining partners' table: the largest losses first


def _declining(ctx: Ctx, view: PageView) -> None:
    t, f = ctx.t, ctx.fmt
    manager = ctx.row_manager
    man_sql, man_args = manager_condition("development_manager_id", manager)
    kind_sql, kind_args = ctx.kind_sql("kind")
    where = f"FROM report_declining_partners WHERE {man_sql} AND {kind_sql}"
    rows = ctx.q.rows(
        f"""SELECT partner_id, name, kind, development_manager_id, baseline_28d, recent_28d, decline_pct
            {where} ORDER BY baseline_28d - recent_28d DESC, partner_id LIMIT {DECLINING_SHOWN}""",
        [*man_args, *kind_args],
    )
    # the card counts every declining partner and their whole loss, not only the rows the table lists
    # (an m company has 865: the card said 500, the table's limit)
    whole = ctx.q.one(
        f"""SELECT count(*) AS n, coalesce(sum(coalesce(baseline_28d, 0) - coalesce(recent_28d, 0)), 0) AS loss
            {where}""",
        [*man_args, *kind_args],
    )
    for r in rows:
        r["manager"] = ctx.manager_label(r["development_manager_id"])
        r["loss"] = (r["baseline_28d"] or Decimal(0)) - (r["recent_28d"] or Decimal(0))
        r["_link_name"] = drill(ctx, "partners", partner=r["partner_id"], kind="")
        if (r["recent_28d"] or 0) < 0:  # the report caps its decline at 100 %: say why it reads 100
            r["_tip_decline_pct"] = t("tip_refunds_exceed_sales")
            r["decline_pct"] = min(r["decline_pct"], Decimal(100))  # a file built before the cap said 310 %
    notes = []
    if whole["n"] > len(rows):
        notes.append(t("declining_shown", shown=f.number(len(rows)), total=f.number(whole["n"])))
    if any("_tip_decline_pct" in r for r in rows):
        notes.append(t("note_refunds_exceed_sales"))
    view.kpis.append(
        Kpi(
            t("declining_partners"),
            f.number(whole["n"]),
            tone="bad" if rows else "",
            sub=f"{t('lost_per_28d')}: {f.money_short(whole['loss'])}",
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
            note=" ".join(notes) or None,
        )
    )


def _color_top(values: list[float]) -> float:
    """Top of the colour scale: the 95th percentile, so one huge cohort (a company's first month holds every
    partner that sold before) does not wash every other cell out to white; larger cells keep the top colour."""
    if not values:
        return 1
    ranked = sorted(values)
    return ranked[int(0.95 * (len(ranked) - 1))] or ranked[-1] or 1
