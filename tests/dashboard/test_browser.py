"""The dashboard in a real headless Chromium (Debian's), against a real uvicorn server.

Screenshots of every page at 1440×900 go to .ci/artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.conftest import serve_in_thread

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / ".ci" / "artifacts" / "screenshots"
PAGES = ("sales", "funnel", "planfact", "partners", "cohorts", "bonuses", "quality")


@pytest.fixture(scope="module")
def server(app) -> Iterator[str]:
    url, stop = serve_in_thread(app)
    yield url
    stop()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"fixture-{name}.png"))


def _cell(page, table: str, col: str, row: int = 0) -> str:
    return page.locator(f'[data-table="{table}"] tbody tr').nth(row).locator(f'td[data-col="{col}"]').inner_text()


def test_admin_walks_every_page_filters_drills_downloads_and_logs_out(page_for, server, tmp_path) -> None:
    page = page_for("admin@demo.test")
    for name in PAGES:
        page.goto(f"{server}/{name}")
        page.wait_for_selector("#main")
        if page.locator("[data-chart]").count():
            page.wait_for_selector("[data-chart] svg")
        assert "Data as of" in page.locator("[data-testid=freshness]").inner_text()
        _shot(page, name)
    page.goto(f"{server}/admin/users")
    _shot(page, "users")

    # plan vs fact: the KPI equals report_plan_fact (company, month 2026-03, turnover fact 150 000.00)
    page.goto(f"{server}/planfact")
    assert page.locator('[data-kpi="0"] .value').inner_text() == "150,000\u00a0₽"
    assert _cell(page, "plan_fact", "fact", 0) == "150,000.00\u00a0₽"
    assert _cell(page, "plan_fact", "plan_realistic", 0) == "300,000.00\u00a0₽"

    # sales: monthly budget of won deals = report_monthly_deals (Feb 2026: 1 200 000.00)
    page.goto(f"{server}/sales")
    assert _cell(page, "monthly", "annual_budget_won", 1) == "1,200,000.00\u00a0₽"
    assert page.locator('[data-table="weekly"] tfoot td[data-col="deals_created"]').inner_text() == "4"
    # change a filter: client kind → operator; the URL keeps it and the totals follow
    page.select_option("select[name=kind]", "operator")
    page.wait_for_url(re.compile(r".*kind=operator.*"))
    page.wait_for_function(
        "() => document.querySelector('[data-table=weekly] tfoot td[data-col=deals_created]').innerText === '1'"
    )
    _shot(page, "sales-operators")

    # drill down: deals created in January 2026 (2: #1001 and #1003), each linked to its amoCRM card
    page.goto(f"{server}/sales")
    page.locator('[data-table="monthly"] tbody tr').nth(0).locator('td[data-col="deals_created"] a').click()
    panel = page.locator("[data-testid=drill-panel]")
    panel.wait_for()
    ids = panel.locator('td[data-col="deal_id"] a')
    assert sorted(ids.all_inner_texts()) == ["1001", "1003"]
    assert ids.first.get_attribute("href").startswith("https://acme.amocrm.ru/leads/detail/")
    page.wait_for_timeout(300)  # the drawer slides in
    _shot(page, "drill-deals")

    # Excel download of the page with its filters; check a cell
    page.goto(f"{server}/sales?kind=organizer")
    with page.expect_download() as dl:
        page.click("[data-testid=xlsx]")
    dest = tmp_path / "sales.xlsx"
    dl.value.save_as(dest)
    from openpyxl import load_workbook

    wb = load_workbook(dest)
    ws = wb[wb.sheetnames[1]]  # "Deals by month"
    header = [c.value for c in ws[5]]
    budget_col = header.index("Annual budget won") + 1
    rows = {
        ws.cell(r, 1).value.date().isoformat(): ws.cell(r, budget_col).value
        for r in range(6, ws.max_row)
        if ws.cell(r, 1).value
    }
    assert float(rows["2026-02-01"]) == 1200000.00
    assert "Client kind: Organizers" in ws["A2"].value

    page.click("button.logout")
    page.wait_for_url(re.compile(r".*/login.*"))
    page.goto(f"{server}/bonuses")
    assert "/login" in page.url


def test_manager_sees_only_own_deals_and_bonus_lines(page_for, server) -> None:
    page = page_for("anna@demo.test", locale="ru-RU")
    page.goto(f"{server}/bonuses")
    _shot(page, "manager-bonuses")
    lines = page.locator('[data-table="lines"] tbody tr')
    assert lines.count() == 4
    assert set(page.locator('[data-table="lines"] td[data-col="manager"]').all_inner_texts()) == {"Anna Petrova"}
    assert "Boris" not in page.locator("#main").inner_text()
    # Russian money format: narrow no-break spaces between groups, no-break space before ₽
    assert page.locator('[data-kpi="0"] .value').inner_text() == "15\u202f300\u00a0₽"
    # the manager filter offers only herself
    assert page.locator("select[name=manager] option").all_inner_texts() == ["Anna Petrova"]

    # URLs typed by hand: another manager's bonus lines and deals are not shown
    page.goto(f"{server}/drill/bonus?manager=102")
    assert "Boris" not in page.content() and "growth" not in page.locator("main").inner_text().lower()
    page.goto(f"{server}/drill/deals?manager=103")
    shown = page.locator('td[data-col="deal_id"]').all_inner_texts()
    assert sorted(shown) == ["1001", "1002"]
    page.goto(f"{server}/bonuses?manager=102")
    assert set(page.locator('[data-table="lines"] td[data-col="manager"]').all_inner_texts()) == {"Anna Petrova"}
    resp = page.goto(f"{server}/quality")
    assert resp.status == 403


def test_hostile_partner_names_show_as_text(page_for, server) -> None:
    page = page_for("admin@demo.test")
    page.goto(f"{server}/cohorts")
    names = page.locator('[data-table="declining"] td[data-col="name"]').all_inner_texts()
    assert names == ["<script>alert(1)</script>", "'; DROP TABLE deals; --"]  # by loss, descending
    page.goto(f"{server}/drill/partners?partner=P2")
    assert page.locator('td[data-col="name"]').inner_text() == "<script>alert(1)</script>"
    page.goto(f"{server}/drill/deals")
    assert "<script>alert(1)</script> deal" in page.locator("main").inner_text()
    page.goto(f"{server}/quality")
    _shot(page, "quality-hostile")
    # page_for asserts that no dialog fired on any of these pages
