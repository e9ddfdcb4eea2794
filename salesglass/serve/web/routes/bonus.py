"""The bonus close: month states, payroll and audit (admins); statements and disputes (everyone).

Every change is a POST with the session's CSRF token and goes through the bonus state store
(salesglass/bonus/store.py), which audits it. A manager reads only their own statement and disputes only
their own lines: the manager id comes from their login, never from the request.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from salesglass.bonus import statement as stmt
from salesglass.bonus.store import BonusStore, Period, parse_month
from salesglass.errors import SalesglassError
from salesglass.serve.web.bonus_close import (
    STATE_MOVES,
    audit_view,
    disputed_line,
    int_param,
    last_months,
    month_param,
    month_totals,
    payroll_view,
    period_rows,
    rule_label,
    statement_manager,
    statement_view,
)
from salesglass.serve.web.context import Ctx
from salesglass.serve.web.export import csv_bytes, xlsx_bytes
from salesglass.serve.web.routes.common import (
    CSV,
    XLSX,
    Action,
    Posted,
    admin_action,
    download,
    opened,
    posted,
    render,
    state_of,
)

router = APIRouter()


def add_strings() -> None:
    """The bonus pages' strings join the dashboard's (kept apart in serve/bonus_strings.py)."""
    from salesglass.serve.bonus_strings import BONUS_STRINGS
    from salesglass.serve.strings import STRINGS

    for key, value in BONUS_STRINGS.items():
        STRINGS.setdefault(key, value)


def store(request: Request) -> BonusStore:
    return BonusStore(state_of(request).cfg.bonus_state_path)


def as_of_month(ctx: Ctx) -> date:
    return ctx.snap.as_of.replace(day=1)


def managers_by_name(ctx: Ctx) -> list[dict]:
    return sorted(ctx.managers.values(), key=lambda m: m.get("name") or "")


# ---- admins: month states ---------------------------------------------------------------------------
def periods_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    with opened(request, admin=True) as ctx:
        st = store(request)
        return render(
            ctx,
            "bonus_periods.html",
            status=status,
            rows=period_rows(st.periods(), month_totals(ctx), as_of_month(ctx)),
            error=error,
            managers=managers_by_name(ctx),
            disputes=named_disputes(ctx, st.disputes(status="open")),
            first_open=st.first_open(),
            adjustments=st.manual_adjustments()[-20:],
        )


def move_state(request: Request, post: Posted) -> None:
    st, month = store(request), parse_month(post.text("month"))
    if post.action == "review":
        st.review(month, post.actor)
    elif post.action == "approve":
        seen = post.text("total")  # the total the admin saw: a build since may have changed the lines
        site = state_of(request)
        st.approve(
            month,
            post.actor,
            site.cfg.published_path,
            seen_total=parse_seen(seen) if seen else None,
            admins=[u.email for u in site.users.list() if u.role == "admin"],
        )
    elif post.action == "pay":
        st.pay(month, post.actor)
    else:
        st.reopen(month, post.actor, post.text("reason"))


def parse_seen(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise SalesglassError("reload the page and approve again") from None


def own_bonus(ctx: Ctx, manager: int, actor: str) -> bool:
    """Is `manager` the admin themselves (their login's e-mail is the amoCRM manager's)?"""
    return (ctx.managers.get(manager, {}).get("email") or "").strip().lower() == actor.strip().lower()


def add_adjustment(request: Request, post: Posted) -> None:
    manager = int_param(post.form.get("manager"))
    if manager is None:
        raise SalesglassError("choose a manager")
    with opened(request) as ctx:
        if manager not in ctx.managers:  # a crafted form: payroll would pay someone nobody can name
            raise SalesglassError(f"no manager {manager} in the reports: choose one from the list")
        if own_bonus(ctx, manager, post.actor):
            raise SalesglassError("an admin does not adjust their own bonus: another admin adds it")
    store(request).add_adjustment(
        parse_month(post.text("month")),
        manager,
        post.form.get("amount"),
        post.text("reason"),
        post.actor,
        partner_id=post.text("partner").strip() or None,
    )


def resolve_dispute(request: Request, post: Posted) -> None:
    decision = post.text("decision")
    dispute_id = int_param(post.form.get("dispute")) or 0
    disputed = next((d for d in store(request).disputes() if d["dispute_id"] == dispute_id), None)
    if disputed is not None:
        with opened(request) as ctx:  # a dispute raised as a manager, answered after becoming an admin
            if own_bonus(ctx, disputed["manager_id"], post.actor):
                raise SalesglassError("an admin does not answer a dispute of their own bonus: another admin does")
    store(request).resolve_dispute(
        dispute_id,
        decision,
        post.text("answer"),
        post.actor,
        amount=post.form.get("amount") if decision == "adjust" else None,
    )


PERIOD_ACTIONS: dict[str, Action] = {
    **dict.fromkeys(STATE_MOVES, move_state),
    "adjust": add_adjustment,
    "resolve": resolve_dispute,
}


@router.get("/bonus/periods", response_class=HTMLResponse)
def bonus_periods(request: Request) -> Response:
    return periods_page(request)


@router.post("/bonus/periods")
async def bonus_periods_action(request: Request) -> Response:
    return await admin_action(
        request,
        PERIOD_ACTIONS,
        back="/bonus/periods",
        show_error=lambda r, error: periods_page(r, error, status=400),
    )


@router.get("/bonus/payroll.xlsx")
def payroll_xlsx(request: Request, month: str | None = None) -> Response:
    with opened(request, admin=True) as ctx:
        m = month_param(month, as_of_month(ctx))
        # a file built before the bonus close lacks its columns (as the statement says): a message, not a 500
        if not ctx.snap.has("report_bonus_lines", "corrects_month"):
            raise HTTPException(status_code=409, detail="this build predates the bonus close: run `salesglass build`")
        body = xlsx_bytes(payroll_view(ctx, m, store(request).period(m)), ctx)
    return download(body, XLSX, f"salesglass-payroll-{m:%Y-%m}.xlsx")


# ---- admins: audit trail ----------------------------------------------------------------------------
@router.get("/bonus/audit", response_class=HTMLResponse)
def audit_page(request: Request, month: str | None = None) -> Response:
    with opened(request, admin=True) as ctx:
        entries = store(request).audit(month_param(month, as_of_month(ctx)) if month else None)
        return render(ctx, "bonus_audit.html", view=audit_view(ctx, entries))


@router.get("/bonus/audit.csv")
def audit_csv(request: Request) -> Response:
    with opened(request, admin=True) as ctx:
        entries = store(request).audit(None)
        for e in entries:  # ISO 8601 with the offset of the account's zone: a file says whose clock it is
            e["logged_at"] = stmt.iso_moment(e["logged_at"], ctx.fmt.zone or "UTC")
            e["month"] = f"{e['month']:%Y-%m}" if e["month"] else None  # the month, not its day 1
        body = csv_bytes(audit_view(ctx, entries), ctx)
    return download(body, CSV, "salesglass-bonus-audit.csv")


# ---- everyone: statements ---------------------------------------------------------------------------
def statement_data(request: Request, ctx: Ctx) -> tuple[date, int | None, dict[str, Any] | None, Period]:
    """The month and manager the URL asks for (as far as the viewer may), their statement, the month's state."""
    p = request.query_params
    month = month_param(p.get("month"), as_of_month(ctx))
    manager = statement_manager(ctx, int_param(p.get("manager")), month)
    period = store(request).period(month)
    # a file built before the bonus close lacks its columns (corrects_month …): no statement until the next build
    if manager is None or not ctx.snap.has("report_bonus_lines", "corrects_month"):
        return month, manager, None, period
    return month, manager, stmt.statement(ctx.q, month, manager), period


