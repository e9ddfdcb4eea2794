"""The dashboard in a real headless Chromium (Debian's), against a real uvicorn server.

Screenshots of every page at 1440×900 go to .ci/artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.conftest import serve_in_thread, submit_login

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / ".ci" / "artifacts" / "screenshots"
PAGES = ("sales", "funnel", "planfact", "partners", "cohorts", "bonuses", "quality")


@pytest.fixture(scope="module")
def server(app) -> Iterator[str]:
    url, stop = serve_in_thread(app)
    yield url
    stop()


def shot(page, name: str) -> None:
    """A full-page screenshot of the page as it is, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"fixture-{name}.png"), full_page=True)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"fixture-{name}.png"))


# a chart with no data: its "Nothing for these filters" shows, and no shape is drawn under the words
NOTHING_ON_SHAPES_JS = """(el) => {
  const msg = [...el.querySelectorAll('svg text')].find(t => t.textContent === 'Nothing for these filters');
  if (!msg) return 'no message';
  const m = msg.getBoundingClientRect();
  const under = [...el.querySelectorAll('svg path')].filter(p => {
    const r = p.getBoundingClientRect();
    return r.left < m.right && r.right > m.left && r.top < m.bottom && r.bottom > m.top;
  });
  return under.length ? under.length + ' shapes under the message' : 'clear';
}"""


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

    # a period with no new partners (September 2025): each chart says so, and nothing is drawn under the
    # words (the pie's grey placeholder ring had the message written across it) …
    # (and no grey bands of an empty heat-map: no cohort of clients of unknown kind)
    for url in ("/partners?from=2025-09&to=2025-09", "/cohorts?kind=unknown"):
        page.goto(server + url)
        for chart in page.locator("[data-chart]").all():
            assert chart.evaluate(NOTHING_ON_SHAPES_JS) == "clear", (url, chart.get_attribute("id"))
    _shot(page, "cohorts-nothing")

    # plan vs fact: the KPI equals report_plan_fact (company, month 2026-03, turnover fact 150 000.00)
    page.goto(f"{server}/planfact")
    assert page.locator('[data-kpi="0"] .value').inner_text() == "150,000\u00a0₽"
    assert _cell(page, "plan_fact", "fact", 0) == "150,000.00\u00a0₽"
    assert _cell(page, "plan_fact", "plan_realistic", 0) == "300,000.00\u00a0₽"
    # the year 2026: its plan has no month after March, so no figure against the whole year's plan, and the
    # page says which months are missing (a tip on the "—", a note under the table); the charts still draw
    page.goto(f"{server}/planfact?period=year&at=2026-01-01")
    page.wait_for_selector("[data-chart] svg")
    tip = page.locator('[data-table="plan_fact"] tbody tr').nth(0).locator('td[data-col="forecast_attainment"] .tip')
    assert tip.inner_text() == "—"
    assert tip.get_attribute("title").startswith(
        "No figure for the whole period: the plan leaves out Apr 2026 – Dec 2026"
    )
    assert (
        "the plan leaves out Apr 2026 – Dec 2026; compare month by month"
        in page.locator('[data-table="plan_fact"]').inner_text()
    )
    _shot(page, "planfact-year-part-planned")

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

    page.goto(f"{server}/bonuses")
    page.click("button.logout")
    page.wait_for_url(re.compile(r".*/login.*"))
    # a shared computer: Back after logout shows no bonus figures from the browser's caches
    page.go_back()
    page.wait_for_load_state()
    assert "/login" in page.url and page.locator("[data-kpi]").count() == 0, page.url
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

    # plan vs fact: no plan names Anna and she develops no partner (fixture: only the company and Boris have
    # rows), so the page says why every figure is a dash, and no dash is a link to an empty list
    page.goto(f"{server}/planfact?period=month&at=2026-03-01")
    assert page.locator("#main .notice").inner_text().startswith("Anna Petrova, мар 2026: ничего нет")
    assert page.locator('[data-table="plan_fact"] td[data-col="fact"] a').count() == 0
    assert page.locator('[data-kpi="0"] .value').inner_text() == "—"

    # on her phone (390 px): the page takes the whole width (the menu goes on top), nothing scrolls sideways
    # (neither the page nor a table in its card), and a chart's legend shows every name whole, above the plot
    from tests.dashboard.test_demo_browser import LEGEND_JS, SIDEWAYS_JS

    page.set_viewport_size({"width": 390, "height": 844})
    for name in ("funnel", "partners", "bonuses"):
        page.goto(f"{server}/{name}")
        width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.querySelector('#main').clientWidth]"
        )
        assert width[0] <= 390 and width[1] >= 360, f"{name} at 390 px: page {width[0]} px wide, #main {width[1]} px"
        assert page.evaluate(SIDEWAYS_JS) == [], name
        assert page.evaluate(LEGEND_JS) == [], name
    _shot(page, "manager-bonuses-phone")


