"""A small company whose every report row is worked out by hand in test_golden.py.

Account time zone Europe/Moscow (UTC+3, no DST since 2014); as_of = 2025-01-15 (Wednesday), so the
cut-off is 2025-01-15 21:00 UTC. Bonus rules: the defaults except acquisition_months = 2 (so growth lines
appear within a few months). Times below are UTC; the comment gives Moscow time where it matters.

Managers: 1 Anna (sales), 2 Boris (sales, LEFT = inactive), 3 Vera (development), 4 Gleb (development,
inactive). Partners: P1 Alpha (dev Vera), P2 Beta (operator, dev Gleb → "empty"), P3 Gamma (no dev
manager; the declining one), P4 Support Desk (is_support), P5 Delta (dev Vera; first sale at 00:30 Moscow
on Dec 1 = 21:30 UTC Nov 30 → a December partner), and sales of an unknown partner P404 and of no partner.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


M = Decimal
AS_OF = date(2025, 1, 15)
TIMEZONE = "Europe/Moscow"
RULES = {"bonus": {"acquisition_months": 2}}


def _mgr(i, name, role, active):
    return dict(manager_id=i, name=name, email=f"{name.lower()}@example.ru", role=role, is_active=active)


MANAGERS = [
    _mgr(1, "Anna", "sales", True),
    _mgr(2, "Boris", "sales", False),  # left the company; his deals still count
    _mgr(3, "Vera", "development", True),
    _mgr(4, "Gleb", "development", False),
]


def _partner(pid, name, kind, dev, contract=None, widget=None, support=False):
    return dict(
        partner_id=pid,
        name=name,
        kind=kind,
        development_manager_id=dev,
        contract_signed_at=contract,
        widget_installed_at=widget,
        is_support=support,
        created_at=utc(2024, 1, 1),
    )


PARTNERS = [
    _partner("P1", "Alpha", "organizer", 3, contract=utc(2024, 11, 5, 10), widget=utc(2024, 11, 20, 9)),
    _partner("P2", "Beta", "operator", 4, contract=utc(2024, 12, 20, 10)),  # contract before its deal exists
    # widget (Sep 18) before the amoCRM contract (Sep 20): the contract stage yields to the widget date
    _partner("P3", "Gamma", "organizer", None, contract=utc(2024, 9, 25, 10), widget=utc(2024, 9, 18, 10)),
    _partner("P4", "Support Desk", "organizer", 3, support=True),
    _partner("P5", "Delta", "organizer", 3, widget=utc(2024, 11, 28, 10)),
]


def _deal(i, mgr, partner, kind, created, *, cold=False, won=None, lost=None, price=None, deleted=False):
    closed = won or lost
    return dict(
        deal_id=i,
        name=f"deal {i}",
        pipeline_id=1,
        status_id=142 if won else 143 if lost else 10,
        price=price,
        sales_manager_id=mgr,
        partner_id=partner,
        client_kind=kind,
        is_cold=cold,
        created_at=created,
        updated_at=created,
        closed_at=closed,
        is_won=won is not None,
        is_lost=lost is not None,
        is_deleted=deleted,
    )


DEALS = [
    _deal(101, 1, "P1", "organizer", utc(2024, 11, 1, 9), won=utc(2024, 12, 2, 10), price=M("1200000.00")),
    _deal(99, 1, "P1", "organizer", utc(2024, 10, 1, 9), deleted=True),  # deleted: would win P1's tie
    _deal(102, 2, "P5", None, utc(2024, 11, 15, 12), cold=True),  # client_kind unknown; Boris left
    _deal(103, 1, None, "operator", utc(2024, 12, 30, 8), lost=utc(2025, 1, 3, 10)),  # cold lead, lost
    _deal(104, 1, "P3", "organizer", utc(2024, 9, 10, 9), won=utc(2024, 10, 1, 9)),  # price NULL
    _deal(106, 2, "P2", "operator", utc(2025, 1, 20, 9)),  # created after as_of: not there yet
    # created 00:30 Moscow on Jan 1 2025 (week of Mon 2024-12-30, month Jan 2025); won after as_of → open
    _deal(107, 1, "P2", "operator", utc(2024, 12, 31, 21, 30), won=utc(2025, 1, 16, 8), cold=None),
]


def _st(deal, stage, at, source="amocrm"):
    return dict(deal_id=deal, stage=stage, reached_at=at, source=source)


DEAL_STAGES = [  # as the amoCRM connector writes them: creation + status history only
    *[_st(d["deal_id"], "lead", d["created_at"], "created") for d in DEALS],
    _st(101, "negotiation", utc(2024, 11, 3, 9)),
    _st(101, "proposal", utc(2024, 11, 10, 9)),
    _st(101, "first_sale", utc(2024, 12, 2, 10)),
    _st(102, "proposal", utc(2024, 11, 20, 12)),
    _st(103, "negotiation", utc(2025, 1, 2, 10)),
    _st(104, "contract_signed", utc(2024, 9, 20, 9)),
    _st(104, "first_sale", utc(2024, 10, 1, 9)),
    _st(107, "first_sale", utc(2025, 1, 16, 8)),  # after as_of: ignored
]


def _sale(sid, partner, at, tickets, turnover, revenue, cost):
    return dict(
        sale_id=sid,
        partner_id=partner,
        event_id=None,
        sold_at=at,
        tickets=tickets,
        turnover=M(turnover),
        revenue=M(revenue),
        cost=M(cost),
        channel="widget",
    )


SALES = [
    _sale("s1", "P1", utc(2024, 11, 25, 10), 2, "3000.00", "300.00", "90.00"),  # P1's first sale
    _sale("s2", "P1", utc(2024, 12, 10, 10), 5, "7500.00", "750.00", "225.00"),
    _sale("s3", "P1", utc(2024, 12, 12, 10), -1, "-1500.00", "-150.00", "-45.00"),  # refund
    _sale("s4", "P1", utc(2025, 1, 10, 10), 3, "4500.00", "455.55", "100.00"),
    _sale("s5", "P1", utc(2025, 1, 16, 10), 10, "99999.00", "9999.00", "999.00"),  # after as_of
    _sale("s7", "P2", utc(2025, 1, 4, 10), 0, "0.00", "10.00", "0.00"),  # no tickets: not a first sale
    _sale("s6", "P2", utc(2025, 1, 5, 10), 1, "1000.00", "100.05", "30.00"),  # P2's first sale
    _sale("s12", "P3", utc(2024, 9, 25, 20, 59, 59), 0, "99.00", "0.00", "0.00"),  # 23:59:59 Sep 25 Moscow
    _sale("s8", "P3", utc(2024, 10, 1, 10), 20, "30000.00", "3000.00", "900.00"),  # P3's first sale
    _sale("s9", "P3", utc(2024, 11, 15, 10), 10, "15000.00", "1500.00", "450.00"),
    _sale("s10", "P3", utc(2024, 12, 18, 20, 59, 59), 1, "1000.01", "100.00", "30.00"),  # 23:59:59 Dec 18
    _sale("s11", "P3", utc(2024, 12, 18, 21), 5, "5000.00", "500.00", "150.00"),  # 00:00 Dec 19 Moscow
    _sale("s13", "P4", utc(2024, 12, 5, 10), 2, "400.00", "40.00", "12.00"),  # support partner
    _sale("s14", None, utc(2025, 1, 12, 10), 1, "200.00", "20.00", "6.00"),  # no partner: Support
    _sale("s15", "P404", utc(2024, 12, 20, 10), 3, "600.00", "60.00", "18.00"),  # unknown partner
    _sale("s16", "P5", utc(2024, 11, 30, 21, 30), 4, "2000.00", "200.00", "60.00"),  # 00:30 Dec 1 Moscow
    _sale("s17", "P5", utc(2025, 1, 14, 20, 30), 1, "500.00", "50.00", "15.00"),  # 23:30 Jan 14 Moscow
    _sale("s18", "P5", utc(2025, 1, 15, 21), 1, "500.00", "50.00", "15.00"),  # 00:00 Jan 16 Moscow: after
]


def _plan(month, mgr, metric, realistic, optimistic):
    return dict(month=month, manager_id=mgr, metric=metric, realistic=M(realistic), optimistic=M(optimistic))


PLANS = [
    _plan(date(2024, 12, 1), None, "turnover", "20000.00", "25000.00"),
    _plan(date(2025, 1, 1), None, "turnover", "30000.00", "40000.00"),
    _plan(date(2025, 1, 1), None, "revenue", "3000.00", "4000.00"),
    _plan(date(2025, 1, 1), None, "margin", "2000.00", "3000.00"),
    _plan(date(2025, 2, 1), None, "turnover", "30000.00", "40000.00"),  # future month: quarter/year only
    _plan(date(2025, 1, 1), 3, "turnover", "10000.00", "12000.00"),
    _plan(date(2025, 1, 1), 1, "new_partners", "2.00", "3.00"),
]

DATA = {
    "managers": MANAGERS,
    "partners": PARTNERS,
    "deals": DEALS,
    "deal_stages": DEAL_STAGES,
    "sales": SALES,
    "plans": PLANS,
}
