"""The MariaDB reader: every value lands as the text the server sent; odd names and literals are quoted its way."""

from __future__ import annotations

import time

import duckdb
import pytest
from sqlalchemy.engine import make_url

from salesglass.errors import SalesglassError
from salesglass.sources.platform.mysql_reader import connectorx_usable
from salesglass.sources.platform.sql_reader import base_query, land_sql, select_sql
from tests.mysqlserver import run_script

TYPED = """
DROP TABLE IF EXISTS typed;
CREATE TABLE typed (id INT PRIMARY KEY, at6 DATETIME(6), at DATETIME, day DATE, clock TIME, pct DECIMAL(9,4),
  big BIGINT, ratio DOUBLE, raw VARBINARY(8), flag TINYINT(1), name VARCHAR(40)) DEFAULT CHARSET=utf8mb4;
INSERT INTO typed VALUES
  (1, '2024-03-01 10:00:00.123456', '2024-03-01 10:00:00', '2024-03-01', '10:30:00', 5, 9223372036854775807,
   0.1, x'00ff', 1, 'Ёлка 🎫'),
  (2, NULL, '0000-00-00 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL),
  (3, NULL, NULL, NULL, NULL, -0.5, -1, NULL, NULL, NULL, '');
"""


ODD = r"""
DROP TABLE IF EXISTS odd;
CREATE TABLE odd (id INT, f FLOAT, b BIT(3), b12 BIT(12), j JSON, t TEXT, lt LONGTEXT, bl BLOB, bn BINARY(3),
  y YEAR, tm TIME, tm3 TIME(3), l1 VARCHAR(10) CHARACTER SET latin1, d0 DATE, dec0 DECIMAL(20,0), e DOUBLE);
INSERT INTO odd VALUES
  (1, 0.1, b'101', 5, '{"a": 1}', 'тек\\ст', 'длинный', x'0a0b', x'01', 2024, '-838:59:59', '12:00:00.5', 'café',
   '0000-00-00', 12345678901234567890, 1e300),
  (2, NULL, b'0', NULL, NULL, '', NULL, x'', NULL, NULL, '100:00:00', NULL, NULL, '2024-00-10', NULL, -2.5e-7);
"""


def pymysql_url(url: str) -> str:
    """The same server through an URL option connectorx does not take: the SQLAlchemy/pymysql path reads it."""
    return url + "&connect_timeout=10"


@pytest.fixture(params=["connectorx", "pymysql"])
def either_path(request, mysql_url) -> str:
    """The MariaDB URL read by connectorx (the usual path) or by the pymysql fallback: both must land the same."""
    url = mysql_url if request.param == "connectorx" else pymysql_url(mysql_url)
    assert connectorx_usable(url) == (request.param == "connectorx")
    return url


@pytest.mark.mysql
def test_mariadb_values_land_as_the_servers_text(mysql_url, either_path):
    run_script(mysql_url, TYPED)
    duck = duckdb.connect()
    # batch_rows=2: the three rows arrive in two batches
    n = land_sql(duck, either_path, "SELECT * FROM typed ORDER BY id", "landed", batch_rows=2, label="test")
    assert n == 3
    assert {r[1] for r in duck.execute("DESCRIBE landed").fetchall()} == {"VARCHAR"}
    assert duck.execute("SELECT * FROM landed ORDER BY id").fetchall() == [
        (
            "1",
            "2024-03-01 10:00:00.123456",
            "2024-03-01 10:00:00",
            "2024-03-01",
            "10:30:00",
            "5.0000",
            "9223372036854775807",
            "0.1",
            "00ff",
            "1",
            "Ёлка 🎫",
        ),
        ("2", None, "0000-00-00 00:00:00", None, None, None, None, None, None, "0", None),
        ("3", None, None, None, None, "-0.5000", "-1", None, None, None, ""),
    ]


@pytest.mark.mysql
def test_mariadb_rarer_types_land_as_pymysql_gives_them(mysql_url, either_path):
    """BIT and binary strings as the hex of their bytes (padded to the column's width), TIME beyond a day,
    zero parts in a DATE, a latin1 column, FLOAT as the server prints it."""
    run_script(mysql_url, ODD)
    duck = duckdb.connect()
    land_sql(duck, either_path, "SELECT * FROM odd", "landed", batch_rows=100, label="test")
    assert duck.execute("SELECT * FROM landed ORDER BY id").fetchall() == [
        (
            "1",
            "0.1",
            "05",
            "0005",
            '{"a": 1}',
            "тек\\ст",
            "длинный",
            "0a0b",
            "010000",
            "2024",
            "-838:59:59",
            "12:00:00.500",
            "café",
            "0000-00-00",
            "12345678901234567890",
            "1e300",
        ),
        (
            "2",
            None,
            "00",
            None,
            None,
            "",
            None,
            "",
            None,
            None,
            "100:00:00",
            None,
            None,
            "2024-00-10",
            None,
            "-0.00000025",
        ),
    ]


