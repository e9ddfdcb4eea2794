"""The bonus close on an account unlike the demo: New York time, a sale at 23:30 on a month's last day,
a refund booked after the month was approved. Every number is worked out by hand below.

Rules: the defaults except acquisition_months = 1. Anna (1, sales) acquired P1 by deal 101; Vera (3,
development) develops it. New York is UTC−4 until 1 November 2026 (EDT).

- September: P1's first sale, 3 000 revenue on 10 September → Anna first_sale 5 000.00 and 10 % × 3 000 = 300.00.
- October: 6 000 revenue at 23:30 New York on 31 October (03:30 UTC on 1 November): October's, not
  November's. Vera's growth: baseline (3 000 + 0 + 0) / 3 = 1 000 → 5 % × (6 000 − 1 000) = 250.00.
- After October is approved, a refund of 1 200 revenue at 23:45 New York on 31 October is loaded:
  October would be 5 % × (4 800 − 1 000) = 190.00 → a clawback of −60.00 in November naming the refund's
  day as the account sees it, 31 October.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from salesglass.bonus.store import BonusStore
from salesglass.config import parse_config
from salesglass.reports.build import run_build
from salesglass.warehouse import connect
from tests.reports.canon_io import load_duckdb
from tests.reports.conftest import load_company
from tests.reports.golden_company import _deal, _mgr, _partner, _sale, utc

M = Decimal
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
DATA = {
    "managers": [_mgr(1, "Anna", "sales", True), _mgr(3, "Vera", "development", True)],
    "partners": [_partner("P1", "Alpha", "organizer", 3)],
    "deals": [_deal(101, 1, "P1", "organizer", utc(2026, 8, 1, 13), won=utc(2026, 9, 1, 13))],
    "deal_stages": [],
    "sales": [
        _sale("s-sep", "P1", utc(2026, 9, 10, 15), 10, "30000.00", "3000.00", "0.00"),
        _sale("s-oct-last", "P1", utc(2026, 11, 1, 3, 30), 20, "60000.00", "6000.00", "0.00"),  # 31 Oct 23:30 NY
    ],
    "plans": [],
}
LATE_REFUND = _sale("r-late", "P1", utc(2026, 11, 1, 3, 45), -4, "-12000.00", "-1200.00", "0.00")  # 31 Oct 23:45 NY


@pytest.fixture
def new_york(tmp_path):
    cfg = parse_config(
        {
            "warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb", "bonus_state_path": "bonus.duckdb"},
            "account": {"timezone": "America/New_York"},
            "reports": {"bonus": {"acquisition_months": 1}},
        },
        base_dir=tmp_path,
    )
    load_company(cfg, DATA)
    run_build(cfg, as_of=date(2026, 11, 15), progress=False)
    return cfg, BonusStore(cfg.bonus_state_path)


def lines(cfg) -> list[tuple]:
    con = duckdb.connect(str(cfg.published_path), read_only=True)
    try:
        return con.execute(
            "SELECT month, manager_id, rule, amount, corrects_month, cause FROM report_bonus_lines ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_a_late_refund_on_the_last_evening_of_a_month_is_named_by_the_accounts_day(new_york):
    cfg, store = new_york
    assert lines(cfg) == [
        (SEP, 1, "acquisition_share", M("300.00"), None, None),
        (SEP, 1, "first_sale", M("5000.00"), None, None),
        (OCT, 3, "growth", M("250.00"), None, None),
    ]
    for month in (SEP, OCT):
        store.review(month, "admin@x.com")
        store.approve(month, "admin@x.com", cfg.published_path)
    con = connect(cfg.warehouse_path)
    load_duckdb(con, {"sales": [LATE_REFUND]})
    con.close()
    run_build(cfg, as_of=date(2026, 11, 20), progress=False)
    # October stays as approved; November corrects it, naming the refund's New York day (not UTC's 1 November);
    # Vera has nothing else in November, so her −60.00 is not paid but carried forward
    assert lines(cfg)[2:] == [
        (OCT, 3, "growth", M("250.00"), None, None),
        (NOV, 3, "carry_forward", M("60.00"), NOV, "net -60.00 is not paid: carried forward to the next month"),
        (NOV, 3, "clawback", M("-60.00"), OCT, "refund r-late of 2026-10-31 (revenue -1200.00)"),
    ]
