"""The MariaDB reader: every value lands as the text the server sent; odd names and literals are quoted its way."""

from __future__ import annotations

import duckdb
import pytest

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


@pytest.mark.mysql
def test_mariadb_values_land_as_the_servers_text(mysql_url):
    run_script(mysql_url, TYPED)
    duck = duckdb.connect()
    # batch_rows=2: the three rows arrive in two batches
    n = land_sql(duck, mysql_url, "SELECT * FROM typed ORDER BY id", "landed", batch_rows=2, label="test")
    assert n == 3
    assert {r[1] for r in duck.execute("DESCRIBE landed").fetchall()} == {"VARCHAR"}
    assert duck.execute("SELECT * FROM landed ORDER BY id").fetchall() == [
        ("1", "2024-03-01 10:00:00.123456", "2024-03-01 10:00:00", "2024-03-01", "10:30:00", "5.0000",
         "9223372036854775807", "0.1", "00ff", "1", "Ёлка 🎫"),
        ("2", None, "0000-00-00 00:00:00", None, None, None, None, None, None, "0", None),
        ("3", None, None, None, None, "-0.5000", "-1", None, None, None, ""),
    ]


@pytest.mark.mysql
def test_mariadb_odd_names_and_backslashes_are_quoted_its_way(mysql_url):
    run_script(mysql_url, r"""
        DROP TABLE IF EXISTS `order`;
        CREATE TABLE `order` (`key` VARCHAR(10), `full kop` BIGINT, `updated at` VARCHAR(10));
        INSERT INTO `order` VALUES ('a', 100, 'a\\b'), ('b', 200, 'a\\c'), ('c', 300, 'a');""")
    base = base_query(mysql_url, "order", None)
    # the watermark seen last time holds a backslash: MySQL reads `\` in literals as an escape unless doubled
    sql = select_sql(mysql_url, base, ["key", "full kop"], None, "updated at", "a\\b")
    assert sql == ("SELECT `key`, `full kop` FROM (SELECT * FROM `order`) src "
                   "WHERE `updated at` >= 'a\\\\b'")
    duck = duckdb.connect()
    land_sql(duck, mysql_url, sql, "landed", batch_rows=100, label="test")
    assert duck.execute("SELECT * FROM landed ORDER BY 1").fetchall() == [("a", "100"), ("b", "200")]


def test_postgres_and_sqlite_sql_is_unchanged():
    for url in ("postgresql://u@h/db", "sqlite:///x.sqlite"):
        base = base_query(url, "public.orders", None)
        assert select_sql(url, base, ["order_id"], "status = 'done'", "updated_at", "it's") == (
            'SELECT "order_id" FROM (SELECT * FROM "public"."orders") src '
            "WHERE (status = 'done') AND \"updated_at\" >= 'it''s'")
