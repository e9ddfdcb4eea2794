"""Two tiny companies whose forecast parts are worked out by hand in test_forecast.py.

Times are 09:00 UTC (12:00 Moscow), so every sale's day is its UTC date. as_of = 2025-01-28 (Tuesday).

**Seasonal company** (base, seasonality, decline). Month-of-year factors f (mean 1) and weekday factors
g (Mon … Sun, mean 1):
  f = Jan .8  Feb .9  Mar 1  Apr 1  May 1.1  Jun .9  Jul .8  Aug .9  Sep 1.1  Oct 1.1  Nov 1.2  Dec 1.2
  g = Mon 1  Tue 1  Wed 1.2  Thu 1.2  Fri 1.6  Sat .5  Sun .5
- partner A (development manager 3) sells 100 × f(month) every day of 2023–2024, then 80 × g(weekday)
  every day of 1–28 January 2025;
- partner B (development manager 3) sells half of A in 2023–2024 (50 × f), then collapses to 8 × g in
  January 2025: the partner in decline.
Revenue is a tenth of turnover, cost 0, one ticket per sale.

**Pipeline company** (stage conversion, cohort curve). Organizer partners C1 (first sale 2024-10-01, then
70 every day) and C2 (first sale 2024-11-01, 140 a day for its first 7 days, then nothing). Ten organizer
deals reached `proposal` on 2024-09-03 (unlinked): four made a first sale 7 days later, one 14 days later,
five never. Open deal D (organizer, sales manager 1) was created on 2025-01-14 and reached `proposal` on
2025-01-21. Deal E (organizer, sales manager 2) was created for C1 on 2025-01-10, long after C1's first
sale: a development deal, which never counts as a deal that may bring a new partner.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tests.reports.golden_company import MANAGERS, _deal, _partner, _st

AS_OF = date(2025, 1, 28)
TIMEZONE = "Europe/Moscow"
F = {
    1: "0.8",
    2: "0.9",
    3: "1.0",
    4: "1.0",
    5: "1.1",
    6: "0.9",
    7: "0.8",
    8: "0.9",
    9: "1.1",
    10: "1.1",
    11: "1.2",
    12: "1.2",
}
G = ("1.0", "1.0", "1.2", "1.2", "1.6", "0.5", "0.5")  # Monday … Sunday


def at9(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 9, tzinfo=UTC)


def _days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


def _sale(sid: str, partner: str, d: date, turnover: Decimal) -> dict:
    return dict(
        sale_id=sid,
        partner_id=partner,
        event_id=None,
        sold_at=at9(d),
        tickets=1,
        turnover=turnover,
        revenue=(turnover / 10).quantize(Decimal("0.01")),
        cost=Decimal("0.00"),
        channel="widget",
    )


def _seasonal_sales() -> list[dict]:
    rows = []
    for d in _days(date(2023, 1, 1), date(2024, 12, 31)):
        f = Decimal(F[d.month])
        rows += [_sale(f"A{d}", "A", d, 100 * f), _sale(f"B{d}", "B", d, 50 * f)]
    for d in _days(date(2025, 1, 1), AS_OF):
        g = Decimal(G[d.weekday()])
        rows += [_sale(f"A{d}", "A", d, 80 * g), _sale(f"B{d}", "B", d, 8 * g)]
    return rows


def _plan(mgr: int | None, metric: str, realistic: str, optimistic: str) -> dict:
    return dict(
        month=date(2025, 1, 1),
        manager_id=mgr,
        metric=metric,
        realistic=Decimal(realistic),
        optimistic=Decimal(optimistic),
    )


# January 2025's plans (they leave every forecast part alone): a turnover plan, a planned loss of margin, and
# Vera's (manager 3) plan of no margin at all — a margin plan may be 0 or below
PLANS = [
    _plan(None, "turnover", "3100.00", "3500.00"),
    _plan(None, "margin", "-100.00", "0.00"),
    _plan(3, "margin", "0.00", "0.00"),
]

SEASONAL = {
    "managers": MANAGERS,
    "partners": [_partner("A", "Alpha", "organizer", 3), _partner("B", "Beta", "organizer", 3)],
    "deals": [],
    "deal_stages": [],
    "plans": PLANS,
    "sales": _seasonal_sales(),
}


def _pipeline_data() -> dict:
    deals, stages = [], []
    proposal = at9(date(2024, 9, 3))
    for i in range(10):
        deal_id = 200 + i
        deals.append(_deal(deal_id, 1, None, "organizer", proposal - timedelta(days=2)))
        stages += [_st(deal_id, "lead", proposal - timedelta(days=2), "created"), _st(deal_id, "proposal", proposal)]
        if i < 4:
            stages.append(_st(deal_id, "first_sale", proposal + timedelta(days=7)))
        elif i == 4:
            stages.append(_st(deal_id, "first_sale", proposal + timedelta(days=14)))
    created = at9(date(2025, 1, 14))
    deals.append(_deal(300, 1, None, "organizer", created))
    stages += [_st(300, "lead", created, "created"), _st(300, "proposal", at9(date(2025, 1, 21)))]
    development = at9(date(2025, 1, 10))
    deals.append(_deal(301, 2, "C1", "organizer", development))
    stages.append(_st(301, "lead", development, "created"))
    sales = [_sale(f"C1-{d}", "C1", d, Decimal("70.00")) for d in _days(date(2024, 10, 1), AS_OF)]
    sales += [_sale(f"C2-{d}", "C2", d, Decimal("140.00")) for d in _days(date(2024, 11, 1), date(2024, 11, 7))]
    return {
        "managers": MANAGERS,
        "partners": [_partner("C1", "Gamma", "organizer", 3), _partner("C2", "Delta", "organizer", 3)],
        "deals": deals,
        "deal_stages": stages,
        "plans": [],
        "sales": sales,
    }


PIPELINE = _pipeline_data()


def _young_partner() -> dict:
    """The seasonal company plus partner N (development manager 3): a 50.00 booking fee without tickets
    on 2024-12-20, its first sale with tickets on 2025-01-15, then 10 × g every day to as_of; and partner S
    (development manager 3), which sold 20 × f every day of 2023–2024 and 16 × g on 1–7 January 2025, then
    stopped dead: nothing for the last 21 days."""
    fee = {**_sale("N-fee", "N", date(2024, 12, 20), Decimal("50.00")), "tickets": 0}
    sales = [fee] + [_sale(f"N{d}", "N", d, 10 * Decimal(G[d.weekday()])) for d in _days(date(2025, 1, 15), AS_OF)]
    sales += [_sale(f"S{d}", "S", d, 20 * Decimal(F[d.month])) for d in _days(date(2023, 1, 1), date(2024, 12, 31))]
    sales += [_sale(f"S{d}", "S", d, 16 * Decimal(G[d.weekday()])) for d in _days(date(2025, 1, 1), date(2025, 1, 7))]
    return {
        **SEASONAL,
        "partners": [
            *SEASONAL["partners"],
            _partner("N", "Nova", "organizer", 3),
            _partner("S", "Stop", "organizer", 3),
        ],
        "sales": SEASONAL["sales"] + sales,
    }


YOUNG = _young_partner()