def test_a_development_manager_sees_his_own_plan_and_forecast(page_for, server) -> None:
    """Boris (102) develops P1 and P2: March turnover 120 000 against his plan of 200 000, pro rata to the 15th
    of 31 days 200 000 × 15 / 31 = 96 774.19 (shown in whole roubles), so 120 000 / 96 774.19 = 124.00 %;
    forecast 248 000 = 124 % of the month's plan. The company's 150 000 is not on his page."""
    page = page_for("boris@demo.test")
    page.goto(f"{server}/planfact?period=month&at=2026-03-01")
    assert page.locator("#main .notice").count() == 0
    assert page.locator('[data-table="plan_fact"] h2').inner_text() == "Plan vs fact: Mar 2026 — Boris Ivanov"
    assert page.locator('[data-kpi="0"] .value').inner_text() == "120,000\u00a0₽"
    assert page.locator('[data-kpi="0"] .sub').inner_text() == "Plan to 2026-03-15: 96,774\u00a0₽"
    assert page.locator('[data-kpi="1"] .value').inner_text() == "124.0%"
    assert page.locator('[data-kpi="2"] .value').inner_text().startswith("248,000")
    assert "150,000" not in page.locator("#main").inner_text()
    _shot(page, "manager-planfact")


def test_hostile_partner_names_show_as_text(page_for, server) -> None:
    page = page_for("admin@demo.test")
    page.goto(f"{server}/cohorts")
    names = page.locator('[data-table="declining"] td[data-col="name"]').all_inner_texts()
    assert names == ["<script>alert(1)</script>", "'; DROP TABLE deals; --"]  # by loss, descending
    page.goto(f"{server}/drill/partners?partner=P2")
    assert page.locator('td[data-col="name"]').inner_text() == "<script>alert(1)</script>"
    page.goto(f"{server}/drill/deals")
    assert "<script>alert(1)</script> deal" in page.locator("main").inner_text()
    # a hostile 150-character pipeline name: text, cut to 60 characters, and the filter stays within the page
    pipeline = page.locator("select[name=pipeline]")
    assert pipeline.locator("option").nth(1).inner_text().startswith("<script>alert(1)</script> Партнёры 🤝")
    assert len(pipeline.locator("option").nth(1).inner_text()) == 60
    assert pipeline.bounding_box()["width"] < 600
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(f"{server}/quality")
    _shot(page, "quality-hostile")
    # the link suggestion says how sure and why, not a bare similarity score
    assert _cell(page, "suggestions", "confidence") == "possible"
    # … and "92 %" is never cut onto two lines (a no-break space)
    assert _cell(page, "suggestions", "why") == "deal title ≈ partner name; names 92\u00a0% alike"
    # page_for asserts that no dialog fired on any of these pages


# ---- long names, a login with no rows: what a company unlike the demo shows --------------------------------

MID_MANAGER = "Анна Петрова-Водкина-Черноморская"  # 33 characters: shown whole (one line) in tables
LONG_MANAGER = "Борис Иванов-Константинопольский-Северо-Западный"  # 48: cut with "…" in tables
LONG_PARTNER = "ООО «Театрально-Концертное Агентство Северо-Западного Региона»"
# an amoCRM user named like an attack: markup, a template expression; shown as text in tables and tooltips
HOSTILE_MANAGER = "Вера <img src=x onerror=alert(3)> {{7*7}}"
LONG_NAMES = f"""
UPDATE managers SET name = '{HOSTILE_MANAGER}' WHERE manager_id = 103;
UPDATE managers SET name = '{MID_MANAGER}' WHERE manager_id = 101;
UPDATE managers SET name = '{LONG_MANAGER}' WHERE manager_id = 102;
UPDATE partners SET name = '{LONG_PARTNER}' WHERE partner_id = 'P1';
-- a company selling in billions: the annual budget won in February (two client kinds) sums to 1 194 388 000
UPDATE report_monthly_deals SET annual_budget_won = 597194000.00 WHERE month = '2026-02-01';
-- three managers on the new-partners chart, so each name has a third of its width
INSERT INTO report_new_partners VALUES ('2026-03-01', 102, 'organizer', 1, 0, 0, 0),
 ('2026-03-01', 103, 'organizer', 1, 1, 0, 0);
"""

