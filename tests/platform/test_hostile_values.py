"""Hostile values, column type by column type, through the real readers: each ends in the warehouse as it
was meant, or in quarantine with a reason that names the column — never a failed load, never a silent change.
(tests/platform/test_hostile_rows.py reconciles whole back-offices; this file is the sweep of single values.)"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from salesglass.config import parse_config
from salesglass.sources.platform.config import InputSpec
from salesglass.sources.platform.load import load_into
from tests.platform.conftest import demo_config

NO_TIME = "bad sold_at: not a valid timestamp"
NO_COUNT = "bad tickets: not a valid integer"
NO_NUMBER = "bad turnover: not a valid number"
DECIMALS = "bad turnover: more than 2 decimal places"
SIGNS = "tickets and turnover have opposite signs (a sale is positive in both, a refund negative in both)"
IMPLAUSIBLE = "not a plausible date (before 1970-01-02 or after 2100)"

# (column, value) → what is loaded there, or the reason the row is quarantined
SWEEP = [
    ("at", "", "missing sold_at"),
    ("at", "   ", "missing sold_at"),
    ("at", "NULL", NO_TIME),
    ("at", "—", NO_TIME),
    ("at", "0000-00-00 00:00:00", NO_TIME),  # MySQL's zero date
    ("at", "31.02.2026", NO_TIME),  # no 31 February
    ("at", "45356", NO_TIME),  # an Excel serial day number is no time
    ("at", "2024-03-05", datetime(2024, 3, 4, 21, tzinfo=UTC)),  # a day: its Moscow midnight
    ("qty", "NaN", NO_COUNT),
    ("qty", "-1", SIGNS),  # tickets back for money paid: no sale, no refund
    ("qty", "2147483648", NO_COUNT),  # past INTEGER
    ("qty", "99999999999999999999", NO_COUNT),
    ("qty", "0x10", NO_COUNT),  # DuckDB reads it as 16: a count is written in decimal
    ("qty", "0b101", NO_COUNT),  # … and this as 5
    ("qty", "1e-400", NO_COUNT),  # a double reads it as 0: it is no count
    ("qty", " 7 ", 7),
    ("rub", "inf", NO_NUMBER),
    ("rub", "-inf", NO_NUMBER),
    ("rub", "1e400", NO_NUMBER),
    ("rub", "1e-400", DECIMALS),  # a double reads it as 0: a fraction of a kopeck, not 0.00
    ("rub", "99999999999999999999", "bad turnover: too large a number for money"),
    ("rub", "1 000,50", D("1000.50")),
]


def test_hostile_values_of_each_csv_column_type(warehouse, tmp_path):
    base = {"id": "", "at": "2024-03-05 10:00:00", "qty": "1", "rub": "10"}
    lines = ["id;at;qty;rub"]
    for i, (col, value, _) in enumerate(SWEEP):
        lines.append(";".join((base | {"id": f"v{i}", col: value}).values()))
    (tmp_path / "s.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cols = {"sale_id": "id", "sold_at": "at", "tickets": "qty", "turnover": "rub"}
    cols |= {"revenue": {"sql": "0"}, "cost": {"sql": "0"}}
    inputs = [{"name": "s", "target": "sales", "path": "s.csv", "delimiter": ";", "columns": cols}]
    cfg = parse_config({"platform": {"timezone": "Europe/Moscow", "inputs": inputs}}, base_dir=tmp_path)
    summary = load_into(warehouse, cfg, full=True, progress=False)
    loaded = {
        k: {"at": a, "qty": q, "rub": r}
        for k, a, q, r in warehouse.execute("SELECT sale_id, sold_at, tickets, turnover FROM sales").fetchall()
    }
    why = dict(warehouse.execute("SELECT source_key, reason FROM quarantine").fetchall())
    got = [(c, v, loaded[f"v{i}"][c] if f"v{i}" in loaded else why.get(f"v{i}")) for i, (c, v, _) in enumerate(SWEEP)]
    assert got == SWEEP
    r = summary.inputs[0]
    assert (r.read, r.loaded, r.quarantined) == (len(SWEEP), 3, len(SWEEP) - 3)


@pytest.mark.postgres
def test_postgres_infinite_dates_are_quarantined_not_a_failed_load(postgres_url, warehouse, tmp_path: Path):
    """PostgreSQL's DATE 'infinity' arrives as the 5877612th year BC or AD, beyond a timestamp's range: the
    cast of the whole column failed, and with it the load of every partner and every plan."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute("DROP TABLE IF EXISTS inf_partners; DROP TABLE IF EXISTS inf_plans")
        pg.execute("CREATE TABLE inf_partners (id text, kind text, created date)")
        pg.execute(
            "INSERT INTO inf_partners VALUES ('p1', 'organizer', '2024-01-10'), ('p2', 'organizer', 'infinity'), "
            "('p3', 'operator', '-infinity'), ('p4', 'operator', NULL)"
        )
        pg.execute("CREATE TABLE inf_plans (month date, metric text, realistic numeric)")
        pg.execute("INSERT INTO inf_plans VALUES ('2024-03-15', 'turnover', 100), ('infinity', 'revenue', 1)")
    cfg = demo_config(postgres_url, tmp_path)
    cols = {"partner_id": "id", "kind": "kind", "created_at": "created"}
    cfg.platform.inputs = [InputSpec(name="partners", target="partners", table="inf_partners", columns=cols)]
    cfg.plans = cfg.plans.model_copy(update={"path": None, "table": "inf_plans", "url": postgres_url, "columns": {}})
    load_into(warehouse, cfg, full=True, progress=False)
    # p1 created at Moscow midnight = 21:00 UTC the day before; p4's date is unknown (NULL), loaded
    assert warehouse.execute("SELECT partner_id, created_at FROM partners ORDER BY 1").fetchall() == [
        ("p1", datetime(2024, 1, 9, 21, tzinfo=UTC)),
        ("p4", None),
    ]
    assert warehouse.execute("SELECT month, metric, realistic FROM plans").fetchall() == [
        (datetime(2024, 3, 1).date(), "turnover", D("100.00"))
    ]
    assert warehouse.execute("SELECT source, source_key, reason FROM quarantine ORDER BY 2").fetchall() == [
        ("plans", "5877612-06-01 (BC)", f"bad month: {IMPLAUSIBLE}"),  # (as the driver hands 'infinity' over)
        ("platform:partners", "p2", f"bad created_at: {IMPLAUSIBLE}"),
        ("platform:partners", "p3", f"bad created_at: {IMPLAUSIBLE}"),
    ]


