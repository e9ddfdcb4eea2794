"""Money past the sixth decimal, through every reader: one rule (model/validate.py `more_decimals_sql`). A
float's representation noise (0.1 + 0.2 prints 0.30000000000000004) loads as its kopecks; an amount with a
real fraction of a kopeck — typed 100.0000001, or a float 100.0000004 — is quarantined for its decimals,
never rounded to 100.00 silently (it was, on every path, past the sixth decimal)."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from salesglass.config import parse_config
from salesglass.sources.platform.load import load_into

DECIMALS = "bad turnover: more than 2 decimal places"
TICKETS = "bad tickets: not a valid integer"

# (id, the amount as the file has it, tickets) → loaded turnover (rubles), or the reason
CSV_ROWS = [
    ("t1", "100.0000001", "1", DECIMALS),  # a seventh decimal typed: 0.00001 kopeck
    ("t2", "0.30000000000000004", "1", D("0.30")),  # 0.1 + 0.2 printed by a float: 17 digits, noise past the 15th
    ("t3", "100.000000000", "1", D("100.00")),  # zeros only
    ("t4", "1.0000001e2", "1", DECIMALS),  # 100.00001
    ("t5", '"100,0000001"', "1", DECIMALS),  # a decimal comma
    ("t6", "100.50", "1.0000001", TICKETS),  # a count with a seventh decimal is no count
    ("t7", "100.50", "2.0000000000000004", D("100.50")),  # 2 as a float's noise: 2 tickets
]


def _load(warehouse, tmp_path: Path, inputs: list[dict]):
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    return load_into(warehouse, cfg, full=True, progress=False)


def test_a_seventh_decimal_in_a_file_is_quarantined_on_every_mapping_and_float_noise_loads(warehouse, tmp_path):
    body = "".join(f"{i},2024-03-05 10:00:00,{q},{a}\n" for i, a, q, _ in CSV_ROWS)
    (tmp_path / "s.csv").write_text("id,at,qty,rub\n" + body, encoding="utf-8")
    zero = {"revenue": {"sql": "0"}, "cost": {"sql": "0"}}
    plain = {"sale_id": "id", "sold_at": "at", "tickets": "qty", "turnover": "rub", **zero}
    inputs = [
        {"name": "plain", "target": "sales", "path": "s.csv", "columns": plain},
        # the same rows as refunds (negated), as an expression, in kopecks: each its own key prefix
        {
            "name": "negated",
            "target": "sales",
            "path": "s.csv",
            "columns": plain
            | {"sale_id": {"column": "id", "prefix": "n:"}, "tickets": {"column": "qty", "negate": True}}
            | {"turnover": {"column": "rub", "negate": True}},
        },
        {
            "name": "expr",
            "target": "sales",
            "path": "s.csv",
            "columns": plain
            | {"sale_id": {"column": "id", "prefix": "x:"}, "tickets": {"sql": "qty * 1"}}
            | {"turnover": {"sql": "rub + 0"}},
        },
        {
            "name": "kop",
            "target": "sales",
            "path": "s.csv",
            "columns": plain
            | {"sale_id": {"column": "id", "prefix": "k:"}, "turnover": {"column": "rub", "unit": "kopecks"}},
        },
    ]
    summary = _load(warehouse, tmp_path, inputs)
    loaded = dict(warehouse.execute("SELECT sale_id, turnover FROM sales").fetchall())
    why = dict(warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall())
    for i, _, _, want in CSV_ROWS:
        if isinstance(want, str):
            assert (why.get(i), why.get(f"n:{i}"), why.get(f"x:{i}")) == (want, want, want), i
        else:
            assert (loaded.get(i), loaded.get(f"n:{i}"), loaded.get(f"x:{i}")) == (want, -want, want), i
    # in kopecks: 0.30000000000000004 kopecks is 0.003 ₽, a fraction of a kopeck; 100.000000000 kopecks = 1.00 ₽
    # and 100.50 kopecks = 1.005 ₽: only t3 loads
    assert {k: v for k, v in loaded.items() if k.startswith("k:")} == {"k:t3": D("1.00")}
    assert {k: v for k, v in why.items() if k.startswith("k:")} == {
        "k:t1": DECIMALS,
        "k:t2": DECIMALS,
        "k:t4": DECIMALS,
        "k:t5": DECIMALS,
        "k:t6": TICKETS,
        "k:t7": DECIMALS,
    }
    assert [(r.read, r.loaded, r.quarantined) for r in summary.inputs] == [(7, 3, 4), (7, 3, 4), (7, 3, 4), (7, 1, 6)]


def test_a_float_past_the_sixth_decimal_in_excel_is_quarantined_and_its_noise_loads(warehouse, tmp_path):
    from datetime import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "at", "qty", "rub"])
    ws.append(["e1", datetime(2024, 3, 5, 10), 1, 100.0000004])  # a float 0.00004 kopeck above 100
    ws.append(["e2", datetime(2024, 3, 5, 10), 1, 0.1 + 0.2])  # 0.30000000000000004
    ws.append(["e3", datetime(2024, 3, 5, 10), 1, 100.25])
    wb.save(tmp_path / "s.xlsx")
    cols = {"sale_id": "id", "sold_at": "at", "tickets": "qty", "turnover": "rub", "revenue": {"sql": "0"}}
    _load(
        warehouse,
        tmp_path,
        [{"name": "x", "target": "sales", "path": "s.xlsx", "columns": cols | {"cost": {"sql": "0"}}}],
    )
    assert warehouse.execute("SELECT sale_id, turnover FROM sales ORDER BY 1").fetchall() == [
        ("e2", D("0.30")),
        ("e3", D("100.25")),
    ]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall() == [("e1", DECIMALS)]


@pytest.mark.parametrize(
    "server", [pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mysql", marks=pytest.mark.mysql)]
)
def test_a_seventh_decimal_in_a_database_column_is_quarantined_whatever_its_type(server, request, warehouse, tmp_path):
    """PostgreSQL hands over double precision, real and numeric typed (numeric as text); MariaDB every value as
    its text. Per row: a float past the sixth decimal, a float's noise, an exact seventh decimal, a real 100.1."""
    rows = "('d1', 100.0000004, 0.5, 100.0000001), ('d2', 0.1 + 0.2, 100.1, 0.3), ('d3', 100.5, 0.25, 7.0000000), "
    rows += "('d4', 1.5, 0.5, 100.0000001)"
    if server == "postgres":
        import psycopg

        url = request.getfixturevalue("postgres_url")
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute("DROP TABLE IF EXISTS money_digits")
            pg.execute("CREATE TABLE money_digits (id text, dbl double precision, flt real, num numeric)")
            pg.execute(f"INSERT INTO money_digits VALUES {rows.replace('0.1 + 0.2', '0.1::float8 + 0.2::float8')}")
    else:
        from tests.mysqlserver import run_script

        url = request.getfixturevalue("mysql_url")
        run_script(
            url,
            "DROP TABLE IF EXISTS money_digits; CREATE TABLE money_digits "
            f"(id VARCHAR(9), dbl DOUBLE, flt FLOAT, num DECIMAL(30,10)); INSERT INTO money_digits VALUES {rows}",
        )
    cols = {"sale_id": "id", "sold_at": {"sql": "'2024-03-05 10:00:00'"}, "tickets": {"sql": "1"}}
    cols |= {"turnover": "dbl", "revenue": "flt", "cost": "num"}
    _load(
        warehouse, tmp_path, [{"name": "db", "target": "sales", "url": url, "table": "money_digits", "columns": cols}]
    )
    # d1: turnover 100.0000004 (a float's 7th decimal); d2: 0.30000000000000004 → 0.30, real 100.1 → 100.10, but
    # cost 0.3 → fine; d3: 100.50, 0.25, 7.00 all whole kopecks; d4: an exact cost of 100.0000001
    assert warehouse.execute("SELECT sale_id, turnover, revenue, cost FROM sales ORDER BY 1").fetchall() == [
        ("d2", D("0.30"), D("100.10"), D("0.30")),
        ("d3", D("100.50"), D("0.25"), D("7.00")),
    ]
    assert warehouse.execute("SELECT source_key, reason FROM quarantine ORDER BY 1").fetchall() == [
        ("d1", DECIMALS),
        ("d4", "bad cost: more than 2 decimal places"),
    ]
