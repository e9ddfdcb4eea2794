"""New partners: contracts → widgets → first sales per manager vs the previous period; who the sales belong to."""

from __future__ import annotations

from datetime import date
from typing import Any

from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.charts import bar, column_chart
from salesglass.serve.web.pages.common import drill, empty_notice, manager_condition, months, ratio
from salesglass.serve.web.palette import BLUE, GREEN, GREY, LIGHT_GREY, RED, SERIES, YELLOW
from salesglass.serve.web.view import Chart, Col, Kpi, PageView, TableView

MEASURES = ("contracts_signed", "widgets_installed", "first_sales", "signed_then_selling")
STAGE_OF = {"contracts_signed": "contract_signed", "widgets_installed": "widget_installed", "first_sales": "first_sale"}
BUCKET_COLORS = {"empty": LIGHT_GREY, "support": YELLOW, "unknown": RED}


def build(ctx: Ctx) -> PageView:
    view = PageView(ctx.t("page_partners"), notice=empty_notice(ctx))
    lo, hi = months(ctx)
    current = read_milestones(ctx, lo, hi)
    previous = read_milestones(ctx, add_months(lo, -month_span(lo, hi)), lo)
    rows = manager_rows(ctx, current, previous, lo, hi)
    tot = totals(ctx, rows)
    view.kpis = kpis(ctx, tot)
    view.charts = [milestones_chart(ctx, rows)]
    view.tables = [milestones_table(ctx, rows, tot)]
    if ctx.may_see_company:
        chart, table = _share(ctx, lo, hi)
        view.charts.append(chart)
        view.tables.append(table)
    return view


def month_span(lo: date, hi: date) -> int:
    return (hi.year * 12 + hi.month) - (lo.year * 12 + lo.month)


def read_milestones(ctx: Ctx, lo: date, hi: date) -> dict[int | None, dict[str, Any]]:
    """Per sales manager, new partners' milestones in [lo, hi): contracts, widgets, first sales."""
    kind_sql, kind_args = ctx.kind_sql("client_kind")
    man_sql, man_args = manager_condition("sales_manager_id", ctx.manager)
    rows = ctx.q.rows(
        f"""SELECT sales_manager_id, sum(contracts_signed) AS contracts_signed,
                   sum(widgets_installed) AS widgets_installed, sum(first_sales) AS first_sales,
                   sum(signed_then_selling) AS signed_then_selling
            FROM report_new_partners WHERE month >= ? AND month < ? AND {kind_sql} AND {man_sql}
            GROUP BY sales_manager_id""",
        [lo, hi, *kind_args, *man_args],
    )
    return {r["sales_manager_id"]: r for r in rows}


def manager_rows(
    ctx: Ctx,
    current: dict[int | None, dict[str, Any]],
    previous: dict[int | None, dict[str, Any]],
    lo: date,
    hi: date,
) -> list[dict[str, Any]]:
    """One row per manager, most first sales first, against the previous period of the same length."""
    rows = []
    managers = sorted(set(current) | set(previous), key=lambda m: -((current.get(m) or {}).get("first_sales") or 0))
    for mid in managers:
        c, p = current.get(mid) or {}, previous.get(mid) or {}
        r: dict[str, Any] = {k: int(c.get(k) or 0) for k in MEASURES}
        r["manager_id"] = mid
        r["manager"] = ctx.manager_name(mid) if mid is not None else ctx.t("no_manager")
        r["signed_to_selling"] = ratio(r["signed_then_selling"], r["contracts_signed"])
        r |= _why_no_share(ctx, r)
        r["prev_first_sales"] = int(p.get("first_sales") or 0)
        r["delta_first_sales"] = r["first_sales"] - r["prev_first_sales"]
        who = mid if mid is not None else "none"
        for k, stage in STAGE_OF.items():  # a 0 is no link to an empty list
            if r[k]:
                r[f"_link_{k}"] = drill(ctx, "deals", basis="reached", stage=stage, since=lo, until=hi, manager=who)
        if r["signed_then_selling"]:
            r["_link_signed_then_selling"] = drill(
                ctx, "deals", basis="signed_selling", since=lo, until=hi, manager=who
            )
        rows.append(r)
    return rows


def _why_no_share(ctx: Ctx, r: dict[str, Any]) -> dict[str, str]:
    """Why signed → selling is a "—": no contract signed in the months (shown on hover, see TableView)."""
    return {"_tip_signed_to_selling": ctx.t("tip_no_contracts")} if r["signed_to_selling"] is None else {}


def totals(ctx: Ctx, rows: list[dict[str, Any]]) -> dict[str, Any]:
    tot: dict[str, Any] = {k: sum(r[k] for r in rows) for k in (*MEASURES, "prev_first_sales", "delta_first_sales")}
    tot["signed_to_selling"] = ratio(tot["signed_then_selling"], tot["contracts_signed"])
    return tot | _why_no_share(ctx, tot)


def kpis(ctx: Ctx, tot: dict[str, Any]) -> list[Kpi]:
    t, f = ctx.t, ctx.fmt
    delta = tot["delta_first_sales"]
    return [
        Kpi(t("contracts_signed"), f.number(tot["contracts_signed"])),
        Kpi(t("widgets_installed"), f.number(tot["widgets_installed"])),
        Kpi(
            t("first_sales"),
            f.number(tot["first_sales"]),
            sub=f"{t('previous_period')}: {f.number(tot['prev_first_sales'])}",
            tone="good" if delta > 0 else ("bad" if delta < 0 else ""),
        ),
        Kpi(t("signed_to_selling"), f.pct(tot["signed_to_selling"]), tip=tot.get("_tip_signed_to_selling")),
    ]


