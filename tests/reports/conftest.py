"""Fixtures of the reports area: the golden company built and published once per session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from salesglass.config import Config, parse_config
from salesglass.warehouse import connect, init_canonical
from tests.reports import golden_company as g
from tests.reports.canon_io import load_duckdb


def make_config(tmp: Path, rules: dict | None = None, timezone: str = "Europe/Moscow") -> Config:
    return parse_config(
        {
            "warehouse": {"path": "wh.duckdb", "published_path": "reports.duckdb"},
            "account": {"timezone": timezone},
            "reports": rules or {},
        },
        base_dir=tmp,
    )


def load_company(cfg: Config, data: dict) -> None:
    con = connect(cfg.warehouse_path)
    init_canonical(con)
    load_duckdb(con, data)
    con.close()


@pytest.fixture(scope="session")
def golden_cfg(tmp_path_factory) -> Config:
    from salesglass.reports.build import run_build
    from tests.conftest import built_once

    def build(folder: Path) -> Config:
        cfg = make_config(folder, g.RULES, g.TIMEZONE)
        load_company(cfg, g.DATA)
        run_build(cfg, as_of=g.AS_OF, progress=False)
        return cfg

    return built_once(tmp_path_factory, "golden", build)


@pytest.fixture
def published(golden_cfg) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(golden_cfg.published_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, table: str, cols: str, where: str = "TRUE") -> list[tuple]:
    """The table's rows (selected columns), sorted with NULLs first, for comparing with expected lists."""
    got = con.execute(f"SELECT {cols} FROM {table} WHERE {where}").fetchall()
    return sorted(got, key=lambda r: tuple((v is not None, v) for v in r))


def expected(items: list[tuple]) -> list[tuple]:
    return sorted(items, key=lambda r: tuple((v is not None, v) for v in r))


def d(y: int, m: int, day: int = 1) -> date:
    return date(y, m, day)
