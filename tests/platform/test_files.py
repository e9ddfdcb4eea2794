"""CSV (Excel's `;` + cp1251, canonical layout without mapping) and XLSX inputs give hand-computed rows."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import openpyxl

from salesglass.config import parse_config
from salesglass.sources.platform.load import load_into


def ts(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_excel_csv_semicolon_cp1251_with_russian_headers(warehouse, tmp_path):
    (tmp_path / "продажи.csv").write_bytes(
        (
            "Номер заказа;Партнёр;Дата продажи;Билетов;Сумма, руб;Комиссия;Расходы;Канал\n"
            "A-1;p1;01.03.2024 02:00;2;3 000,00;150,50;60;Виджет\n"
            "A-2;;02.03.2024 12:00;1;1500;75,25;130;Яндекс Афиша\n"
            "A-3;p2;05.03.2024 10:00;-1;-1 500,00;-75,25;-30;Виджет\n"
        ).encode("cp1251")
    )
    cfg = parse_config(
        {
            "platform": {
                "inputs": [
                    {
                        "name": "sales_csv",
                        "target": "sales",
                        "path": "продажи.csv",
                        "columns": {
                            "sale_id": "Номер заказа",
                            "partner_id": "Партнёр",
                            "sold_at": {"column": "Дата продажи", "format": "%d.%m.%Y %H:%M"},
                            "tickets": "Билетов",
                            "turnover": "Сумма, руб",
                            "revenue": "Комиссия",
                            "cost": "Расходы",
                            "channel": {"column": "Канал", "map": {"Виджет": "widget"}},
                        },
                    }
                ]
            }
        },
        base_dir=tmp_path,
    )
    s = load_into(warehouse, cfg, progress=False)
    assert (s.inputs[0].loaded, s.inputs[0].quarantined) == (3, 0)
    assert warehouse.execute("SELECT * FROM sales ORDER BY 1").fetchall() == [
        ("A-1", "p1", None, ts(2024, 2, 29, 23), 2, D("3000.00"), D("150.50"), D("60.00"), "widget"),
        ("A-2", None, None, ts(2024, 3, 2, 9), 1, D("1500.00"), D("75.25"), D("130.00"), "Яндекс Афиша"),
        ("A-3", "p2", None, ts(2024, 3, 5, 7), -1, D("-1500.00"), D("-75.25"), D("-30.00"), "widget"),
    ]


def test_canonical_layout_csv_needs_no_mapping(warehouse, tmp_path):
    (tmp_path / "partners.csv").write_text(
        "partner_id,name,kind,inn,created_at,is_support\n"
        "p1,Ромашка,organizer,7701234567,2024-01-10 12:00:00,false\n"
        "p2,Кассир,operator,,2024-01-05T09:00:00+00:00,0\n",
        encoding="utf-8",
    )
    cfg = parse_config(
        {"platform": {"inputs": [{"name": "partners", "target": "partners", "path": "partners.csv"}]}},
        base_dir=tmp_path,
    )
    load_into(warehouse, cfg, progress=False)
    assert warehouse.execute(
        "SELECT partner_id, name, kind, inn, created_at, is_support FROM partners ORDER BY 1"
    ).fetchall() == [
        ("p1", "Ромашка", "organizer", "7701234567", ts(2024, 1, 10, 9), False),  # naive: Moscow
        ("p2", "Кассир", "operator", None, ts(2024, 1, 5, 9), False),  # its own offset wins
    ]


def test_xlsx_input_with_mapping(warehouse, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Заказы"
    ws.append(["id", "org", "paid", "qty", "sum_kop", "core_kop", "cost_kop"])
    ws.append(["x1", "p1", datetime(2024, 3, 1, 2, 0), 2, 300000, 15050, 6000])
    ws.append(["x2", "p1", datetime(2024, 3, 31, 23, 30), 1, 12345, 617, 0])
    wb.save(tmp_path / "orders.xlsx")
    cfg = parse_config(
        {
            "platform": {
                "inputs": [
                    {
                        "name": "xlsx",
                        "target": "sales",
                        "path": "orders.xlsx",
                        "sheet": "Заказы",
                        "columns": {
                            "sale_id": "id",
                            "partner_id": "org",
                            "sold_at": "paid",
                            "tickets": "qty",
                            "turnover": {"column": "sum_kop", "unit": "kopecks"},
                            "revenue": {"column": "core_kop", "unit": "kopecks"},
                            "cost": {"column": "cost_kop", "unit": "kopecks"},
                        },
                    }
                ]
            }
        },
        base_dir=tmp_path,
    )
    load_into(warehouse, cfg, progress=False)
    assert warehouse.execute(
        "SELECT sale_id, sold_at, tickets, turnover, revenue, cost FROM sales ORDER BY 1"
    ).fetchall() == [
        ("x1", ts(2024, 2, 29, 23), 2, D("3000.00"), D("150.50"), D("60.00")),
        ("x2", ts(2024, 3, 31, 20, 30), 1, D("123.45"), D("6.17"), D("0.00")),
    ]


def test_xlsx_with_merged_header_and_partner_cells(warehouse, tmp_path):
    """A 1C-style sheet: a title line, a two-level header («Деньги» merged over «Оборот», «Выручка» and
    «Расходы»; the other headers merged down over both rows) and a partner typed once, merged down beside
    the two orders it made. Excel keeps a merged value in its first cell only: the second order loaded
    as a Support sale (no partner) without a word, and the sub-headers could not be mapped at all."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Продажи за март 2024"])
    ws.append(["Номер", "Дата", "Билеты", "Деньги", None, None, "Партнёр"])
    ws.append([None, None, None, "Оборот", "Выручка", "Расходы", None])
    for cells in ("A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:G3"):
        ws.merge_cells(cells)
    ws.append(["m1", datetime(2024, 3, 5, 10, 0), 1, 100.5, 10, 0, "p1"])
    ws.append(["m2", datetime(2024, 3, 5, 11, 0), 2, 200, 20, 0, None])
    ws.merge_cells("G4:G5")  # p1 made m1 and m2
    ws.append(["m3", datetime(2024, 3, 5, 12, 0), 1, 300, 30, 0, "p2"])
    # an order of two lines whose money was typed once, merged over both: not each line's (twice 400.00)
    ws.append(["m4", datetime(2024, 3, 5, 13, 0), 1, 400, 40, 0, "p2"])
    ws.append(["m5", datetime(2024, 3, 5, 13, 0), 1, None, None, None, "p2"])
    for cells in ("D7:D8", "E7:E8", "F7:F8"):
        ws.merge_cells(cells)
    wb.save(tmp_path / "march.xlsx")
    columns = {"sale_id": "Номер", "sold_at": "Дата", "tickets": "Билеты", "partner_id": "Партнёр"}
    columns |= {"turnover": "Деньги / Оборот", "revenue": "Деньги / Выручка", "cost": "Деньги / Расходы"}
    inputs = [{"name": "march", "target": "sales", "path": "march.xlsx", "columns": columns}]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    summary = load_into(warehouse, cfg, full=True, progress=False)
    assert warehouse.execute(
        "SELECT sale_id, partner_id, tickets, turnover, revenue FROM sales ORDER BY 1"
    ).fetchall() == [
        ("m1", "p1", 1, D("100.50"), D("10.00")),
        ("m2", "p1", 2, D("200.00"), D("20.00")),
        ("m3", "p2", 1, D("300.00"), D("30.00")),
        ("m4", "p2", 1, D("400.00"), D("40.00")),
    ]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall() == [("m5", "missing turnover")]
    r = summary.inputs[0]
    assert (r.read, r.loaded, r.quarantined) == (5, 4, 1)  # the header's second row is no order


