"""Small dashboard follow-ups, on the fixture's published file (tests/dashboard/fixture.py, as_of 2026-03-15)
changed by a few rows: an empty attainment to date says why, a funnel with deals and no loss says so, and
the margin % reads the same in the headline and the table."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from tests.dashboard.conftest import published_app, signed_in

# January's company turnover plan removed: the quarter's plan to date asks nothing of January while its fact
# to date holds January's sales, so report_plan_fact leaves the attainment to date NULL (docs/reports.md)
NO_JANUARY_PLAN = """
UPDATE report_plan_fact SET plan_realistic = NULL, plan_optimistic = NULL, plan_to_date = NULL,
  attainment_to_date_pct = NULL, forecast_attainment_pct = NULL
  WHERE period_type = 'month' AND period_start = '2026-01-01' AND manager_id IS NULL AND metric = 'turnover';
UPDATE report_plan_fact SET plan_to_date = 395161.29, attainment_to_date_pct = NULL, forecast_attainment_pct = NULL
  WHERE period_type = 'quarter' AND manager_id IS NULL AND metric = 'turnover';
-- Boris's quarter: planned for March only (his month rows), so January and February have no plan
INSERT INTO report_plan_fact VALUES
 ('quarter', '2026-01-01', 102, 'turnover', 120000.00, 200000.00, 250000.00, 248000.00, FALSE, 96774.19, NULL, NULL);
-- Anna's year: planned from July only (6 × 150 000 = 900 000), so her plan to date reads 0.00 though nobody
-- planned a loss (no month of it so far has a plan); her March: sales and no plan at all
INSERT INTO report_plan_fact VALUES
 ('year', '2026-01-01', 101, 'turnover', 40000.00, 900000.00, 1000000.00, 300000.00, FALSE, 0.00, NULL, NULL),
 ('month', '2026-03-01', 101, 'turnover', 40000.00, NULL, NULL, 80000.00, FALSE, NULL, NULL, NULL);
INSERT INTO report_plan_fact (period_type, period_start, manager_id, metric, plan_realistic, plan_optimistic,
                              is_complete)
  SELECT 'month', make_date(2026, m, 1), 101, 'turnover', 150000.00, 170000.00, FALSE FROM range(7, 13) t(m);
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return published_app(tmp_path_factory.mktemp("followups"), NO_JANUARY_PLAN)


