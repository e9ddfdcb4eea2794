"""The forecast section of the plan-fact page, on the seasonal tiny company of tests/reports/forecast_company.py
built and published by the real build: the parts, the range, the chances and the backtest table show."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from salesglass.reports.build import run_build
from salesglass.serve.users import UserStore
from tests.dashboard.conftest import add_users, login
from tests.reports import forecast_company as fc
from tests.reports.conftest import load_company


@pytest.fixture(scope="module")
def forecast_site(tmp_path_factory):
    from salesglass.config import parse_config

    root = tmp_path_factory.mktemp("forecast_dash")
    cfg = parse_config(
        {
            "warehouse": {"path": "wh.duckdb", "published_path": "published.duckdb"},
            "dashboard": {"users_path": "users.json", "secret_path": "secret/key"},
            "account": {"timezone": fc.TIMEZONE},
            "reports": {"forecast": {"weekday_days": 28, "backtest_months": 3}},
        },
        base_dir=root,
    )
    load_company(cfg, fc.SEASONAL)
    run_build(cfg, as_of=fc.AS_OF, progress=False)
    add_users(cfg)
    # Anna (manager 1, sales) has no partner and no plan in this company: no row of plan-fact is hers
    UserStore(cfg.resolve(cfg.dashboard.users_path)).add("anna@example.ru", "anna-pass-1", "manager")
    return cfg


def _forecast_table(html: str) -> dict[str, dict[str, str]]:
    """The forecast table's cells: part (row label) → metric → text."""
    table = html.split('data-table="forecast"')[1].split("</table>")[0]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        cells = dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', tr, re.S))
        rows[cells.pop("part")] = cells
    return rows


def test_plan_fact_shows_the_forecast_section(forecast_site):
    from salesglass.serve.web.app import create_app

    with TestClient(create_app(forecast_site), headers={"accept-language": "en-US,en;q=0.9"}) as client:
        html = login(client, "admin@demo.test").get("/planfact?period=month").text
    assert "Forecast of the running period" in html
    rows = _forecast_table(html)
    assert "Base (current partners)" in rows and "Pipeline (open deals)" in rows
    # no deal at all in this company: nothing expected from deals not created yet, but the part is shown
    assert rows["New deals (not created yet)"]["new_partners"] == "0"
    # January: fact 2464 (88 × 28), run-rate 2464 × 31 / 28 = 2728, base 346.40 (test_forecast.py: half the
    # model's 428.80, half the run-rate's 264); money in whole roubles: kopecks are false precision
    assert rows["Fact to date"]["turnover"] == "2,464\xa0₽"
    assert rows["Base (current partners)"]["turnover"] == "346\xa0₽"
    assert rows["Forecast"]["turnover"] == "2,810\xa0₽"  # 2464 + 346.40
    assert rows["Run-rate"]["turnover"] == "2,728\xa0₽"
    # counts are whole numbers: 2 sales a day × 28 days = 56 tickets; no new partner yet
    assert rows["Fact to date"]["tickets"] == "56"
    assert rows["Fact to date"]["new_partners"] == "0"
    for part, cells in rows.items():
        if not part.startswith("Chance"):
            shown = re.sub(r"<[^>]+>", "", cells["tickets"] + cells["new_partners"])  # the text, not a tip's title
            assert "." not in shown, (part, cells)
    assert "How accurate the forecast has been (backtest)" in html
    assert "<script>" not in html.split("</head>")[-1]  # the charts are data, no inline script


def test_a_file_built_before_a_new_forecast_part_still_shows_the_page(forecast_site, tmp_path) -> None:
    """After an upgrade the dashboard may open a file the previous version built, without the newest part
    (forecast_new_deals, the backtest's periods): plan vs fact shows, those as "—", until the next build."""
    import shutil

    import duckdb

    from salesglass.serve.web.app import create_app

    old = tmp_path / "published.duckdb"
    shutil.copy(forecast_site.published_path, old)
    con = duckdb.connect(str(old))
    con.execute("ALTER TABLE report_plan_fact DROP COLUMN forecast_new_deals")
    con.execute("ALTER TABLE report_forecast_accuracy DROP COLUMN periods")
    con.close()
    cfg = forecast_site.model_copy(
        update={"warehouse": forecast_site.warehouse.model_copy(update={"published_path": str(old)})}
    )
    with TestClient(create_app(cfg), headers={"accept-language": "en"}) as c:
        login(c, "admin@demo.test")
        r = c.get("/planfact?period=month")
        assert r.status_code == 200
        assert _forecast_table(r.text)["New deals (not created yet)"]["turnover"] == "—"
        assert {row["periods"] for row in _accuracy_table(r.text)} == {"—"}


def _accuracy_table(html: str) -> list[dict[str, str]]:
    table = html.split('data-table="forecast_accuracy"')[1].split("</table>")[0]
    return [
        dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', tr, re.S))
        for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    ]