def test_xlsx_numeric_ids_merged_over_rows_are_each_rows_like_text_ids(warehouse, tmp_path):
    """A numeric partner id (1001, a number cell) merged beside the two orders it made was kept in the first
    row only — the second loaded as a Support sale — while a text id merged so was repeated. An id (partner,
    event) or a time is each covered row's; an amount (money, tickets) merged over rows stays theirs together
    (repeated it would count twice: the other row is quarantined for its missing amount)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Номер", "Дата", "Билеты", "Оборот", "Партнёр", "Событие"])
    ws.append(["n1", datetime(2024, 3, 5, 10, 0), 1, 100, 1001, 77])
    ws.append(["n2", datetime(2024, 3, 5, 11, 0), 2, 200, None, None])
    ws.merge_cells("E2:E3")  # partner 1001 made n1 and n2
    ws.merge_cells("F2:F3")  # both for event 77
    ws.append(["n3", datetime(2024, 3, 5, 12, 0), 3, 300, 1002, 78])
    ws.append(["n4", datetime(2024, 3, 5, 12, 0), None, 400, 1002, 78])
    ws.merge_cells("C4:C5")  # three tickets typed once for two lines: not three each
    wb.save(tmp_path / "orders.xlsx")
    columns = {"sale_id": "Номер", "sold_at": "Дата", "tickets": "Билеты", "turnover": "Оборот"}
    columns |= {"partner_id": "Партнёр", "event_id": "Событие", "revenue": {"sql": "0"}, "cost": {"sql": "0"}}
    inputs = [{"name": "orders", "target": "sales", "path": "orders.xlsx", "columns": columns}]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    summary = load_into(warehouse, cfg, full=True, progress=False)
    assert warehouse.execute("SELECT sale_id, partner_id, event_id, tickets FROM sales ORDER BY 1").fetchall() == [
        ("n1", "1001", "77", 1),
        ("n2", "1001", "77", 2),
        ("n3", "1002", "78", 3),
    ]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall() == [("n4", "missing tickets")]
    r = summary.inputs[0]
    assert (r.read, r.loaded, r.quarantined) == (4, 3, 1)