@pytest.mark.mysql
def test_a_mysql_bit_flag_is_a_boolean(mysql_url, warehouse, tmp_path: Path):
    """MySQL's BIT(1) flag arrives as hex text, 01 and 00: each partner was quarantined `not a valid boolean`."""
    from tests.mysqlserver import run_script

    run_script(
        mysql_url,
        "DROP TABLE IF EXISTS bit_partners; CREATE TABLE bit_partners (id VARCHAR(9), kind VARCHAR(20), sup BIT(1)); "
        "INSERT INTO bit_partners VALUES ('p1', 'organizer', b'1'), ('p2', 'organizer', b'0'), "
        "('p3', 'operator', NULL)",
    )
    cfg = demo_config(mysql_url, tmp_path)
    cols = {"partner_id": "id", "kind": "kind", "is_support": "sup"}
    cfg.platform.inputs = [InputSpec(name="partners", target="partners", table="bit_partners", columns=cols)]
    load_into(warehouse, cfg, full=True, progress=False)
    assert warehouse.execute("SELECT partner_id, is_support FROM partners ORDER BY 1").fetchall() == [
        ("p1", True),
        ("p2", False),
        ("p3", None),
    ]
    assert warehouse.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)


@pytest.mark.postgres
def test_a_postgres_money_column_is_read_in_rubles(postgres_url, warehouse, tmp_path: Path):
    """PostgreSQL's `money` arrived as its raw count of kopecks, no type said: 100.50 ₽ loaded as 10 050.00 ₽."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as pg:
        pg.execute("DROP TABLE IF EXISTS money_sales")
        pg.execute("CREATE TABLE money_sales (id text, at timestamp, qty int, paid money, fee money)")
        pg.execute(
            "INSERT INTO money_sales VALUES ('m1', '2024-03-05 10:00', 1, 100.50, 5.25), "
            "('m2', '2024-03-05 11:00', -1, -100.50, -5.25), ('m3', '2024-03-05 12:00', 2, 1234567.89, 0)"
        )
    cfg = demo_config(postgres_url, tmp_path)
    cols = {"sale_id": "id", "sold_at": "at", "tickets": "qty", "turnover": "paid", "revenue": "fee"}
    cfg.platform.inputs = [
        InputSpec(name="s", target="sales", table="money_sales", columns=cols | {"cost": {"sql": "0"}}),
        # the whole table read as it is (no mapping), into a second copy of the sales: the same money
        InputSpec(
            name="all",
            target="sales",
            query="SELECT id || '-all' AS sale_id, at AS sold_at, qty AS tickets, "
            "paid AS turnover, fee AS revenue, fee - fee AS cost FROM money_sales",
        ),
    ]
    load_into(warehouse, cfg, full=True, progress=False)
    assert warehouse.execute("SELECT sale_id, turnover, revenue, cost FROM sales ORDER BY 1").fetchall() == [
        ("m1", D("100.50"), D("5.25"), D("0.00")),
        ("m1-all", D("100.50"), D("5.25"), D("0.00")),
        ("m2", D("-100.50"), D("-5.25"), D("0.00")),
        ("m2-all", D("-100.50"), D("-5.25"), D("0.00")),
        ("m3", D("1234567.89"), D("0.00"), D("0.00")),
        ("m3-all", D("1234567.89"), D("0.00"), D("0.00")),
    ]
    assert warehouse.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
