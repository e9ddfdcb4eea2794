"""A negative net on the dashboard: the statement (screen, both languages) and the payroll sheet say that
it is not paid but carried forward. The published fixture (tests/dashboard/bonus_fixture.py) plus, for
Boris (102) in March 2026: growth P2 200.00, a clawback of −500.00 correcting February → net −300.00,
so a carry_forward line of +300.00 (as the build writes it) brings March to 0.00."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.dashboard.bonus_fixture import EXTRA
from tests.dashboard.conftest import login, published_app

CARRY = """
INSERT INTO report_bonus_lines VALUES ('2026-03-01', 102, 'development', 'clawback', 'P2', NULL, NULL, NULL, NULL,
  -500.00, NULL, '2026-02-01', 'growth', 'refund R-10 of 2026-02-21 (revenue -10000.00)');
INSERT INTO report_bonus_lines VALUES ('2026-03-01', 102, 'carry', 'carry_forward', NULL, NULL, NULL, NULL, NULL,
  300.00, NULL, '2026-03-01', NULL, 'net -300.00 is not paid: carried forward to the next month');
"""


@pytest.fixture
def web(tmp_path):
    app = published_app(tmp_path, EXTRA + CARRY)

    def client(email: str, lang: str) -> TestClient:
        return login(TestClient(app, headers={"accept-language": lang}), email)

    return client


def test_the_statement_says_the_negative_net_is_carried_in_both_languages(web):
    en = web("admin@demo.test", "en-US,en;q=0.9").get("/bonus/statement?month=2026-03&manager=102").text
    assert 'data-col="rule">Carried forward<' in en
    assert "is not paid: carried forward to the next month" in en
    assert "Total to pay: 0.00" in en  # 200.00 − 500.00 + 300.00
    ru = web("admin@demo.test", "ru-RU,ru;q=0.9").get("/bonus/statement?month=2026-03&manager=102").text
    assert 'data-col="rule">Перенос<' in ru
    assert "не выплачивается: переносится на следующий месяц" in ru


def test_the_payroll_sheet_pays_0_and_says_why(web):
    x = web("admin@demo.test", "en-US,en;q=0.9").get("/bonus/payroll.xlsx?month=2026-03")
    ws = load_workbook(io.BytesIO(x.content)).worksheets[0]
    rows = [r for r in ws.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "Month")
    body = {r[2]: dict(zip(header, r, strict=True)) for r in rows[rows.index(header) + 1 :] if r[1] is not None}
    boris = body["Boris Ivanov"]
    assert (boris["To pay"], boris["Adjustments"], boris["Carried (negative net)"]) == (0, -500, 300)
    assert boris["Note"] == "net \u2212300.00\u00a0₽ is not paid: carried forward to the next month"
    assert body["Anna Petrova"]["To pay"] == 5800 and body["Anna Petrova"]["Note"] in ("", None)


GAP = """
INSERT INTO report_bonus_lines VALUES ('2026-01-01', 102, 'development', 'clawback', 'P2', NULL, NULL, NULL, NULL,
  -500.00, NULL, '2025-12-01', 'growth', 'refund R-11 of 2025-12-21 (revenue -10000.00)');
INSERT INTO report_bonus_lines VALUES ('2026-01-01', 102, 'carry', 'carry_forward', NULL, NULL, NULL, NULL, NULL,
  500.00, NULL, '2026-01-01', NULL, 'net -500.00 is not paid: carried forward to the next month');
INSERT INTO report_bonus_lines VALUES ('2026-03-01', 102, 'carry', 'carry_forward', NULL, NULL, NULL, NULL, NULL,
  -500.00, NULL, '2026-01-01', NULL, 'carried from 2026-01: a negative net is paid off from later bonuses');
INSERT INTO report_bonus_lines VALUES ('2026-03-01', 102, 'carry', 'carry_forward', NULL, NULL, NULL, NULL, NULL,
  300.00, NULL, '2026-03-01', NULL, 'net -300.00 is not paid: carried forward to the next month');
"""


def test_a_month_without_lines_says_which_carried_amount_passes_over_it(tmp_path):
    """Boris (102): January nets −500.00 (carried), February has no lines, March takes the 500.00 off its
    200.00 growth and carries −300.00 on. February's statement was empty — 0.00 and nothing else — while
    500.00 was owed; now it says where the amount went, and April (no lines yet) says it waits."""
    app = published_app(tmp_path, EXTRA + GAP)
    admin = login(TestClient(app, headers={"accept-language": "en"}), "admin@demo.test")
    feb = admin.get("/bonus/statement?month=2026-02&manager=102").text
    assert (
        "\u2212500.00\u00a0₽ carried from Jan 2026 is not taken off this month (no bonus lines here): "
        "it is taken off Mar 2026" in feb
    )
    assert "Total to pay: 0.00" in feb
    apr = admin.get("/bonus/statement?month=2026-04&manager=102").text
    assert "\u2212300.00\u00a0₽ carried from Mar 2026 is not taken off this month" in apr
    assert "it waits for the next month with bonus lines" in apr and "carried from Jan 2026" not in apr  # taken in Mar
    assert "is not taken off this month" not in admin.get("/bonus/statement?month=2026-03&manager=102").text
