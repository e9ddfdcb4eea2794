"""Drill-downs: the deals, partners, bonus lines and quarantined rows behind a number.

Filtered in SQL with LIMIT/OFFSET paging (never whole tables into Python), with the same as_of cut-off
and calendar (account time zone) as the reports. A manager only ever gets their own rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import HTTPException

from salesglass.model.schema import STAGES
from salesglass.serve.web.context import Ctx, add_months
from salesglass.serve.web.pages.bonuses import LINES_ORDER, decorate_line, line_cols, lines_sql
from salesglass.serve.web.pages.common import pipeline_names
from salesglass.serve.web.raw_rows import key_of, raw_texts
from salesglass.serve.web.reasons import reason_label
from salesglass.serve.web.view import Col, TableView
from salesglass.sql import quote_lit, quote_lits

STAGE_LIST = "[" + quote_lits(STAGES) + "]"


@dataclass(frozen=True)
class PipelineChoice:
    """One pipeline of the deal lists' filter: its id (the value sent) and what the list shows."""

    id: int
    label: str  # the amoCRM name, cut to LABEL_CHARS; the id when the name is unknown
    title: str  # the whole name (hover), with the id


LABEL_CHARS = 60  # a 150-character pipeline name must not stretch the filter bar


def pipeline_choices(ctx: Ctx) -> list[PipelineChoice]:
    """The pipelines the deals are in (at most 50, as amoCRM allows), named and in amoCRM's order (`sort`).
    A file published before the `pipelines` table existed offers the ids, by number. Read once per
    published version."""

    def read() -> list[PipelineChoice]:
        deals = "SELECT DISTINCT pipeline_id FROM deals WHERE pipeline_id IS NOT NULL"
        if ctx.snap.has("pipelines", "name") and ctx.snap.has("pipelines", "sort"):
            rows = ctx.q.rows(
                f"""SELECT d.pipeline_id, p.name FROM ({deals}) d LEFT JOIN pipelines p USING (pipeline_id)
                    ORDER BY p.sort NULLS LAST, d.pipeline_id LIMIT 50"""
            )
        else:
            rows = [{**r, "name": None} for r in ctx.q.rows(f"{deals} ORDER BY 1 LIMIT 50")]
        names = [(r["name"] or "").strip() for r in rows]
        out = []
        for r, name in zip(rows, names, strict=True):
            pid = int(r["pipeline_id"])
            if not name:
                out.append(PipelineChoice(pid, str(pid), str(pid)))
                continue
            label = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"
            if names.count(name) > 1:  # two pipelines of one name: the id tells them apart
                label += f" ({pid})"
            out.append(PipelineChoice(pid, label, f"{name} ({pid})"))
        return out

    return ctx.snap.once("pipeline_choices", read)


@dataclass
class DrillView:
    title: str
    table: TableView
    count: int
    page: int
    pages: int
    subtitle: str = ""
    extra: list[TableView] = field(default_factory=list)
    pipelines: list[PipelineChoice] = field(default_factory=list)  # choices of the pipeline filter (deal lists)

    def page_url(self, ctx: Ctx, page: int) -> str:
        params = dict(ctx.params)
        params["page"] = str(page)
        return ctx.url(ctx.request.url.path, **params)


MONTH_ALIAS = {"since": "from", "until": "to"}  # the pages' month filters, as a drill-down URL may be typed


def _date(ctx: Ctx, key: str) -> date | None:
    """`since` / `until` (account days, `until` exclusive). A URL typed by hand with the pages' own names
    (`from` / `to`, months, `to` inclusive) means the same range: from its first month's first day to the
    day after its last month. It was silently ignored, which listed every deal of all time."""
    raw, alias = ctx.params.get(key), MONTH_ALIAS[key]
    month = ctx.params.get(alias)
    if raw and month:
        raise HTTPException(status_code=400, detail=ctx.t("drill_range_twice", day=key, month=alias))
    if month:  # params.py has checked it is a plausible YYYY-MM (or YYYY-MM-DD: its month)
        first = date(int(month[:4]), int(month[5:7]), 1)
        return first if key == "since" else add_months(first, 1)
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise HTTPException(status_code=400, detail=f"{key} must be a date YYYY-MM-DD") from None


