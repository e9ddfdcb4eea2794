"""report_bonus_lines with closed months kept as approved, and differences carried forward.

`report_bonus_recomputed` (reports/bonus_lines.py) is what every month's bonus *would* be with today's
data. For a month that is approved or paid, the published lines are exactly the lines stored with its
approval (bonus state, salesglass/bonus/store.py), never the recomputed ones. For every closed month E
and every (manager, role, rule, partner), the difference

    recomputed(E) − approved lines of E − adjustment lines correcting E already locked in later months

becomes one adjustment line in the first open month (the month after the last closed one): rule
`clawback` when negative, `true_up` when positive, `corrects_month` = E, `corrects_rule` = the rule
corrected, and `cause` naming what changed — the deal now credited, or the sales of the partner that
appeared or vanished since E was approved (a late refund), else the base before → after.
Manual adjustments (rule `manual`) are added to their month as they are.

So, per closed month and manager: approved + later adjustments = recomputed
(report_bonus_reconciliation shows it; its `difference` is 0 unless something is wrong).
All of it is set-based SQL over small state tables copied into the build.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir

from salesglass.reports.base import BuildParams, Canon, union_all
from salesglass.reports.money import MONEY, RATE

_I64 = "int64"
LINE_COLUMNS = (
    "month",
    "manager_id",
    "role",
    "rule",
    "partner_id",
    "deal_id",
    "base",
    "rate",
    "multiplier",
    "amount",
    "baseline",
    "corrects_month",
    "corrects_rule",
    "cause",
)
KEY = ("manager_id", "role", "partner_id")


@dataclass(frozen=True)
class BonusState:
    """The bonus state tables (same backend as the canon) and the closed months, read before the build."""

    periods: ibis.Table
    approvals: ibis.Table
    locked_lines: ibis.Table
    locked_sales: ibis.Table
    manual: ibis.Table
    closed: tuple[tuple[date, int], ...]  # (month, approval_id) of approved and paid months

    @classmethod
    def of(cls, con: ibis.BaseBackend, closed: tuple[tuple[date, int], ...]) -> BonusState:
        """The state copied into `con` (a build's file or a published one), as the report expressions read it."""
        return cls(
            periods=con.table("bonus_periods"),
            approvals=con.table("bonus_approvals"),
            locked_lines=con.table("bonus_locked_lines"),
            locked_sales=con.table("bonus_locked_sales"),
            manual=con.table("bonus_manual_adjustments"),
            closed=closed,
        )

    @property
    def first_open(self) -> date | None:
        if not self.closed:
            return None
        last = max(m for m, _ in self.closed)
        return date(last.year + (last.month == 12), last.month % 12 + 1, 1)


def _plain(lines: ibis.Table) -> ibis.Table:
    """Recomputed lines in the published shape (no correction columns)."""
    return lines.select(
        *[c for c in LINE_COLUMNS[:11]],
        corrects_month=ibis.null("date"),
        corrects_rule=ibis.null("string"),
        cause=ibis.null("string"),
    )


def _manual_lines(state: BonusState, closed: list[date]) -> ibis.Table:
    m = state.manual
    if closed:
        m = m.filter(~m.month.isin(closed))
    return m.select(
        month=m.month,
        manager_id=m.manager_id.cast(_I64),
        role=ibis.literal("manual"),
        rule=ibis.literal("manual"),
        partner_id=m.partner_id,
        deal_id=ibis.null(_I64),
        base=ibis.null(MONEY),
        rate=ibis.null(RATE),
        multiplier=ibis.null(RATE),
        amount=m.amount.cast(MONEY),
        baseline=ibis.null(MONEY),
        corrects_month=m.corrects_month,
        corrects_rule=ibis.null("string"),
        cause=m.reason,
    )


def _text(value: ir.Value) -> ir.StringValue:
    return value.cast("string")


def _money_text(value: ir.NumericValue) -> ir.StringValue:
    """Money with its two decimals on every engine (ClickHouse prints DECIMAL −1200.00 as "-1200")."""
    cents = (value.abs() * 100).round().cast(_I64)
    whole, frac = (cents // 100).cast("string"), (cents % 100).cast("string").lpad(2, "0")
    return ibis.ifelse(value < 0, "-", "") + whole + "." + frac


def _sales_changes(canon: Canon, state: BonusState, params: BuildParams, closed: list[date]) -> ibis.Table:
    """Sales that appeared or vanished since the last approval that saw their month: (partner_id, month,
    at, sale_id, what). Each approval stores the sales of its month and the 3 before (bonus/store.py)."""
    first = min(closed)
    lo = params.utc(date(first.year - (first.month <= 3), (first.month - 4) % 12 + 1, 1))
    first_open = state.first_open
    assert first_open is not None, "called only when a month is closed"
    hi = params.utc(first_open)
    active = [a for _, a in state.closed]
    snap = state.locked_sales.filter(state.locked_sales.approval_id.isin(active))
    latest = snap.group_by("month").agg(aid=snap.approval_id.max())
    snap = snap.join(latest, [snap.month == latest.month, snap.approval_id == latest.aid]).select(
        snap.sale_id, snap.partner_id, snap.month, snap.revenue
    )
    s = canon.sales
    s = s.filter(s.sold_at >= lo, s.sold_at < hi)
    s = s.mutate(month=params.month(s.sold_at))
    s = s.semi_join(latest, s.month == latest.month)
    new = s.anti_join(snap, [s.sale_id == snap.sale_id, s.month == snap.month])  # a sale moved in counts as new
    new = new.mutate(day=params.local_date(new.sold_at))  # the account's day, as the month is: not UTC's
    new = new.select(
        "partner_id",
        "month",
        at=new.day,
        sale_id=new.sale_id,
        what=ibis.ifelse(new.revenue < 0, "refund ", "sale ")
        + new.sale_id
        + " of "
        + _text(new.day)
        + " (revenue "
        + _money_text(new.revenue)
        + ")",
    )
    # gone from its month: deleted, or its date changed to another month ("moved to", not "removed": an
    # accountant looking for a deleted sale would not find it, and the other month shows it again)
    every = canon.sales.select(now_id=canon.sales.sale_id, now_month=params.month(canon.sales.sold_at))
    gone = snap.left_join(every, snap.sale_id == every.now_id)
    gone = gone.filter(gone.now_month.isnull() | (gone.now_month != gone.month))
    gone = gone.select(
        "partner_id",
        "month",
        at=gone.month,
        sale_id=gone.sale_id,
        what="sale "
        + gone.sale_id
        + ibis.ifelse(gone.now_month.isnull(), " removed", " moved to " + gone.now_month.strftime("%Y-%m"))
        + " (revenue "
        + _money_text(gone.revenue)
        + ")",
    )
    return union_all(new, gone)


def _adjustments(
    canon: Canon, state: BonusState, params: BuildParams, recomputed: ibis.Table, closed: list[date]
) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    """(new adjustment lines, recomputed per closed month × key, booked per closed month × key)."""
    active = [a for _, a in state.closed]
    locked = state.locked_lines.filter(state.locked_lines.approval_id.isin(active))
    regular = locked.filter(locked.corrects_month.isnull(), locked.rule != "manual")
    regular = regular.select(*KEY, "deal_id", "base", "rate", "amount", emonth=regular.month, erule=regular.rule)
    carried = locked.filter(locked.corrects_month.notnull(), locked.rule.isin(("clawback", "true_up")))
    carried = carried.select(
        *KEY,
        deal_id=ibis.null(_I64),
        base=carried.base,
        rate=ibis.null(RATE),
        amount=carried.amount,
        emonth=carried.corrects_month,
        erule=carried.corrects_rule,
    )
    booked = union_all(regular, carried)
    booked = booked.group_by("emonth", "erule", *KEY).agg(
        b_amount=booked.amount.sum(), b_base=booked.base.sum(), b_deal=booked.deal_id.max(), b_rate=booked.rate.max()
    )
    r = recomputed.filter(recomputed.month.isin(closed))
    r = r.group_by(emonth=r.month, erule=r.rule, manager_id=r.manager_id, role=r.role, partner_id=r.partner_id).agg(
        r_amount=r.amount.sum(), r_base=r.base.sum(), r_deal=r.deal_id.max(), r_rate=r.rate.max()
    )
    keys = ["emonth", "erule", *KEY]
    j = r.outer_join(booked, keys)
    j = j.select(
        **{k: ibis.coalesce(j[k], j[f"{k}_right"]) for k in keys},
        r_amount=j.r_amount,
        r_base=j.r_base,
        r_deal=j.r_deal,
        r_rate=j.r_rate,
        b_amount=j.b_amount,
        b_base=j.b_base,
        b_deal=j.b_deal,
        b_rate=j.b_rate,
    )
    j = j.mutate(delta=(j.r_amount.fill_null(0) - j.b_amount.fill_null(0)).cast(MONEY))
    d = j.filter(j.delta != 0)
    # what changed: the sales of the partner in the corrected month (and the 3 months before, for growth)
    ch = _sales_changes(canon, state, params, closed)
    dk = d.select("emonth", "erule", "partner_id").distinct()
    hit = dk.join(ch, dk.partner_id == ch.partner_id).select(
        dk.emonth, dk.erule, dk.partner_id, ch.at, ch.sale_id, ch.what, cmonth=ch.month
    )
    months_back = ibis.ifelse(hit.erule == "growth", 3, 0)
    hit = hit.filter(hit.cmonth <= hit.emonth, hit.cmonth >= (hit.emonth - months_back.as_interval("M")).cast("date"))
    hit = hit.mutate(
        n=ibis.row_number().over(group_by=[hit.emonth, hit.erule, hit.partner_id], order_by=[hit.at, hit.sale_id])
    )
    named = hit.group_by("emonth", "erule", "partner_id").agg(
        sales_cause=hit.what.group_concat("; ", where=hit.n < 3), changed=hit.count()
    )
    named = named.mutate(
        sales_cause=ibis.ifelse(
            named.changed > 3, named.sales_cause + " and " + _text(named.changed - 3) + " more", named.sales_cause
        )
    )
    d = d.left_join(named, ["emonth", "erule", "partner_id"]).select(d, named.sales_cause)
    # a line that moved between managers (a manager changed in amoCRM, a new development manager)
    who = j.group_by("emonth", "erule", "partner_id").agg(
        now_mgr=j.manager_id.max(where=j.r_amount.notnull()), was_mgr=j.manager_id.max(where=j.b_amount.notnull())
    )
    d = d.left_join(who, ["emonth", "erule", "partner_id"]).select(d, who.now_mgr, who.was_mgr)
    deal_cause = ibis.cases(
        (
            d.r_deal.notnull() & d.b_deal.notnull() & (d.r_deal != d.b_deal),
            "partner "
            + d.partner_id
            + " now credited via deal "
            + _text(d.r_deal)
            + " (was deal "
            + _text(d.b_deal)
            + ")",
        ),
        (
            d.r_amount.notnull() & d.b_amount.isnull() & d.r_deal.notnull(),
            "deal " + _text(d.r_deal) + " linked to partner " + d.partner_id,
        ),
        (
            d.r_amount.isnull() & d.b_amount.notnull() & d.b_deal.notnull(),
            "deal " + _text(d.b_deal) + " no longer credits partner " + d.partner_id + " to this manager",
        ),
        else_=ibis.null("string"),
    )
    other = ibis.cases(
        (
            d.r_amount.isnull() & d.now_mgr.notnull() & (d.now_mgr != d.manager_id),
            "partner " + d.partner_id + " now credited to manager " + _text(d.now_mgr),
        ),
        (d.r_amount.isnull(), "partner " + d.partner_id + " no longer credited to this manager"),
        (
            d.b_amount.isnull() & d.was_mgr.notnull() & (d.was_mgr != d.manager_id),
            "partner " + d.partner_id + " now credited to this manager (was manager " + _text(d.was_mgr) + ")",
        ),
        (d.b_amount.isnull(), "partner " + d.partner_id + " newly credited to this manager"),
        else_="recomputed: base " + _money_text(d.b_base.fill_null(0)) + " → " + _money_text(d.r_base.fill_null(0)),
    )
    first_open = ibis.literal(state.first_open)
    adj = d.select(
        month=first_open,
        manager_id=d.manager_id.cast(_I64),
        role=d.role,
        rule=ibis.ifelse(d.delta < 0, "clawback", "true_up"),
        partner_id=d.partner_id,
        deal_id=ibis.coalesce(d.r_deal, d.b_deal).cast(_I64),
        base=ibis.ifelse(
            d.r_base.isnull() & d.b_base.isnull(),
            ibis.null(MONEY),
            (d.r_base.fill_null(0) - d.b_base.fill_null(0)).cast(MONEY),
        ),
        rate=ibis.coalesce(d.r_rate, d.b_rate).cast(RATE),
        multiplier=ibis.null(RATE),
        amount=d.delta,
        baseline=ibis.null(MONEY),
        corrects_month=d.emonth,
        corrects_rule=d.erule,
        cause=ibis.coalesce(deal_cause, d.sales_cause, other),
    )
    return adj, r, booked


def _closed_months(canon: Canon) -> list[date]:
    state = canon.bonus_state
    return sorted(m for m, _ in state.closed) if state is not None else []


def _recomputed(canon: Canon, params: BuildParams) -> ibis.Table:
    if canon.bonus_recomputed is not None:
        return canon.bonus_recomputed
    from salesglass.reports import bonus_lines

    return bonus_lines.build(canon, params)


def build(canon: Canon, params: BuildParams) -> ibis.Table:
    """report_bonus_lines: open months recomputed, closed months as approved, adjustments carried forward."""
    recomputed = _recomputed(canon, params)
    state = canon.bonus_state
    if state is None:
        return _plain(recomputed).order_by("month", "manager_id", "rule", "partner_id")
    closed = _closed_months(canon)
    parts = [
        _plain(recomputed.filter(~recomputed.month.isin(closed)) if closed else recomputed),
        _manual_lines(state, closed),
    ]
    if closed:
        active = [a for _, a in state.closed]
        locked = state.locked_lines.filter(state.locked_lines.approval_id.isin(active))
        parts.append(locked.select(*LINE_COLUMNS))
        parts.append(_adjustments(canon, state, params, recomputed, closed)[0])
    lines = union_all(*[p.select(*LINE_COLUMNS) for p in parts])
    lines = union_all(lines, _carry_forward(canon, lines, closed).select(*LINE_COLUMNS))
    return lines.order_by("month", "manager_id", "rule", "partner_id", "corrects_month")


CARRY = "carry_forward"


def _carry_forward(canon: Canon, lines: ibis.Table, closed: list[date]) -> ibis.Table:
    """A negative net is not paid but carried into the manager's next month with lines, as a pair of
    `carry_forward` lines that both name the month the negative came from (`corrects_month`): +x in that
    month (its net becomes 0.00, nothing to pay) and −x in the next one. A carried amount that still
    leaves the next month negative is carried again, until absorbed, so the sum over months is unchanged.

    Open months only: a closed month keeps the carry lines it was approved with, and what closed months
    carried out without the matching −x in another closed month is the balance the first open month
    starts from. Running balance B(n) = min(0, B(n−1) + net(n)) in closed form (Lindley's recursion):
    with S(n) = B(0) + cumulative net, B(n) = S(n) − max(0, running max of S), so it is set-based SQL.
    Open months before the first closed month (history) carry among themselves from 0."""
    regular = lines.filter(lines.rule != CARRY)
    if closed:
        regular = regular.filter(~regular.month.isin(closed))
    net = regular.group_by("month", "manager_id").agg(net=regular.amount.sum().cast(MONEY))
    zero = ibis.literal("0").cast(MONEY)
    if closed:
        last = max(closed)
        net = net.mutate(after=net.month > ibis.literal(last))
        done = lines.filter(lines.month.isin(closed), lines.rule == CARRY)
        start = done.group_by("manager_id").agg(
            b0=(-done.amount.sum()).cast(MONEY), b0_from=done.corrects_month.max(where=done.amount > 0)
        )
        net = net.left_join(start, "manager_id").select(net, start.b0, start.b0_from)
        net = net.mutate(
            b0=ibis.ifelse(net.after, net.b0.fill_null(zero), zero),
            b0_from=ibis.ifelse(net.after, net.b0_from, ibis.null("date")),
        )
    else:
        net = net.mutate(after=ibis.literal(True), b0=zero, b0_from=ibis.null("date"))
    w = ibis.window(group_by=[net.manager_id, net.after], order_by=net.month, preceding=None, following=0)
    net = net.mutate(s=(net.b0 + net.net.sum().over(w)).cast(MONEY))
    net = net.mutate(peak=net.s.max().over(w))
    net = net.mutate(balance=(net.s - ibis.greatest(net.peak, zero)).cast(MONEY))
    w2 = ibis.window(group_by=[net.manager_id, net.after], order_by=net.month)
    net = net.mutate(
        prev_balance=net.balance.lag().over(w2),
        prev_month=net.month.lag().over(w2),
    )
    net = net.mutate(
        carried_in=ibis.coalesce(net.prev_balance, net.b0).cast(MONEY),
        carried_from=ibis.ifelse(net.prev_month.isnull(), net.b0_from, net.prev_month),
    )
    mgr = canon.managers.select(m_id=canon.managers.manager_id.cast(_I64), active=canon.managers.is_active)
    net = net.left_join(mgr, net.manager_id.cast(_I64) == mgr.m_id).select(net, mgr.active)

    def line(t: ibis.Table, amount: ir.Value, corrects: ir.Value, cause: ir.Value) -> ibis.Table:
        return t.select(
            month=t.month,
            manager_id=t.manager_id.cast(_I64),
            role=ibis.literal("carry"),
            rule=ibis.literal(CARRY),
            partner_id=ibis.null("string"),
            deal_id=ibis.null(_I64),
            base=ibis.null(MONEY),
            rate=ibis.null(RATE),
            multiplier=ibis.null(RATE),
            amount=amount.cast(MONEY),
            baseline=ibis.null(MONEY),
            corrects_month=corrects,
            corrects_rule=ibis.null("string"),
            cause=cause,
        )

    out_ = net.filter(net.balance < 0)
    left = ibis.ifelse(
        out_.active.fill_null(True),
        "",
        "; the manager has left: the company decides whether to write it off",
    )
    carried_out = line(
        out_,
        -out_.balance,
        out_.month,
        "net " + _money_text(out_.balance) + " is not paid: carried forward to the next month" + left,
    )
    in_ = net.filter(net.carried_in < 0, net.carried_from.notnull())
    carried_in = line(
        in_,
        in_.carried_in,
        in_.carried_from,
        "carried from " + in_.carried_from.strftime("%Y-%m") + ": a negative net is paid off from later bonuses",
    )
    return union_all(carried_out, carried_in)


def reconciliation(canon: Canon, params: BuildParams) -> ibis.Table:
    """report_bonus_reconciliation: per closed month and manager, approved + adjustments = recomputed."""
    state = canon.bonus_state
    closed = _closed_months(canon)
    recomputed = _recomputed(canon, params)
    if state is None or not closed:
        r = recomputed.filter(ibis.literal(False))
        zero = ibis.literal("0").cast(MONEY)
        return r.select(
            month=r.month,
            manager_id=r.manager_id,
            state=ibis.literal("open"),
            approved=zero,
            adjustments=zero,
            recomputed=zero,
            difference=zero,
        )
    lines = canon.bonus_lines if canon.bonus_lines is not None else build(canon, params)
    # approved: the closed month's own computed lines; adjustments: every clawback / true_up correcting it
    zero = ibis.literal("0").cast(MONEY)
    own = lines.filter(lines.month.isin(closed), lines.corrects_month.isnull(), lines.rule != "manual")
    own = own.select(month=own.month, manager_id=own.manager_id, approved=own.amount, adjustments=zero, recomputed=zero)
    adj = lines.filter(lines.corrects_month.isin(closed), lines.rule.isin(("clawback", "true_up")))
    adj = adj.select(
        month=adj.corrects_month, manager_id=adj.manager_id, approved=zero, adjustments=adj.amount, recomputed=zero
    )
    rec = recomputed.filter(recomputed.month.isin(closed))
    rec = rec.select(month=rec.month, manager_id=rec.manager_id, approved=zero, adjustments=zero, recomputed=rec.amount)
    u = union_all(own, adj, rec)
    j2 = u.group_by("month", "manager_id").agg(
        approved=u.approved.sum().cast(MONEY),
        adjustments=u.adjustments.sum().cast(MONEY),
        recomputed=u.recomputed.sum().cast(MONEY),
    )
    st = state.periods.select("month", "state")
    out = j2.left_join(st, "month").select(j2, st.state)
    out = out.mutate(difference=(out.approved + out.adjustments - out.recomputed).cast(MONEY))
    return out.select("month", "manager_id", "state", "approved", "adjustments", "recomputed", "difference").order_by(
        "month", "manager_id"
    )