def month_disputes(request: Request, ctx: Ctx, manager: int | None, month: date) -> list[dict[str, Any]]:
    """The manager's disputes of the month, each with its partner as the lines name it ("Театр Луна (P1)") and,
    once adjusted, the adjustment's amount and month: the answer alone would not say what changes, or when."""
    if manager is None:
        return []
    st = store(request)
    disputes = [d for d in st.disputes(manager_id=manager) if d["month"] == month]
    adjusted = {d["adjustment_id"] for d in disputes if d.get("adjustment_id") is not None}
    adjustments = {a["adjustment_id"]: a for a in st.manual_adjustments() if a["adjustment_id"] in adjusted}
    for d in named_disputes(ctx, disputes):
        d["adjustment"] = adjustments.get(d.get("adjustment_id"))
    return disputes


def named_disputes(ctx: Ctx, disputes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Disputes with their rule in words ("First sale", as the lines name it) and their partner named as the
    lines name it ("Театр Луна (P1)"), not the keys the store keeps."""
    for d in disputes:
        name = None
        if d["partner_id"] and ctx.snap.has("partners"):
            name = ctx.q.one("SELECT name FROM partners WHERE partner_id = ?", [d["partner_id"]]).get("name")
        d["partner"] = f"{name} ({d['partner_id']})" if name else d["partner_id"] or ""
        d["rule_label"] = rule_label(ctx.t, d["rule"])
    return disputes


def corrected_later(ctx: Ctx, manager: int | None, month: date) -> list[dict[str, Any]]:
    """Later months' clawback / true-up / manual lines that correct this month, summed per month: a past month's
    statement stays as it was, so without this it would not say that a later one changed what it pays."""
    if manager is None or not ctx.snap.has("report_bonus_lines", "corrects_month"):
        return []
    return ctx.q.rows(
        """SELECT month, sum(amount) AS amount FROM report_bonus_lines
           WHERE manager_id = ? AND corrects_month = ? AND month > ? AND rule <> 'carry_forward'
           GROUP BY month ORDER BY month""",
        [manager, month, month],
    )


@router.get("/bonus/statement", response_class=HTMLResponse)
def statement_page(request: Request) -> Response:
    with opened(request) as ctx:
        month, manager, data, period = statement_data(request, ctx)
        name = ctx.manager_name(manager) if manager is not None else ""
        own = not ctx.viewer.is_admin and manager is not None and manager == ctx.viewer.manager_id
        query = urlencode({"month": f"{month:%Y-%m}", **({"manager": manager} if manager is not None else {})})
        return render(
            ctx,
            "bonus_statement.html",
            view=statement_view(ctx, data, period, name) if data is not None else None,
            data=data,
            period=period,
            month=month,
            manager=manager,
            months=last_months(as_of_month(ctx)),
            managers=managers_by_name(ctx) if ctx.viewer.is_admin else [],
            disputes=month_disputes(request, ctx, manager, month),
            later=corrected_later(ctx, manager, month) if data is not None else [],
            can_dispute=own,
            query=query,
            done=request.query_params.get("done"),
        )


@router.get("/bonus/statement.xlsx")
def statement_xlsx(request: Request) -> Response:
    with opened(request) as ctx:
        month, manager, data, period = statement_data(request, ctx)
        if data is None or manager is None:
            raise HTTPException(status_code=404, detail="no statement")
        body = xlsx_bytes(statement_view(ctx, data, period, ctx.manager_name(manager)), ctx)
    return download(body, XLSX, f"salesglass-statement-{manager}-{month:%Y-%m}.xlsx")


@router.post("/bonus/dispute")
async def raise_dispute(request: Request) -> Response:
    """A manager flags one of their own lines (the line must exist under their manager id)."""
    with opened(request) as ctx:
        post = await posted(request)
        manager = ctx.viewer.manager_id
        if ctx.viewer.is_admin or manager is None:
            raise HTTPException(status_code=403, detail="only a manager disputes their own lines")
        month = month_param(post.text("month"), as_of_month(ctx))
        rule, partner = post.text("rule"), post.text("partner") or None
        corrects = post.text("corrects_month")
        corrects_month = month_param(corrects, month) if corrects else None
        line = disputed_line(ctx, month, manager, rule, partner, corrects_month)
        if not line.get("n"):
            raise HTTPException(status_code=403, detail="not one of your lines")
    try:
        store(request).raise_dispute(
            month, manager, rule, partner, corrects_month, line["amount"], post.text("comment"), ctx.viewer.email
        )
    except SalesglassError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return RedirectResponse(f"/bonus/statement?month={month:%Y-%m}&done=dispute", status_code=303)
