"""Bonuses: each manager's monthly statement, totals by role, and every line with partner, rule and rate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.charts import bar, column_chart
from salesglass.serve.web.pages.common import drill, empty_notice, manager_condition, month_axis, months
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
    ("rate", "rate"),
    ("multiplier", "num4"),
    ("amount", "money"),
)


def line_cols(t: Callable[..., str]) -> list[Col]:
    return [
        Col(
            k,
            t(f"bonus_{k}" if k in ("base", "rate", "multiplier", "amount") else k),
            kind,
        )
        for k, kind in LINE_COLS
    ]


LINES_ORDER = "month DESC, manager_id, rule, amount DESC, partner_id"


def lines_sql(where: str, ordered: bool = True, limit: int | None = None, ordered_lines: str | None = None) -> str:
    """Bonus lines with their partner's name; `limit`: only the first lines in LINES_ORDER, chosen before
    the partners are joined (a page of the range's thousands of lines joins a page of partners).
    `ordered_lines`: the lines with their partner's name already joined and their place in LINES_ORDER
    (`pos`, `ordered_lines_sql`), so the first ones are read in that order rather than sorted."""
    if limit is not None and ordered_lines is not None:
        return f"""SELECT month, manager_id, role, rule, partner_id, partner_name, deal_id, base, rate, multiplier,
                          amount FROM {ordered_lines} l WHERE {where} ORDER BY pos LIMIT {int(limit)}"""
    lines = "report_bonus_lines"
    if limit is not None:
        cols = "month, manager_id, role, rule, partner_id, deal_id, base, rate, multiplier, amount"
        lines = f"(SELECT {cols} FROM report_bonus_lines l WHERE {where} ORDER BY {LINES_ORDER} LIMIT {int(limit)})"
        where = "TRUE"
    return f"""SELECT l.month, l.manager_id, l.role, l.rule, l.partner_id, p.name AS partner_name, l.deal_id,
                      l.base, l.rate, l.multiplier, l.amount
               FROM {lines} l LEFT JOIN partners p USING (partner_id)
               WHERE {where}
               """ + (f"ORDER BY {LINES_ORDER}" if ordered else "")


def ordered_lines_sql() -> str:
    """Every bonus line with its partner's name and its place in LINES_ORDER (ties: role, deal), in that order."""
    order = ", ".join(f"l.{k}" for k in LINES_ORDER.split(", ")) + ", l.role, l.deal_id"
    return f"""SELECT l.month, l.manager_id, l.role, l.rule, l.partner_id, p.name AS partner_name, l.deal_id,
                      l.base, l.rate, l.multiplier, l.amount, row_number() OVER (ORDER BY {order}) AS pos
               FROM report_bonus_lines l LEFT JOIN partners p USING (partner_id) ORDER BY pos"""


def decorate_line(ctx: Ctx, r: dict[str, Any]) -> dict[str, Any]:
    r["manager"] = ctx.manager_name(r["manager_id"])
    r["partner"] = r["partner_name"] or r["partner_id"]
    r["_link_partner"] = drill(ctx, "partners", partner=r["partner_id"], kind="")
    if r["deal_id"] is not None:
        r["_amo_deal_id"] = ctx.amo_url(r["deal_id"])
    else:  # each "—" of a line says why (docs/bonuses.md): growth is paid on a partner's sales, not a deal's
        r["_tip_deal_id"] = ctx.t("tip_line_no_deal")
    for col in ("base", "rate", "multiplier"):
        if r.get(col) is None:  # the first-sale bonus is a fixed amount; an adjustment's amount is the correction
            r[f"_tip_{col}"] = ctx.t("tip_line_fixed" if r["rule"] == "first_sale" else "tip_line_not_applied")
    r["multiplier"] = (
        None
        if r["multiplier"] is None
        else format(r["multiplier"].normalize() if hasattr(r["multiplier"], "normalize") else r["multiplier"], "f")
    )
    return r


def build(ctx: Ctx) -> PageView:
    view = PageView(ctx.t("page_bonuses"), notice=empty_notice(ctx))
    lo, hi = months(ctx)
    summary = read_summary(ctx, lo, hi)
    per_manager = sum_per_manager(ctx, summary, lo, hi)
    tot = {k: sum(m[k] for m in per_manager.values()) for k in SUMMED}
    view.kpis = kpis(ctx, tot, lo, hi)
    view.charts = [by_month_chart(ctx, summary, lo, hi)]
    view.tables = summary_tables(ctx, summary, per_manager, tot)
    view.tables.append(lines_table(ctx, lo, hi))
    return view


SUMMED = ("sales_bonus", "development_bonus", "total", "lines")


def read_summary(ctx: Ctx, lo: date, hi: date) -> list[dict[str, Any]]:
    """Each manager's bonus per month (the viewer's own only, for a manager), linked to its lines."""
    man_sql, man_args = manager_condition("manager_id", ctx.row_manager)
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
    return summary


def sum_per_manager(ctx: Ctx, summary: list[dict[str, Any]], lo: date, hi: date) -> dict[int, dict[str, Any]]:
    """The months of the range summed per manager."""
    per_manager: dict[int, dict[str, Any]] = {}
    for r in summary:
        m = per_manager.setdefault(
            r["manager_id"], {"manager": r["manager"], "sales_bonus": 0, "development_bonus": 0, "total": 0, "lines": 0}
        )
        for k in SUMMED:
            m[k] += r[k] or 0
    for mid, m in per_manager.items():
        m["_link_lines"] = drill(ctx, "bonus", manager=mid, since=lo, until=hi)
    return per_manager


def kpis(ctx: Ctx, tot: dict[str, Any], lo: date, hi: date) -> list[Kpi]:
    t, f = ctx.t, ctx.fmt
    lines = drill(ctx, "bonus", manager=ctx.row_manager, since=lo, until=hi)
    return [
        Kpi(t("bonus_total"), f.money_short(tot["total"])),
        Kpi(t("sales_bonus"), f.money_short(tot["sales_bonus"])),
        Kpi(t("development_bonus"), f.money_short(tot["development_bonus"])),
        # no lines, nothing to list: "0" is no link to an empty drill-down
        Kpi(t("bonus_lines"), f.number(tot["lines"]), link=lines if tot["lines"] else None),
    ]


def by_month_chart(ctx: Ctx, summary: list[dict[str, Any]], lo: date, hi: date) -> Chart:
    """Sales and development bonus per month of the range, stacked (a month without bonuses stays on the axis)."""
    t, f = ctx.t, ctx.fmt
    ms = month_axis(lo, hi)
    by_month: dict[date, list[Any]] = {m: [0, 0] for m in ms}
    for r in summary:
        b = by_month.setdefault(r["month"], [0, 0])
        b[0] += r["sales_bonus"] or 0
        b[1] += r["development_bonus"] or 0
    return Chart(
        "bonus",
        t("chart_bonus"),
        column_chart(
            [f.month(m) for m in ms],
            [
                bar(t(name), [by_month[m][i] for m in ms], color, max_width=36, stack="b")
                for i, (name, color) in enumerate((("sales_bonus", BLUE), ("development_bonus", GREEN)))
            ],
            "money",
        ),
        wide=True,
    )


def summary_tables(
    ctx: Ctx, summary: list[dict[str, Any]], per_manager: dict[int, dict[str, Any]], tot: dict[str, Any]
) -> list[TableView]:
    t = ctx.t
    money = [Col(k, t(k), "money") for k in ("sales_bonus", "development_bonus", "total")]
    lines = Col("lines", t("bonus_lines"), "int")
    return [
        TableView(
            "by_manager",
            t("table_bonus_managers"),
            [Col("manager", t("manager")), *money, lines],
            sorted(per_manager.values(), key=lambda m: -m["total"]),
            total=tot,
        ),
        TableView(
            "summary",
            t("table_bonus_summary"),
            [Col("month", t("month"), "month"), Col("manager", t("manager")), *money, lines],
            summary,
        ),
    ]


def lines_table(ctx: Ctx, lo: date, hi: date) -> TableView:
    """The range's bonus lines, the first LINES_ON_PAGE of them (the rest are a drill-down away)."""
    t = ctx.t
    man_sql, man_args = manager_condition("l.manager_id", ctx.row_manager)
    ordered = ctx.snap.derived("bonus_lines_ordered", ordered_lines_sql()) if ctx.snap.has("partners") else None
    lines = ctx.q.rows(
        lines_sql(f"l.month >= ? AND l.month < ? AND {man_sql}", limit=LINES_ON_PAGE + 1, ordered_lines=ordered),
        [lo, hi, *man_args],
    )
    more = len(lines) > LINES_ON_PAGE
    return TableView(
        "lines",
        t("table_bonus_lines"),
        line_cols(t),
        [decorate_line(ctx, r) for r in lines[:LINES_ON_PAGE]],
        note=t("first_n_lines", n=LINES_ON_PAGE) if more else None,
    )