def test_backtest_table_says_how_many_periods_its_cases_come_from(forecast_site):
    """Three months replayed (1st, 8th, 15th, 22nd of Oct–Dec 2024): the quarter's first quarter of days has
    four cases (1, 8, 15, 22 October), all from one quarter (Q4 2024) — one experience, and the table says so."""
    from salesglass.serve.web.app import create_app

    with TestClient(create_app(forecast_site), headers={"accept-language": "en"}) as client:
        login(client, "admin@demo.test")
        quarter = _accuracy_table(client.get("/planfact?period=quarter").text)
        month = _accuracy_table(client.get("/planfact?period=month").text)
    first = next(r for r in quarter if r["metric"] == "Turnover" and r["point"] == "0–25 % elapsed")
    assert (first["cases"], first["periods"]) == ("4", "1")
    # a month's days 1–7: 1 October, 1 November, 1 December — three cases, three months
    first = next(r for r in month if r["metric"] == "Turnover" and r["point"] == "day 1–7")
    assert (first["cases"], first["periods"]) == ("3", "3")


def test_a_manager_without_rows_sees_the_running_period_as_running(forecast_site):
    """Anna has no row in plan-fact: her running quarter (Q1 2025, as of 28 January) is still running — the
    page said "complete period" under its forecast and dropped the to-date columns."""
    from salesglass.serve.web.app import create_app

    with TestClient(create_app(forecast_site), headers={"accept-language": "en"}) as client:
        login(client, "anna@example.ru", "anna-pass-1")
        html = client.get("/planfact?period=quarter").text
    assert "complete period" not in html
    assert "Forecast for the period" in html and "Plan to 2025-01-28" in html


def test_no_backtest_yet_says_why(forecast_site, tmp_path):
    """A young account has no backtest case: the table says the history is too short, not "nothing for these
    filters" (there is no filter to change)."""
    import shutil

    import duckdb

    from salesglass.serve.web.app import create_app

    young = tmp_path / "published.duckdb"
    shutil.copy(forecast_site.published_path, young)
    con = duckdb.connect(str(young))
    con.execute("DELETE FROM report_forecast_accuracy")
    con.close()
    cfg = forecast_site.model_copy(
        update={"warehouse": forecast_site.warehouse.model_copy(update={"published_path": str(young)})}
    )
    with TestClient(create_app(cfg), headers={"accept-language": "en"}) as client:
        login(client, "admin@demo.test")
        html = client.get("/planfact?period=month").text
    accuracy = html.split('data-table="forecast_accuracy"')[1].split("</section>")[0]
    assert "No backtest yet: the history is too short to replay a past day" in accuracy
    assert "Nothing for these filters" not in accuracy


