"""Events placed by hand where Novosibirsk and Moscow disagree about the period, for tests to check.

The engine's history starts on the 1st of month S (`start`): before it there are no sales and no deal
reaches a first sale, so what is placed just before S is alone in its period and a test can name the
exact figure a report must show there. Times are local (Novosibirsk, UTC+7); Moscow is 4 hours behind,
so 00:30 local on the 1st is 20:30 of the last day of the previous month in Moscow.

| key | partner | when (local) | what it checks |
|---|---|---|---|
| `A1` | A | 23:30 on the last day of month S−1 | a month-end evening sale lands in that month (in both zones) |
| `B1` | B | 00:30 on the 1st of month S | lands in S; Moscow time would put it (and B's cohort) in S−1 |
| `C1` | C | 00:30 on the Monday W of the week 2–3 weeks before S | C's first sale is in week W; Moscow: W − 7 days |
| `A2` | A | 00:30 on the 1st of month S+2 | A's second month in its cohort: offset 3 locally, 2 in Moscow |

Deals: C's deal (`deal_c`, created 10 days before W at 12:00, status «Договор заключён», its account id
field = C) reaches `first_sale` with C's first sale; `deal_monday` is created at 00:30 on Monday W;
`deal_won` is won at 00:30 on the 1st of month S with a budget of 1 234 000 ₽.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from salesglass.simulate.sibkassa.zone import local_at


@dataclass(frozen=True)
class Sale:
    key: str
    partner: str
    at: int  # UTC seconds
    tickets: int
    turnover_kop: int
    revenue_kop: int
    cost_kop: int


@dataclass(frozen=True)
class Placed:
    month_before: date  # S−1
    start: date  # S
    week: date  # W (a Monday)
    partners: dict[str, str]  # A/B/C → partner id
    names: dict[str, str]
    sales: list[Sale]
    deal_c: int  # deal ids
    deal_monday: int
    deal_won: int
    deal_c_created: int
    deal_monday_created: int
    deal_won_created: int
    deal_won_closed: int
    deal_won_price: int


def _add_months(d: date, n: int) -> date:
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def placements(start: date, end: date) -> Placed:
    before = _add_months(start, -1)
    last_day_before = start - timedelta(days=1)
    mid = start - timedelta(days=15)
    week = mid - timedelta(days=mid.weekday())
    third = _add_months(start, 2)
    if third > end:
        raise ValueError("the history is too short for the placed events (needs 3 months)")
    ids = {"A": "500001", "B": "500002", "C": "500003"}
    names = {
        "A": "Тестовый организатор «Конец месяца»",
        "B": "Тестовый организатор «Первое число»",
        "C": "Тестовый организатор «Понедельник»",
    }
    sales = [
        Sale("A1", ids["A"], local_at(last_day_before, 23, 30), 2, 150_000, 12_000, 3_000),
        Sale("B1", ids["B"], local_at(start, 0, 30), 3, 250_000, 20_000, 5_000),
        Sale("C1", ids["C"], local_at(week, 0, 30), 1, 70_000, 5_600, 1_400),
        Sale("A2", ids["A"], local_at(third, 0, 30), 1, 90_000, 7_200, 1_800),
    ]
    return Placed(
        before,
        start,
        week,
        ids,
        names,
        sales,
        deal_c=19_000_001,
        deal_monday=19_000_002,
        deal_won=19_000_003,
        deal_c_created=local_at(week - timedelta(days=10), 12, 0),
        deal_monday_created=local_at(week, 0, 30),
        deal_won_created=local_at(before + timedelta(days=9), 12, 0),
        deal_won_closed=local_at(start, 0, 30),
        deal_won_price=1_234_000,
    )
