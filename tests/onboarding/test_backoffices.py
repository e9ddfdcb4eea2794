"""Back-offices 2 (PostgreSQL, transliterated Russian) and 3 (a folder: cp1251 CSV + XLSX): the proposal,
loaded unchanged, gives canonical tables equal to what is written here by hand."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from salesglass.config import parse_config
from salesglass.sources.platform.inspect import inspect_source
from salesglass.sources.platform.load import load_into
from salesglass.sources.platform.propose import HIGH, MEDIUM, plans_toml, propose, to_toml
from salesglass.warehouse import init_canonical


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _load(text: str, base: Path) -> duckdb.DuckDBPyConnection:
    cfg = parse_config(tomllib.loads(text), base_dir=base)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    init_canonical(con)
    summary = load_into(con, cfg, full=True, progress=False)
    assert summary.quarantined == 0, [r.reasons for r in summary.all]
    return con


SALE_COLUMNS = "sale_id, partner_id, event_id, sold_at, tickets, turnover, revenue, cost"
PARTNER_COLUMNS = "partner_id, name, kind, inn, created_at, contract_signed_at"


@pytest.mark.postgres
def test_postgres_with_transliterated_names_decimal_rubles_and_zoned_times(ru_postgres: str, tmp_path: Path):
    proposal = propose(inspect_source(ru_postgres, None, tmp_path))
    text = to_toml(proposal)
    orders = proposal.input("sales")
    # where the evidence is clear, the proposal is sure
    assert orders.confidence == HIGH, text
    assert orders.columns["turnover"].value == "summa" and "decimal type" in orders.columns["turnover"].reason
    assert "zoned type" in orders.columns["sold_at"].reason
    assert orders.where_sql == "status IN ('оплачен', 'возврат') AND NOT testovyj"
    assert "'отменён' (cancelled)" in text and "'ожидает оплаты' (pending)" in text
    assert "refunds: 12.5% of 'summa' are negative" in text  # 1 of the 8 orders

    assert proposal.plans is not None and proposal.plans.place == {"table": "plan_prodazh"}
    assert proposal.plans.columns["metric"].value == {
        "column": "pokazatel",
        "map": {"оборот": "turnover", "выручка": "revenue"},
    }
    con = _load(f'[platform]\nurl = "{ru_postgres}"\n' + text + plans_toml(proposal), tmp_path)
    assert con.execute(f"SELECT {SALE_COLUMNS} FROM sales ORDER BY sale_id").fetchall() == [
        ("Z-1", "1", "E-10", utc(2026, 9, 3, 16, 15), 2, D("3000.00"), D("300.00"), D("45.50")),
        ("Z-2", "1", "E-10", utc(2026, 9, 4, 9, 0), 1, D("1500.00"), D("150.00"), D("22.75")),
        ("Z-3", "2", "E-20", utc(2026, 9, 30, 21, 30), 4, D("8000.50"), D("800.05"), D("120.00")),
        ("Z-4", "1", "E-10", utc(2026, 10, 2, 7, 0), -1, D("-1500.00"), D("-150.00"), D("-22.75")),
        ("Z-8", None, "E-40", utc(2026, 11, 11, 8, 11), 1, D("700.00"), D("70.00"), D("10.00")),
    ]
    assert con.execute(f"SELECT {PARTNER_COLUMNS} FROM partners ORDER BY partner_id").fetchall() == [
        ("1", "ООО «Весна»", "organizer", "7707083893", utc(2026, 8, 1, 7), utc(2026, 8, 5, 9)),
        ("2", "ИП Петров П. П.", "organizer", "500100732259", utc(2026, 8, 10, 6, 30), None),
        ("3", "АО «Билеты везде»", "operator", "7736050003", utc(2026, 8, 15, 12), utc(2026, 8, 20, 8)),
    ]
    assert con.execute(
        "SELECT partner_id, installed_at, widget_id FROM platform_widget_installs ORDER BY 3"
    ).fetchall() == [("1", utc(2026, 8, 20, 5), "100"), ("1", utc(2026, 9, 1, 6), "102")]
    assert con.execute("SELECT * FROM plans ORDER BY month, metric").fetchall() == [
        (date(2026, 9, 1), None, "revenue", D("10000.00"), D("15000.00")),
        (date(2026, 9, 1), None, "turnover", D("100000.00"), D("150000.00")),
        (date(2026, 10, 1), None, "turnover", D("120000.00"), D("180000.00")),
    ]
    assert con.execute("SELECT partner_id, widget_installed_at FROM partners ORDER BY 1").fetchall() == [
        ("1", utc(2026, 8, 20, 5)),
        ("2", None),
        ("3", None),
    ]


def test_a_folder_with_a_cp1251_csv_of_sales_and_an_xlsx_of_partners(files_backoffice: Path):
    base = files_backoffice.parent
    proposal = propose(inspect_source(None, "exports", base))
    text = to_toml(proposal)
    assert [(i.name, i.place) for i in proposal.inputs] == [
        ("partners", {"path": "exports/kontragenty.xlsx"}),
        ("orders", {"path": "exports/prodazhi.csv"}),
    ]
    orders = proposal.input("sales")
    assert orders.columns["sold_at"].value == {"column": "Дата", "format": "%d.%m.%Y %H:%M"}
    assert orders.columns["sold_at"].confidence == MEDIUM and "Europe/Moscow" in orders.columns["sold_at"].reason
    assert orders.columns["turnover"].value == "Сумма" and "rubles" in orders.columns["turnover"].reason
    assert orders.where_sql == "\"Статус\" IN ('Оплачен', 'Возврат')"
    assert "«Итого»" in text  # the report's total line is named, and left out

    con = _load('[platform]\nfolder = "exports"\n' + text, base)
    # naive Moscow wall-clock (UTC+3) → UTC
    assert con.execute(f"SELECT {SALE_COLUMNS} FROM sales ORDER BY sale_id").fetchall() == [
        ("П-1", "K001", "Концерт «Весна»", utc(2026, 10, 5, 11, 30), 2, D("3000.00"), D("300.00"), D("45.50")),
        ("П-2", "K002", "Спектакль", utc(2026, 10, 6, 17, 5), 1, D("1250.50"), D("125.05"), D("18.00")),
        ("П-4", "K001", "Концерт «Весна»", utc(2026, 11, 8, 6, 45), -1, D("-1500.00"), D("-150.00"), D("-22.75")),
        ("П-5", None, "Ёлка", utc(2026, 11, 10, 13, 20), 3, D("900.00"), D("90.00"), D("13.50")),
    ]
    assert con.execute(f"SELECT {PARTNER_COLUMNS} FROM partners ORDER BY partner_id").fetchall() == [
        ("K001", "ООО «Весна»", "organizer", "7707083893", utc(2026, 9, 1, 7), None),
        ("K002", "Театр «Рампа»", "organizer", "0274062111", utc(2026, 9, 2, 8, 30), None),
        ("K003", "ООО «Кассы»", "operator", "7830002293", utc(2026, 9, 3, 9), None),
    ]


def test_a_1c_report_saved_to_excel_with_a_title_and_a_total_line(tmp_path: Path):
    """1C puts the report's title and period above the table and an «Итого» line below it."""
    import openpyxl

    folder = tmp_path / "1c"
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Список контрагентов"])
    ws.append(["Период: 01.09.2026 - 30.09.2026"])
    ws.append([])
    ws.append(["Код", "Наименование", "ИНН", "Вид контрагента", "Дата создания"])
    ws.append(["000000001", "ООО «Весна»", "7707 083893", "Организатор", "01.09.2026 10:00"])
    ws.append(["000000002", "ООО «Кассы»", "7830002293", "Агент", "02.09.2026 11:30"])
    ws.append(["Итого", None, None, None, None])
    wb.save(folder / "kontragenty.xlsx")

    proposal = propose(inspect_source(None, "1c", tmp_path))
    partners = proposal.input("partners")
    assert partners.columns["kind"].value == {
        "column": "Вид контрагента",
        "map": {"Организатор": "organizer", "Агент": "operator"},
    }
    assert partners.columns["created_at"].value == {"column": "Дата создания", "format": "%d.%m.%Y %H:%M"}
    assert "«Итого»" in partners.where[0][1]
    con = _load('[platform]\nfolder = "1c"\n' + to_toml(proposal), tmp_path)  # no row quarantined
    assert con.execute("SELECT partner_id, name, kind, inn, created_at FROM partners ORDER BY 1").fetchall() == [
        ("000000001", "ООО «Весна»", "organizer", "7707083893", utc(2026, 9, 1, 7)),
        ("000000002", "ООО «Кассы»", "operator", "7830002293", utc(2026, 9, 2, 8, 30)),
    ]
