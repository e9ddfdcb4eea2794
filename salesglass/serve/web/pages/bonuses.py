"""Bonuses: each manager's monthly statement, totals by role, and every line with partner, rule and rate."""

from __future__ import annotations

from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.common import drill, empty_notice, manager_condition, months
from salesglass.serve.web.palette import BLUE, GREEN
from salesglass.serve.web.view import Chart, Col, Kpi, PageView, TableView

LINES_ON_PAGE = 200

LINE_COLS = (
    ("month", "month"),
    ("manager", "text"),
    ("role", "label"),
    ("rule", "label"),
    ("partner", "text"),
    ("deal_id", "text"),
    ("base", "money"),
    ("rate", "num4"),
    ("multiplier", "num4"),
    ("amount", "money"),
)


def line_cols(t) -> list[Col]:
    return [
        Col(
            k,
            t(f"bonus_{k}" if k in ("base", "rate", "multiplier", "amount") else k),
            kind,
        )
        for k, kind in LINE_COLS
    ]


LINES_ORDER = "month DESC, manager_id, rule, amount DESC, partner_id"


def lines_sql(where: str, ordered: bool = True) -> str:
    return f"""SELECT l.month, l.manager_id, l.role, l.rule, l.partner_id, p.name AS partner_name, l.deal_id,
                      l.base, l.rate, l.multiplier, l.amount
               FROM report_bonus_lines l LEFT JOIN partners p USING (partner_id)
               WHERE {where}
               """ + (f"ORDER BY {LINES_ORDER}" if ordered else "")


def decorate_line(ctx: Ctx, r: dict) -> dict:
    r["manager"] = ctx.manager_name(r["manager_id"])
    r["partner"] = r["partner_name"] or r["partner_id"]
    r["_link_partner"] = drill(ctx, "partners", partner=r["partner_id"], kind="")
    if r["deal_id"] is not None:
        r["_amo_deal_id"] = ctx.amo_url(r["deal_id"])
    r["rate"] = (
        None
        if r["rate"] is None
        else format(r["rate"].normalize() if hasattr(r["rate"], "normalize") else r["rate"], "f")
    )
    r["multiplier"] = (
        None
        if r["multiplier"] is None
        else format(r["multiplier"].normalize() if hasattr(r["multiplier"], "normalize") else r["multiplier"], "f")
    )
    return r


def build(ctx: Ctx) -> PageView:
    t, f = ctx.t, ctx.fmt
    view = PageView(t("page_bonuses"), notice=empty_notice(ctx))
    lo, hi = months(ctx)
    manager = ctx.row_manager
    man_sql, man_args = manager_condition("manager_id", manager)
    summary = ctx.q.rows(
        f"""SELECT month, manager_id, sales_bonus, development_bonus, total, lines FROM report_bonus_summary
            WHERE month >= ? AND month < ? AND {man_sql} ORDER BY month DESC, total DESC""",
        [lo, hi, *man_args],
    )
    for r in summary:
        r["manager"] = ctx.manager_name(r["manager_id"])
        r["_link_lines"] = drill(
            ctx, "bonus", manager=r["manager_id"], since=r["month"], until=add_months(r["month"], 1)
        )
        r["_link_total"] = r["_link_lines"]
    per_manager: dict = {}
    for r in summary:
        m = per_manager.setdefault(
            r["manager_id"], {"manager": r["manager"], "sales_bonus": 0, "development_bonus": 0, "total": 0, "lines": 0}
        )
        for k in ("sales_bonus", "development_bonus", "total", "lines"):
            m[k] += r[k] or 0
    for mid, m in per_manager.items():
        m["_link_lines"] = drill(ctx, "bonus", manager=mid, since=lo, until=hi)
    tot = {k: sum(m[k] for m in per_manager.values()) for k in ("sales_bonus", "development_bonus", "total", "lines")}
    view.kpis = [
        Kpi(t("bonus_total"), f.money_short(tot["total"])),
        Kpi(t("sales_bonus"), f.money_short(tot["sales_bonus"])),
        Kpi(t("development_bonus"), f.money_short(tot["development_bonus"])),
        Kpi(t("bonus_lines"), f.number(tot["lines"]), link=drill(ctx, "bonus", manager=manager, since=lo, until=hi)),
    ]
    by_month: dict = {}
    for r in summary:
        b = by_month.setdefault(r["month"], [0, 0])
        b[0] += r["sales_bonus"] or 0
        b[1] += r["development_bonus"] or 0
    ms = sorted(by_month)
    view.charts = [
        Chart(
            "bonus",
            t("chart_bonus"),
            {
                "tooltip": {"trigger": "axis"},
                "legend": {"top": 0},
                "grid": {"left": 8, "right": 12, "top": 36, "bottom": 8, "containLabel": True},
                "xAxis": {"type": "category", "data": [f.month(m) for m in ms]},
                "yAxis": {"type": "value", "sgFormat": "money"},
                "series": [
                    {
                        "name": t("sales_bonus"),
                        "type": "bar",
                        "stack": "b",
                        "barMaxWidth": 36,
                        "data": [by_month[m][0] for m in ms],
                        "itemStyle": {"color": BLUE},
                    },
                    {
                        "name": t("development_bonus"),
                        "type": "bar",
                        "stack": "b",
                        "barMaxWidth": 36,
                        "data": [by_month[m][1] for m in ms],
                        "itemStyle": {"color": GREEN},
                    },
                ],
            },
            wide=True,
        )
    ]
    money = ("sales_bonus", "development_bonus", "total")
    view.tables = [
        TableView(
            "by_manager",
            t("table_bonus_managers"),
            [Col("manager", t("manager"))]
            + [Col(k, t(k), "money") for k in money]
            + [Col("lines", t("bonus_lines"), "int")],
            sorted(per_manager.values(), key=lambda m: -m["total"]),
            total=tot,
        ),
        TableView(
            "summary",
            t("table_bonus_summary"),
            [Col("month", t("month"), "month"), Col("manager", t("manager"))]
            + [Col(k, t(k), "money") for k in money]
            + [Col("lines", t("bonus_lines"), "int")],
            summary,
        ),
    ]
    lines = ctx.q.rows(
        lines_sql(f"l.month >= ? AND l.month < ? AND {man_sql.replace('manager_id', 'l.manager_id')}")
        + f" LIMIT {LINES_ON_PAGE + 1}",
        [lo, hi, *man_args],
    )
    more = len(lines) > LINES_ON_PAGE
    view.tables.append(
        TableView(
            "lines",
            t("table_bonus_lines"),
            line_cols(t),
            [decorate_line(ctx, r) for r in lines[:LINES_ON_PAGE]],
            note=t("first_n_lines", n=LINES_ON_PAGE) if more else None,
        )
    )
    return view
