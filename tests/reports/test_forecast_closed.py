"""The forecast of an account closed every summer and of a partner's one big refund, computed by hand.

The base is a partner's level (its sales per unit of day weight over its last 56 days) × the weights of
the days left (reports/forecast/existing.py); a day's weight is weekday index × month index
(seasonality.py). Here the weekday index is read over 28 days (`weekday_days`), chosen so that it is 1.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.reports import forecast_company as fc
from tests.reports.golden_company import _partner
from tests.reports.test_forecast import build

SUMMER = (6, 7, 8)


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def base(con, as_of: date, period: str) -> float:
    """forecast_base's company turnover after as_of to the period's end, in roubles."""
    got = con.execute(
        "SELECT turnover FROM forecast_base WHERE as_of = ? AND period_type = ? AND mkey = -1",
        [_day(as_of), period],
    ).fetchone()
    return got[0] / 100


@pytest.fixture(scope="module")
def closed_summer():
    """Partner A (Vera's, manager 3) sells 100.00 every day since 1 January 2023 except in June, July and
    August, when the business is closed. Built as of Friday 22 August 2025, with the backtest's days of
    the last three months (22 May, 1 July and 8 August below are among them)."""
    sales = [
        fc._sale(f"A{d}", "A", d, Decimal("100.00"))
        for d in fc._days(date(2023, 1, 1), date(2025, 8, 22))
        if d.month not in SUMMER
    ]
    data = {**fc.SEASONAL, "partners": [_partner("A", "Alpha", "organizer", 3)], "plans": [], "sales": sales}
    return build(data, as_of=date(2025, 8, 22), weekday_days=28)


def test_a_month_closed_every_year_is_expected_to_sell_nothing(closed_summer):
    # Month index: every 12 months in a row hold 9 open months of 100 a day and 3 closed ones of 0, so the
    # centred mean is 900 / 12 = 75 a day; an open month's ratio is 100 / 75 = 4/3, a closed month's 0.
    # The weekday index is 1 (each as-of day's last 28 days are all open or all closed: 1 when nothing sold).
    con = closed_summer
    # as of Thursday 22 May: A's last 56 days (28 March … 22 May) sold 5 600 over weights 56 × 4/3 → level 75.
    # Month: 23–31 May = 9 days × 4/3 × 75 = 900. The quarter adds June, closed: 0 (it was expected at an
    # average month's index, 3 000 more). The year: + September … December, 122 days × 100 = 12 200.
    may22 = date(2025, 5, 22)
    assert base(con, may22, "month") == pytest.approx(900)
    assert base(con, may22, "quarter") == pytest.approx(900)
    assert base(con, may22, "year") == pytest.approx(900 + 12_200)
    # as of Tuesday 1 July: July and August weigh 0. A's level: its last 56 days (7 May … 1 July) hold 25 open
    # days, 2 500 over 25 × 4/3 → 75. It has been silent 31 days, but none of them was a day the account
    # sells: it is not "stopped" (a steady seller silent for more than 21 days), so the quarter expects
    # September, 30 × 100 = 3 000, and the year September … December, 12 200.
    jul1 = date(2025, 7, 1)
    assert base(con, jul1, "month") == pytest.approx(0)
    assert base(con, jul1, "quarter") == pytest.approx(3_000)
    assert base(con, jul1, "year") == pytest.approx(12_200)
    # as of Friday 8 August and Friday 22 August (the build's day): the last 56 days are all closed (weight
    # 0), so the level is read from the open days of the last 112: 19 April … 31 May, 43 days, 4 300 over
    # 43 × 4/3 → 75; 3 May … 31 May, 29 days, 2 900 over 29 × 4/3 → 75.
    for as_of in (date(2025, 8, 8), date(2025, 8, 22)):
        assert base(con, as_of, "month") == pytest.approx(0)
        assert base(con, as_of, "quarter") == pytest.approx(3_000)
        assert base(con, as_of, "year") == pytest.approx(12_200)


def test_the_closed_months_forecast_on_plan_fact(closed_summer):
    # nothing sold in August so far: the forecast is the model's alone (no pace to blend with) — August 0,
    # the quarter its September, 3 000.00
    rows = closed_summer.execute(
        "SELECT period_type, fact, forecast FROM report_plan_fact WHERE manager_id IS NULL AND "
        "metric = 'turnover' AND is_complete = FALSE"
    ).fetchall()
    got = {r[0]: (float(r[1]), float(r[2])) for r in rows}
    assert got["month"] == (0, 0)
    assert got["quarter"] == (0, 3_000)


def test_a_big_refund_is_expected_at_the_accounts_rate_not_off_its_partners_level():
    """Partner A sells 1 000.00 every day since 2023. On Sunday 5 January 2025 a show is cancelled and its
    9 000.00 refunded over ten days, 900.00 a day (5 … 14 January), each less than the day's sales. As of
    Tuesday 28 January, netted in A's last 56 days the refunds took 9 000 / 56 = 160.71 a day off its level
    (1 000 → 839.29, −16 %) until mid-March: the month's last three days expected 2 537.03 (the weekday index
    over 52 weeks, Wed–Fri 1.0076 each, had the ten refund days in it too); a day whose refunds exceeded its
    sales read 0, so the same refund made in one day took only 1 000 / 56 off. Now the level is read from
    the sales alone, and refunds are expected at the account's rate over its last 52 weeks (30 January 2024
    … 28 January 2025): 9 000 of 364 000 sold, so it keeps 1 − 9 000 / 364 000 = 355 / 364 of what it
    sells."""
    sales = [fc._sale(f"A{d}", "A", d, Decimal("1000.00")) for d in fc._days(date(2023, 1, 1), fc.AS_OF)]
    sales += [
        {**fc._sale(f"A-refund-{d}", "A", d, Decimal("-900.00")), "tickets": -1}
        for d in fc._days(date(2025, 1, 5), date(2025, 1, 14))
    ]
    data = {**fc.SEASONAL, "partners": [_partner("A", "Alpha", "organizer", 3)], "plans": [], "sales": sales}
    con = build(data)
    # every day sells 1 000 (the refunds left out): the weekday and month indexes are 1. A's level:
    # 56 000 / 56 × 355 / 364 = 975.27; Wed 29 … Fri 31 January: 2 925.82; 29 January … 31 December: 337 days
    level = 1000 * 355 / 364
    assert base(con, fc.AS_OF, "month") == pytest.approx(3 * level)
    assert base(con, fc.AS_OF, "year") == pytest.approx(337 * level)
    # tickets likewise: 1 a day, 10 of the 364 sold in the last 52 weeks refunded
    tickets = con.execute(
        "SELECT tickets FROM forecast_base WHERE as_of = ? AND period_type = 'month' AND mkey = -1", [_day(fc.AS_OF)]
    ).fetchone()[0]
    assert tickets == pytest.approx(3 * (1 - 10 / 364))