# texts of a chart drawn over each other (more than a fifth of the smaller one), or past the chart's edges
OVERLAP_JS = """(el) => {
  const bad = [], svg = el.querySelector('svg'), box = el.getBoundingClientRect();
  const area = r => r.width * r.height;
  const inter = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left))
                        * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
                  .map(t => [t.textContent, t.getBoundingClientRect()]);
  texts.forEach(([ta, a], i) => texts.slice(i + 1).forEach(([tb, b]) => {
    if (inter(a, b) > 0.2 * Math.min(area(a), area(b))) bad.push(ta + ' over ' + tb);
  }));
  texts.forEach(([t, r]) => { if (r.left < box.left - 1 || r.right > box.right + 1) bad.push(t + ' outside'); });
  return bad;
}"""

# legend entries of a pie drawn on top of its ring: a sector (a path of a slice's colour) under a legend text
LEGEND_ON_RING_JS = """(el) => {
  const data = JSON.parse(el.dataset.option).series[0].data, names = data.map(d => d.name);
  const rgb = c => { const d = document.createElement('i'); d.style.color = c; document.body.append(d);
                     const v = getComputedStyle(d).color; d.remove(); return v; };
  const colours = data.map(d => rgb(d.itemStyle.color));
  const legend = [...el.querySelectorAll('svg text')].filter(t => {
    const s = t.textContent.replace(/(…|\\.\\.\\.)$/, '');
    return s && names.some(n => n.startsWith(s));
  });
  const bad = [];
  legend.forEach(t => {
    const r = t.getBoundingClientRect();
    for (let i = 0; i <= 4; i++) {
      const under = document.elementsFromPoint(r.left + (r.width * i) / 4, r.top + r.height / 2);
      if (under.some(e => e.tagName === 'path' && colours.includes(getComputedStyle(e).fill))) {
        bad.push(t.textContent); break;
      }
    }
  });
  return [legend.length, bad];
}"""


@pytest.fixture(scope="module")
def long_names_server(tmp_path_factory) -> Iterator[str]:
    from tests.dashboard.conftest import published_app

    url, stop = serve_in_thread(published_app(tmp_path_factory.mktemp("long-names"), LONG_NAMES))
    yield url
    stop()


def _login(browser, server: str, email: str):
    from tests.dashboard.conftest import PASSWORDS

    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    page = ctx.new_page()
    page.goto(server + "/login")
    submit_login(page, email, PASSWORDS[email])
    return ctx, page


def test_long_names_neither_overlap_nor_push_amounts_out_of_view(browser, long_names_server) -> None:
    """At 1 440 px a head of sales reads every label and every amount, whatever the names are like."""
    ctx, page = _login(browser, long_names_server, "admin@demo.test")
    try:
        page.goto(f"{long_names_server}/partners")
        page.wait_for_selector("#chart-share svg")
        _shot(page, "long-names-partners")
        for chart in page.locator("[data-chart]").all():
            assert chart.evaluate(OVERLAP_JS) == [], chart.get_attribute("id")
        shown, on_ring = page.locator("#chart-share").evaluate(LEGEND_ON_RING_JS)
        assert shown == 3 and on_ring == [], on_ring  # Boris, "Empty", "Support"
        # the hostile manager's column: its tooltip (HTML, drawn by ECharts) names her as text, no <img>
        chart = page.locator("#chart-milestones")
        label = chart.locator("svg text", has_text="Вера").first
        box = label.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] - 20)
        tip = chart.locator("div", has_text=HOSTILE_MANAGER).last
        tip.wait_for()
        assert chart.locator("img").count() == 0
        page.goto(f"{long_names_server}/funnel")
        assert page.locator("[data-table] td", has_text="Вера").first.inner_text() == HOSTILE_MANAGER
        assert (
            page.locator("select[name=manager] option", has_text="Вера").inner_text().startswith(HOSTILE_MANAGER)
        )  # "… (left)": she left

        # bonus lines: ten columns with both names long; the amount column is in view without scrolling
        page.goto(f"{long_names_server}/bonuses")
        _shot(page, "long-names-bonuses")
        box = page.locator('[data-table="lines"] .scroll').evaluate("s => [s.scrollWidth, s.clientWidth]")
        assert box[0] <= box[1] + 1, f"bonus lines {box[0]} px wide in {box[1]} px: Amount is out of view"
        amount = page.locator('[data-table="lines"] tbody tr').first.locator('td[data-col="amount"]')
        assert amount.inner_text() == "1,000.00\u00a0₽"  # March, Anna, acquisition share: 10 % of 10 000

        # the users page on a 1 280 px laptop, in Russian: every button in view, nothing pushes the page sideways
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{long_names_server}/sales")  # five cards in a row, one of 1,194,388,000 ₽
        wide = page.evaluate("""() => [...document.querySelectorAll('.kpi .value')]
            .filter(v => v.scrollWidth > v.clientWidth + 1).map(v => v.innerText)""")
        assert wide == [], f"KPI values wider than their cards at 1280 px: {wide}"
        page.goto(f"{long_names_server}/admin/users")
        with page.expect_navigation():
            page.click("form.langs button[value=ru]")  # Russian labels and buttons are the wider ones
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        card = page.locator("[data-page=users] .tablecard").bounding_box()
        for button in page.locator("[data-page=users] .tablecard button").all():
            box = button.bounding_box()
            assert box and box["x"] + box["width"] <= card["x"] + card["width"], (button.inner_text(), box, card)
    finally:
        ctx.close()


