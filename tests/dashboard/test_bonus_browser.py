"""The bonus close in a real headless Chromium: an admin closes March, a manager opens her statement and its XLSX.

Fixture numbers (tests/dashboard/test_bonus_close.py): Anna's March = 5000 + 1000 − 200 (clawback for February).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from openpyxl import load_workbook

from salesglass.bonus.store import BonusStore
from tests.dashboard.conftest import serve_in_thread
from tests.dashboard.test_browser import SHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def server(bonus_site):
    from salesglass.serve.web.app import create_app

    url, stop = serve_in_thread(create_app(bonus_site))
    yield url
    stop()


def _state(page, month: str) -> str:
    return page.locator(f'[data-table="periods"] tr[data-month="{month}"] td[data-col="state"]').inner_text()


def test_admin_closes_a_month(page_for, server, bonus_site) -> None:
    page = page_for("admin@demo.test")
    page.click('[data-nav="bonus/periods"]')
    page.wait_for_url(re.compile(r".*/bonus/periods"))
    assert _state(page, "2026-03") == "open"
    row = page.locator('tr[data-month="2026-03"]')
    row.locator('[data-action="review"]').click()
    page.wait_for_selector("[data-testid=done]")
    assert _state(page, "2026-03") == "in review"
    page.locator('tr[data-month="2026-03"] [data-action="approve"]').click()
    page.wait_for_selector("[data-testid=done]")
    assert _state(page, "2026-03") == "approved (locked)"
    assert page.locator('tr[data-month="2026-03"] [data-action="review"]').count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "fixture-bonus-periods.png"))
    assert BonusStore(bonus_site.bonus_state_path).period(date(2026, 3, 1)).state == "approved"
    page.locator('tr[data-month="2026-03"] [data-action="pay"]').click()
    page.wait_for_selector("[data-testid=done]")
    assert _state(page, "2026-03") == "paid"
    page.click("[data-testid=audit]")
    assert page.locator('[data-table="audit"] tbody tr').count() == 3


def test_manager_opens_her_statement_and_its_xlsx(page_for, server, tmp_path) -> None:
    page = page_for("anna@demo.test")
    assert page.locator('[data-nav="bonus/periods"]').count() == 0
    page.click('[data-nav="bonus/statement"]')
    page.wait_for_url(re.compile(r".*/bonus/statement"))
    page.select_option("select[name=month]", "2026-03")
    page.click("form.pick button[type=submit]")
    page.wait_for_selector("[data-testid=statement-total]")
    assert page.locator("[data-testid=statement-total]").inner_text() == "Total to pay: 5,800.00\u00a0₽"
    assert "not approved yet" in page.locator("[data-testid=period-state]").inner_text()
    adj = page.locator('[data-table="adjustments"] tbody tr')
    assert adj.count() == 1 and "Feb 2026" in adj.inner_text() and "refund R-9" in adj.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "fixture-bonus-statement.png"))
    with page.expect_download() as dl:
        page.click("[data-testid=statement-xlsx]")
    path = tmp_path / "statement.xlsx"
    dl.value.save_as(path)
    wb = load_workbook(path)
    values = [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "Anna Petrova" in values and -200 in values and 5000 in values
    # February's statement says that March corrects it (the clawback of −200.00 for a February refund)
    page.select_option("select[name=month]", "2026-02")
    page.click("form.pick button[type=submit]")
    page.wait_for_selector("[data-testid=statement-total]")
    assert (
        page.locator("[data-testid=statement-total]").inner_text() == "Total to pay: 9,300.00\u00a0₽"
    )  # 7 500 + 1 800
    later = page.locator("[data-testid=corrected-later]")
    assert later.inner_text().endswith(": −200.00\u00a0₽ — Mar 2026.")
    later.locator("a").click()
    page.wait_for_selector("[data-testid=statement-total]")
    assert page.locator("[data-testid=corrected-later]").count() == 0  # March corrects no later month

    # the rate of a line is the percent it is: 10 % of 18 000.00 (report_bonus_lines: rate 0.10), not "0.1"
    first = page.locator('[data-table="lines"] tbody tr').first
    assert first.locator('[data-col="rate"]').inner_text() == "10%"

    # she disputes the acquisition share of P1; an admin answers it with an adjustment; she reads the answer
    first.locator("summary").click()
    first.locator("input[name=comment]").fill("the base should be 12 000")
    first.locator("[data-testid=dispute-form] button").click()
    page.wait_for_selector("[data-testid=done]")
    # "Saved." says so once: a reload of the page does not say it again
    page.reload()
    page.wait_for_selector("[data-testid=statement-total]")
    assert page.locator("[data-testid=done]").count() == 0, page.url
    row = page.locator('[data-table="disputes"] tbody tr')
    assert row.count() == 1 and "the base should be 12 000" in row.inner_text()
    assert row.locator('[data-col="status"]').inner_text() == "open"
    # the disputed rule in the words of the lines above ("Acquisition share"), not "acquisition share"
    assert row.locator('[data-col="rule"]').inner_text() == "Acquisition share"
    admin = page_for("admin@demo.test")
    admin.goto(page.url.split("/bonus/")[0] + "/bonus/periods")
    answer = admin.locator('[data-table="disputes"] tr[data-dispute]').first
    # … and so does the admin's list of open disputes, with the partner named, not its key "P1"
    assert answer.locator('[data-col="rule"]').inner_text() == "Acquisition share"
    assert answer.locator('[data-col="partner"]').inner_text() == "Театр Луна (P1)"
    answer.locator("input[name=answer]").fill("agreed: the base was 12 000")
    answer.locator("input[name=amount]").fill("200")
    answer.locator('button[value="adjust"]').click()
    admin.wait_for_selector("[data-testid=done]")
    admin.reload()
    assert admin.locator("[data-testid=done]").count() == 0, admin.url
    feb = page.url
    page.reload()
    assert row.locator('[data-col="partner"]').inner_text() == "Театр Луна (P1)"
    assert row.locator('[data-col="status"]').inner_text() == "adjusted"
    assert row.locator('[data-col="answer"]').inner_text() == (
        "agreed: the base was 12 000\nAdjustment 200.00\u00a0₽ in Mar 2026: a manual line of that month's "
        "statement from the next build."
    )

    # the print view hides navigation and forms
    page.emulate_media(media="print")
    assert not page.locator(".sidebar").is_visible()
    page.emulate_media(media="screen")

    # the bonus lines page names the adjustment rule in words, as the statement does (not "clawback")
    page.goto(page.url.split("/bonus/")[0] + "/bonuses?from=2026-03&to=2026-03")
    rules = page.locator('[data-table="lines"] td[data-col="rule"]').all_inner_texts()
    assert sorted(rules) == ["Acquisition share", "Clawback", "First sale"], rules

    # on her phone (390 px) every amount of the statement is in view without scrolling sideways:
    # 1 000.00 + 5 000.00 earned = 6 000.00; the clawback −200.00 for February; 5 800.00 to pay
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.url.split("/bonuses")[0] + "/bonus/statement?month=2026-03")
    amounts = page.locator('section[data-table] td[data-col="amount"]')
    assert amounts.all_inner_texts() == [
        "1,000.00\u00a0₽",
        "5,000.00\u00a0₽",
        "6,000.00\u00a0₽",
        "−200.00\u00a0₽",
        "−200.00\u00a0₽",
    ]
    for box in (a.bounding_box() for a in amounts.all()):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "fixture-bonus-statement-phone.png"), full_page=True)
    # … and February's dispute reads in lines the width of the screen: her comment and the admin's answer
    # (with the adjustment it made) are not squeezed into a column beside their label
    page.goto(feb)
    dispute = page.locator('[data-table="disputes"] tbody tr').first
    for col in ("comment", "answer"):
        box = dispute.locator(f'[data-col="{col}"] .said').first.bounding_box()
        assert box is not None and box["width"] >= 300, (col, box)
    page.screenshot(path=str(SHOTS / "fixture-bonus-dispute-phone.png"), full_page=True)
