"""A small company for the bonus close tests; every number is worked out by hand in the tests.

Europe/Moscow; rules: the defaults (first sale 5000, cold × 1.5, 10 % acquisition share, 5 % growth)
except acquisition_months = 1, so growth starts the month after the first sale.

Managers: 1 Anna (sales), 2 Boris (sales), 3 Vera (development).
P1 Alpha (development: Vera), acquired by deal 101 (Anna). Revenue: Sep 3000, Oct 6000, Nov 6000, Dec 9000.
P2 Beta (development: Vera), first sale in October (2000); its deal 202 (Boris) is not linked yet.

By hand (growth baseline = mean of the 3 previous months, months without sales = 0):
- Sep: Anna first_sale P1 5000.00, acquisition_share 10 % × 3000 = 300.00.
- Oct: Vera growth P1: baseline (3000 + 0 + 0) / 3 = 1000 → growth 5000 × 5 % = 250.00.
  P2 sells (2000) but has no linked deal → no sales line; month 0 → no growth line.
- Nov: Vera growth P1: baseline (6000 + 3000 + 0) / 3 = 3000 → growth 3000 × 5 % = 150.00.
  Vera growth P2 (month 1): baseline (2000 + 0 + 0) / 3 = 666.67 → growth 1000 − 666.67 = 333.33
  × 5 % = 16.67 (16.6665 rounded half away from zero).
"""

from __future__ import annotations

from datetime import date

from tests.reports.golden_company import M, _deal, _mgr, _partner, _sale, utc

TIMEZONE = "Europe/Moscow"
RULES = {"bonus": {"acquisition_months": 1}}
NOV_15 = date(2026, 11, 15)
DEC_20 = date(2026, 12, 20)
OCT, NOV, DEC = date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)

MANAGERS = [_mgr(1, "Anna", "sales", True), _mgr(2, "Boris", "sales", True), _mgr(3, "Vera", "development", True)]
PARTNERS = [_partner("P1", "Alpha", "organizer", 3), _partner("P2", "Beta", "organizer", 3)]
DEALS = [
    _deal(101, 1, "P1", "organizer", utc(2026, 8, 1, 9), won=utc(2026, 9, 1, 9)),
    _deal(202, 2, None, "organizer", utc(2026, 9, 15, 9)),  # P2's deal, not linked yet
]
SALES = [
    _sale("s-sep", "P1", utc(2026, 9, 10, 10), 10, "30000.00", "3000.00", "0.00"),
    _sale("s-oct", "P1", utc(2026, 10, 10, 10), 20, "60000.00", "6000.00", "0.00"),
    _sale("s-oct-p2", "P2", utc(2026, 10, 5, 10), 5, "20000.00", "2000.00", "0.00"),
    _sale("s-nov", "P1", utc(2026, 11, 10, 10), 20, "60000.00", "6000.00", "0.00"),
    _sale("s-nov-p2", "P2", utc(2026, 11, 5, 10), 3, "10000.00", "1000.00", "0.00"),
    _sale("s-dec", "P1", utc(2026, 12, 10, 10), 30, "90000.00", "9000.00", "0.00"),
]
# booked after October was approved: a refund dated 20 October (Moscow), 1200 of P1's revenue
LATE_REFUND = _sale("r-oct", "P1", utc(2026, 10, 20, 10), -4, "-12000.00", "-1200.00", "0.00")

DATA = {"managers": MANAGERS, "partners": PARTNERS, "deals": DEALS, "deal_stages": [], "sales": SALES, "plans": []}
__all__ = ["DATA", "LATE_REFUND", "M"]