def test_a_funnel_with_nothing_to_show_draws_no_funnel(browser, long_names_server) -> None:
    """A login tied to no amoCRM user: the funnel of zeros is an empty chart saying so, not six equal
    full-width bars that read as 100 % conversion at every stage."""
    ctx, page = _login(browser, long_names_server, "stranger@demo.test")
    try:
        page.goto(f"{long_names_server}/funnel")
        page.wait_for_selector("#chart-funnel svg text")
        assert "Nothing for these filters" in page.locator("#chart-funnel").inner_text()
        assert page.locator("#chart-funnel svg path").count() == 0
        # plan vs fact names the login, not the server's "nobody" id (#-1), and says why there is nothing
        page.goto(f"{long_names_server}/planfact")
        assert "#-1" not in page.locator("#main").inner_text()
        assert "stranger@demo.test" in page.locator('[data-table="plan_fact"] h2').inner_text()
        assert "is not tied to an amoCRM user" in page.locator("#main .notice").inner_text()
    finally:
        ctx.close()


def test_leaks_of_deals_none_lost_say_no_deal_was_lost(page_for, server) -> None:
    """Anna's cohorts have deals and no loss: the leaks chart says so (app.js draws the page's `sgEmpty`),
    not "Nothing for these filters"."""
    page = page_for("admin@demo.test")
    page.goto(f"{server}/funnel?from=2026-01&to=2026-03&manager=101")
    page.wait_for_selector("#chart-leaks svg text")
    text = page.locator("#chart-leaks").inner_text()
    assert "No lost deals in this period" in text and "Nothing for these filters" not in text, text


