"""Fixtures of the platform-source tests: the hand-written back-office in SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import re
import sqlite3
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from salesglass.config import Config, parse_config

HERE = Path(__file__).parent
SCHEMA = HERE.parents[1] / "salesglass" / "simulate" / "backoffice.sql"
DATA = HERE / "backoffice_data.sql"


def pg_schema() -> str:
    """backoffice.sql in PostgreSQL's own types: real timestamps (still naive Moscow), bigint kopecks."""
    sql = SCHEMA.read_text(encoding="utf-8")
    sql = re.sub(r"^(\s+hired_at\s+)TEXT", r"\1DATE", sql, flags=re.M)
    sql = re.sub(r"^(\s+\w+_at(?:_utc)?\s+)TEXT", r"\1TIMESTAMP", sql, flags=re.M)
    sql = re.sub(r"^(\s+\w+_kop\s+)INTEGER", r"\1BIGINT", sql, flags=re.M)
    return sql.replace(" REAL ", " NUMERIC(9,4) ")


def mysql_schema() -> str:
    """backoffice.sql in MariaDB's own types: DATETIME (naive Moscow), BIGINT kopecks, DECIMAL, utf8mb4 text.

    Text becomes VARCHAR(255): MariaDB cannot index a TEXT column (keys, UNIQUE, REFERENCES) without a length."""
    sql = SCHEMA.read_text(encoding="utf-8")
    sql = re.sub(r"^(\s+hired_at\s+)TEXT", r"\1DATE", sql, flags=re.M)
    sql = re.sub(r"^(\s+\w+_at(?:_utc)?\s+)TEXT", r"\1DATETIME", sql, flags=re.M)
    sql = re.sub(r"^(\s+\w+\s+)TEXT\b", r"\1VARCHAR(255)", sql, flags=re.M)
    sql = re.sub(r"^(\s+\w+_kop\s+)INTEGER", r"\1BIGINT", sql, flags=re.M)
    sql = re.sub(r"^\);", ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;", sql, flags=re.M)
    return sql.replace(" REAL ", " DECIMAL(9,4) ")


TABLES = re.findall(r"^CREATE TABLE (\w+)", SCHEMA.read_text(encoding="utf-8"), flags=re.M)


@dataclass
class Backoffice:
    """The hand-written back-office in one database: its URL and a way to run SQL scripts on it."""

    kind: str
    url: str
    run: Callable[[str], None]


def pg_backoffice(url: str) -> Backoffice:
    import psycopg

    def run(sql: str) -> None:
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(sql)

    run("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    run(pg_schema())
    run(DATA.read_text(encoding="utf-8"))
    return Backoffice("postgres", url, run)


def mysql_backoffice(url: str) -> Backoffice:
    from tests.mysqlserver import drop_every_table, run_script

    drop_every_table(url)  # only the back-office's tables, whatever earlier tests left
    run_script(url, mysql_schema())
    run_script(url, DATA.read_text(encoding="utf-8"))
    return Backoffice("mysql", url, lambda sql: run_script(url, sql))


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mysql", marks=pytest.mark.mysql)]
)
def server_backoffice(request) -> Backoffice:
    """The hand-written back-office, freshly created in a real PostgreSQL or MariaDB server (typed columns)."""
    if request.param == "postgres":
        return pg_backoffice(request.getfixturevalue("postgres_url"))
    return mysql_backoffice(request.getfixturevalue("mysql_url"))


@pytest.fixture
def mariadb_backoffice(mysql_url: str) -> Backoffice:
    return mysql_backoffice(mysql_url)


def make_sqlite(path: Path, extra_sql: str = "") -> Path:
    con = sqlite3.connect(path)
    con.executescript(SCHEMA.read_text(encoding="utf-8"))
    con.executescript(DATA.read_text(encoding="utf-8"))
    if extra_sql:
        con.executescript(extra_sql)
    con.commit()
    con.close()
    return path


def add_amocrm_managers(con) -> None:
    """The canonical managers the amoCRM connector would have synced."""
    con.execute(
        "INSERT INTO managers VALUES (101, 'Анна', 'anna@x.ru', 'development', true), "
        "(102, 'Борис', 'boris@x.ru', 'sales', true), (103, 'Борис', 'boris2@x.ru', 'sales', true)"
    )


def demo_config(url: str, base: Path, *, plans: str | None = None) -> Config:
    """The demo's [platform] section pointed at `url` (the worked example is what the tests exercise)."""
    from salesglass.demo.platform import platform_section

    text = platform_section(base)
    text = re.sub(r'^url = ".*?"', f'url = "{url}"', text, count=1, flags=re.M)
    text = re.sub(r'^path = ".*plans.xlsx"', f'path = "{plans}"' if plans else "", text, flags=re.M)
    return parse_config(tomllib.loads(text), base_dir=base)


@pytest.fixture
def backoffice(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "backoffice.sqlite")