def test_a_planned_loss_has_no_attainment_and_says_why(forecast_site):
    """January's margin plan is a planned loss (−100.00): the page showed its attainment as a huge negative
    percentage; now "—" with a hover that says why, and a note under the table. The turnover plan (3100.00)
    keeps its attainment: 2464 against 2800 to date = 88.0 %."""
    from salesglass.serve.web.app import create_app

    with TestClient(create_app(forecast_site), headers={"accept-language": "en"}) as client:
        login(client, "admin@demo.test")
        html = client.get("/planfact?period=month").text
        csv = client.get("/planfact/export.csv?period=month&table=plan_fact")
    plan_fact = html.split('data-table="plan_fact"')[1].split("</section>")[0]
    rows = {
        re.sub(r"<[^>]+>", "", cells["metric"]).strip(): cells
        for tr in re.findall(r"<tr>(.*?)</tr>", plan_fact.split("<tbody>")[1], re.S)
        for cells in [dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', tr, re.S))]
    }
    assert rows["Turnover"]["attainment"] == "88.0%"
    tip = "No percentage: the plan is 0 or below"
    for col in ("attainment", "forecast_attainment"):
        assert rows["Margin"][col].startswith('<span class="tip" title="' + tip), rows["Margin"][col]
        assert rows["Margin"][col].endswith(">—</span>")
    assert "that plan is 0 or below (a margin plan may be a planned loss)" in plan_fact
    chances = _forecast_table(html)["Chance of realistic plan"]
    assert "No chance: the plan is 0 or below" in chances["margin"] and chances["margin"].endswith(">—</span>")
    assert "%" in chances["turnover"]  # the turnover plan has odds
    # the download: the margin row's two percentages are empty cells (246.40 against −90.32 was −272.8 %)
    assert csv.status_code == 200
    header, *lines = [line.split(",") for line in csv.text.lstrip("\ufeff").splitlines()]
    margin = dict(zip(header, next(line for line in lines if line[0] == "Margin"), strict=True))
    assert margin["Plan to 2025-01-28"] == "-90.32"
    assert margin["Attainment to 2025-01-28 (%)"] == margin["Forecast vs the period's plan (%)"] == ""


def test_empty_forecast_cells_of_a_quarter_say_why(forecast_site):
    """Q1 2025 as of 28 January: the backtest replayed October–December 2024 only, so its quarter cases come
    from one quarter (fewer than 3: no P10–P90, no chances), and the plans cover January alone (no
    attainment of the whole quarter, no chances). The "—" used to stand there with no reason; now the table
    says once why the range is missing and the cells name the months the plan leaves out. The month page,
    whose cases come from three months, has its range and no such line."""
    from salesglass.serve.web.app import create_app

    app = create_app(forecast_site)
    with TestClient(app, headers={"accept-language": "en"}) as client:
        login(client, "admin@demo.test")
        html = client.get("/planfact?period=quarter").text
        month = client.get("/planfact?period=month").text
    with TestClient(app, headers={"accept-language": "ru"}) as client:
        login(client, "admin@demo.test")
        ru = client.get("/planfact?period=quarter").text
    forecast = html.split('data-table="forecast"')[1].split("</section>")[0]
    assert (
        "“—” in P10–P90 and the chances: they appear once the forecast can be tested on at least 3 complete past "
        "quarters (a tested day needs 112 days of sales before it); so far it was tested on 1."
    ) in forecast
    rows = _forecast_table(html)
    assert rows["P10"]["turnover"] == rows["P90"]["turnover"] == "—"
    why = "No figure for the whole period: the plan leaves out Feb 2025 – Mar 2025"
    chance = rows["Chance of realistic plan"]["turnover"]
    assert chance.startswith('<span class="tip" title="' + why) and chance.endswith(">—</span>"), chance
    plan_fact = html.split('data-table="plan_fact"')[1].split("</section>")[0]
    cells = {
        re.sub(r"<[^>]+>", "", c["metric"]).strip(): c
        for tr in re.findall(r"<tr>(.*?)</tr>", plan_fact.split("<tbody>")[1], re.S)
        for c in [dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', tr, re.S))]
    }
    assert cells["Turnover"]["forecast_attainment"].startswith('<span class="tip" title="' + why)
    assert "the plan leaves out Feb 2025 – Mar 2025; compare month by month" in plan_fact
    assert "«—» в P10–P90 и шансах: они появятся" in ru and "в плане нет месяцев: фев 2025 – мар 2025" in ru
    assert "they appear once the forecast" not in month and "leaves out" not in month


def _kpi_subs(html: str) -> list[str]:
    subs = re.findall(r'<div class="sub">(.*?)</div>', html, re.S)
    return [re.sub(r"\s+", " ", unescape(s)).strip() for s in subs]


def _managers_cells(html: str) -> dict[str, dict[str, str]]:
    table = html.split('data-table="managers"')[1].split("</table>")[0]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        cells = dict(re.findall(r'data-col="([^"]+)">\s*(.*?)</td>', tr, re.S))
        rows[re.sub(r"<[^>]+>", "", cells["manager"]).strip()] = cells
    return rows


def test_the_forecast_card_and_the_managers_say_why_there_is_no_attainment(forecast_site):
    """The forecast card's "vs the period's plan: —" and the managers' "—" stood with no reason. January's
    turnover plan (3 100.00, the company's) has an attainment; the quarter's leaves out February and March,
    and Vera (manager 3), whose partners A and B sell, has no turnover plan at all (only a margin plan)."""
    from salesglass.serve.web.app import create_app

    app = create_app(forecast_site)
    pages = {}
    for lang in ("en", "ru"):
        with TestClient(app, headers={"accept-language": lang}) as client:
            login(client, "admin@demo.test")
            pages[lang] = {p: client.get(f"/planfact?period={p}").text for p in ("month", "quarter")}
    en, ru = pages["en"], pages["ru"]
    month_card = next(s for s in _kpi_subs(en["month"]) if s.startswith("Forecast vs the period's plan"))
    assert month_card.endswith("%") and "(" not in month_card  # it has one: no reason to give
    assert "Forecast vs the period's plan: — (the plan leaves out Feb 2025 – Mar 2025)" in _kpi_subs(en["quarter"])
    assert "Прогноз к плану периода: — (в плане нет месяцев: фев 2025 – мар 2025)" in _kpi_subs(ru["quarter"])
    for lang, why in (("en", "No percentage: no realistic plan was entered"), ("ru", "Процента нет: реалистичный")):
        vera = next(c for name, c in _managers_cells(pages[lang]["month"]).items() if name.startswith("Vera"))
        for col in ("attainment", "forecast_attainment"):
            assert vera[col].startswith('<span class="tip" title="' + why), vera[col]
            assert vera[col].endswith(">—</span>")


def test_the_forecast_draws_each_plan_as_the_plan_chart_does(forecast_site):
    """The forecast's plan lines are named in its legend (their names written along the lines ran across the
    bar on a phone), each in the colour and line of the same plan in the plan vs fact chart above it: realistic
    solid orange, optimistic dashed green (they were both orange there, told apart by dashes only)."""
    import json

    from salesglass.serve.web.app import create_app

    with TestClient(create_app(forecast_site), headers={"accept-language": "en-US,en;q=0.9"}) as client:
        html = login(client, "admin@demo.test").get("/planfact?period=month").text

    def series(key: str) -> dict[str, dict]:
        raw = re.search(rf'id="chart-{key}" data-chart data-option=\'([^\']*)\'', html)
        assert raw, key
        return {s["name"]: s for s in json.loads(unescape(raw.group(1)))["series"]}

    forecast, trend = series("forecast"), series("trend")
    plans = [n for n in ("Plan (realistic)", "Plan (optimistic)") if n in forecast]
    assert plans == ["Plan (realistic)", "Plan (optimistic)"], sorted(forecast)
    for name in plans:
        line = forecast[name]["markLine"]
        assert line["label"] == {"show": False}  # the name is in the legend
        look = (line["lineStyle"]["color"], line["lineStyle"]["type"])
        trend_look = (trend[name]["itemStyle"]["color"], trend[name].get("lineStyle", {}).get("type", "solid"))
        assert look == trend_look, (name, look, trend_look)
    assert forecast["Plan (realistic)"]["markLine"]["lineStyle"]["color"] == "#e08a2c"  # orange
    assert forecast["Plan (optimistic)"]["markLine"]["lineStyle"]["color"] == "#2e9e6a"  # green


def test_a_measure_without_a_plan_says_so_in_the_forecast(forecast_site):
    """January 2025's plans are turnover's and margin's: revenue's plans and chances were a bare "—"."""
    from salesglass.serve.web.app import create_app

    with TestClient(create_app(forecast_site), headers={"accept-language": "en-US,en;q=0.9"}) as client:
        rows = _forecast_table(login(client, "admin@demo.test").get("/planfact?period=month").text)
    why = "No plan: none was entered for this measure in this period (the plans file has no row for it)."
    for part in ("Plan (realistic)", "Chance of realistic plan", "Plan (optimistic)", "Chance of optimistic plan"):
        assert unescape(rows[part]["revenue"]) == f'<span class="tip" title="{why}">—</span>', (part, rows[part])
    assert "No plan" not in rows["Plan (realistic)"]["turnover"]  # planned: 3 100


def test_the_events_on_sale_are_a_part_of_the_forecast(forecast_site, tmp_path):
    """The build forecasts the events already on sale (report_plan_fact.forecast_events, next to the base, the
    pipeline and the new deals): the forecast's table, chart (its legend and tooltip) and note show the part, in
    English and Russian. This company has no events table: the part is 0 (fact 2464 + base 346.40 + 0 = 2810).
    A file built before the part existed shows the forecast as it was, without an empty row."""
    import json
    import shutil

    import duckdb

    from salesglass.serve.web.app import create_app

    app = create_app(forecast_site)
    with TestClient(app, headers={"accept-language": "en-US,en;q=0.9"}) as client:
        html = login(client, "admin@demo.test").get("/planfact?period=month").text
    with TestClient(app, headers={"accept-language": "ru"}) as client:
        ru = login(client, "admin@demo.test").get("/planfact?period=month").text
    rows = _forecast_table(html)
    parts = list(rows)
    assert parts.index("New deals (not created yet)") + 1 == parts.index("Events on sale") < parts.index("Forecast")
    assert rows["Events on sale"]["turnover"] == "0\xa0₽"
    assert rows["Forecast"]["turnover"] == "2,810\xa0₽"
    assert "Events on sale: the rest of the month's sales of the events already on sale" in unescape(html)
    raw = re.search(r'id="chart-forecast" data-chart data-option=\'([^\']*)\'', html)
    assert raw
    assert "Events on sale" in [s["name"] for s in json.loads(unescape(raw.group(1)))["series"]]
    assert "Мероприятия в продаже" in _forecast_table(ru)
    old = tmp_path / "published.duckdb"
    shutil.copy(forecast_site.published_path, old)
    con = duckdb.connect(str(old))
    con.execute("ALTER TABLE report_plan_fact DROP COLUMN forecast_events")
    con.close()
    cfg = forecast_site.model_copy(
        update={"warehouse": forecast_site.warehouse.model_copy(update={"published_path": str(old)})}
    )
    with TestClient(create_app(cfg), headers={"accept-language": "en"}) as c:
        r = login(c, "admin@demo.test").get("/planfact?period=month")
    assert r.status_code == 200 and "Events on sale" not in r.text