def test_switching_language_keeps_the_filters_just_chosen(page_for, server) -> None:
    """Filters change the page in place (htmx pushes the new address); the language switch, outside the
    swapped part, must return to that address, not to the one the page was first loaded with."""
    page = page_for("admin@demo.test", locale="ru-RU")
    page.goto(f"{server}/funnel?from=2026-01&to=2026-03")
    page.select_option("select[name=kind]", "operator")
    page.wait_for_url(re.compile(r".*kind=operator.*"))
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    with page.expect_navigation():
        page.click("form.langs button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "kind=operator" in page.url and "from=2026-01" in page.url, page.url
    assert page.locator("select[name=kind]").input_value() == "operator"


# ---- an outsider clicks every control of every page: the fixture company, unlike the demo in every setting ----

# what each chart and table of the page holds: "data", "nothing" (a chart saying so) or "rows" / "empty"
INVENTORY_JS = """() => {
  const out = {};
  document.querySelectorAll('#main [data-chart]').forEach(el => {
    const said = [...el.querySelectorAll('svg text')].some(t =>
      t.textContent === 'Nothing for these filters' || t.textContent === 'Нет данных для этих фильтров');
    out[el.id] = said ? 'nothing' : 'data';
  });
  document.querySelectorAll('#main [data-table]').forEach(el => {
    out['table ' + el.dataset.table] = el.querySelector('tbody tr') ? 'rows' : 'empty';
  });
  return out;
}"""


def _still_whole(page, before: dict[str, str] | None, after: str) -> dict[str, str]:
    """The page is whole (test_demo_browser.assert_whole: every chart drawn, with data or saying "Nothing for
    these filters", every table with rows or its empty state, no "NaN"/"null"/"undefined", readable chart
    labels), and the charts and tables that were there still are."""
    from tests.dashboard.test_demo_browser import assert_whole

    try:
        assert_whole(page, after)
    except BaseException:
        shot(page, "broken")  # what failed, for a person to look at
        raise
    now = page.evaluate(INVENTORY_JS)
    if before is None:
        return now
    # one manager chosen: the table comparing managers goes (a table of one row compares nothing)
    gone = {k for k in before if k not in now and not (after.startswith("manager =") and "manager" in k)}
    assert gone == set() and set(now) <= set(before), f"after {after}: {sorted(before)} became {sorted(now)}"
    return now


def _downloads_hold_the_tables(page, after: str) -> None:
    """The page's Excel and CSV buttons, with the filters just chosen: a sheet per table, the CSV's rows = the
    first table's rows (+ its totals row), and no "None" / "nan" in a cell."""
    from openpyxl import load_workbook

    tables = page.locator("#main section[data-table]")
    russian = page.locator("html").get_attribute("lang") == "ru"
    headers = {"accept-language": "ru-RU" if russian else "en-US"}  # as the browser's own request says
    xlsx = page.request.get(page.locator("[data-testid=xlsx]").evaluate("a => a.href"), headers=headers)
    assert xlsx.ok, (after, xlsx.status)
    wb = load_workbook(io.BytesIO(xlsx.body()))
    assert len(wb.sheetnames) == max(1, tables.count()), (after, wb.sheetnames)
    bad = [
        v
        for ws in wb
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str) and v in ("None", "nan")
    ]
    assert bad == [], (after, bad)
    csv_link = page.locator(".downloads a", has_text="CSV").evaluate("a => a.href")
    body = page.request.get(csv_link, headers=headers)
    assert body.ok, (after, body.status)
    if tables.count():
        first = tables.first
        rows = first.locator("tbody tr").count() + first.locator("tfoot tr").count()
        lines = list(
            csv.reader(
                io.StringIO(body.text().lstrip("\ufeff")),
                delimiter=";" if russian else ",",
            )
        )
        assert len(lines) == 1 + rows, (after, len(lines), rows)


def _walk_fixture(page, server: str, lang: str, shots: str) -> None:
    """Every page of the menu: each filter set to another value in turn (the pickers of months to the
    earliest one), one drill-down opened and closed, the downloads with the filters chosen."""
    from tests.dashboard.test_demo_browser import WRONG_LANGUAGE_JS, drill_once, settled

    def assert_language(page, lang: str, where: str) -> None:  # the fixture's people are named in English
        names = re.compile(r"Anna Petrova|Boris Ivanov|Vera Gone")
        wrong = [
            t
            for t in page.evaluate(WRONG_LANGUAGE_JS, lang)
            if lang == "en" or names.search(t) is None or re.search(r"[a-z]{3,}", names.sub("", t), re.I)
        ]
        assert wrong == [], f"not in {lang} on {where}: {wrong[:8]}"

    links = page.locator("nav a[data-nav]").evaluate_all("as => as.map(a => [a.dataset.nav, a.getAttribute('href')])")
    assert len(links) >= 6, links
    for name, href in links:
        page.goto(server + href)
        state = _still_whole(page, None, f"opening {name}")
        assert_language(page, lang, name)
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{name} ({lang}) scrolls sideways by {wide} px"
        shot(page, f"{shots}-{name.replace('/', '-')}")
        n = page.locator("form.filters select").count()
        for i in range(n):
            control = page.locator("form.filters select").nth(i)
            key = control.get_attribute("name")
            values = control.locator("option").evaluate_all("os => os.map(o => o.value)")
            others = [v for v in values if v != control.input_value()]
            if not others:
                continue
            value = others[-1] if key in ("from", "to") else others[0]
            if control.evaluate("el => !!el.form.getAttribute('hx-get')"):
                before = page.evaluate("window.__settled")
                control.select_option(value)
                settled(page, before)
            else:  # a plain form (the statement's month and manager): submitted
                control.select_option(value)
                with page.expect_navigation():
                    control.evaluate("el => el.form.requestSubmit()")
            state = _still_whole(page, state, f"{key} = {value} on {name} ({lang})")
            if i == 0:  # the page changed in place shows what the same address shows loaded afresh
                swapped = page.evaluate(INVENTORY_JS)
                page.goto(page.url)
                assert page.evaluate(INVENTORY_JS) == swapped, f"{key} = {value} on {name}: not as loaded"
        if page.locator("[data-testid=xlsx]").count():
            _downloads_hold_the_tables(page, f"{name} ({lang}, {page.url})")
        drill_once(page, f"{name} ({lang})")  # on a phone too: its list is laid out as rows, none cut
        if n:
            page.go_back()  # htmx reloads the address from the server (no history cache): a navigation
            page.wait_for_load_state()
            _still_whole(page, None, f"back on {name} ({lang})")


