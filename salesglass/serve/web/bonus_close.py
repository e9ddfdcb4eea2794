"""The bonus close on the dashboard: month states (admins), statements and disputes (managers), audit.

Every change is a POST with the session's CSRF token (auth.checked_form) and goes through the bonus state
store (salesglass/bonus/store.py), which audits it. Admins change states, add adjustments and answer
disputes; a manager reads only their own statement and disputes only their own lines — the manager id
comes from their login, never from the request.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from salesglass.bonus import statement as stmt
from salesglass.bonus.store import BonusStore, Period, next_month, parse_month, prev_month
from salesglass.errors import SalesglassError
from salesglass.serve.web import auth
from salesglass.serve.web.context import Ctx
from salesglass.serve.web.export import csv_bytes, xlsx_bytes
from salesglass.serve.web.pages import nav_items
from salesglass.serve.web.view import Col, PageView, TableView

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTIONS = {"review", "approve", "pay", "reopen"}


def _month_param(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return parse_month(value)
    except SalesglassError:
        raise HTTPException(status_code=400, detail="month must look like 2026-10") from None


def _int_param(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise HTTPException(status_code=400, detail="expected a whole number") from None


def _rule(t, rule: str | None) -> str:
    return t(f"rule_{rule}") if rule else ""


def statement_view(ctx: Ctx, data: dict, period: Period, manager_name: str) -> PageView:
    """The statement as page tables: what the screen, the XLSX and the print page show."""
    t = ctx.t
    f = ctx.fmt
    who = t("statement_of", manager=manager_name, month=f.month(data["month"]))
    view = PageView(f"{t('page_statement_of')}: {who}")
    line_cols = [
        Col("rule", t("rule")),
        Col("partner", t("partner")),
        Col("deal", t("deal")),
        Col("base", t("bonus_base"), "money"),
        Col("rate", t("bonus_rate")),
        Col("multiplier", t("bonus_multiplier")),
        Col("amount", t("bonus_amount"), "money"),
    ]
    adj_cols = [
        Col("rule", t("rule")),
        Col("corrects_month", t("corrects_month"), "month"),
        Col("partner", t("partner")),
        Col("deal", t("deal")),
        Col("cause", t("cause")),
        Col("amount", t("bonus_amount"), "money"),
    ]

    def row(r: dict) -> dict:
        out = dict(r)
        out["rule_key"] = r["rule"]
        out["rule"] = _rule(t, r["rule"])
        if r.get("corrects_rule"):
            out["rule"] += f" ({_rule(t, r['corrects_rule'])})"
        out["partner"] = f"{r['partner_name']} ({r['partner_id']})" if r.get("partner_name") else r.get("partner_id")
        out["deal"] = f"{r['deal_id']} {r['deal_name'] or ''}".strip() if r.get("deal_id") is not None else None
        for k in ("rate", "multiplier"):
            v = r.get(k)
            out[k] = None if v is None else format(v.normalize() if hasattr(v, "normalize") else v, "f")
        return out

    lines = [row(r) for r in data["lines"]]
    adjustments = [row(r) for r in data["adjustments"]]
    total = data["total"]
    state = t(f"state_{period.state}")
    approved = f.day(period.approved_at) if period.approved_at else "—"
    view.tables = [
        TableView(
            "statement",
            t("page_statement_of"),
            [Col("k", t("what")), Col("v", "")],
            [
                {"k": t("manager"), "v": manager_name},
                {"k": t("month"), "v": f.month(data["month"])},
                {"k": t("state"), "v": state},
                {"k": t("approved_at"), "v": approved},
                {"k": t("statement_total"), "v": f.money(total)},
            ],
        ),
        TableView(
            "lines",
            t("lines_earned"),
            line_cols,
            lines,
            total={"amount": sum((r["amount"] for r in data["lines"]), Decimal("0.00"))},
        ),
        TableView(
            "adjustments",
            t("adjustments"),
            adj_cols,
            adjustments,
            total={"amount": sum((r["amount"] for r in data["adjustments"]), Decimal("0.00"))},
        ),
    ]
    return view


def register(app: FastAPI, state: Any) -> None:
    from salesglass.serve.bonus_strings import BONUS_STRINGS
    from salesglass.serve.strings import STRINGS

    for key, value in BONUS_STRINGS.items():
        STRINGS.setdefault(key, value)

    def store() -> BonusStore:
        return BonusStore(state.cfg.bonus_state_path)

    def admin_ctx(request: Request) -> Ctx:
        ctx = state.context(request)
        if not ctx.viewer.is_admin:
            ctx.q.close()
            raise HTTPException(status_code=403, detail="admins only")
        return ctx

    def as_of_month(ctx: Ctx) -> date:
        return ctx.snap.as_of.replace(day=1)

    # ---- admins: month states -------------------------------------------------------------------------
    def periods_page(request: Request, error: str | None = None, status: int = 200) -> Response:
        ctx = admin_ctx(request)
        try:
            st = store()
            periods = st.periods()
            last = as_of_month(ctx)
            months = [last]
            for _ in range(11):
                months.append(prev_month(months[-1]))
            months = sorted(set(months) | set(periods), reverse=True)
            totals = {}
            if ctx.snap.has("report_bonus_summary"):
                totals = {
                    r["month"]: r
                    for r in ctx.q.rows(
                        "SELECT month, sum(total) AS total, count(DISTINCT manager_id) AS managers "
                        "FROM report_bonus_summary GROUP BY month"
                    )
                }
            closed = [m for m, p in periods.items() if p.closed]
            last_closed = max(closed) if closed else None
            rows = []
            for m in months:
                p = periods.get(m) or Period(m, "open")
                can = {
                    "review": p.state == "open" and (last_closed is None or m > last_closed),
                    "approve": p.state == "in_review"
                    and (last_closed is None or m == next_month(last_closed))
                    and m <= last,
                    "pay": p.state == "approved",
                    "reopen": p.state == "in_review" or (p.state == "approved" and m == last_closed),
                }
                rows.append(
                    {
                        "month": m,
                        "period": p,
                        "total": (totals.get(m) or {}).get("total"),
                        "managers": (totals.get(m) or {}).get("managers"),
                        "can": can,
                    }
                )
            managers = sorted(ctx.managers.values(), key=lambda m: (m.get("name") or "")) if ctx.managers else []
            return state.render(
                request,
                "bonus_periods.html",
                status=status,
                fmt=ctx.fmt,
                ctx=ctx,
                viewer=ctx.viewer,
                nav=nav_items(ctx),
                snap=ctx.snap,
                rows=rows,
                error=error,
                managers=managers,
                disputes=st.disputes(status="open"),
                first_open=st.first_open(),
                adjustments=st.manual_adjustments()[-20:],
            )
        finally:
            ctx.q.close()

    @app.get("/bonus/periods", response_class=HTMLResponse)
    def bonus_periods(request: Request) -> Response:
        return periods_page(request)

    @app.post("/bonus/periods")
    async def bonus_periods_action(request: Request) -> Response:
        admin_ctx(request).q.close()
        form = await auth.checked_form(request)
        actor = request.session.get("user") or "?"
        action = str(form.get("action") or "")
        st = store()
        try:
            if action in ACTIONS:
                month = parse_month(str(form.get("month") or ""))
                if action == "review":
                    st.review(month, actor)
                elif action == "approve":
                    st.approve(month, actor, state.cfg.published_path)
                elif action == "pay":
                    st.pay(month, actor)
                else:
                    st.reopen(month, actor, str(form.get("reason") or ""))
            elif action == "adjust":
                manager = _int_param(form.get("manager"))
                if manager is None:
                    raise SalesglassError("choose a manager")
                st.add_adjustment(
                    parse_month(str(form.get("month") or "")),
                    manager,
                    form.get("amount"),
                    str(form.get("reason") or ""),
                    actor,
                    partner_id=str(form.get("partner") or "").strip() or None,
                )
            elif action == "resolve":
                dispute = _int_param(form.get("dispute"))
                decision = str(form.get("decision") or "")
                st.resolve_dispute(
                    dispute or 0,
                    decision,
                    str(form.get("answer") or ""),
                    actor,
                    amount=form.get("amount") if decision == "adjust" else None,
                )
            else:
                raise SalesglassError("unknown action")
        except SalesglassError as exc:
            return periods_page(request, error=str(exc), status=400)
        return RedirectResponse(f"/bonus/periods?done={action}", status_code=303)

    @app.get("/bonus/payroll.xlsx")
    def payroll_xlsx(request: Request, month: str | None = None) -> Response:
        ctx = admin_ctx(request)
        try:
            m = _month_param(month, as_of_month(ctx))
            period = store().period(m)
            t = ctx.t
            rows = stmt.payroll(ctx.q, m)
            for r in rows:
                r["month"], r["state"] = m, t(f"state_{period.state}")
            view = PageView(f"{t('payroll')} {ctx.fmt.month(m)}")
            view.tables = [
                TableView(
                    "payroll",
                    t("payroll"),
                    [
                        Col("month", t("month"), "month"),
                        Col("manager_id", "id", "int"),
                        Col("manager", t("manager")),
                        Col("email", t("email")),
                        Col("total", t("to_pay"), "money"),
                        Col("adjustments", t("adjustments"), "money"),
                        Col("lines", t("bonus_lines"), "int"),
                        Col("state", t("state")),
                    ],
                    rows,
                    total={"total": sum((r["total"] for r in rows), Decimal("0.00"))},
                )
            ]
            data = xlsx_bytes(view, ctx)
        finally:
            ctx.q.close()
        return Response(
            data,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="salesglass-payroll-{m:%Y-%m}.xlsx"'},
        )

    # ---- admins: audit trail --------------------------------------------------------------------------
    def audit_view(ctx: Ctx, month: date | None) -> PageView:
        t = ctx.t
        rows = store().audit(month)
        view = PageView(t("page_bonus_audit"))
        view.tables = [
            TableView(
                "audit",
                t("audit"),
                [
                    Col("logged_at", t("when"), "datetime"),
                    Col("actor", t("who")),
                    Col("action", t("what")),
                    Col("month", t("month"), "month"),
                    Col("object", ""),
                    Col("before", t("before")),
                    Col("after", t("after")),
                    Col("reason", t("reason")),
                ],
                list(reversed(rows)),
            )
        ]
        return view

    @app.get("/bonus/audit", response_class=HTMLResponse)
    def audit_page(request: Request, month: str | None = None) -> Response:
        ctx = admin_ctx(request)
        try:
            view = audit_view(ctx, _month_param(month, None) if month else None)
            return state.render(
                request,
                "bonus_audit.html",
                fmt=ctx.fmt,
                ctx=ctx,
                viewer=ctx.viewer,
                nav=nav_items(ctx),
                snap=ctx.snap,
                view=view,
            )
        finally:
            ctx.q.close()

    @app.get("/bonus/audit.csv")
    def audit_csv(request: Request) -> Response:
        ctx = admin_ctx(request)
        try:
            data = csv_bytes(audit_view(ctx, None), ctx)
        finally:
            ctx.q.close()
        return Response(
            data,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="salesglass-bonus-audit.csv"'},
        )

    # ---- everyone: statements -------------------------------------------------------------------------
    def whose(ctx: Ctx, requested: int | None, month: date) -> int | None:
        """The manager whose statement this is: a manager only ever gets their own."""
        if not ctx.viewer.is_admin:
            return ctx.viewer.manager_id
        if requested is not None:
            return requested
        row = (
            ctx.q.one(
                "SELECT manager_id FROM report_bonus_summary WHERE month = ? ORDER BY total DESC LIMIT 1", [month]
            )
            if ctx.snap.has("report_bonus_summary")
            else {}
        )
        return row.get("manager_id")

    def statement_data(request: Request, ctx: Ctx) -> tuple[date, int | None, dict | None, Period]:
        p = request.query_params
        month = _month_param(p.get("month"), as_of_month(ctx))
        manager = whose(ctx, _int_param(p.get("manager")), month)
        period = store().period(month)
        if manager is None or not ctx.snap.has("report_bonus_lines"):
            return month, manager, None, period
        return month, manager, stmt.statement(ctx.q, month, manager), period

    @app.get("/bonus/statement", response_class=HTMLResponse)
    def statement_page(request: Request) -> Response:
        ctx = state.context(request)
        try:
            month, manager, data, period = statement_data(request, ctx)
            name = ctx.manager_name(manager) if manager is not None else ""
            view = statement_view(ctx, data, period, name) if data is not None else None
            disputes = store().disputes(manager_id=manager) if manager is not None else []
            disputes = [d for d in disputes if d["month"] == month]
            months = [as_of_month(ctx)]
            for _ in range(11):
                months.append(prev_month(months[-1]))
            managers = (
                sorted(ctx.managers.values(), key=lambda m: (m.get("name") or ""))
                if ctx.viewer.is_admin and ctx.managers
                else []
            )
            own = not ctx.viewer.is_admin and manager is not None and manager == ctx.viewer.manager_id
            query = urlencode({"month": f"{month:%Y-%m}", **({"manager": manager} if manager is not None else {})})
            return state.render(
                request,
                "bonus_statement.html",
                fmt=ctx.fmt,
                ctx=ctx,
                viewer=ctx.viewer,
                nav=nav_items(ctx),
                snap=ctx.snap,
                view=view,
                data=data,
                period=period,
                month=month,
                manager=manager,
                months=months,
                managers=managers,
                disputes=disputes,
                can_dispute=own,
                query=query,
                done=request.query_params.get("done"),
            )
        finally:
            ctx.q.close()

    @app.get("/bonus/statement.xlsx")
    def statement_xlsx(request: Request) -> Response:
        ctx = state.context(request)
        try:
            month, manager, data, period = statement_data(request, ctx)
            if data is None:
                raise HTTPException(status_code=404, detail="no statement")
            view = statement_view(ctx, data, period, ctx.manager_name(manager))
            body = xlsx_bytes(view, ctx)
        finally:
            ctx.q.close()
        return Response(
            body,
            media_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="salesglass-statement-{manager}-{month:%Y-%m}.xlsx"'
            },
        )

    @app.post("/bonus/dispute")
    async def raise_dispute(request: Request) -> Response:
        """A manager flags one of their own lines (the line must exist under their manager id)."""
        ctx = state.context(request)
        try:
            form = await auth.checked_form(request)
            if ctx.viewer.is_admin or ctx.viewer.manager_id is None:
                raise HTTPException(status_code=403, detail="only a manager disputes their own lines")
            manager = ctx.viewer.manager_id
            month = _month_param(str(form.get("month") or ""), as_of_month(ctx))
            rule = str(form.get("rule") or "")
            partner = str(form.get("partner") or "") or None
            corrects = str(form.get("corrects_month") or "")
            corrects_month = _month_param(corrects, month) if corrects else None
            line = ctx.q.one(
                """SELECT sum(amount) AS amount, count(*) AS n FROM report_bonus_lines
                   WHERE month = ? AND manager_id = ? AND rule = ? AND partner_id IS NOT DISTINCT FROM ?
                     AND corrects_month IS NOT DISTINCT FROM ?""",
                [month, manager, rule, partner, corrects_month],
            )
            if not line.get("n"):
                raise HTTPException(status_code=403, detail="not one of your lines")
        finally:
            ctx.q.close()
        try:
            store().raise_dispute(
                month,
                manager,
                rule,
                partner,
                corrects_month,
                line["amount"],
                str(form.get("comment") or ""),
                ctx.viewer.email,
            )
        except SalesglassError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        return RedirectResponse(f"/bonus/statement?month={month:%Y-%m}&done=dispute", status_code=303)
