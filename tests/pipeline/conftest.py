"""Connections to the simulated company `s` after the whole pipeline (fixtures in tests/conftest.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import duckdb
import pytest


@pytest.fixture(scope="session")
def published(simulated_s) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published reports file (reports + the canonical model as built), read-only."""
    con = duckdb.connect(str(simulated_s.cfg.published_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


@pytest.fixture(scope="session")
def warehouse_s(simulated_s) -> Iterator[duckdb.DuckDBPyConnection]:
    """The working warehouse (raw layers, canonical model as synced, loaded and linked), read-only."""
    con = duckdb.connect(str(simulated_s.cfg.warehouse_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


@pytest.fixture(scope="session")
def backoffice(simulated_s) -> Iterator[sqlite3.Connection]:
    """The platform's own SQLite database, read straight with Python's sqlite3 (no salesglass code)."""
    con = sqlite3.connect(f"file:{simulated_s.company / 'backoffice.sqlite'}?mode=ro", uri=True)
    yield con
    con.close()
