"""Shared fixtures. Area fixtures live in their own conftest (tests/<area>/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from salesglass.warehouse import connect, init_canonical


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty canonical warehouse in a temporary DuckDB file."""
    con = connect(tmp_path / "wh.duckdb")
    init_canonical(con)
    yield con
    con.close()
