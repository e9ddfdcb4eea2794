"""Fixtures of the platform-source tests: the hand-written back-office in SQLite and PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
import tomllib
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
    con.execute("INSERT INTO managers VALUES (101, 'Анна', 'anna@x.ru', 'development', true), "
                "(102, 'Борис', 'boris@x.ru', 'sales', true), (103, 'Борис', 'boris2@x.ru', 'sales', true)")


def demo_config(url: str, base: Path, *, plans: str | None = None) -> Config:
    """The demo's [platform] section pointed at `url` (the worked example is what the tests exercise)."""
    from salesglass.sources.platform.config import demo_section

    text = demo_section(base)
    text = re.sub(r'^url = ".*?"', f'url = "{url}"', text, count=1, flags=re.M)
    text = re.sub(r'^path = ".*plans.xlsx"', f'path = "{plans}"' if plans else "", text, flags=re.M)
    return parse_config(tomllib.loads(text), base_dir=base)


@pytest.fixture
def backoffice(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "backoffice.sqlite")
