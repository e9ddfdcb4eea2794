"""Every link a page shows answers: a number a viewer can click never leads to an error page.

A link the page builds but the input guard refuses is a dead click (htmx swaps nothing on a 4xx), so each
viewer's pages are crawled one level deep: every `href` / `hx-get` into the dashboard must answer 200.
"""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from openpyxl import load_workbook

from tests.dashboard.conftest import login

# this fixture file was built before the bonus close (no corrects_month …): the statement page must still answer
PAGES = ("/sales", "/funnel", "/planfact", "/partners", "/cohorts", "/bonuses", "/bonus/statement")
LINK = re.compile(r'(?:href|hx-get)="(/(?:drill|sales|funnel|planfact|partners|cohorts|bonuses|bonus)\b[^"]*)"')


@pytest.mark.parametrize("email", ["stranger@demo.test", "anna@demo.test"])
def test_every_link_on_a_managers_pages_answers(client, email) -> None:
    login(client, email)
    seen: dict[str, int] = {}
    for page in PAGES:
        r = client.get(page)
        assert r.status_code == 200, page
        for href in LINK.findall(r.text):
            url = html.unescape(href)
            if url not in seen:
                seen[url] = client.get(url).status_code
    assert len(seen) > 10, sorted(seen)  # the pages do link their numbers
    dead = {url: code for url, code in seen.items() if code != 200}
    assert dead == {}, dead


def chart_option(page_html: str, key: str) -> dict:
    m = re.search(rf"id=\"chart-{key}\" data-chart data-option='([^']*)'", page_html)
    assert m, f"no chart {key}"
    return json.loads(html.unescape(m.group(1)))


def test_a_month_without_rows_keeps_its_place_on_the_month_charts(admin) -> None:
    """The fixture has deals from January 2026 and bonuses in February and March only: a range from
    December 2025 shows December (and January on the bonus chart) as empty months, not a shorter axis."""
    budget = chart_option(admin.get("/sales?from=2025-12&to=2026-03").text, "budget")
    assert budget["xAxis"]["data"] == ["Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026"]
    assert [float(v) for v in budget["series"][0]["data"]] == [0, 0, 1200000, 0]
    created = chart_option(admin.get("/sales?from=2025-12&to=2026-03").text, "created")
    assert created["series"][0]["data"] == [0, 2, 1, 1]  # deals created: Jan 2 (organizer), Feb 1, Mar 1

    bonus = chart_option(admin.get("/bonuses?from=2026-01&to=2026-03").text, "bonus")
    assert bonus["xAxis"]["data"] == ["Jan 2026", "Feb 2026", "Mar 2026"]
    sales, development = ([float(v) for v in s["data"]] for s in bonus["series"])
    assert sales == [0, 9300, 6000] and development == [0, 0, 200]


def test_a_plan_vs_fact_download_names_the_period_it_holds(admin) -> None:
    """Plan vs fact shows one month, quarter or year; its download says that period (not the month range the
    other pages filter by, which this page ignores) in the file name and the header of every sheet."""
    x = admin.get("/planfact/export.xlsx?period=quarter&at=2026-01-01")
    assert 'filename="salesglass-planfact-2026-Q1.xlsx"' in x.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(x.content))
    assert {ws["A2"].value for ws in wb.worksheets} == {"Period: Q1 2026; Manager: Company"}
    assert wb.sheetnames[0] == "Plan vs fact Q1 2026 — Company"  # "Plan vs fact: Q1 2026 — Company", ":" dropped
    assert wb.worksheets[0]["B6"].value == 350000  # quarter's turnover fact (fixture: report_plan_fact)
    c = admin.get("/planfact/export.csv?period=year&at=2026-01-01")
    assert 'filename="salesglass-planfact-2026.csv"' in c.headers["content-disposition"]
    m = admin.get("/planfact/export.xlsx?manager=102")  # the running month of as_of 2026-03-15
    assert 'filename="salesglass-planfact-2026-03.xlsx"' in m.headers["content-disposition"]
    assert load_workbook(io.BytesIO(m.content)).worksheets[0]["A2"].value == "Period: Mar 2026; Manager: Boris Ivanov"


def test_an_address_no_page_has_gets_the_dashboards_error_page(admin) -> None:
    for method, url, code in (
        ("GET", "/no/such/page", 404),
        ("GET", "/..%2f..%2fetc/export.csv", 404),
        ("PUT", "/sales", 405),
    ):
        r = admin.request(method, url)
        assert r.status_code == code and r.headers["content-type"].startswith("text/html"), (url, r.text[:100])
        assert "Back to the dashboard" in r.text
