"""What the bonus close pages show: month states with the moves each allows, statements, payroll, audit.

The routes (routes/bonus.py) read the bonus state store and the published bonus reports and hand the rows
to these functions, which shape them into tables (`PageView`): the screen, the XLSX and the print page show
the very same tables. Every change goes through the store (salesglass/bonus/store.py), which audits it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import HTTPException

from salesglass.bonus import statement as stmt
from salesglass.bonus.store import Period, next_month, parse_month, prev_month
from salesglass.errors import SalesglassError
from salesglass.serve.web.context import Ctx
from salesglass.serve.web.view import Col, PageView, TableView

STATE_MOVES = ("review", "approve", "pay", "reopen")  # what an admin may do to a month's state


def last_months(last: date, n: int = 12) -> list[date]:
    """`last` and the n - 1 months before it, newest first (the month pickers)."""
    months = [last]
    for _ in range(n - 1):
        months.append(prev_month(months[-1]))
    return months


def allowed_moves(period: Period, last_closed: date | None, as_of_month: date) -> dict[str, bool]:
    """Which state buttons a month shows: months close in order, one after the last closed one."""
    m = period.month
    return {
        "review": period.state == "open" and (last_closed is None or m > last_closed),
        "approve": period.state == "in_review"
        and (last_closed is None or m == next_month(last_closed))
        and m <= as_of_month,
        "pay": period.state == "approved",
        "reopen": period.state == "in_review" or (period.state == "approved" and m == last_closed),
    }


def month_totals(ctx: Ctx) -> dict[date, dict[str, Any]]:
    """Each month's bonus total and how many managers earned one: from the published lines, which are
    what an approval locks (the total shown is the total the approve button checks against)."""
    if not ctx.snap.has("report_bonus_lines"):
        return {}
    rows = ctx.q.rows(
        "SELECT month, sum(amount) AS total, count(DISTINCT manager_id) AS managers "
        "FROM report_bonus_lines GROUP BY month"
    )
    return {r["month"]: r for r in rows}


def period_rows(periods: dict[date, Period], totals: dict[date, dict[str, Any]], as_of_month: date) -> list[dict]:
    """One row per month (the last twelve and any with a state), newest first, with its allowed moves."""
    months = sorted(set(last_months(as_of_month)) | set(periods), reverse=True)
    closed = [m for m, p in periods.items() if p.closed]
    last_closed = max(closed) if closed else None
    rows = []
    for m in months:
        period = periods.get(m) or Period(m, "open")
        total = totals.get(m) or {}
        rows.append(
            {
                "month": m,
                "period": period,
                "total": total.get("total"),
                "managers": total.get("managers"),
                "can": allowed_moves(period, last_closed, as_of_month),
            }
        )
    return rows


def payroll_view(ctx: Ctx, month: date, period: Period) -> PageView:
    """What each manager is paid for the month, as the accountant's sheet."""
    t = ctx.t
    rows = stmt.payroll(ctx.q, month)
    for r in rows:
        r["month"], r["state"] = month, t(f"state_{period.state}")
        r["note"] = stmt.carry_note(r, 1 if ctx.fmt.lang == "ru" else 0, ctx.fmt.money)
    view = PageView(f"{t('payroll')} {ctx.fmt.month(month)}")
    view.scope = f"{t('month')}: {ctx.fmt.month(month)}; {t('manager')}: {t('all_managers')}"
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
                Col("carried", t("carried"), "money"),
                Col("lines", t("bonus_lines"), "int"),
                Col("state", t("state")),
                Col("note", t("note")),
            ],
            rows,
            total={"total": sum((r["total"] for r in rows), Decimal("0.00"))},
        )
    ]
    return view


def audit_view(ctx: Ctx, entries: list[dict]) -> PageView:
    """The bonus audit trail, newest first."""
    t = ctx.t
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
            list(reversed(entries)),
        )
    ]
    return view


def statement_manager(ctx: Ctx, requested: int | None, month: date) -> int | None:
    """The manager whose statement this is: a manager only ever gets their own; an admin the one asked
    for, else the month's top earner."""
    if not ctx.viewer.is_admin:
        return ctx.viewer.manager_id
    if requested is not None:
        return requested
    if not ctx.snap.has("report_bonus_summary"):
        return None
    row = ctx.q.one("SELECT manager_id FROM report_bonus_summary WHERE month = ? ORDER BY total DESC LIMIT 1", [month])
    manager: int | None = row.get("manager_id")
    return manager


def disputed_line(
    ctx: Ctx, month: date, manager: int, rule: str, partner: str | None, corrects_month: date | None
) -> dict[str, Any]:
    """The line a manager disputes, summed (amount, n): n = 0 when it is not one of theirs."""
    return ctx.q.one(
        """SELECT sum(amount) AS amount, count(*) AS n FROM report_bonus_lines
           WHERE month = ? AND manager_id = ? AND rule = ? AND partner_id IS NOT DISTINCT FROM ?
             AND corrects_month IS NOT DISTINCT FROM ?""",
        [month, manager, rule, partner, corrects_month],
    )