def _cells(html: str, table: str) -> dict[str, dict[str, str]]:
    part = html.split(f'data-table="{table}"')[1].split("</section>")[0]
    return {
        re.sub(r"<[^>]+>", "", c["metric"]).strip(): c
        for tr in re.findall(r"<tr>(.*?)</tr>", part.split("<tbody>")[1], re.S)
        for c in [dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', tr, re.S))]
    }


def _kpi(html: str, i: int) -> str:
    return html.split(f'data-kpi="{i}"')[1].split('<div class="kpi')[0]


def test_empty_attainment_to_date_says_which_months_have_no_plan(app):
    with signed_in(app) as client:
        html = client.get("/planfact?period=quarter").text
    with signed_in(app, lang="ru") as client:
        ru = client.get("/planfact?period=quarter").text
    why = (
        "No figure to date: the plan leaves out Jan 2026 (the fact to date holds their sales, the plan to date "
        "asks nothing of them)."
    )
    cell = _cells(html, "plan_fact")["Turnover"]["attainment"]
    assert unescape(cell) == f'<span class="tip" title="{why}">—</span>', cell
    # the headline "attainment to date" card gives the same reason on its "—"
    assert f'<span class="tip" title="{why}">—</span>' in unescape(_kpi(html, 1))
    assert "Нет значения на дату: в плане нет месяцев: янв 2026" in unescape(ru)


def test_attainment_of_a_planned_quarter_has_no_such_tip(app):
    """March's month page: every month begun is planned, its attainment reads as before, no tip."""
    with signed_in(app) as client:
        html = client.get("/planfact?period=month").text
    cell = _cells(html, "plan_fact")["Turnover"]["attainment"]
    assert "tip" not in cell and "103.3" in cell, cell  # 100 × 150 000 / 145 161.29 = 103.33
    assert "No figure to date" not in html


def test_a_managers_empty_attainment_to_date_says_which_months_have_no_plan(app):
    with signed_in(app) as client:
        html = client.get("/planfact?period=quarter").text
    part = html.split('data-table="managers"')[1].split("</section>")[0]
    boris = next(tr for tr in re.findall(r"<tr>(.*?)</tr>", part, re.S) if "Boris Ivanov" in tr)
    cell = dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', boris, re.S))["attainment"]
    assert unescape(cell) == (
        '<span class="tip" title="No figure to date: the plan leaves out Jan 2026 – Feb 2026 (the fact to date '
        'holds their sales, the plan to date asks nothing of them).">—</span>'
    ), cell


def test_a_plan_to_date_of_unplanned_months_is_no_planned_loss(app):
    """Anna's year is planned from July: on 15 March its plan to date is 0.00 because January–March have no
    plan, not because a loss was planned. Every "—" of attainment says so (it said "the plan is 0 or below"),
    in her own page, its headline card, the managers' table, in English and Russian; the forecast's "—" names
    January–June (the plan's months before July)."""
    with signed_in(app) as client:
        own = client.get("/planfact?period=year&manager=101").text
        managers = client.get("/planfact?period=year").text
    with signed_in(app, lang="ru") as client:
        ru = client.get("/planfact?period=year&manager=101").text
    to_date = (
        "No figure to date: the plan leaves out Jan 2026 – Mar 2026 (the fact to date holds their sales, the plan "
        "to date asks nothing of them)."
    )
    cells = _cells(own, "plan_fact")["Turnover"]
    assert unescape(cells["attainment"]) == f'<span class="tip" title="{to_date}">—</span>', cells
    assert "the plan leaves out Jan 2026 – Jun 2026" in unescape(cells["forecast_attainment"])
    assert f'title="{to_date}"' in unescape(_kpi(own, 1))
    assert "(the plan leaves out Jan 2026 – Jun 2026)" in unescape(_kpi(own, 2))
    # Anna sells (role sales) and develops no partner: "By development manager" does not list her (it did: a
    # sales manager with the report's rows of her plan), and Boris (P1, P2) has no row of the year
    part = managers.split('data-table="managers"')[1].split("</section>")[0]
    assert "By development manager" in part and "Anna Petrova" not in part
    for html in (own, managers, ru):
        assert "0 or below" not in html and "0 или меньше" not in html
    assert "Нет значения на дату: в плане нет месяцев: янв 2026 – мар 2026" in unescape(ru)


def _says_why(cells: dict[str, str], why: str) -> None:
    """Both attainments of a plan-fact row are a "—" whose tip gives `why`."""
    for column in ("attainment", "forecast_attainment"):
        assert unescape(cells[column]) == f'<span class="tip" title="{why}">—</span>', cells


def test_a_months_attainment_without_any_plan_says_there_is_none(app):
    """Anna's March: 40 000 of sales and no plan. Her attainment to date and of the month were a bare "—"."""
    with signed_in(app) as client:
        html = client.get("/planfact?period=month&manager=101").text
    with signed_in(app, lang="ru") as client:
        ru = client.get("/planfact?period=month&manager=101").text
    why = "No percentage: no realistic plan was entered for any month of this period."
    cells = _cells(html, "plan_fact")["Turnover"]
    _says_why(cells, why)
    assert f'title="{why}"' in unescape(_kpi(html, 1))
    assert "Процента нет: реалистичный план не введён ни на один месяц периода." in unescape(_kpi(ru, 1))


def test_the_margin_percent_says_why_it_has_no_attainment(app):
    """The margin % is itself a percentage: its "—" of attainment said nothing."""
    with signed_in(app) as client:
        html = client.get("/planfact?period=month").text
    with signed_in(app, lang="ru") as client:
        ru = client.get("/planfact?period=month").text
    why = "No percentage of a percentage: compare the margin % with the plan's, in points."
    cells = _cells(html, "plan_fact")["Margin %"]
    _says_why(cells, why)
    assert "Процента от процента нет" in unescape(_cells(ru, "plan_fact")["Маржа, %"]["attainment"])


def test_a_managers_cohorts_page_offers_only_the_filter_that_changes_it(app):
    """A manager's cohorts page shows only the partners falling now (as of the build's day, no cohort grid):
    the months, the measure and the absolute / % switch changed nothing there. The admin keeps them all."""
    with signed_in(app, "anna@demo.test") as client:
        anna = client.get("/cohorts").text
    with signed_in(app) as client:
        admin = client.get("/cohorts").text
    offered = lambda html: re.findall(r'<select name="([a-z]+)"', html.split('class="filters"')[1])  # noqa: E731
    assert offered(anna) == ["kind"], offered(anna)
    assert offered(admin) == ["from", "to", "manager", "kind", "measure", "mode"], offered(admin)


def _chart(html: str, key: str) -> dict:
    return json.loads(unescape(re.search(rf'id="chart-{key}" data-chart data-option=\'([^\']*)\'', html).group(1)))


def test_funnel_with_deals_and_no_loss_says_no_deal_was_lost(app):
    """Anna's cohorts January–March: 2 leads (January organizer, February operator), none lost (the one loss
    of the fixture is Vera's); the leaks chart of zeros said "Nothing for these filters"."""
    q = "/funnel?from=2026-01&to=2026-03&manager=101"
    with signed_in(app) as client:
        anna = client.get(q).text
        everyone = client.get("/funnel?from=2026-01&to=2026-03").text
        nobody = client.get("/funnel?from=2026-01&to=2026-03&manager=102").text  # Boris: no deals at all
    with signed_in(app, lang="ru") as client:
        ru = client.get(q).text
    assert _chart(anna, "leaks")["sgEmpty"] == "No lost deals in this period"
    assert _chart(ru, "leaks")["sgEmpty"] == "В этом периоде проигранных сделок нет"
    assert "sgEmpty" not in _chart(everyone, "leaks") and "sgEmpty" not in _chart(nobody, "leaks")


def test_margin_card_writes_the_percent_as_the_table_does(app):
    """March's margin % is 66.67 in the file: the card said "66.67%", the table "66.7%"."""
    with signed_in(app) as client:
        html = client.get("/planfact?period=month").text
    assert "Margin %: 66.7%" in _kpi(html, 3) and "66.67" not in _kpi(html, 3)
    assert _cells(html, "plan_fact")["Margin %"]["fact"] == "66.7%"


def _bare_dashes(html: str) -> list[str]:
    """Each "—" of a table cell or a headline card that gives no reason on hover (not in a tip), with what
    comes before it."""
    main = html.split('id="main"')[1]
    return [main[max(0, m.start() - 80) : m.start()] for m in re.finditer(r"(?<=>)—(?=</td>|</div>)", main)]


def test_every_dash_of_the_funnel_and_new_partners_says_why(app):
    """The funnel's first stage has no stage before it, so its "from previous" was a bare "—"; so were a
    stage's figures after a stage nobody reached (Anna's March: no deals at all) and "signed → selling" of
    months without a contract (Anna's March: a widget installed, no contract signed), in the table, its totals
    row and the headline card. Each now says why on hover, as every other "—" of the dashboard does. And a
    manager's cohorts that reached no contract count 0 contracts and convert 0 %: Vera's January–March (two
    leads, one lost in negotiation) read "—" for both."""
    with signed_in(app) as client:
        funnel = client.get("/funnel?from=2026-01&to=2026-03").text
        empty_funnel = client.get("/funnel?from=2026-03&to=2026-03&manager=101").text
        partners = client.get("/partners?from=2026-03&to=2026-03").text
    with signed_in(app, lang="ru") as client:
        ru = client.get("/funnel?from=2026-01&to=2026-03").text
    for html in (funnel, empty_funnel, partners, ru):
        assert _bare_dashes(html) == []
    first = 'data-col="conv_prev"><span class="tip" title="The first stage: there is no stage before it.">—</span>'
    assert first in funnel
    assert 'title="Первый этап: до него этапов нет.">—</span>' in ru
    assert 'title="No deal of these months reached the stage before: nothing to divide by.">—' in empty_funnel
    assert 'title="No leads created in these months: nothing to divide by.">—' in _kpi(empty_funnel, 2)
    assert 'title="No deal of these months reached this stage: no days to average.">—' in _kpi(empty_funnel, 3)
    no_contract = 'title="No contracts signed in these months: nothing to divide by.">—</span>'
    part = partners.split('data-table="new_partners"')[1].split("</section>")[0]
    assert part.split("<tfoot>")[0].count(no_contract) == 1  # Anna's row
    assert no_contract in part.split("<tfoot>")[1]  # the totals row
    assert no_contract in _kpi(partners, 3)
    managers = funnel.split('data-table="by_manager"')[1].split("</section>")[0]
    vera = next(tr for tr in re.findall(r"<tr>(.*?)</tr>", managers, re.S) if "Vera Gone" in tr)
    cells = dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', vera, re.S))
    assert "<a" not in cells["first_sales"], cells  # a 0 is no link to an empty list
    cells = {k: re.sub(r"<[^>]+>", "", v) for k, v in cells.items()}
    assert (cells["leads"], cells["contracts"], cells["first_sales"], cells["conversion"], cells["lost"]) == (
        "2",  # January's lead and March's
        "0",
        "0",
        "0.0%",  # 0 first sales / 2 leads
        "1",  # January's, lost in negotiation
    ), cells


def test_cohort_months_not_lived_yet_say_so(app):
    """March 2026's cohort (as_of 15 March) has lived month 0 only: its months 1 and 2 read a bare "—"."""
    with signed_in(app) as client:
        html = client.get("/cohorts?from=2026-02&to=2026-03").text
    with signed_in(app, lang="ru") as client:
        ru = client.get("/cohorts?from=2026-02&to=2026-03").text
    assert _bare_dashes(html) == [] and _bare_dashes(ru) == []
    part = html.split('data-table="cohorts"')[1].split("</section>")[0]
    march = next(tr for tr in re.findall(r"<tr>(.*?)</tr>", part, re.S) if "Mar 2026" in tr)
    cells = dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', march, re.S))
    why = "Not yet: this cohort has not lived this month (it is after the reports&#39; date)."
    assert cells["m1"] == f'<span class="tip" title="{why}">—</span>', cells
    assert "Ещё нет: когорта не дожила до этого месяца" in ru


def test_whose_sales_names_the_partners_without_a_development_manager(app):
    """The sales share's bucket of partners with no (active) development manager read "Empty" in English."""
    with signed_in(app) as client:
        html = client.get("/partners?from=2026-02&to=2026-03").text
    part = html.split('data-table="sales_share"')[1].split("</section>")[0]
    assert '<td data-col="who">No development manager</td>' in part, part
    assert ">Empty<" not in html and '"Empty"' not in html


def test_a_measure_without_a_plan_says_so_on_its_plan_cells(app):
    """March's plans are turnover's only: revenue has its fact (30 000) beside plan cells of a bare "—"."""
    with signed_in(app) as client:
        html = client.get("/planfact?period=month").text
    part = html.split('data-table="plan_fact"')[1].split("</section>")[0]
    assert _bare_dashes('id="main"' + part) == []
    why = "No plan: none was entered for this measure in this period (the plans file has no row for it)."
    revenue = _cells(html, "plan_fact")["Revenue"]
    for col in ("plan_to_date", "plan_realistic", "plan_optimistic"):
        assert unescape(revenue[col]) == f'<span class="tip" title="{why}">—</span>', (col, revenue)
    assert "tip" not in _cells(html, "plan_fact")["Turnover"]["plan_realistic"]  # planned: 300 000


def test_without_development_managers_the_managers_table_says_so(tmp_path):
    """No partner has a development manager and no amoCRM user the role: "By development manager" says so (in
    English and Russian) rather than listing the sales managers or "nothing for these filters"."""
    app = published_app(
        tmp_path, "UPDATE partners SET development_manager_id = NULL; UPDATE managers SET role = 'sales';"
    )
    with signed_in(app) as client:
        html = client.get("/planfact?period=month").text
    with signed_in(app, lang="ru") as client:
        ru = client.get("/planfact?period=month").text
    part = html.split('data-table="managers"')[1].split("</section>")[0]
    assert "Boris Ivanov" not in part and "No development managers in the data: no partner has one" in part
    assert "В данных нет менеджеров по развитию" in ru.split('data-table="managers"')[1].split("</section>")[0]