class Where:
    """Accumulates SQL conditions with their parameters, in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list[Any] = []

    def add(self, sql: str, *args: Any) -> None:
        self.parts.append(sql)
        self.args.extend(args)

    @property
    def sql(self) -> str:
        return " AND ".join(self.parts) or "TRUE"


def _local(ctx: Ctx, column: str) -> str:
    return f"timezone({quote_lit(ctx.snap.timezone)}, {column})"


def _page(
    ctx: Ctx, sql: str, args: list, order: str, *, then: tuple[str, str] | None = None
) -> tuple[list[dict], int, int]:
    """One page of `sql` in `order` (output column names) and the total row count, in one pass.

    `then`: (a join on `_p`, the columns it adds) applied to the page's rows only — e.g. names looked up
    for the 50 rows shown rather than for every row the filters keep."""
    size = ctx.page_size
    page = ctx.page
    paged = f"SELECT *, count(*) OVER () AS _total FROM ({sql}) _q ORDER BY {order} LIMIT {size} OFFSET ?"
    if then:
        join, extra = then
        paged = f"SELECT * FROM (SELECT _p.*, {extra} FROM ({paged}) _p {join}) _j ORDER BY {order}"
    rows = ctx.q.rows(paged, [*args, (page - 1) * size])
    if not rows and page > 1:  # past the end (e.g. an old link): show the last page
        count = ctx.q.scalar(f"SELECT count(*) FROM ({sql}) _q", args) or 0
        page = max(1, -(-count // size))
        rows = ctx.q.rows(paged, [*args, (page - 1) * size])
    count = rows[0]["_total"] if rows else 0
    return rows, count, page


def _utc(ctx: Ctx, day: date) -> datetime:
    """Midnight starting `day` in the account time zone, as a UTC instant (compared with raw columns,
    so DuckDB can skip row groups by their min/max instead of converting every row)."""
    return datetime.combine(day, time.min, ZoneInfo(ctx.snap.timezone)).astimezone(UTC)


def _range(ctx: Ctx, w: Where, column: str, *, days: bool = False) -> str:
    """since/until (account calendar days) on a timestamp column, never past the as_of day; a subtitle.
    `days`: the column holds account calendar days already (DATE), compared as they are."""
    since, until = _date(ctx, "since"), _date(ctx, "until")
    end = ctx.snap.as_of + timedelta(days=1)
    until = min(until, end) if until else end
    bound: Callable[[date], Any] = (lambda d: d) if days else (lambda d: _utc(ctx, d))
    if since:
        w.add(f"{column} >= ?", bound(since))
    w.add(f"{column} < ?", bound(until))
    f = ctx.fmt
    return f"{f.day(since) if since else '…'} – {f.day(until - timedelta(days=1))}"


def _sales_by_partner(ctx: Ctx, sales: Where) -> tuple[str, str]:
    """(the range's subtitle, SQL of partner_id, turnover, revenue, tickets per partner) for a sales drill.

    The build publishes sales per partner and account day (`partner_days`, money in kopecks): whole days
    summed there equal the sales of the same instants, from ~1/10 of the rows (no pass over `sales` per
    request). The whole months of the range are read from those days summed by month once per published
    version (`Snapshot.partner_month_sales`, ~1/14 of the days), only the days before the first and after
    the last whole month from `partner_days`: the same integer kopecks either way. An older published
    file without `partner_days` falls back to the sales themselves."""
    if not ctx.snap.has("partner_days", "day"):
        sub = _range(ctx, sales, "s.sold_at")
        cols = "sum(s.turnover) AS turnover, sum(s.revenue) AS revenue"
        return sub, f"SELECT s.partner_id, {cols}, sum(s.tickets) AS tickets FROM sales s WHERE {sales.sql} GROUP BY 1"
    days = Where()
    sub = _range(ctx, days, "day", days=True)
    since, until = days.args if len(days.args) == 2 else (None, days.args[0])
    first = since if since is None or since.day == 1 else add_months(since, 1)  # first whole month (None: all)
    last = until.replace(day=1)  # whole months end where the month of `until` starts
    parts: list[str] = []
    if first is None or first < last:
        months = Where()
        if first is not None:
            months.add("month >= ?", first)
        months.add("month < ?", last)
        parts.append(
            f"SELECT partner_id, turnover, revenue, tickets FROM {ctx.snap.partner_month_sales()} WHERE {months.sql}"
        )
        sales.args.extend(months.args)
        edges = [(since, first), (last, until)] if since is not None else [(last, until)]
    else:
        edges = [(since, until)]
    for lo, hi in edges:
        if lo is None or lo < hi:
            edge = Where()
            if lo is not None:
                edge.add("day >= ?", lo)
            edge.add("day < ?", hi)
            parts.append(f"SELECT partner_id, turnover, revenue, tickets FROM partner_days WHERE {edge.sql}")
            sales.args.extend(edge.args)
    money = ", ".join(
        f"CAST(CAST(sum(s.{c}) AS DECIMAL(38,2)) * 0.01 AS DECIMAL(18,2)) AS {c}" for c in ("turnover", "revenue")
    )
    union = " UNION ALL ".join(parts) or "SELECT partner_id, turnover, revenue, tickets FROM partner_days WHERE FALSE"
    return sub, f"SELECT s.partner_id, {money}, sum(s.tickets) AS tickets FROM ({union}) s GROUP BY 1"


def _manager_arg(ctx: Ctx) -> int | str | None:
    if not ctx.viewer.is_admin:
        return ctx.row_manager
    raw = ctx.params.get("manager")
    if raw == "none":
        return "none"
    return ctx.requested_manager


DEAL_BASES = ("created", "won", "unlinked", "lost", "cohort", "reached", "signed_selling")
# the bases of the deal reports' numbers, which count new business only (docs/reports.md)
NEW_BUSINESS_BASES = ("created", "won", "lost", "cohort", "reached", "signed_selling")


def deals(ctx: Ctx) -> DrillView:
    t = ctx.t
    basis = ctx.params.get("basis") or "all"
    stage = ctx.params.get("stage")
    if stage is not None and stage not in STAGES:
        raise HTTPException(status_code=400, detail="unknown stage")
    w, sub = deal_conditions(ctx, basis, stage)
    base = f"""SELECT d.deal_id, d.name, d.stage, d.client_kind, d.sales_manager_id, d.partner_id,
                      d.price, d.created_at, d.closed_at, d.is_won, d.is_lost, d.loss_reason, d.pipeline_id
               FROM deals d WHERE {w.sql}"""
    rows, count, page = _page(ctx, base, w.args, "created_at DESC, deal_id", then=_names_and_lost_stage(ctx))
    title = t(f"drill_deals_{basis}") if basis in DEAL_BASES else t("deals")
    if stage and basis in ("reached", "cohort", "lost"):
        title += f": {t(stage)}"
    table = TableView("deals", title, deal_cols(t), [deal_line(ctx, r) for r in rows])
    view = DrillView(title, table, count, page, max(1, -(-count // ctx.page_size)), sub)
    view.pipelines = pipeline_choices(ctx)
    return view


def _names_and_lost_stage(ctx: Ctx) -> tuple[str, str]:
    """The `then` of a deal list's page (`_page`): each deal's partner name and, for a lost deal, the furthest
    stage it had reached by as_of (`lost_pos`, 1-based in STAGES), as the funnel counts where it was lost
    (report_funnel `lost_at_stage`; the `lost` basis below): amoCRM gives a lost deal no stage of its own."""
    end = _utc(ctx, ctx.snap.as_of + timedelta(days=1))
    reached = (
        f"(SELECT max(list_position({STAGE_LIST}, s.stage)) FROM deal_stages s WHERE s.deal_id = _p.deal_id "
        f"AND s.reached_at < CAST({quote_lit(end.isoformat())} AS TIMESTAMPTZ))"
    )
    join = "LEFT JOIN partners p ON p.partner_id = _p.partner_id"
    return join, f"p.name AS partner_name, CASE WHEN _p.is_lost THEN coalesce({reached}, 1) END AS lost_pos"


def deal_conditions(ctx: Ctx, basis: str, stage: str | None) -> tuple[Where, str]:
    """Which deals a number counts (its `basis`: created, won, reached a stage, … in the range), and
    the filters of the page it opens from; with the range as a subtitle."""
    w = Where()
    w.add("NOT coalesce(d.is_deleted, FALSE)")
    end = _utc(ctx, ctx.snap.as_of + timedelta(days=1))
    w.add("d.created_at < ?", end)
    sub = _deal_basis(ctx, w, basis, stage, end)
    if basis in NEW_BUSINESS_BASES and ctx.snap.has("pipelines", "is_development"):
        # the reports leave out the deals of the development pipelines the build marked: so does their list
        w.add(
            "(d.pipeline_id IS NULL OR d.pipeline_id NOT IN (SELECT pipeline_id FROM pipelines WHERE is_development))"
        )
    manager = _manager_arg(ctx)
    if manager == "none":
        w.add("d.sales_manager_id IS NULL")
    elif manager is not None:
        w.add("d.sales_manager_id = ?", manager)
    kind_sql, kind_args = ctx.kind_sql("d.client_kind")
    w.add(kind_sql, *kind_args)
    if ctx.pipeline is not None:
        w.add("d.pipeline_id = ?", ctx.pipeline)
    if ctx.params.get("partner"):
        w.add("d.partner_id = ?", ctx.params.get("partner"))
    return w, sub


def _deal_basis(ctx: Ctx, w: Where, basis: str, stage: str | None, end: datetime) -> str:
    """The conditions of one basis, as the reports count it (report_weekly, report_funnel, …)."""
    reached = "s.reached_at"
    if basis == "created":
        return _range(ctx, w, "d.created_at")
    if basis == "won":
        w.add("d.is_won")
        return _range(ctx, w, "d.closed_at")
    if basis in ("reached", "signed_selling"):
        # `deal_id IN (…)` rather than a correlated EXISTS: the same deals, one semi-join (~3× less CPU)
        inner = Where()
        inner.add("s.stage = ?", "contract_signed" if basis == "signed_selling" else (stage or "lead"))
        sub = _range(ctx, inner, "s.reached_at")
        w.add(f"d.deal_id IN (SELECT s.deal_id FROM deal_stages s WHERE {inner.sql})", *inner.args)
        if basis == "signed_selling":
            w.add(
                f"d.deal_id IN (SELECT s.deal_id FROM deal_stages s WHERE s.stage = 'first_sale' AND {reached} < ?)",
                end,
            )
        return sub
    if basis in ("cohort", "lost"):
        sub = _range(ctx, w, "d.created_at")
        if basis == "cohort" and stage and stage != "lead":
            w.add(
                f"d.deal_id IN (SELECT s.deal_id FROM deal_stages s WHERE s.stage = ? AND {reached} < ?)",
                stage,
                end,
            )
        if basis == "lost":
            w.add("d.is_lost AND d.closed_at < ?", end)
            w.add(
                f"coalesce((SELECT max(list_position({STAGE_LIST}, s.stage)) FROM deal_stages s "
                f"WHERE s.deal_id = d.deal_id AND {reached} < ?), 1) = list_position({STAGE_LIST}, ?)",
                end,
                stage or "lead",
            )
        return sub
    if basis == "unlinked":
        w.add("d.partner_id IS NULL")
        if ctx.snap.has("link_rejections"):  # marked "no partner" in the overrides file: decided, not listed
            w.add("d.deal_id NOT IN (SELECT deal_id FROM link_rejections WHERE partner_id IS NULL)")
    return ""


def deal_line(ctx: Ctx, r: dict[str, Any]) -> dict[str, Any]:
    """A deal as the list shows it: amoCRM card, manager, status, partner (linked to its own drill-down)."""
    r["_amo_deal_id"] = ctx.amo_url(r["deal_id"])
    r["manager"] = ctx.manager_name(r["sales_manager_id"]) if r["sales_manager_id"] is not None else "—"
    r["status"] = "won" if r["is_won"] else ("lost" if r["is_lost"] else "open")
    if r.get("lost_pos"):  # amoCRM's "lost" is no stage: where it was lost, and why when amoCRM says
        r["stage"] = ctx.t("lost_at", stage=ctx.t(STAGES[r["lost_pos"] - 1]))
        if (r.get("loss_reason") or "").strip():
            r["stage"] += f" — {r['loss_reason'].strip()}"
        r["_kind_stage"] = "text"
    elif r.get("stage") is None:  # an open deal in a status the config maps to no stage
        r["_tip_stage"] = ctx.t("tip_stage_unmapped")
    r["client_kind"] = r["client_kind"] or "unknown"
    if r["partner_id"]:
        r["partner"] = r["partner_name"] or r["partner_id"]
        r["_link_partner"] = ctx.url("/drill/partners", partner=r["partner_id"])
    else:
        r["_tip_partner"] = ctx.t("tip_deal_not_linked")
    if r["closed_at"] is None and r["status"] == "open":
        r["_tip_closed_at"] = ctx.t("tip_deal_open")
    if r["price"] is None:
        r["_tip_price"] = ctx.t("tip_no_budget")
    if r["sales_manager_id"] is None:
        r["_tip_manager"] = ctx.t("tip_no_responsible")
    return r


def deal_cols(t: Callable[..., str]) -> list[Col]:
    return [
        Col("deal_id", t("deal_id")),
        Col("name", t("deal")),
        Col("stage", t("stage"), "label"),
        Col("status", t("status"), "label"),
        Col("client_kind", t("client_kind"), "label"),
        Col("manager", t("sales_manager")),
        Col("partner", t("partner")),
        Col("price", t("price"), "money"),
        Col("created_at", t("created_at"), "datetime"),
        Col("closed_at", t("closed_at"), "datetime"),
    ]


def _first_sales_sql(ctx: Ctx) -> str:
    """partner_id → first_sale_at (cached per published version)."""
    return f"SELECT * FROM {ctx.snap.first_sales()}"


ACQUIRING = """SELECT partner_id, sales_manager_id AS acquirer_id FROM (
    SELECT d.partner_id, d.sales_manager_id, row_number() OVER (
        PARTITION BY d.partner_id ORDER BY fs.reached_at NULLS LAST, CASE WHEN fs.reached_at IS NULL
        THEN -epoch(d.created_at) END, d.deal_id) AS rn
    FROM deals d LEFT JOIN deal_stages fs ON fs.deal_id = d.deal_id AND fs.stage = 'first_sale'
    WHERE d.partner_id IS NOT NULL AND NOT coalesce(d.is_deleted, FALSE)) WHERE rn = 1"""


def _acquiring_sql(ctx: Ctx) -> str:
    """partner_id → acquirer_id: the build's own acquiring deals (they honour `[amocrm]
    development_pipelines` and `[reports] late_deal_acquires`, as plan-fact's new-partner credit does);
    a file published before the build wrote them: the contract's rule, computed here."""
    if ctx.snap.has("acquiring_deals", "sales_manager_id"):
        return "SELECT partner_id, sales_manager_id AS acquirer_id FROM acquiring_deals"
    return ACQUIRING


def partners(ctx: Ctx) -> DrillView:
    t = ctx.t
    basis = ctx.params.get("basis") or "all"
    sql, args, order, sub = partner_query(ctx, basis)
    rows, count, page = _page(ctx, sql, args, order)
    title = t(f"drill_partners_{basis}") if basis in ("cohort", "first_sale", "sales") else t("partners")
    view = DrillView(
        title,
        TableView("partners", title, partner_cols(t, basis), [partner_line(ctx, r) for r in rows]),
        count,
        page,
        max(1, -(-count // ctx.page_size)),
        sub,
    )
    partner = ctx.params.get("partner")
    if partner and rows:
        view.extra.append(_partner_months(ctx, partner, ctx.snap.as_of + timedelta(days=1)))
    return view


def partner_query(ctx: Ctx, basis: str) -> tuple[str, list[Any], str, str]:
    """The partners a number counts (SQL, arguments, order, the range as a subtitle): with a first sale
    in the range (cohort, first_sale), with sales in it (sales, with their sums), or all of them."""
    w, ctes, cols_extra, order = Where(), [f"fs AS ({_first_sales_sql(ctx)})"], "", "name, partner_id"
    joins = "LEFT JOIN fs ON fs.partner_id = p.partner_id"
    sub = ""
    sales = Where()  # the sales of the range, for basis=sales
    if basis in ("cohort", "first_sale"):
        sub = _range(ctx, w, "fs.first_sale_at")
    if basis == "sales":
        sub, sold = _sales_by_partner(ctx, sales)
        ctes.append(f"agg AS ({sold})")  # every partner_id with sales in the range, NULL (no partner) too
        w.args[:0] = sales.args
        joins += " JOIN agg ON agg.partner_id = p.partner_id"
        cols_extra = ", agg.turnover, agg.revenue, agg.tickets"
        order = "turnover DESC, partner_id"
    by_acquirer = ctx.params.get("by") == "acquirer"
    if by_acquirer or not ctx.viewer.is_admin:
        ctes.append(f"acq AS ({_acquiring_sql(ctx)})")
        joins += " LEFT JOIN acq ON acq.partner_id = p.partner_id"
    manager = _manager_arg(ctx)
    if not ctx.viewer.is_admin:
        w.add("(p.development_manager_id = ? OR acq.acquirer_id = ?)", manager, manager)
    if manager not in (None, "none"):
        w.add("acq.acquirer_id = ?" if by_acquirer else "p.development_manager_id = ?", manager)
    if ctx.params.get("bucket") == "empty":
        w.add(
            "NOT coalesce(p.is_support, FALSE) AND (p.development_manager_id IS NULL OR p.development_manager_id "
            "NOT IN (SELECT manager_id FROM managers WHERE is_active))"
        )
    kind_sql, kind_args = ctx.kind_sql("p.kind")
    w.add(kind_sql, *kind_args)
    if ctx.params.get("partner"):
        w.add("p.partner_id = ?", ctx.params.get("partner"))
    sql = f"""WITH {", ".join(ctes)} SELECT p.partner_id, p.name, p.kind, p.development_manager_id, p.created_at,
                    fs.first_sale_at{cols_extra} FROM partners p {joins} WHERE {w.sql}"""
    if basis == "sales" and _whole_company(ctx, manager):
        # the company's figures count sales without a known partner too (support sales, accounts the
        # partner list lacks): one line for them, so the list adds up to the number it opens from
        sql += """ UNION ALL SELECT NULL, ?, NULL, NULL, NULL, NULL, sum(s.turnover), sum(s.revenue), sum(s.tickets)
                     FROM agg s WHERE (s.partner_id IS NULL
                         OR s.partner_id NOT IN (SELECT partner_id FROM partners)) HAVING count(*) > 0"""
        return sql, [*w.args, ctx.t("sales_without_partner")], order, sub
    return sql, w.args, order, sub


def _whole_company(ctx: Ctx, manager: int | str | None) -> bool:
    """An admin's list without any filter narrowing it: it should add up to the company's figure."""
    return (
        ctx.viewer.is_admin
        and manager is None
        and ctx.kind is None
        and not (ctx.params.get("bucket") or ctx.params.get("partner"))
    )


def partner_line(ctx: Ctx, r: dict[str, Any]) -> dict[str, Any]:
    """A partner as the list shows it: its development manager, links to its own page and its deals."""
    t = ctx.t
    if r["partner_id"] is None:  # the line of sales without a known partner
        r["manager"], r["deals"] = "—", ""
        return r
    r["manager"] = (
        ctx.manager_name(r["development_manager_id"]) if r["development_manager_id"] is not None else t("bucket_empty")
    )
    r["_link_name"] = ctx.url("/drill/partners", partner=r["partner_id"])
    r["_link_deals"] = ctx.url("/drill/deals", partner=r["partner_id"])
    r["deals"] = t("deals")
    return r


def partner_cols(t: Callable[..., str], basis: str) -> list[Col]:
    cols = [
        Col("partner_id", t("partner_id")),
        Col("name", t("partner")),
        Col("kind", t("client_kind"), "label"),
        Col("manager", t("development_manager")),
        Col("first_sale_at", t("first_sale_at"), "datetime"),
    ]
    if basis == "sales":
        cols += [
            Col("turnover", t("turnover"), "money"),
            Col("revenue", t("revenue"), "money"),
            Col("tickets", t("tickets"), "int"),
        ]
    cols.append(Col("deals", t("deals")))
    return cols


def _partner_months(ctx: Ctx, partner_id: str, end: date) -> TableView:
    t = ctx.t
    loc = _local(ctx, "sold_at")
    rows = ctx.q.rows(
        f"""SELECT date_trunc('month', {loc})::DATE AS month, sum(turnover) AS turnover, sum(revenue) AS revenue,
                   sum(cost) AS cost, sum(tickets) AS tickets
            FROM sales WHERE partner_id = ? AND sold_at < ? AND sold_at >= ?
            GROUP BY 1 ORDER BY 1 DESC""",
        [partner_id, _utc(ctx, end), _utc(ctx, date(end.year - 1, end.month, 1))],
    )
    return TableView(
        "partner_months",
        t("table_partner_months"),
        [
            Col("month", t("month"), "month"),
            Col("turnover", t("turnover"), "money"),
            Col("revenue", t("revenue"), "money"),
            Col("cost", t("cost"), "money"),
            Col("tickets", t("tickets"), "int"),
        ],
        rows,
    )


def bonus_lines(ctx: Ctx) -> DrillView:
    t = ctx.t
    w = Where()
    since, until = _date(ctx, "since"), _date(ctx, "until")
    if since:
        w.add("l.month >= ?", since)
    if until:
        w.add("l.month < ?", until)
    manager = _manager_arg(ctx)
    if manager not in (None, "none"):
        w.add("l.manager_id = ?", manager)
    if ctx.params.get("rule"):
        w.add("l.rule = ?", ctx.params.get("rule"))
    rows, count, page = _page(ctx, lines_sql(w.sql, ordered=False), w.args, LINES_ORDER)
    rows = [decorate_line(ctx, r) for r in rows]
    title = t("table_bonus_lines")
    if isinstance(manager, int):
        title += f": {ctx.manager_name(manager)}"
    return DrillView(
        title,
        TableView("lines", title, line_cols(t), rows),
        count,
        page,
        max(1, -(-count // ctx.page_size)),
        f"{ctx.fmt.month(since) if since else '…'} – {ctx.fmt.month(until - timedelta(days=1)) if until else '…'}",
    )


def quarantine(ctx: Ctx) -> DrillView:
    t = ctx.t
    if not ctx.viewer.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    w = Where()
    for key in ("source", "entity", "reason"):
        if ctx.params.get(key):
            w.add(f"{key} = ?", ctx.params.get(key))
    rows, count, page = _page(
        ctx,
        f"SELECT source, entity, source_key, reason, seen_at FROM quarantine WHERE {w.sql}",
        w.args,
        "seen_at DESC, source_key",
    )
    raws = raw_texts(ctx.cfg.warehouse_path, rows)  # not in the published file: personal data
    for r in rows:
        r["raw"] = t("raw_unavailable") if raws is None else raws.get(key_of(r))
        r["reason_text"], r["reason"] = r["reason"], reason_label(t, r["reason"], pipeline_names(ctx))
    title = t("table_quarantine")
    return DrillView(
        title,
        TableView(
            "quarantine",
            title,
            [
                Col("source", t("source"), "label"),
                Col("entity", t("entity"), "label"),
                Col("source_key", t("source_key")),
                Col("reason", t("reason")),
                Col("reason_text", t("reason_as_written")),
                Col("raw", t("raw")),
                Col("seen_at", t("seen_at"), "datetime"),
            ],
            rows,
        ),
        count,
        page,
        max(1, -(-count // ctx.page_size)),
    )