def month_param(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return parse_month(value)
    except SalesglassError:
        raise HTTPException(status_code=400, detail="month must look like 2026-10") from None


BIGINT_MAX = 2**63 - 1  # ids are BIGINT in the state file and the reports


def int_param(value: Any) -> int | None:
    """A whole-number field or parameter (a manager or dispute id); 400 for anything else, including a
    number no id column can hold (it reached DuckDB and answered 500)."""
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise HTTPException(status_code=400, detail="expected a whole number") from None
    if number is not None and abs(number) > BIGINT_MAX:
        raise HTTPException(status_code=400, detail="expected a whole number") from None
    return number


def rule_label(t: Callable[..., str], rule: str | None) -> str:
    """A bonus rule in the words the bonuses page and its downloads use ("First sale", "Clawback"), one
    dictionary for every page; a rule this release has no words for is written out ("referral_fee" →
    "Referral fee"), never as its key."""
    if not rule:
        return ""
    text = t(rule)
    if text == rule:
        text = rule.replace("_", " ")
    return text[:1].upper() + text[1:]


def statement_view(ctx: Ctx, data: dict[str, Any], period: Period, manager_name: str) -> PageView:
    """The statement as page tables: what the screen, the XLSX and the print page show."""
    t, f = ctx.t, ctx.fmt
    who = t("statement_of", manager=manager_name, month=f.month(data["month"]))
    view = PageView(f"{t('page_statement_of')}: {who}")
    view.scope = f"{t('month')}: {f.month(data['month'])}; {t('manager')}: {manager_name}"
    view.tables = [
        statement_head(ctx, data, period, manager_name),
        TableView(
            "lines",
            t("lines_earned"),
            earned_cols(t),
            [statement_line(t, r) for r in data["lines"]],
            total={"amount": sum((r["amount"] for r in data["lines"]), Decimal("0.00"))},
        ),
        TableView(
            "adjustments",
            t("adjustments"),
            adjustment_cols(t),
            [statement_line(t, r, f.money) for r in data["adjustments"]],
            total={"amount": sum((r["amount"] for r in data["adjustments"]), Decimal("0.00"))},
        ),
    ]
    return view


def statement_head(ctx: Ctx, data: dict[str, Any], period: Period, manager_name: str) -> TableView:
    """Whose statement, which month, its state, when approved, the total."""
    t, f = ctx.t, ctx.fmt
    return TableView(
        "statement",
        t("page_statement_of"),
        [Col("k", t("what")), Col("v", "")],
        [
            {"k": t("manager"), "v": manager_name},
            {"k": t("month"), "v": f.month(data["month"])},
            {"k": t("state"), "v": t(f"state_{period.state}")},
            {"k": t("approved_at"), "v": f.day(period.approved_at) if period.approved_at else "—"},
            {"k": t("approved_by"), "v": period.approved_by or "—"},
            *(
                [{"k": t("self_approval_k"), "v": t("self_approval", who=period.approved_by)}]
                if period.self_approval
                else []
            ),
            {"k": t("statement_total"), "v": data["total"], "_kind_v": "money"},  # a number in Excel
            *[{"k": t("carried"), "v": passing_carry(ctx, c)} for c in data.get("passing", [])],
        ],
    )


def passing_carry(ctx: Ctx, carry: dict[str, Any]) -> str:
    """A negative net carried past a month without lines: how much, from when, where it is taken off."""
    t, f = ctx.t, ctx.fmt
    where = t("carry_taken_in", month=f.month(carry["taken_in"])) if carry["taken_in"] else t("carry_waiting")
    return t("carry_passing", amount=f.money(-carry["amount"]), months=f.month(carry["from_month"]), where=where)


def statement_line(t: Callable[..., str], r: dict[str, Any], money: Callable[[Any], str] = str) -> dict[str, Any]:
    """A bonus line or adjustment as the statement shows it: rule in words, partner and deal named; a
    carried negative net says why in the page's language (the published cause is English)."""
    out = dict(r)
    if r["rule"] == "carry_forward" and r["amount"] > 0:  # this month's negative net, not paid
        out["cause"] = t("carry_out", net=money(-r["amount"]))
        if r.get("manager_active") is False:
            out["cause"] += "; " + t("carry_left")
    elif r["rule"] == "carry_forward":  # an earlier month's, taken off this one
        out["cause"] = t("carry_in", amount=money(r["amount"]), months=f"{r['corrects_month']:%Y-%m}")
    elif r["rule"] in ("clawback", "true_up"):  # the build's words; a manual line's cause stays as typed
        out["cause"] = stmt.cause_text(r.get("cause"), t, money)
    out["rule_key"] = r["rule"]
    out["rule"] = rule_label(t, r["rule"])
    if r.get("corrects_rule"):
        corrected = rule_label(t, r["corrects_rule"])
        out["rule"] += f" ({corrected[:1].lower()}{corrected[1:]})"  # "Clawback (acquisition share)"
    out["partner"] = f"{r['partner_name']} ({r['partner_id']})" if r.get("partner_name") else r.get("partner_id")
    out["deal"] = f"{r['deal_id']} {r['deal_name'] or ''}".strip() if r.get("deal_id") is not None else None
    return out


def earned_cols(t: Callable[..., str]) -> list[Col]:
    return [
        Col("rule", t("rule")),
        Col("partner", t("partner")),
        Col("deal", t("deal")),
        Col("base", t("bonus_base"), "money"),
        Col("rate", t("bonus_rate"), "rate"),  # numbers in the Excel file, not text
        Col("multiplier", t("bonus_multiplier"), "num4"),
        Col("amount", t("bonus_amount"), "money"),
    ]


def adjustment_cols(t: Callable[..., str]) -> list[Col]:
    return [
        Col("rule", t("rule")),
        Col("corrects_month", t("corrects_month"), "month"),
        Col("partner", t("partner")),
        Col("deal", t("deal")),
        Col("cause", t("cause")),
        Col("amount", t("bonus_amount"), "money"),
    ]