@pytest.mark.mysql
def test_mariadb_error_during_the_read_names_the_server_error_not_the_password(mysql_url, either_path):
    run_script(mysql_url, "DROP TABLE IF EXISTS two; CREATE TABLE two (id INT); INSERT INTO two VALUES (1), (2);")
    # the column probe (LIMIT 0) passes; the server fails only once rows are read
    sql = "SELECT * FROM two WHERE id = (SELECT id FROM two)"
    with pytest.raises(SalesglassError) as err:
        land_sql(duckdb.connect(), either_path, sql, "landed", batch_rows=100, label="[[platform.inputs]] orders")
    text = str(err.value)
    assert text.startswith("[[platform.inputs]] orders: ")
    assert "Subquery returns more than 1 row" in text
    assert make_url(mysql_url).password not in text and "salesglass:***@" in text


@pytest.mark.mysql
def test_mariadb_wrong_password_fails_at_once_and_masked(mysql_url):
    url = make_url(mysql_url).set(password="not-the-password").render_as_string(hide_password=False)
    started = time.monotonic()
    with pytest.raises(SalesglassError, match="Access denied") as err:
        land_sql(duckdb.connect(), url, "SELECT 1 AS one", "landed", batch_rows=100, label="test")
    assert time.monotonic() - started < 10  # no connection-pool retries
    assert "not-the-password" not in str(err.value)


def test_connectorx_is_used_for_plain_pymysql_urls_only():
    assert connectorx_usable("mysql+pymysql://u:p@h:3306/db?charset=utf8mb4")
    assert connectorx_usable("mariadb+pymysql://u@h/db")
    assert not connectorx_usable("mysql+pymysql://u@localhost/db?unix_socket=/run/mysqld/mysqld.sock")
    assert not connectorx_usable("mysql+pymysql://u@h/db?ssl_ca=/etc/ca.pem")
    assert not connectorx_usable("postgresql://u@h/db")


@pytest.mark.mysql
def test_mariadb_odd_names_and_backslashes_are_quoted_its_way(mysql_url):
    run_script(
        mysql_url,
        r"""
        DROP TABLE IF EXISTS `order`;
        CREATE TABLE `order` (`key` VARCHAR(10), `full kop` BIGINT, `updated at` VARCHAR(10));
        INSERT INTO `order` VALUES ('a', 100, 'a\\b'), ('b', 200, 'a\\c'), ('c', 300, 'a');""",
    )
    base = base_query(mysql_url, "order", None)
    # the watermark seen last time holds a backslash: MySQL reads `\` in literals as an escape unless doubled
    sql = select_sql(mysql_url, base, ["key", "full kop"], None, "updated at", "a\\b")
    assert sql == ("SELECT `key`, `full kop` FROM (SELECT * FROM `order`) src WHERE `updated at` >= 'a\\\\b'")
    duck = duckdb.connect()
    land_sql(duck, mysql_url, sql, "landed", batch_rows=100, label="test")
    assert duck.execute("SELECT * FROM landed ORDER BY 1").fetchall() == [("a", "100"), ("b", "200")]


def test_postgres_and_sqlite_sql_is_unchanged():
    for url in ("postgresql://u@h/db", "sqlite:///x.sqlite"):
        base = base_query(url, "public.orders", None)
        assert select_sql(url, base, ["order_id"], "status = 'done'", "updated_at", "it's") == (
            'SELECT "order_id" FROM (SELECT * FROM "public"."orders") src '
            "WHERE (status = 'done') AND \"updated_at\" >= 'it''s'"
        )


# the session's MariaDB runs at +05:00 (tests/mysqlserver.py), the account in Moscow (+03:00). A sale paid
# at 01:30 on 1 February by the server's clock is 20:30 UTC on 31 January = 23:30 in Moscow: January's.
# The same instant in a DATETIME is written on the back-office's (Moscow) clock: 2026-01-31 23:30:00.
STAMPED = """
DROP TABLE IF EXISTS stamped;
CREATE TABLE stamped (id VARCHAR(10), paid TIMESTAMP NULL, wall DATETIME, amount DECIMAL(9,2));
SET time_zone = '+05:00';
INSERT INTO stamped VALUES ('jan', '2026-02-01 01:30:00', '2026-01-31 23:30:00', 100.00),
  ('none', NULL, NULL, 1.00), ('zero', '0000-00-00 00:00:00', '0000-00-00 00:00:00', 2.00);
"""