def milestones_chart(ctx: Ctx, rows: list[dict[str, Any]]) -> Chart:
    t = ctx.t
    option = column_chart(
        [r["manager"] for r in rows],
        [
            bar(t(k), [r[k] for r in rows], c, max_width=22)
            for k, c in (("contracts_signed", GREY), ("widgets_installed", BLUE), ("first_sales", GREEN))
        ],
    )
    if len(rows) <= SIDE_BY_SIDE:
        option["xAxis"]["axisLabel"] = {"interval": 0}
        return Chart("milestones", t("chart_milestones"), option)
    # more names than fit side by side (slanted, 20 managers in half a page were a heap of crossed names, the
    # first one cut off): one row per manager, the most first sales on top, every name written across
    option["xAxis"], option["yAxis"] = (
        {"type": "value", "sgFormat": "int"},
        {"type": "category", "data": option["xAxis"]["data"], "inverse": True, "axisLabel": {"interval": 0}},
    )
    return Chart("milestones", t("chart_milestones"), option, height=max(300, 26 * len(rows) + 60))


SIDE_BY_SIDE = 4  # managers whose names the column chart can write side by side under their columns


def milestones_table(ctx: Ctx, rows: list[dict[str, Any]], tot: dict[str, Any]) -> TableView:
    t = ctx.t
    return TableView(
        "new_partners",
        t("table_new_partners"),
        [
            Col("manager", t("manager")),
            Col("contracts_signed", t("contracts_signed"), "int"),
            Col("widgets_installed", t("widgets_installed"), "int"),
            Col("first_sales", t("first_sales"), "int"),
            Col("signed_then_selling", t("signed_then_selling"), "int"),
            Col("signed_to_selling", t("signed_to_selling"), "pct"),
            Col("prev_first_sales", t("prev_first_sales"), "int"),
            Col("delta_first_sales", t("delta"), "int"),
        ],
        rows,
        total=tot,
    )


def _share(ctx: Ctx, lo: date, hi: date) -> tuple[Chart, TableView]:
    """Whose partners the period's sales belong to: each development manager, support, nobody."""
    rows = share_rows(ctx, lo, hi)
    total = sum((r["turnover"] or 0) for r in rows)
    for r in rows:
        r["share"] = ratio(r["turnover"], total)
    return share_chart(ctx, rows), share_table(ctx, rows, total)


def share_rows(ctx: Ctx, lo: date, hi: date) -> list[dict[str, Any]]:
    """Turnover, revenue and tickets per bucket (a manager, support, empty, unknown), with who it is."""
    t = ctx.t
    rows = ctx.q.rows(
        """SELECT bucket, manager_id, sum(turnover) AS turnover, sum(revenue) AS revenue, sum(tickets) AS tickets
           FROM report_sales_share WHERE month >= ? AND month < ?
           GROUP BY bucket, manager_id ORDER BY turnover DESC""",
        [lo, hi],
    )
    for r in rows:
        r["who"] = ctx.manager_name(r["manager_id"]) if r["bucket"] == "manager" else t(f"bucket_{r['bucket']}")
        if r["bucket"] == "manager":
            r["_link_turnover"] = drill(ctx, "partners", basis="sales", since=lo, until=hi, manager=r["manager_id"])
        elif r["bucket"] == "empty":
            r["_link_turnover"] = drill(ctx, "partners", basis="sales", since=lo, until=hi, bucket="empty")
    return rows


def share_chart(ctx: Ctx, rows: list[dict[str, Any]]) -> Chart:
    data = [
        {
            "name": r["who"],
            "value": r["turnover"],
            "itemStyle": {"color": BUCKET_COLORS.get(r["bucket"], SERIES[i % len(SERIES)])},
        }
        for i, r in enumerate(rows)
    ]
    return Chart(
        "share",
        ctx.t("chart_sales_share"),
        {
            "tooltip": {"trigger": "item", "sgFormat": "money"},
            "legend": {"type": "scroll", "orient": "vertical", "right": 0, "top": "middle"},
            "series": [
                {
                    "type": "pie",
                    "radius": ["38%", "70%"],
                    "center": ["38%", "50%"],
                    "data": data,
                    # percentages inside the ring (never past the card's edge), in the page's number format
                    "label": {"position": "inside", "sgPercent": True, "color": "#fff", "fontSize": 11},
                    "minShowLabelAngle": 18,  # no labels on slivers: they pile up on each other
                }
            ],
        },
    )


def share_table(ctx: Ctx, rows: list[dict[str, Any]], total: Any) -> TableView:
    t = ctx.t
    return TableView(
        "sales_share",
        t("table_sales_share"),
        [
            Col("who", t("development_manager")),
            Col("turnover", t("turnover"), "money"),
            Col("revenue", t("revenue"), "money"),
            Col("tickets", t("tickets"), "int"),
            Col("share", t("share"), "pct"),
        ],
        rows,
        total={
            "turnover": total,
            "revenue": sum((r["revenue"] or 0) for r in rows),
            "tickets": sum((r["tickets"] or 0) for r in rows),
            "share": ratio(total, total) if total else None,
        },
    )