@pytest.mark.parametrize(("email", "lang", "width"), [("admin@demo.test", "en", 1440), ("anna@demo.test", "ru", 390)])
def test_an_outsider_clicks_every_control_of_every_page(page_for, server, email, lang, width) -> None:
    """The fixture company differs from the demo in every setting (three managers, one of them gone, hostile
    names, a pipeline of 150 characters, a plan for one month, two sources): as its admin in English at
    1 440 px and as its sales manager in Russian on a 390 px phone, every filter of every page changed in
    turn; after each click every chart and table that was there is still there, drawn (or saying there is
    nothing for these filters), and the downloads hold the tables. Then the language switch."""
    from tests.dashboard.test_demo_browser import SETTLED_JS, switch_language

    page = page_for(email, locale="ru-RU" if lang == "ru" else "en-US")
    page.context.add_init_script(SETTLED_JS)
    page.set_viewport_size({"width": width, "height": 900})
    who = email.split("@")[0]
    _walk_fixture(page, server, lang, f"walk-{who}-{lang}-{width}")
    state = page.evaluate(INVENTORY_JS)
    switch_language(page, "en" if lang == "ru" else "ru")
    assert page.evaluate(INVENTORY_JS) == state
    if width > 600:
        # a window made narrow for a moment (a full-page screenshot did it) and wide again: each month under
        # the plan's columns is one line again, not "Jan / 202 / 6" wrapped to the narrow moment's width
        page.goto(f"{server}/planfact")
        page.set_viewport_size({"width": 200, "height": 900})
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function("() => document.querySelector('#chart-trend svg text')")
        texts = page.locator("#chart-trend svg text").all_text_contents()
        assert {"янв 2026", "фев 2026", "мар 2026"} <= set(texts), texts


def test_a_phone_shows_the_last_weeks_date_and_lists_flow_with_the_page(page_for, server) -> None:
    """On a 390 px phone the weekly chart of the default months (Oct 2025 – Mar 2026: 23 Mondays, 6 Oct 2025
    to 9 Mar 2026, the last before as_of 15 Mar) writes the latest week's date whole: ECharts kept every k-th
    label counted from the first, and the last one it kept (2 Mar) was centred on its column and cut at the
    card's edge. And a table laid out as a list of its rows is as long as its rows: it scrolled inside a
    card of 75 % of the screen's height, a scroll inside the page's scroll."""
    page = page_for("admin@demo.test")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/sales")
    page.wait_for_selector("#chart-weekly svg text")
    # the last label's box, and the chart's (a text cut by the chart's edge reaches past it)
    boxes = page.evaluate("""() => {
        const el = document.querySelector('#chart-weekly'), f = el.getBoundingClientRect();
        const t = [...el.querySelectorAll('svg text')].find(t => t.textContent === '2026-03-09');
        if (!t) return null;
        const b = t.getBoundingClientRect();
        return [b.left >= f.left, b.right <= f.right];
    }""")
    assert boxes == [True, True], boxes
    for url in ("/sales", "/funnel", "/planfact"):
        page.goto(server + url)
        page.wait_for_selector("#main table.grid.stacked")
        inner = page.evaluate("""() => [...document.querySelectorAll('#main .scroll')]
            .filter(s => s.scrollHeight > s.clientHeight + 1)
            .map(s => s.closest('[data-table]').dataset.table + ': ' + s.scrollHeight + ' > ' + s.clientHeight)""")
        assert inner == [], f"{url}: a list scrolls inside its card: {inner}"