@pytest.mark.mysql
def test_mariadb_timestamp_lands_as_utc_whatever_the_servers_zone(mysql_url, either_path):
    run_script(mysql_url, STAMPED)
    duck = duckdb.connect()
    land_sql(duck, either_path, "SELECT id, paid, wall FROM stamped", "landed", batch_rows=10, label="test")
    assert duck.execute("SELECT * FROM landed ORDER BY id").fetchall() == [
        ("jan", "2026-01-31 20:30:00+00", "2026-01-31 23:30:00"),
        ("none", None, None),
        ("zero", "0000-00-00 00:00:00", "0000-00-00 00:00:00"),
    ]


@pytest.mark.mysql
def test_a_month_end_sale_in_a_mariadb_timestamp_stays_in_its_month(mysql_url, warehouse, tmp_path):
    """Read as Moscow wall time, the server's '2026-02-01 01:30' moved the January sale into February; the
    watermark on the TIMESTAMP column then reads only the rows from its own second on."""
    from datetime import UTC, datetime

    from salesglass.config import parse_config
    from salesglass.sources.platform.load import load_into

    run_script(mysql_url, STAMPED)
    cols = {"sale_id": "id", "sold_at": "paid", "tickets": {"sql": "1"}, "turnover": "amount"}
    inputs = [{"name": "st", "target": "sales", "table": "stamped", "watermark": "paid", "where": "amount > 5"}]
    cfg = parse_config(
        {
            "platform": {
                "url": mysql_url,
                "timezone": "Europe/Moscow",
                "inputs": [{**inputs[0], "columns": {**cols, "revenue": {"sql": "0"}, "cost": {"sql": "0"}}}],
            }
        },
        base_dir=tmp_path,
    )
    load_into(warehouse, cfg, full=False, progress=False)
    assert warehouse.execute("SELECT sold_at, turnover FROM sales").fetchall() == [
        (datetime(2026, 1, 31, 20, 30, tzinfo=UTC), 100)
    ]
    month = "SELECT CAST(date_trunc('month', timezone('Europe/Moscow', sold_at)) AS DATE) FROM sales"
    assert str(warehouse.execute(month).fetchone()[0]) == "2026-01-01"

    # a later sale (21:00 UTC, 02:00 by the server's clock) and one before the watermark's second
    run_script(
        mysql_url,
        "SET time_zone = '+00:00'; INSERT INTO stamped VALUES ('j2', '2026-01-31 21:00:00', NULL, 150.00),"
        " ('j3', '2026-01-31 20:29:59', NULL, 7.00)",
    )
    summary = load_into(warehouse, cfg, full=False, progress=False)
    assert summary.inputs[0].read == 2  # the watermark's own second again, and the new sale
    assert warehouse.execute("SELECT sale_id FROM sales ORDER BY 1").fetchall() == [("j2",), ("jan",)]

    # a warehouse loaded before TIMESTAMP was read as UTC: its rows sit where the server's clock put them
    # (read as Moscow time: 2026-02-01 01:30 MSK = 2026-01-31 22:30 UTC) and its watermark's zone is the bare
    # zone. The next load reads the input whole, once, and puts the sale back into January
    warehouse.execute("UPDATE platform_watermark_zones SET zone = 'Europe/Moscow'")
    warehouse.execute("UPDATE sales SET sold_at = TIMESTAMPTZ '2026-01-31 22:30:00+00' WHERE sale_id = 'jan'")
    assert load_into(warehouse, cfg, full=False, progress=False).inputs[0].read == 3
    assert warehouse.execute("SELECT sold_at FROM sales WHERE sale_id = 'jan'").fetchone() == (
        datetime(2026, 1, 31, 20, 30, tzinfo=UTC),
    )


@pytest.mark.mysql
def test_a_percent_sign_in_a_mariadb_query_is_the_servers_not_the_drivers(mysql_url, either_path):
    """A `where` with LIKE 'Ё%' failed on MariaDB ("unsupported format character"): pymysql formatted the
    SQL as a Python %-string. Probed (as the load checks a `where`) and read, both paths."""
    from salesglass.sources.platform.sql_reader import probe_columns

    run_script(mysql_url, TYPED)
    sql = "SELECT id, name FROM typed WHERE name LIKE 'Ё%' OR name LIKE '%%x'"
    assert probe_columns(either_path, sql) == ["id", "name"]
    duck = duckdb.connect()
    land_sql(duck, either_path, sql, "landed", batch_rows=10, label="test")
    assert duck.execute("SELECT * FROM landed").fetchall() == [("1", "Ёлка 🎫")]
